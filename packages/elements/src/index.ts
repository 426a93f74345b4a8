// Importing the package registers every element under its plain name;
// `define(prefix)` registers them again under `{prefix}-…` as well.
import { defineChurnGauge } from './churn-gauge/churn-gauge.ts';
import { defineCustomerCard } from './customer-card/customer-card.ts';
import { defineJourneyTimeline } from './journey-timeline/journey-timeline.ts';
import { defineProfileSearch } from './profile-search/profile-search.ts';
import { defineSegmentBuilder } from './segment-builder/segment-builder.ts';
import { defineSegmentList } from './segment-list/segment-list.ts';
import { defineSegmentMembers } from './segment-members/segment-members.ts';
import { defineWorkspaceOverview } from './workspace-overview/workspace-overview.ts';

export {
  TesseraCustomerCard,
  defineCustomerCard,
  type ProfileChangeDetail,
  type ProfileErrorDetail,
  type ProfileLoadDetail,
} from './customer-card/customer-card.ts';
export * from './churn-gauge/churn-gauge.ts';
export * from './journey-timeline/journey-timeline.ts';
export { TesseraProfileSearch, defineProfileSearch, type ProfileSelectDetail } from './profile-search/profile-search.ts';
export { TesseraSegmentBuilder, defineSegmentBuilder, type SegmentInputDetail, type SegmentSaveDetail } from './segment-builder/segment-builder.ts';
export { TesseraSegmentList, defineSegmentList, type SegmentSelectDetail } from './segment-list/segment-list.ts';
export { TesseraSegmentMembers, defineSegmentMembers } from './segment-members/segment-members.ts';
export * from './workspace-overview/workspace-overview.ts';
export { configure, getDefaultClient, setDefaultClient, type ClientReadyDetail } from './client.ts';

/**
 * Registers every element as `{prefix}-…` (`<acme-customer-card>`, `<acme-churn-gauge>`)
 * for pages where another script already owns the plain names.
 *
 * @example
 * import { define } from '@tessera/elements';
 * define('acme');
 */
export function define(prefix?: string): void {
  for (const defineElement of [
    defineCustomerCard,
    defineChurnGauge,
    defineJourneyTimeline,
    defineProfileSearch,
    defineSegmentBuilder,
    defineSegmentList,
    defineSegmentMembers,
    defineWorkspaceOverview,
  ]) {
    defineElement(prefix);
  }
}
