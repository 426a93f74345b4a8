/**
 * The segment language: text such as
 *   amount_spent > 100 AND last_order_date < -90d AND NOT has instagram
 * read into the tree of `schemas/segment.ts`, printed back, and evaluated
 * against one person's facts with the semantics the backend's SQL follows.
 * Reference for merchants: docs/segments.md.
 */
export { parseSegment, parseSegmentOrThrow, SEGMENT_LIMITS, type SegmentParseError, type SegmentParseResult } from './parse.ts';
export { printSegment } from './print.ts';
export { evaluateSegment, matchesSegment, type SegmentFacts } from './evaluate.ts';
export { checkSegment } from './check.ts';
export { SegmentSyntaxError } from './syntax-error.ts';
export { SavedSegment, SavedSegmentList, SegmentCondition, SegmentMember, SegmentMembersPage, SegmentMembershipChange, SegmentPreview } from './wire.ts';
export { SEGMENT_ATTRIBUTES, SEGMENT_IDENTITIES, SEGMENT_VERBS, SegmentAttribute, SegmentIdentity, SegmentVerb, SegmentValue, SegmentWindow, ComparisonOperator } from '../schemas/segment.ts';
export type { SegmentNode } from '../schemas/segment.ts';
