import { css } from 'lit';
import { outlineButtonStyles, retryLineStyles } from '../shared/retry-line.styles.ts';
import { optionStyles } from '../shared/listbox.styles.ts';
import { themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  optionStyles,
  retryLineStyles,
  outlineButtonStyles,
  css`
    .search {
      position: relative;
      color: var(--_color);
    }

    .label {
      display: block;
      margin-bottom: 4px;
      font-weight: 600;
    }

    .input {
      width: 100%;
      font: inherit;
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: 8px 12px;
    }

    .input::placeholder {
      color: var(--_muted);
      opacity: 1;
    }

    .input:focus-visible,
    .button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }

    .listbox,
    .status {
      margin: 4px 0 0;
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }

    .listbox {
      list-style: none;
      padding: 4px;
      max-height: 320px;
      overflow-y: auto;
    }

    .listbox[hidden],
    .status[hidden] {
      display: none;
    }

    /* An empty live region (a list is showing) takes no room. */
    .status:not(:has(.message)) {
      border: 0;
      margin: 0;
    }

    .option {
      padding: 6px 8px;
    }

    .option--active,
    .option--active:hover {
      background: color-mix(in srgb, var(--_accent) 14%, var(--_background));
      box-shadow: inset 3px 0 0 var(--_accent);
    }

    .option__email {
      font-size: 13px;
      color: var(--_muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }

    .option__revenue {
      flex: none;
      font-variant-numeric: tabular-nums;
    }

    .message {
      padding: 10px 12px;
    }

    .message--offline {
      border-radius: var(--_radius);
    }

  `,
];
