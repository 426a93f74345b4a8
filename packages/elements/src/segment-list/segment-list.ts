import { TesseraSegmentList } from './segment-list.component.ts';

export * from './segment-list.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'segment-list': TesseraSegmentList;
  }
}

/**
 * Registers the list as `<segment-list>`, or as `<{prefix}-segment-list>`
 * on pages where another script already owns that name.
 *
 * @example
 * defineSegmentList('acme'); // <acme-segment-list selected="…">
 */
export function defineSegmentList(prefix?: string): void {
  const name = prefix ? `${prefix}-segment-list` : 'segment-list';
  if (customElements.get(name)) return;
  // A constructor can back only one tag name: prefixed tags get a subclass of their own.
  customElements.define(name, prefix ? class extends TesseraSegmentList {} : TesseraSegmentList);
}

defineSegmentList();
