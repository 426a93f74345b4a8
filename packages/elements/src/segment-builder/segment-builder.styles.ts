import { css } from 'lit';
import { themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  css`
    .builder {
      display: grid;
      gap: 6px;
      padding: 16px;
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }

    .label {
      font-weight: 600;
    }

    .field {
      width: 100%;
      font: inherit;
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) - 4px);
      padding: 8px 10px;
    }

    .field::placeholder {
      color: var(--_muted);
      opacity: 1;
    }

    .field--query,
    .error__line {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 13px;
    }

    .field--query {
      resize: vertical;
    }

    .field[aria-invalid='true'] {
      border-color: var(--_danger);
    }

    .field:focus-visible,
    .button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }

    .error {
      display: grid;
      gap: 2px;
    }

    .error__line {
      margin: 0;
      padding: 4px 10px;
      overflow-x: auto;
      white-space: pre;
      color: var(--_muted);
    }

    /* A wavy underline, as editors mark mistakes; not colour alone, for colour-blind readers. */
    .error__mark {
      color: var(--_color);
      background: color-mix(in srgb, var(--_danger) 18%, transparent);
      text-decoration: underline wavy var(--_danger);
      text-underline-offset: 3px;
    }

    /* Something is missing at the end: a caret where it belongs. */
    .error__mark--end::after {
      content: '▁';
      color: var(--_danger);
    }

    .error__message,
    .danger {
      margin: 0;
      color: var(--_danger);
    }

    .count,
    .save-status {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 1.4em;
    }

    .count__value {
      font-weight: 600;
      font-variant-numeric: tabular-nums;
    }

    .muted {
      color: var(--_muted);
    }

    .warning {
      color: var(--_warning);
    }

    .save {
      display: flex;
      align-items: flex-end;
      gap: 8px;
      margin-top: 6px;
    }

    .save__name {
      display: grid;
      gap: 4px;
      flex: 1;
    }

    .button {
      font: inherit;
      font-weight: 600;
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: 8px;
      padding: 8px 16px;
      cursor: pointer;
    }

    .button--primary {
      color: var(--_background);
      background: var(--_accent);
      border-color: var(--_accent);
    }

    .button:disabled {
      cursor: not-allowed;
      opacity: 0.55;
    }

    .button--small {
      padding: 2px 10px;
      font-size: 12px;
      color: inherit;
      background: transparent;
      border-color: currentColor;
    }
  `,
];
