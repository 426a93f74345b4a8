import { css } from 'lit';

/**
 * The palette every Tessera element shares. Pages theme all of them at once
 * with the public `--tessera-*` properties (on the element or any ancestor,
 * a theme's `:root`); each element reads them through private `--_*` ones so
 * the dark defaults still apply where the page sets nothing.
 *
 * Dark follows `prefers-color-scheme` unless the element has `theme="light"`;
 * `theme="dark"` forces it.
 */
const dark = css`
  --_background: var(--tessera-background, #181b21);
  --_color: var(--tessera-color, #e8eaed);
  --_muted: var(--tessera-muted, #9aa2ae);
  --_accent: var(--tessera-accent, #8f8aff);
  --_border: var(--tessera-border, #2d323b);
  --_warning: #fcd34d;
  --_warning-surface: #3a2e12;
  --_danger: #fda29b;
  --_live: #4ade80;
  --_churn-low: var(--tessera-churn-low, #4ade80);
  --_churn-medium: var(--tessera-churn-medium, #fbbf24);
  --_churn-high: var(--tessera-churn-high, #f87171);
  color-scheme: dark;
`;

export const themeStyles = css`
  :host {
    --_background: var(--tessera-background, #ffffff);
    --_color: var(--tessera-color, #16181d);
    --_muted: var(--tessera-muted, #5f6673);
    --_accent: var(--tessera-accent, #4f46e5);
    --_border: var(--tessera-border, #e4e7ec);
    --_radius: var(--tessera-radius, 12px);
    --_warning: #92400e;
    --_warning-surface: #fef3c7;
    --_danger: #b42318;
    --_live: #1a7f4b;
    --_churn-low: var(--tessera-churn-low, #1a7f4b);
    --_churn-medium: var(--tessera-churn-medium, #b45309);
    --_churn-high: var(--tessera-churn-high, #b42318);

    display: block;
    color-scheme: light;
    font-family: var(--tessera-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);
    font-size: 14px;
    line-height: 1.4;
  }

  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }

  :host([theme='dark']) {
    ${dark}
  }

  :host([hidden]) {
    display: none;
  }

  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0, 0, 0, 0);
    white-space: nowrap;
    border: 0;
  }
`;

/** The bordered surface an element's content sits on. */
export const cardStyles = css`
  .card {
    display: grid;
    gap: 12px;
    padding: 16px;
    background: var(--_background);
    color: var(--_color);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
`;

/** An empty status region takes no room. */
export const statusStyles = css`
  .status:empty {
    display: none;
  }
`;
