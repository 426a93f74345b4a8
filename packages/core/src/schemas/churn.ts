import * as z from 'zod/mini';

/** Wire format of `get_churn`: a person's churn risk and why (see docs/churn.md). */
export const ChurnReason = z.object({
  /** Stable code: overdue, on_rhythm, one_time_buyer, recent_purchase, likely_lapsed, expected_purchases, … */
  code: z.string(),
  /** The reason in words a person can say out loud. */
  text: z.string(),
});

export const ChurnScore = z.object({
  profile_id: z.uuid(),
  /** Probability (0–1) of no purchase in the next `horizon_days` (for the sBG: of cancelling at the end of the current period). */
  risk: z.number().check(z.gte(0), z.lte(1)),
  band: z.enum(['low', 'medium', 'high']),
  horizon_days: z.number(),
  /** Probability the person is still an active customer (BG/NBD only). */
  palive: z.nullable(z.number()),
  expected_purchases: z.nullable(z.number()),
  clv: z.nullable(z.number()),
  currency: z.nullable(z.string()),
  model: z.string(),
  model_version: z.number(),
  factors: z.array(ChurnReason),
  scored_at: z.iso.datetime({ offset: true }),
  /** Every model's score for the person, the headline first. */
  models: z.optional(
    z.array(
      z.object({
        model: z.string(),
        model_version: z.number(),
        risk: z.number().check(z.gte(0), z.lte(1)),
        band: z.enum(['low', 'medium', 'high']),
        horizon_days: z.number(),
        scored_at: z.iso.datetime({ offset: true }),
      }),
    ),
  ),
});

export type ChurnReason = z.infer<typeof ChurnReason>;
export type ChurnScore = z.infer<typeof ChurnScore>;
