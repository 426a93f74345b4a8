import * as z from 'zod/mini';

/**
 * What a normaliser makes of one raw event, and what tessera.apply_record()
 * writes in one transaction (see supabase/migrations/0005_ingest.sql). The
 * identities say who it is about, the traits what the source says about them,
 * the events what they did.
 */
const timestamp = z.iso.datetime({ offset: true });

export const IdentityClaim = z.object({ kind: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/)), value: z.string().check(z.minLength(1)) });

export const TraitClaim = z.object({
  name: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,62}$/)),
  value: z.unknown(),
  observed_at: z.optional(timestamp),
});

export const EventClaim = z.object({
  external_id: z.string().check(z.minLength(1)),
  type: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,62}$/)),
  occurred_at: timestamp,
  revenue: z.optional(z.nullable(z.number())),
  currency: z.optional(z.nullable(z.string().check(z.regex(/^[A-Za-z]{3}$/)))),
  properties: z.optional(z.record(z.string(), z.unknown())),
});

export const NormalisedRecord = z.object({
  observed_at: timestamp,
  identities: z.array(IdentityClaim).check(z.minLength(1)),
  traits: z.array(TraitClaim),
  events: z.array(EventClaim),
  /** Fields of the payload the normaliser did not use, kept so nothing is silently dropped. */
  unrecognised: z.array(z.string()),
});

export type IdentityClaim = z.infer<typeof IdentityClaim>;
export type TraitClaim = z.infer<typeof TraitClaim>;
export type EventClaim = z.infer<typeof EventClaim>;
export type NormalisedRecord = z.infer<typeof NormalisedRecord>;

/** A raw event as a normaliser sees it: the parsed body and the delivery's headers. */
export interface RawDelivery {
  source: string;
  topic: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: unknown;
  /** When the platform says it happened, if it says. */
  triggeredAt: string | null;
  receivedAt: string;
}

/** A person's request about their own data, relayed by a platform (Shopify's mandatory privacy webhooks). */
export const PrivacyRequest = z.object({
  /** erase: remove their personal data; export: gather all of it; erase_account: remove everything a platform account (a shop) sent. */
  action: z.enum(['erase', 'export', 'erase_account']),
  /** Who it is about (empty for erase_account). */
  identities: z.array(IdentityClaim),
  /** The platform's reference for the request (a data request id, a customer id). */
  reference: z.nullable(z.string()),
  /** For erase_account: the platform account, e.g. the shop domain. */
  account: z.nullable(z.string()),
});
export type PrivacyRequest = z.infer<typeof PrivacyRequest>;

/** The platform merged two of its records of one person (Shopify customers/merge): one identity is the other's alias. */
export const PlatformMerge = z.object({
  kept: IdentityClaim,
  merged: IdentityClaim,
  reason: z.string(),
});
export type PlatformMerge = z.infer<typeof PlatformMerge>;

/**
 * The outcome of normalising: a record to apply, a privacy request, a merge
 * the platform made, or a topic this source does not handle (kept raw). This
 * union, as JSON, is what `public.ingest_raw_event` applies.
 */
export type Normalised =
  | { kind: 'record'; record: NormalisedRecord }
  | { kind: 'privacy'; request: PrivacyRequest }
  | { kind: 'merge'; merge: PlatformMerge }
  | { kind: 'ignored'; reason: string };

/** The payload cannot be understood; the message says what is wrong with it. Lands in the dead-letter. */
export class NormaliseError extends Error {
  override readonly name = 'NormaliseError';
}

export type Normaliser = (delivery: RawDelivery) => Normalised;
