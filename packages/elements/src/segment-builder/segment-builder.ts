import { TesseraSegmentBuilder } from './segment-builder.component.ts';

export * from './segment-builder.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'segment-builder': TesseraSegmentBuilder;
  }
}

/**
 * Registers the editor as `<segment-builder>`, or as `<{prefix}-segment-builder>`
 * on pages where another script already owns that name.
 *
 * @example
 * defineSegmentBuilder('acme'); // <acme-segment-builder value="has instagram">
 */
export function defineSegmentBuilder(prefix?: string): void {
  const name = prefix ? `${prefix}-segment-builder` : 'segment-builder';
  if (customElements.get(name)) return;
  // A constructor can back only one tag name: prefixed tags get a subclass of their own.
  customElements.define(name, prefix ? class extends TesseraSegmentBuilder {} : TesseraSegmentBuilder);
}

defineSegmentBuilder();
