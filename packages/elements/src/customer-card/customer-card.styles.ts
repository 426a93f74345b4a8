import { css } from 'lit';
import { churnBandStyles } from '../shared/churn.styles.ts';
import { bannerStyles, buttonStyles, errorMessageStyles, liveStyles, skeletonStyles } from '../shared/status.styles.ts';

/** The dark palette, applied by prefers-color-scheme unless theme="light", and by theme="dark". */
const dark = css`
  --_background: var(--tessera-card-background, var(--tessera-background, #181b21));
  --_color: var(--tessera-card-color, var(--tessera-color, #e8eaed));
  --_muted: var(--tessera-card-muted, var(--tessera-muted, #9aa2ae));
  --_accent: var(--tessera-card-accent, var(--tessera-accent, #8f8aff));
  --_border: var(--tessera-card-border, var(--tessera-border, #2d323b));
  --_warning: #fcd34d;
  --_warning-surface: #3a2e12;
  --_danger: #fda29b;
  --_live: #4ade80;
  --_churn-low: var(--tessera-churn-low, #4ade80);
  --_churn-medium: var(--tessera-churn-medium, #fbbf24);
  --_churn-high: var(--tessera-churn-high, #f87171);
  color-scheme: dark;
`;

export const styles = [
  churnBandStyles,
  errorMessageStyles,
  bannerStyles,
  buttonStyles,
  liveStyles,
  skeletonStyles,
  css`
  /*
   * The public --tessera-* properties are read through private --_ ones, so a
   * page may set them on the card or on any ancestor (a theme's :root), and the
   * dark defaults still apply where the page sets nothing.
   */
  :host {
    --_background: var(--tessera-card-background, var(--tessera-background, #ffffff));
    --_color: var(--tessera-card-color, var(--tessera-color, #16181d));
    --_muted: var(--tessera-card-muted, var(--tessera-muted, #5f6673));
    --_accent: var(--tessera-card-accent, var(--tessera-accent, #4f46e5));
    --_border: var(--tessera-card-border, var(--tessera-border, #e4e7ec));
    --_radius: var(--tessera-card-radius, var(--tessera-radius, 12px));
    --_warning: #92400e;
    --_warning-surface: #fef3c7;
    --_danger: #b42318;
    --_live: #1a7f4b;
    --_churn-low: var(--tessera-churn-low, #1a7f4b);
    --_churn-medium: var(--tessera-churn-medium, #b45309);
    --_churn-high: var(--tessera-churn-high, #b42318);

    display: block;
    container-type: inline-size;
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

  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  p,
  dl,
  dd,
  ul {
    margin: 0;
    padding: 0;
  }

  .card {
    overflow: hidden;
    background: var(--_background);
    color: var(--_color);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }

  .header {
    display: flex;
    align-items: center;
    gap: 12px;
    padding: 16px;
  }

  .header__text {
    display: grid;
    gap: 4px;
    min-width: 0;
    flex: 1;
  }

  .avatar {
    display: grid;
    place-items: center;
    flex: none;
    width: 44px;
    height: 44px;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_accent) 16%, var(--_background));
    color: var(--_accent);
    font-weight: 600;
    font-size: 15px;
    letter-spacing: 0.02em;
  }

  .name {
    font-size: 16px;
    font-weight: 600;
    line-height: 1.3;
    overflow-wrap: anywhere;
  }

  .live {
    align-self: flex-start;
    flex-shrink: 0;
    letter-spacing: 0.02em;
    white-space: nowrap;
  }

  .contact {
    display: grid;
    gap: 1px;
    font-size: 13px;
    color: var(--_muted);
  }

  .contact a {
    color: inherit;
    text-decoration: none;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .contact a:hover {
    color: var(--_accent);
    text-decoration: underline;
  }

  a:focus-visible,
  .button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
    border-radius: 4px;
  }

  .stats {
    display: grid;
    grid-template-columns: 1fr 1fr;
    gap: 1px;
    background: var(--_border);
    border-top: 1px solid var(--_border);
  }

  .stat {
    display: grid;
    align-content: start;
    gap: 2px;
    padding: 12px 16px;
    background: var(--_background);
    min-width: 0;
  }

  .stat dt {
    font-size: 11px;
    font-weight: 600;
    letter-spacing: 0.06em;
    text-transform: uppercase;
    color: var(--_muted);
  }

  .stat__value {
    font-size: 15px;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
    overflow-wrap: anywhere;
  }

  .stat__value--none {
    font-weight: 400;
    color: var(--_muted);
  }

  .stat--wide {
    grid-column: 1 / -1;
  }

  .churn__dot {
    display: inline-block;
    width: 8px;
    height: 8px;
    margin-inline-end: 6px;
    border-radius: 50%;
    vertical-align: 1px;
    background: var(--_churn);
  }

  .churn .stat__value {
    color: var(--_churn);
  }

  .stat__detail {
    font-size: 12px;
    color: var(--_muted);
  }

  @container (max-width: 240px) {
    .stats {
      grid-template-columns: 1fr;
    }
  }

  /* minmax(0, 1fr): long emails truncate instead of widening the card. */
  .identities {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 12px;
    padding: 14px 16px 16px;
    border-top: 1px solid var(--_border);
  }

  .group__source {
    display: flex;
    align-items: center;
    gap: 6px;
    margin-bottom: 4px;
    font-size: 11px;
    font-weight: 600;
    letter-spacing: 0.06em;
    text-transform: uppercase;
    color: var(--_muted);
  }

  /* A brand-coloured dot tells sources apart at a glance. */
  .group__source::before {
    content: '';
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_source, var(--_muted));
  }

  .group[data-source='shopify'] {
    --_source: #5e8e3e;
  }
  .group[data-source='kajabi'] {
    --_source: #2e6cf6;
  }
  .group[data-source='instagram'] {
    --_source: #d62976;
  }
  .group[data-source='facebook'] {
    --_source: #1877f2;
  }
  .group[data-source='tiktok'] {
    --_source: #25f4ee;
  }
  .group[data-source='youtube'] {
    --_source: #ff0033;
  }
  .group[data-source='x'] {
    --_source: var(--_color);
  }

  .group__list {
    list-style: none;
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 2px;
  }

  .identity {
    display: flex;
    justify-content: space-between;
    align-items: baseline;
    gap: 12px;
    font-size: 13px;
    padding: 2px 0;
  }

  .identity__kind {
    flex: none;
    color: var(--_muted);
  }

  .identity__value {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-variant-numeric: tabular-nums;
  }

  .message {
    padding: 20px 16px;
  }

  .message .button {
    margin-top: 6px;
  }

  .banner {
    padding: 8px 12px 8px 16px;
    border-radius: 0;
    border-bottom: 1px solid var(--_border);
  }

  .button:hover {
    border-color: var(--_accent);
    color: var(--_accent);
  }

  .skeleton {
    display: block;
    /* Again here, after .avatar: the avatar's placeholder is grey, not the accent. */
    background: color-mix(in srgb, var(--_muted) 18%, var(--_background));
  }

  .skeleton--line {
    height: 14px;
    border-radius: 6px;
  }

  .skeleton--small {
    height: 10px;
  }

  .stat .skeleton--small {
    margin-bottom: 6px;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`,
];
