import * as z from 'zod/mini';

/**
 * The segment language's syntax tree: what the parser (`segments/parse.ts`)
 * produces from text such as
 *   amount_spent > 100 AND last_order_date < -90d AND NOT has instagram
 * and what `preview_segment` / `save_segment` take. The backend compiles it to
 * parameterised SQL and re-checks every name against its own whitelist, so a
 * hand-made tree is no more dangerous than a parsed one.
 */

/** Attributes a condition can compare, with their value types (the backend maps each to a column of profile_facts). */
export const SEGMENT_ATTRIBUTES = {
  amount_spent: 'number',
  number_of_orders: 'number',
  average_order_value: 'number',
  first_order_date: 'date',
  last_order_date: 'date',
  first_seen_date: 'date',
  last_seen_date: 'date',
  first_seen_source: 'text',
  sources: 'number',
  courses_completed: 'number',
  churn_risk: 'number',
  churn_band: 'text',
  stage: 'text',
  social_followers: 'number',
  social_interactions: 'number',
  email_subscribed: 'boolean',
  country: 'text',
} as const;

export type SegmentAttribute = keyof typeof SEGMENT_ATTRIBUTES;
export const SegmentAttribute = z.enum(Object.keys(SEGMENT_ATTRIBUTES) as [SegmentAttribute, ...SegmentAttribute[]]);

/** Identity kinds `has …` can test: `has instagram`, `has phone`. */
export const SEGMENT_IDENTITIES = ['email', 'phone', 'shopify_customer', 'kajabi_member', 'instagram', 'facebook', 'tiktok', 'x', 'youtube'] as const;
export const SegmentIdentity = z.enum(SEGMENT_IDENTITIES);

/** Event verbs and the event types they match. */
export const SEGMENT_VERBS = {
  ordered: ['order_placed'],
  paid: ['payment_succeeded'],
  refunded: ['refund_issued'],
  commented: ['commented'],
  followed: ['followed'],
  liked: ['liked', 'reacted'],
  messaged: ['messaged'],
  mentioned: ['mentioned'],
  completed_course: ['course_completed'],
} as const;
export type SegmentVerb = keyof typeof SEGMENT_VERBS;
export const SegmentVerb = z.enum(Object.keys(SEGMENT_VERBS) as [SegmentVerb, ...SegmentVerb[]]);

const isoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/));

/** A literal: numbers, text, absolute dates, dates relative to now (`-90d` is 90 days ago), booleans. */
export const SegmentValue = z.discriminatedUnion('type', [
  z.object({ type: z.literal('number'), value: z.number().check(z.refine(Number.isFinite)) }),
  z.object({ type: z.literal('text'), value: z.string().check(z.maxLength(500)) }),
  z.object({ type: z.literal('date'), value: isoDate }),
  z.object({ type: z.literal('relative_date'), days: z.int().check(z.gte(-36500), z.lte(36500)) }),
  z.object({ type: z.literal('boolean'), value: z.boolean() }),
]);

/** When an event condition looks: the last N days, since a date, or between two dates (inclusive). */
export const SegmentWindow = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('last_days'), days: z.int().check(z.gte(1), z.lte(36500)) }),
  z.object({ kind: z.literal('since'), date: isoDate }),
  z.object({ kind: z.literal('between'), from: isoDate, to: isoDate }),
]);

export const ComparisonOperator = z.enum(['=', '!=', '<', '<=', '>', '>=']);

/** One condition; `and`/`or` hold two or more, `not` one. */
export const SegmentCondition: z.ZodMiniType<SegmentNode> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('and'), conditions: z.array(SegmentCondition).check(z.minLength(2), z.maxLength(100)) }),
    z.object({ kind: z.literal('or'), conditions: z.array(SegmentCondition).check(z.minLength(2), z.maxLength(100)) }),
    z.object({ kind: z.literal('not'), condition: SegmentCondition }),
    z.object({ kind: z.literal('compare'), attribute: SegmentAttribute, op: ComparisonOperator, value: SegmentValue }),
    z.object({ kind: z.literal('in'), attribute: SegmentAttribute, values: z.array(SegmentValue).check(z.minLength(1), z.maxLength(100)), negated: z.boolean() }),
    z.object({ kind: z.literal('between'), attribute: SegmentAttribute, low: SegmentValue, high: SegmentValue }),
    z.object({ kind: z.literal('is_null'), attribute: SegmentAttribute, negated: z.boolean() }),
    z.object({ kind: z.literal('has'), identity: SegmentIdentity }),
    z.object({
      kind: z.literal('event'),
      verb: SegmentVerb,
      /** `ordered product 'Sourdough Starter Kit'`: an order with a line item of this title (case-insensitive). */
      product: z.optional(z.string().check(z.maxLength(500))),
      window: z.optional(SegmentWindow),
      /** `at least 3 times`; default 1. */
      atLeast: z.optional(z.int().check(z.gte(1), z.lte(100000))),
    }),
  ]),
);

export type SegmentValue = z.infer<typeof SegmentValue>;
export type SegmentWindow = z.infer<typeof SegmentWindow>;
export type SegmentNode =
  | { kind: 'and' | 'or'; conditions: SegmentNode[] }
  | { kind: 'not'; condition: SegmentNode }
  | { kind: 'compare'; attribute: SegmentAttribute; op: z.infer<typeof ComparisonOperator>; value: SegmentValue }
  | { kind: 'in'; attribute: SegmentAttribute; values: SegmentValue[]; negated: boolean }
  | { kind: 'between'; attribute: SegmentAttribute; low: SegmentValue; high: SegmentValue }
  | { kind: 'is_null'; attribute: SegmentAttribute; negated: boolean }
  | { kind: 'has'; identity: z.infer<typeof SegmentIdentity> }
  | { kind: 'event'; verb: SegmentVerb; product?: string | undefined; window?: SegmentWindow | undefined; atLeast?: number | undefined };
