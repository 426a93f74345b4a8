import * as z from 'zod/mini';

/**
 * Wire format of the profile RPC functions (`get_profile`, `search_profiles`).
 *
 * This file is the single definition of these shapes: the SDK validates every
 * response against it, TypeScript types are inferred from it, and the backend's
 * tests validate what the SQL functions return against it.
 * Field names are snake_case, as Postgres and Stripe's SDKs have them.
 */

const timestamp = z.iso.datetime({ offset: true });

/** Where a piece of customer data came from. */
export const Source = z.string().check(z.minLength(1));

/** One way to recognise a person: an email, an E.164 phone, or an id on a platform. */
export const Identity = z.object({
  /** `email`, `phone`, `shopify_customer`, `kajabi_member`, `instagram`, … */
  kind: z.string(),
  /** Normalised value: emails lower-cased and trimmed, phones in E.164. */
  value: z.string(),
  source: Source,
  first_seen_at: timestamp,
  last_seen_at: timestamp,
});

/** A trait with its provenance: which source said it, and when. */
export const Trait = z.object({
  name: z.string(),
  value: z.unknown(),
  source: Source,
  observed_at: timestamp,
});

/** The most recent thing a person did, on any source. */
export const Activity = z.object({
  type: z.string(),
  source: Source,
  occurred_at: timestamp,
  revenue: z.nullable(z.number()),
  currency: z.nullable(z.string()),
});

/** The person's headline churn score, kept on the profile so it arrives with every live update (details: `get_churn`). */
export const ProfileChurn = z.object({
  /** Probability (0–1) of no purchase (or, for a subscriber, of cancelling) in the model's horizon. */
  risk: z.number().check(z.gte(0), z.lte(1)),
  band: z.enum(['low', 'medium', 'high']),
});

/** One person, unified across every source. */
export const Profile = z.object({
  id: z.uuid(),
  workspace_id: z.uuid(),
  display_name: z.nullable(z.string()),
  first_name: z.nullable(z.string()),
  last_name: z.nullable(z.string()),
  email: z.nullable(z.string()),
  phone: z.nullable(z.string()),
  identities: z.array(Identity),
  traits: z.array(Trait),
  lifetime_revenue: z.number(),
  currency: z.nullable(z.string()),
  orders_count: z.number(),
  first_seen_at: timestamp,
  last_activity: z.nullable(Activity),
  /** Null until the workspace's churn models have scored this person. */
  churn: z.optional(z.nullable(ProfileChurn)),
  /** The person's lifecycle stage (follower, lead, first_purchase, repeat, loyal, at_risk, churned, reactivated); null until staged. */
  stage: z.optional(z.nullable(z.string())),
  created_at: timestamp,
  updated_at: timestamp,
});

/** A search hit: enough to list people and pick one. */
export const ProfileSummary = z.object({
  id: z.uuid(),
  display_name: z.nullable(z.string()),
  email: z.nullable(z.string()),
  phone: z.nullable(z.string()),
  lifetime_revenue: z.number(),
  currency: z.nullable(z.string()),
  last_activity_at: z.nullable(timestamp),
});

export const ProfileSummaryList = z.array(ProfileSummary);

export type Identity = z.infer<typeof Identity>;
export type Trait = z.infer<typeof Trait>;
export type Activity = z.infer<typeof Activity>;
export type Profile = z.infer<typeof Profile>;
export type ProfileSummary = z.infer<typeof ProfileSummary>;
