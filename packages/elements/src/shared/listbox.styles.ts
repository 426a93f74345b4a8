import { css } from 'lit';

/** An option of a listbox (a search hit, a saved segment): its text left, a figure right. Elements set its padding and active look. */
export const optionStyles = css`
  .option {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    border-radius: calc(var(--_radius) - 4px);
    cursor: pointer;
  }

  .option:hover {
    background: color-mix(in srgb, var(--_muted) 10%, var(--_background));
  }

  .option__text {
    display: grid;
    min-width: 0;
  }

  .option__name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
`;
