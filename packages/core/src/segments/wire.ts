import * as z from 'zod/mini';
import { ProfileSummary } from '../schemas/profile.ts';
import { SegmentCondition } from '../schemas/segment.ts';

/** Wire formats of the segment RPC functions, loaded with the language (never in a page that only shows cards). */
const timestamp = z.iso.datetime({ offset: true });

/** What `preview_segment` answers: how many people match now, and a few of them. */
export const SegmentPreview = z.object({ count: z.number(), sample: z.array(ProfileSummary) });
/** A saved segment with its current member count. */
export const SavedSegment = z.object({
  id: z.uuid(),
  name: z.string(),
  query: z.string(),
  definition: SegmentCondition,
  members: z.number(),
  time_dependent: z.boolean(),
  updated_at: timestamp,
});
export const SegmentMember = z.object({
  id: z.uuid(),
  display_name: z.nullable(z.string()),
  email: z.nullable(z.string()),
  lifetime_revenue: z.number(),
  currency: z.nullable(z.string()),
  churn_risk: z.nullable(z.number()),
  churn_band: z.nullable(z.string()),
  entered_at: timestamp,
});
export const SavedSegmentList = z.array(SavedSegment);
export const SegmentMembersPage = z.object({ members: z.array(SegmentMember), next_cursor: z.nullable(z.uuid()) });

export type SegmentPreview = z.infer<typeof SegmentPreview>;
export type SavedSegment = z.infer<typeof SavedSegment>;
export type SegmentMember = z.infer<typeof SegmentMember>;
export type SegmentMembersPage = z.infer<typeof SegmentMembersPage>;

/** One entry into or exit from a saved segment, as realtime delivers it. */
export const SegmentMembershipChange = z.object({
  id: z.number(),
  segment_id: z.uuid(),
  profile_id: z.uuid(),
  change: z.enum(['entered', 'exited']),
  changed_at: z.string(),
});
export type SegmentMembershipChange = z.infer<typeof SegmentMembershipChange>;

export { SegmentCondition };
