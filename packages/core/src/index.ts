export { createTessera, type Tessera, type TesseraOptions, type CacheSetting } from './client.ts';
export { TesseraError, isTesseraError, type TesseraErrorCode } from './errors.ts';
export type { ChurnClient, ChurnExplanation } from './churn.ts';
export type { Snapshot } from './snapshot.ts';
export type { JourneyQuery, JourneysClient } from './journeys.ts';
export type { AnalyticsClient, OverviewQuery } from './analytics.ts';
export type { StorefrontOptions, StorefrontSession } from './storefront.ts';
export { SegmentQueryError, type SegmentQuery, type SegmentsClient } from './segments.ts';
// The segment language and its wire schemas are a subpath of their own (`@tessera/core/segments`):
// pages that only show cards never download them.
export type { SavedSegment, SegmentMember, SegmentMembersPage, SegmentMembershipChange, SegmentPreview } from './segments/wire.ts';
export type { SegmentFacts, SegmentParseResult, SegmentParseError } from './segments/index.ts';
export type { IdentityQuery, ProfileSnapshot, ProfilesClient, RequestOptions, Subscription } from './profiles.ts';
export type { Backend, ChannelLike, RpcResponse, SupabaseClientLike } from './backend.ts';
export * from './schemas/profile.ts';
export * from './schemas/churn.ts';
// The segment tree's runtime schemas live with the language (`@tessera/core/segments`): only its types here.
export type { ComparisonOperator, SegmentAttribute, SegmentIdentity, SegmentNode, SegmentValue, SegmentVerb, SegmentWindow } from './schemas/segment.ts';
export * from './schemas/journey.ts';
// Workspace figures' schema is loaded with the first overview (`@tessera/core/schemas` has it too).
export type { WorkspaceOverview } from './schemas/analytics.ts';
