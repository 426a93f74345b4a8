import { defineElement } from '../shared/define.ts';
import { TesseraJourneyTimeline } from './journey-timeline.component.ts';

export * from './journey-timeline.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'journey-timeline': TesseraJourneyTimeline;
  }
}

/**
 * Registers the timeline as `<journey-timeline>`, or as `<{prefix}-journey-timeline>`
 * on pages where another script already owns that name.
 *
 * @example A helpdesk whose app already has a journey-timeline
 * defineJourneyTimeline('acme'); // <acme-journey-timeline profile-id="…">
 */
export function defineJourneyTimeline(prefix?: string): void {
  defineElement('journey-timeline', TesseraJourneyTimeline, prefix);
}

defineJourneyTimeline();
