import { css } from 'lit';

/** `retryLine()`: one line of text with Retry at its end, in warning or danger colours. */
export const retryLineStyles = css`
  .message {
    margin: 0;
    padding: 12px 16px;
    color: var(--_muted);
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
  }

  .message--error {
    color: var(--_danger);
  }

  .message--offline {
    color: var(--_warning);
    background: var(--_warning-surface);
  }
`;

/** Retry as an outline in the text's colour, for the lines of a list (`retryLine()`). */
export const outlineButtonStyles = css`
  .button {
    font: inherit;
    font-weight: 600;
    color: inherit;
    background: transparent;
    border: 1px solid currentColor;
    border-radius: 8px;
    padding: 2px 10px;
    cursor: pointer;
  }
`;
