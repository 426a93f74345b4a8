export { createTessera, type Tessera, type TesseraOptions, type CacheSetting } from './client.ts';
export { TesseraError, isTesseraError, type TesseraErrorCode } from './errors.ts';
export type { ChurnClient } from './churn.ts';
export { SegmentQueryError, type SegmentQuery, type SegmentsClient } from './segments.ts';
export { SavedSegment, SegmentMember, SegmentMembersPage, SegmentPreview } from './segments/wire.ts';
export { parseSegment, printSegment, matchesSegment, evaluateSegment, type SegmentFacts, type SegmentParseResult, type SegmentParseError } from './segments/index.ts';
export type { IdentityQuery, ProfileSnapshot, ProfilesClient, RequestOptions, Subscription } from './profiles.ts';
export type { Backend, ChannelLike, RpcResponse, SupabaseClientLike } from './backend.ts';
export * from './schemas/index.ts';
