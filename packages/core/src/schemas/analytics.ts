import * as z from 'zod/mini';
import { Source } from './profile.ts';

/**
 * Wire format of `workspace_overview`: a workspace's headline figures for a
 * dashboard (see packages/backend/supabase/migrations/0018_analytics.sql).
 */

const timestamp = z.iso.datetime({ offset: true });
const count = z.number().check(z.int(), z.gte(0));

/** How many customers came from, or are known to, one source. */
export const SourceCount = z.object({
  /** `shopify`, `kajabi`, `meta`, `tiktok`, `x`, `youtube`, `social`, …; `unknown` when no event says. */
  source: Source,
  customers: count,
});

/** Money moved in one currency. Amounts in different currencies are never added together. */
export const CurrencyAmount = z.object({
  /** ISO 4217 code; null for events that named no currency. */
  currency: z.nullable(z.string()),
  /** Net of refunds, so it may be negative. */
  amount: z.number(),
});

/** One step of the lifecycle funnel. */
export const FunnelStage = z.object({
  /** follower, lead, first_purchase, repeat, loyal, at_risk, churned, reactivated. */
  stage: z.string(),
  /** The stage as people read it ("First purchase"). */
  label: z.string(),
  customers: count,
});

export const WorkspaceOverview = z.object({
  workspace_id: z.uuid(),
  /** The window asked for: since inclusive, until exclusive; null when open. */
  since: z.nullable(timestamp),
  until: z.nullable(timestamp),
  customers: z.object({
    /** People (root profiles) first seen before `until`. */
    total: count,
    /** People first seen in the window. */
    new: count,
    /** By the source of their earliest event; sums to `total`. Most customers first. */
    by_first_source: z.array(SourceCount),
    /** By every source that told us one of their identities: one person may count under several. */
    by_source: z.array(SourceCount),
  }),
  /** Revenue in the window, one entry per currency, largest first. */
  revenue: z.array(CurrencyAmount),
  /** Orders placed in the window. */
  orders: count,
  /** Customers by current churn band; `unscored` have no score yet. */
  churn: z.object({ low: count, medium: count, high: count, unscored: count }),
  /** Customers in each lifecycle stage, in the stage model's order (empty stages included). */
  funnel: z.array(FunnelStage),
  /** Customers whose stage has not been computed yet. */
  unstaged: count,
  /** New customers per week (weeks start on Monday, UTC), every week of the window. */
  new_customers_by_week: z.array(z.object({ week: z.iso.date(), customers: count })),
});

export type SourceCount = z.infer<typeof SourceCount>;
export type CurrencyAmount = z.infer<typeof CurrencyAmount>;
export type FunnelStage = z.infer<typeof FunnelStage>;
export type WorkspaceOverview = z.infer<typeof WorkspaceOverview>;
