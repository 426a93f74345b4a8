import { TesseraCustomerCard } from './customer-card.component.ts';

export * from './customer-card.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'customer-card': TesseraCustomerCard;
  }
}

/**
 * Registers the card as `<customer-card>`, or as `<{prefix}-customer-card>` on
 * pages where another script already owns that name.
 *
 * @example A store whose theme already has a customer-card
 * Tessera.define('acme'); // <acme-customer-card email="…">
 */
export function defineCustomerCard(prefix?: string): void {
  const name = prefix ? `${prefix}-customer-card` : 'customer-card';
  if (customElements.get(name)) return;
  // A constructor can back only one tag name: prefixed tags get a subclass of their own.
  customElements.define(name, prefix ? class extends TesseraCustomerCard {} : TesseraCustomerCard);
}

defineCustomerCard();
