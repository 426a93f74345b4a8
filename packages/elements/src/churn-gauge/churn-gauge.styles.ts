import { css } from 'lit';
import { bannerStyles, buttonStyles, errorMessageStyles, skeletonStyles } from '../shared/status.styles.ts';
import { churnBandStyles } from '../shared/churn.styles.ts';
import { cardStyles, statusStyles, themeStyles } from '../shared/theme.styles.ts';

export const styles = [
  themeStyles,
  cardStyles,
  churnBandStyles,
  statusStyles,
  errorMessageStyles,
  bannerStyles,
  buttonStyles,
  skeletonStyles,
  css`
    :host {
      /* The gauge's width; the rest of the card follows the page's layout. */
      --_size: var(--tessera-gauge-size, 200px);
      --_track: color-mix(in srgb, var(--_muted) 22%, var(--_background));
    }

    p,
    ul {
      margin: 0;
      padding: 0;
    }

    .title {
      margin: 0;
      font-size: 11px;
      font-weight: 600;
      letter-spacing: 0.06em;
      text-transform: uppercase;
      color: var(--_muted);
    }

    .meter {
      display: grid;
      justify-items: center;
      gap: 2px;
      width: var(--_size);
      max-width: 100%;
      margin-inline: auto;
    }

    .gauge {
      display: block;
      width: 100%;
      height: auto;
      overflow: visible;
    }

    .gauge__track,
    .gauge__value {
      fill: none;
      stroke-width: 14;
      stroke-linecap: round;
    }

    .gauge__track {
      stroke: var(--_track);
    }

    .gauge__value {
      stroke: var(--_churn);
      transition: stroke-dasharray 0.4s ease-out;
    }

    .value {
      margin-top: calc(var(--_size) * -0.2);
      font-size: calc(var(--_size) * 0.16);
      font-weight: 700;
      line-height: 1.1;
      font-variant-numeric: tabular-nums;
      color: var(--_color);
    }

    .band {
      font-weight: 600;
      color: var(--_churn);
    }

    .band::before {
      content: '';
      display: inline-block;
      width: 8px;
      height: 8px;
      margin-inline-end: 6px;
      border-radius: 50%;
      vertical-align: 1px;
      background: var(--_churn);
    }

    .horizon,
    .model {
      font-size: 12px;
      color: var(--_muted);
      text-align: center;
    }

    .reasons {
      display: grid;
      gap: 4px;
      padding-top: 12px;
      border-top: 1px solid var(--_border);
    }

    .reasons__list {
      display: grid;
      gap: 4px;
      padding-inline-start: 18px;
      font-size: 13px;
    }

    .message {
      padding: 12px 0;
    }

    .button:hover {
      border-color: var(--_accent);
      color: var(--_accent);
    }

    .button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }

    .skeleton {
      display: block;
      margin-inline: auto;
      width: var(--_size);
      max-width: 100%;
      aspect-ratio: 2 / 1;
      border-radius: calc(var(--_size) / 2) calc(var(--_size) / 2) 0 0;
    }

    @media (prefers-reduced-motion: reduce) {
      .gauge__value {
        transition: none;
      }
    }
  `,
];
