import { defineElement } from '../shared/define.ts';
import { TesseraChurnGauge } from './churn-gauge.component.ts';

export * from './churn-gauge.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'churn-gauge': TesseraChurnGauge;
  }
}

/**
 * Registers the gauge as `<churn-gauge>`, or as `<{prefix}-churn-gauge>` on
 * pages where another script already owns that name.
 *
 * @example A helpdesk whose app already has a churn-gauge
 * defineChurnGauge('acme'); // <acme-churn-gauge profile-id="…">
 */
export function defineChurnGauge(prefix?: string): void {
  defineElement('churn-gauge', TesseraChurnGauge, prefix);
}

defineChurnGauge();
