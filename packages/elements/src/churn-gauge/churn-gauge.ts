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
  const name = prefix ? `${prefix}-churn-gauge` : 'churn-gauge';
  if (customElements.get(name)) return;
  // A constructor can back only one tag name: prefixed tags get a subclass of their own.
  customElements.define(name, prefix ? class extends TesseraChurnGauge {} : TesseraChurnGauge);
}

defineChurnGauge();
