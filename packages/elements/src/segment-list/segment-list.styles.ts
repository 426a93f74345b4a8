import { css } from 'lit';
import { outlineButtonStyles, retryLineStyles } from '../shared/retry-line.styles.ts';
import { optionStyles } from '../shared/listbox.styles.ts';
import { statusStyles, themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  optionStyles,
  statusStyles,
  retryLineStyles,
  outlineButtonStyles,
  css`
    .list {
      color: var(--_color);
      background: var(--_background);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      overflow: hidden;
    }

    .heading {
      margin: 0;
      padding: 12px 16px 8px;
      font-size: 11px;
      font-weight: 600;
      letter-spacing: 0.06em;
      text-transform: uppercase;
      color: var(--_muted);
    }

    .listbox {
      list-style: none;
      margin: 0;
      padding: 0 4px 4px;
      max-height: 420px;
      overflow-y: auto;
    }

    .listbox:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: -2px;
    }

    .option {
      padding: 8px 12px;
    }

    /* The keyboard's place shows only while the list has focus. */
    .listbox:focus-visible .option--active {
      box-shadow: inset 0 0 0 2px var(--_accent);
    }

    .option--selected,
    .option--selected:hover {
      background: color-mix(in srgb, var(--_accent) 14%, var(--_background));
    }

    .option--selected .option__name::before {
      content: '✓ ';
      color: var(--_accent);
    }

    .option__query {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 12px;
      color: var(--_muted);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }

    .option__members {
      flex: none;
      font-variant-numeric: tabular-nums;
    }

    .button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }
  `,
];
