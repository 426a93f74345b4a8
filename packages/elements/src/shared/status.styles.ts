import { css } from 'lit';

// The look of the status markup in status-messages.ts; an element's own sheet,
// after these, adds its spacing. customer-card imports this module, so all of
// it ships in the storefront's first render (a bundler cannot drop unused css``
// calls): sheets the card does not show live elsewhere (retry-line.styles.ts,
// listbox.styles.ts, theme.styles.ts).

/** A pulsing placeholder while the first answer loads; still for people who ask for reduced motion. Elements give it its shape. */
export const skeletonStyles = css`
  .skeleton {
    background: color-mix(in srgb, var(--_muted) 18%, var(--_background));
    animation: pulse 1.4s ease-in-out infinite;
  }

  @keyframes pulse {
    50% {
      opacity: 0.45;
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .skeleton {
      animation: none;
    }
  }
`;

/** `errorMessage()`: title, advice and code of a failed load, centred like the element's other messages. Elements set their padding. */
export const errorMessageStyles = css`
  .message {
    color: var(--_muted);
    text-align: center;
  }

  .message--error {
    display: grid;
    justify-items: center;
    gap: 6px;
  }

  .message__title {
    font-weight: 600;
    color: var(--_danger);
  }

  .message__text {
    color: var(--_color);
  }

  .message__code {
    font-size: 12px;
  }

  .message__code code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  }
`;

/** `staleBanner()`: muted when the data could not be refreshed, in warning colours when offline. */
export const bannerStyles = css`
  .banner {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 6px 10px;
    border-radius: 8px;
    font-size: 12px;
    color: var(--_muted);
    background: color-mix(in srgb, var(--_muted) 10%, var(--_background));
  }

  .banner--offline {
    color: var(--_warning);
    background: var(--_warning-surface);
  }
`;

/** The bordered Retry button, and its small outline form inside a banner or line. */
export const buttonStyles = css`
  .button {
    font: inherit;
    font-weight: 600;
    color: var(--_color);
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: 8px;
    padding: 6px 14px;
    cursor: pointer;
  }

  .button--small {
    padding: 2px 10px;
    font-size: 12px;
    background: transparent;
    color: inherit;
    border-color: currentColor;
  }
`;

/** `liveIndicator()`: a dot and "Live", green while changes flow, muted while reconnecting. */
export const liveStyles = css`
  .live {
    display: inline-flex;
    align-items: center;
    gap: 5px;
    font-size: 11px;
    font-weight: 600;
    color: var(--_muted);
  }

  .live::before {
    content: '';
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: currentColor;
  }

  .live--on {
    color: var(--_live);
  }
`;
