import { defineElement } from '../shared/define.ts';
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
  defineElement('segment-builder', TesseraSegmentBuilder, prefix);
}

defineSegmentBuilder();
