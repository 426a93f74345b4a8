import { css } from 'lit';
import { statusStyles, themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  statusStyles,
  css`
    :host {
      container-type: inline-size;
    }

    p,
    dl,
    dd,
    figure {
      margin: 0;
      padding: 0;
    }

    .overview {
      display: grid;
      gap: 16px;
      color: var(--_color);
    }

    /* Tiles: four across on a wide dashboard, two on a tablet, one on a phone. */
    .tiles {
      display: grid;
      grid-template-columns: repeat(4, minmax(0, 1fr));
      gap: 12px;
    }

    @container (max-width: 720px) {
      .tiles {
        grid-template-columns: repeat(2, minmax(0, 1fr));
      }
    }

    @container (max-width: 360px) {
      .tiles {
        grid-template-columns: minmax(0, 1fr);
      }
    }

    .tile {
      display: flex;
      flex-direction: column;
      gap: 4px;
      padding: 14px 16px;
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      min-width: 0;
    }

    .tile dt {
      color: var(--_muted);
      font-size: 12px;
      font-weight: 600;
      letter-spacing: 0.02em;
      text-transform: uppercase;
    }

    .tile__value {
      font-size: 24px;
      font-weight: 650;
      font-variant-numeric: tabular-nums;
      overflow-wrap: anywhere;
    }

    .tile__value--small {
      font-size: 18px;
    }

    .tile__detail {
      color: var(--_muted);
      font-size: 12px;
    }

    .tile--risk .tile__value {
      color: var(--_churn-high);
    }

    .charts {
      display: grid;
      grid-template-columns: repeat(2, minmax(0, 1fr));
      gap: 12px;
    }

    /* Weeks read left to right: the weekly chart takes the whole row. */
    .chart[data-chart='weekly'] {
      grid-column: 1 / -1;
    }

    @container (max-width: 720px) {
      .charts {
        grid-template-columns: minmax(0, 1fr);
      }
    }

    .chart {
      display: flex;
      flex-direction: column;
      gap: 8px;
      padding: 14px 16px;
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      min-width: 0;
    }

    .chart figcaption {
      font-weight: 600;
    }

    /* The canvas box keeps its height before chart.js arrives, so nothing jumps when it draws. */
    .chart__canvas {
      position: relative;
      height: var(--tessera-overview-chart-height, 240px);
    }

    .chart__placeholder {
      position: absolute;
      inset: 0;
      display: grid;
      place-items: center;
      color: var(--_muted);
      font-size: 12px;
      border-radius: calc(var(--_radius) / 2);
      background: color-mix(in srgb, var(--_border) 35%, transparent);
    }

    /* When chart.js cannot be loaded the data table is shown instead of a blank box. */
    .chart__table--shown {
      width: 100%;
      border-collapse: collapse;
      font-variant-numeric: tabular-nums;
    }

    .chart__table--shown th,
    .chart__table--shown td {
      padding: 4px 0;
      text-align: start;
      border-bottom: 1px solid var(--_border);
    }

    .chart__table--shown td:last-child {
      text-align: end;
    }

    .message {
      padding: 16px;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_background);
      display: grid;
      gap: 6px;
      justify-items: start;
    }

    .message--error .message__title {
      color: var(--_danger);
    }

    .message__title {
      font-weight: 650;
    }

    .message__text,
    .message__code {
      color: var(--_muted);
    }

    .banner {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 12px;
      padding: 8px 12px;
      border-radius: var(--_radius);
      background: var(--_warning-surface);
      color: var(--_warning);
    }

    .button {
      font: inherit;
      font-weight: 600;
      padding: 6px 14px;
      border-radius: 8px;
      border: 1px solid var(--_accent);
      background: var(--_accent);
      color: #fff;
      cursor: pointer;
    }

    .button--small {
      padding: 2px 10px;
      font-size: 12px;
    }

    .button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }

    .skeleton {
      display: block;
      border-radius: 6px;
      background: color-mix(in srgb, var(--_border) 70%, transparent);
      animation: pulse 1.4s ease-in-out infinite;
    }

    .skeleton--line {
      height: 14px;
    }

    .skeleton--big {
      height: 26px;
    }

    @keyframes pulse {
      50% {
        opacity: 0.5;
      }
    }

    @media (prefers-reduced-motion: reduce) {
      .skeleton {
        animation: none;
      }
    }
  `,
];
