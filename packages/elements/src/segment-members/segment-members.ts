import { defineElement } from '../shared/define.ts';
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
  defineElement('segment-members', TesseraSegmentMembers, prefix);
}

defineSegmentMembers();
