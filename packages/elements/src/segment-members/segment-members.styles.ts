import { css } from 'lit';
import { retryLineStyles } from '../shared/retry-line.styles.ts';
import { buttonStyles, liveStyles } from '../shared/status.styles.ts';
import { statusStyles, themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  statusStyles,
  retryLineStyles,
  buttonStyles,
  liveStyles,
  css`
    .members {
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      overflow: hidden;
    }

    .header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      padding: 12px 16px 8px;
    }

    .heading {
      margin: 0;
      font-size: 11px;
      font-weight: 600;
      letter-spacing: 0.06em;
      text-transform: uppercase;
      color: var(--_muted);
    }

    .list {
      list-style: none;
      margin: 0;
      padding: 0 4px 4px;
      display: grid;
      grid-template-columns: minmax(0, 1fr);
    }

    .member {
      display: flex;
      width: 100%;
      align-items: center;
      justify-content: space-between;
      gap: 12px;
      padding: 8px 12px;
      font: inherit;
      text-align: start;
      color: inherit;
      background: transparent;
      border: 0;
      border-radius: calc(var(--_radius) - 4px);
      cursor: pointer;
    }

    .member:hover {
      background: color-mix(in srgb, var(--_accent) 10%, var(--_background));
    }

    .member:focus-visible,
    .button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: -2px;
    }

    .member__text,
    .member__figures {
      display: grid;
      min-width: 0;
    }

    .member__figures {
      flex: none;
      justify-items: end;
    }

    .member__name {
      font-weight: 600;
      overflow-wrap: anywhere;
    }

    .member__email {
      font-size: 13px;
      color: var(--_muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }

    .member__revenue {
      font-variant-numeric: tabular-nums;
    }

    .member__churn {
      font-size: 12px;
    }
    .member__churn[data-band='low'] {
      color: var(--_churn-low);
    }
    .member__churn[data-band='medium'] {
      color: var(--_churn-medium);
    }
    .member__churn[data-band='high'] {
      color: var(--_churn-high);
    }

    .more {
      display: block;
      margin: 4px auto 12px;
    }
  `,
];
