import { defineElement } from '../shared/define.ts';
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
  defineElement('segment-list', TesseraSegmentList, prefix);
}

defineSegmentList();
