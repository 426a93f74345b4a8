import { TesseraSegmentMembers } from './segment-members.component.ts';

export * from './segment-members.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'segment-members': TesseraSegmentMembers;
  }
}

/**
 * Registers the list as `<segment-members>`, or as `<{prefix}-segment-members>`
 * on pages where another script already owns that name.
 *
 * @example
 * defineSegmentMembers('acme'); // <acme-segment-members segment-id="…">
 */
export function defineSegmentMembers(prefix?: string): void {
  const name = prefix ? `${prefix}-segment-members` : 'segment-members';
  if (customElements.get(name)) return;
  // A constructor can back only one tag name: prefixed tags get a subclass of their own.
  customElements.define(name, prefix ? class extends TesseraSegmentMembers {} : TesseraSegmentMembers);
}

defineSegmentMembers();
