import type { TesseraError } from '@tessera/core';
import { html, type TemplateResult } from 'lit';

// Its look is retryLineStyles in retry-line.styles.ts.

/**
 * A one-line status with Retry, for lists: offline ("Offline — segments need a
 * connection") or failed ("Couldn’t load segments (error code server)").
 *
 * @example
 * retryLine({ offline: 'Offline — segments need a connection' }, this.handleRetry)
 * retryLine({ failed: 'Couldn’t load segments', error }, this.handleRetry, 'button button--small')
 */
export function retryLine(
  status: { offline: string } | { failed: string; error: TesseraError },
  retry: () => void,
  buttonClass = 'button',
): TemplateResult {
  return 'offline' in status
    ? html`<div class="message message--offline">
        <span>${status.offline}</span>
        <button part="retry-button" class=${buttonClass} type="button" @click=${retry}>Retry</button>
      </div>`
    : html`<div class="message message--error">
        <span>${status.failed} (error code <code>${status.error.code}</code>)</span>
        <button part="retry-button" class=${buttonClass} type="button" @click=${retry}>Retry</button>
      </div>`;
}
