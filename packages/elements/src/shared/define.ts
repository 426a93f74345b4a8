/**
 * Registers an element as `<{name}>`, or as `<{prefix}-{name}>` on pages where
 * another script already owns the name; a tag already defined is left alone.
 *
 * @example
 * defineElement('customer-card', TesseraCustomerCard, 'acme'); // <acme-customer-card>
 */
export function defineElement(name: string, element: CustomElementConstructor, prefix?: string): void {
  const tag = prefix ? `${prefix}-${name}` : name;
  if (customElements.get(tag)) return;
  // A constructor can back only one tag name: prefixed tags get a subclass of their own.
  customElements.define(tag, prefix ? class extends element {} : element);
}
