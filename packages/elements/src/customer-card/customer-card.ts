import { defineElement } from '../shared/define.ts';
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
  defineElement('customer-card', TesseraCustomerCard, prefix);
}

defineCustomerCard();
