import { css } from 'lit';
import { bannerStyles, buttonStyles, errorMessageStyles, skeletonStyles } from '../shared/status.styles.ts';
import { cardStyles, statusStyles, themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  cardStyles,
  statusStyles,
  errorMessageStyles,
  bannerStyles,
  buttonStyles,
  skeletonStyles,
  css`
    p,
    ol,
    figure {
      margin: 0;
      padding: 0;
    }

    .title,
    .chart__caption {
      margin: 0;
      font-size: 11px;
      font-weight: 600;
      letter-spacing: 0.06em;
      text-transform: uppercase;
      color: var(--_muted);
    }

    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
    }

    .chip {
      font: inherit;
      font-size: 12px;
      font-weight: 600;
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: 999px;
      padding: 3px 12px;
      cursor: pointer;
    }

    .chip[aria-pressed='true'] {
      color: var(--_background);
      background: var(--_accent);
      border-color: var(--_accent);
    }

    .chip[aria-pressed='true']::before {
      content: '✓ ';
    }

    .chart {
      display: grid;
      gap: 6px;
    }

    .chart__area {
      position: relative;
      height: var(--tessera-chart-height, 160px);
    }

    .events {
      list-style: none;
      display: grid;
      border-top: 1px solid var(--_border);
    }

    .events__item {
      border-bottom: 1px solid var(--_border);
    }

    /* The whole row is the button: one tab stop per event, Enter and Space activate it. */
    .event {
      display: grid;
      grid-template-columns: auto minmax(0, 1fr);
      grid-template-areas: 'summary summary' 'comment comment' 'badge meta';
      align-items: center;
      gap: 2px 8px;
      width: 100%;
      padding: 10px 4px;
      font: inherit;
      color: inherit;
      text-align: start;
      background: transparent;
      border: 0;
      cursor: pointer;
    }

    .event:hover {
      background: color-mix(in srgb, var(--_muted) 8%, var(--_background));
    }

    .badge {
      grid-area: badge;
      padding: 1px 8px;
      font-size: 11px;
      font-weight: 600;
      border-radius: 999px;
      border: 1px solid var(--_border);
      color: var(--_color);
      white-space: nowrap;
    }

    .badge::before {
      content: '';
      display: inline-block;
      width: 7px;
      height: 7px;
      margin-inline-end: 5px;
      border-radius: 50%;
      vertical-align: 1px;
      background: var(--_source, var(--_muted));
    }

    [data-source='shopify'] {
      --_source: #5e8e3e;
    }
    [data-source='kajabi'] {
      --_source: #2e6cf6;
    }
    [data-source='meta'],
    [data-source='instagram'] {
      --_source: #d62976;
    }
    [data-source='facebook'] {
      --_source: #1877f2;
    }
    [data-source='tiktok'] {
      --_source: #25b8b3;
    }
    [data-source='youtube'] {
      --_source: #ff0033;
    }

    .event__summary {
      grid-area: summary;
      font-weight: 600;
      overflow-wrap: anywhere;
    }

    .event__comment {
      grid-area: comment;
      font-style: italic;
      overflow-wrap: anywhere;
    }

    .event__meta {
      grid-area: meta;
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      font-size: 12px;
      color: var(--_muted);
    }

    .event__revenue {
      font-variant-numeric: tabular-nums;
      color: var(--_color);
    }

    .event__revenue--refund {
      color: var(--_danger);
    }

    .older {
      display: grid;
      justify-items: center;
      gap: 6px;
    }

    .older__error {
      font-size: 12px;
      color: var(--_danger);
      text-align: center;
    }

    .message {
      padding: 12px 0;
    }

    .button:hover,
    .chip:hover {
      border-color: var(--_accent);
    }

    .button[aria-disabled='true'] {
      cursor: progress;
      opacity: 0.7;
    }

    .button:focus-visible,
    .chip:focus-visible,
    .event:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
      border-radius: 4px;
    }

    .skeleton-list {
      display: grid;
      gap: 10px;
    }

    .skeleton {
      display: block;
      height: 14px;
      border-radius: 6px;
    }
  `,
];
