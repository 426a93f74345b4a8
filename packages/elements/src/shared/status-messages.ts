import type { TesseraError } from '@tessera/core';
import { html, nothing, type TemplateResult } from 'lit';
import { fetchedTime, fullDate } from './status.ts';

// The status markup the elements share; its look is in status.styles.ts.

/** Data shown although it could not be refreshed: whether the backend was unreachable, and when the copy was read. */
export interface Stale {
  offline: boolean;
  fetchedAt: number;
}

/**
 * A failed load, as a block: what failed, what to do about it, the error's
 * code for support, and Retry (`part="retry-button"`).
 *
 * @example
 * errorMessage('Couldn’t load the journey', advice(error, 'this journey'), error, this.handleRetry)
 */
export function errorMessage(title: string, text: string, error: TesseraError, retry: () => void): TemplateResult {
  return html`<div class="message message--error">
    <p class="message__title">${title}</p>
    <p class="message__text">${text}</p>
    <p class="message__code">Error code: <code>${error.code}</code></p>
    <button part="retry-button" class="button" type="button" @click=${retry}>Retry</button>
  </div>`;
}

/**
 * "Offline — showing data from 14:02" (or "Couldn’t refresh — …") over data
 * that could not be refreshed, with the full date a hover away, and Retry.
 *
 * @example
 * view.stale ? staleBanner(view.stale, this.tessera.locale, this.handleRetry) : nothing
 */
export function staleBanner(stale: Stale, locale: string | undefined, retry: () => void): TemplateResult {
  return html`<div class="banner ${stale.offline ? 'banner--offline' : ''}">
    <span class="banner__text">
      ${stale.offline ? 'Offline' : 'Couldn’t refresh'} — showing data from
      <time datetime=${new Date(stale.fetchedAt).toISOString()} title=${fullDate(stale.fetchedAt, locale)}>${fetchedTime(stale.fetchedAt, locale)}</time>
    </span>
    <button part="retry-button" class="button button--small" type="button" @click=${retry}>Retry</button>
  </div>`;
}

/** "Live" while changes arrive in real time, "Reconnecting…" while they cannot; nothing before live updates start. */
export function liveIndicator(live: boolean | undefined) {
  if (live === undefined) return nothing;
  return html`<span part="live-indicator" class="live ${live ? 'live--on' : 'live--off'}" data-live=${String(live)}>${live ? 'Live' : 'Reconnecting…'}</span>`;
}
