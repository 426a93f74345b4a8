import * as z from 'zod/mini';
import { Source } from './profile.ts';

/**
 * Wire format of `get_journey`: one person's timeline across every source and
 * every profile merged into them, newest first, a page at a time.
 */

const timestamp = z.iso.datetime({ offset: true });

/** One thing a person did, as a timeline shows it. */
export const JourneyEvent = z.object({
  /** The event's id: a Postgres bigint, so a string (JavaScript numbers lose precision past 2^53). */
  id: z.string().check(z.regex(/^\d+$/)),
  /** Where it happened: `shopify`, `kajabi`, `meta`, `tiktok`, `x`, `youtube`, `social_import`, … */
  source: Source,
  /** `order_placed`, `payment_succeeded`, `commented`, `followed`, `lesson_completed`, … */
  type: z.string(),
  occurred_at: timestamp,
  /** Money it brought in, in `currency` (negative for refunds); null when it moved none. */
  revenue: z.nullable(z.number()),
  currency: z.nullable(z.string()),
  /** What happened, in a sentence: "Ordered 2 items, $84.00", "Commented on your Instagram post". */
  summary: z.string(),
  /** What a timeline shows of the event (items, offer title, network, comment text, …); never ids or the raw payload. */
  properties: z.record(z.string(), z.unknown()),
});

/** A page of a journey. */
export const JourneyPage = z.object({
  /** The person whose journey this is: the surviving profile when the id asked for was merged into another. */
  profile_id: z.uuid(),
  /** Newest first, by (occurred_at, id). */
  events: z.array(JourneyEvent),
  /** Pass it back as `cursor` for the next (older) page; null on the last page. */
  next_cursor: z.nullable(z.string()),
});

export type JourneyEvent = z.infer<typeof JourneyEvent>;
export type JourneyPage = z.infer<typeof JourneyPage>;

/** One stay in a lifecycle stage. */
export const StageSpell = z.object({
  /** follower, lead, first_purchase, repeat, loyal, at_risk, churned, reactivated. */
  stage: z.string(),
  /** The stage as people read it ("First purchase"); null for a stage the model no longer names. */
  label: z.nullable(z.string()),
  entered_at: timestamp,
  /** Null for the stage the person is in now. */
  left_at: z.nullable(timestamp),
  /** What moved them into it: the event type (order_placed, customer_created, …), churn_score, no purchase in N days, … */
  cause: z.string(),
});

/** Wire format of `get_stages`: a person's lifecycle stage history, oldest first. */
export const StageHistory = z.object({
  /** The person: the surviving profile when the id asked for was merged into another. */
  profile_id: z.uuid(),
  /** The stage they are in now; null until staged. */
  stage: z.nullable(z.string()),
  stages: z.array(StageSpell),
});

export type StageSpell = z.infer<typeof StageSpell>;
export type StageHistory = z.infer<typeof StageHistory>;
