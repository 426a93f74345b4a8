/**
 * The engagement model: a ridge logistic regression on what a customer did
 * across every source up to a cutoff (recency, frequency and its trend,
 * spend, social and learning activity and their trend, refunds,
 * subscriptions) and on BG/NBD's own risk for them, predicting no purchase
 * in the horizon after it. Stacking BG/NBD in means the other sources only
 * have to add what the purchase rhythm does not already say. Trained on the
 * workspace's own history with the cutoff one horizon back, so the features
 * come strictly before the outcome they are graded on.
 */
import type { Queryable } from '../db/database.ts';
import type { ChurnReason } from './explain.ts';
import { contributions, fitLogistic, predictLogistic, type LogisticModel } from './logistic.ts';

/** One customer's activity at a cutoff, as tessera.churn_features returns it. */
export interface CustomerActivity {
  profile_id: string;
  days_since_last_purchase: number;
  purchase_days: number;
  purchase_days_90: number;
  purchase_days_prev_90: number;
  revenue: number;
  tenure_days: number;
  days_since_last_activity: number;
  social_90: number;
  social_prev_90: number;
  learning_90: number;
  refunds: number;
  sources: number;
  subscribed: boolean;
  /** Purchase days in the horizon after the cutoff: the outcome (0 = churned). */
  purchase_days_after: number;
  /** BG/NBD's probability of no purchase in the horizon, from its fit at the same cutoff. */
  bgnbd_risk: number;
}

/** Activity as tessera.churn_features returns it, before BG/NBD's risk is added. */
export type RecordedActivity = Omit<CustomerActivity, 'bgnbd_risk'>;

const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  return Math.log(q / (1 - q));
};

/**
 * Each feature: how it is read from the activity (counts on a log scale: the
 * fifth order matters less than the second). Recency, frequency and age enter
 * only through BG/NBD's risk, which already models them: given raw, they are
 * so collinear with it that their weights flip sign and a customer who
 * bought today would read as likelier to leave.
 */
const FEATURES: { name: string; read: (a: CustomerActivity) => number }[] = [
  { name: 'bgnbd_risk', read: (a) => logit(a.bgnbd_risk) },
  { name: 'purchase_trend', read: (a) => Math.log1p(a.purchase_days_90) - Math.log1p(a.purchase_days_prev_90) },
  { name: 'revenue', read: (a) => Math.log1p(a.revenue) },
  { name: 'days_since_last_activity', read: (a) => Math.log1p(a.days_since_last_activity) },
  { name: 'social_90', read: (a) => Math.log1p(a.social_90) },
  { name: 'social_trend', read: (a) => Math.log1p(a.social_90) - Math.log1p(a.social_prev_90) },
  { name: 'learning_90', read: (a) => Math.log1p(a.learning_90) },
  { name: 'refunds', read: (a) => Math.min(a.refunds, 3) },
  { name: 'sources', read: (a) => a.sources },
  { name: 'subscribed', read: (a) => (a.subscribed ? 1 : 0) },
];

export const ENGAGEMENT_FEATURES = FEATURES.map((f) => f.name);

export function featureRow(activity: CustomerActivity): number[] {
  return FEATURES.map((f) => f.read(activity));
}

/** Customers' activity at `asOf`, with their purchase days in the `horizonDays` after it. */
export async function customerActivity(db: Queryable, workspaceId: string, asOf: Date, horizonDays: number, profileId: string | null = null): Promise<RecordedActivity[]> {
  const rows = await db.query<RecordedActivity>('select * from tessera.churn_features($1, $2, $3, $4)', [workspaceId, asOf.toISOString(), horizonDays, profileId]);
  // pg returns double precision as numbers already; PGlite likewise. Integers may come as strings from count casts on some drivers.
  return rows.map((row) => ({ ...row, ...Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'profile_id' && k !== 'subscribed').map(([k, v]) => [k, Number(v)])) }));
}

/** Trains on customers as they were at a cutoff, labelled by whether they bought in the horizon after it. */
export function trainEngagement(training: CustomerActivity[], l2 = 1): LogisticModel {
  return fitLogistic(training.map(featureRow), training.map((a) => (a.purchase_days_after === 0 ? 1 : 0)), { l2, featureNames: ENGAGEMENT_FEATURES });
}

export function engagementRisk(model: LogisticModel, activity: CustomerActivity): number {
  return predictLogistic(model, featureRow(activity));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What each feature says, in words, when it pushes a person's risk up; null
 * when the words would not be true of this person (a weight can push up from
 * the "good" side of a feature, and then there is nothing to say about it).
 */
const RISK_WORDS: Record<string, (a: CustomerActivity) => string | null> = {
  bgnbd_risk: (a) => (a.bgnbd_risk >= 0.5 ? `Their buying rhythm alone gives a ${Math.round(a.bgnbd_risk * 100)}% chance of no order in the coming months.` : null),
  purchase_trend: (a) => (a.purchase_days_90 < a.purchase_days_prev_90 ? `Bought on ${plural(a.purchase_days_90, 'day')} in the last 90 days, down from ${a.purchase_days_prev_90} in the 90 before.` : null),
  revenue: (a) => (a.revenue < 100 ? 'Has spent little so far.' : null),
  days_since_last_activity: (a) => (a.days_since_last_activity >= 30 ? `No activity besides orders in ${plural(Math.round(a.days_since_last_activity), 'day')}.` : null),
  social_90: (a) => (a.social_90 === 0 ? 'No social interactions in the last 90 days.' : null),
  social_trend: (a) => (a.social_90 < a.social_prev_90 ? `Social interactions down from ${a.social_prev_90} to ${a.social_90} in the last 90 days.` : null),
  learning_90: (a) => (a.learning_90 === 0 ? 'No course activity in the last 90 days.' : null),
  refunds: (a) => (a.refunds > 0 ? `Asked for ${plural(a.refunds, 'refund')}.` : null),
  sources: (a) => (a.sources <= 1 ? 'Known from one channel only.' : null),
  subscribed: (a) => (a.subscribed ? null : 'No active subscription.'),
};

/** The features that raise this person's risk most, in plain words (at most `limit`, each worth at least 0.1 in log-odds). */
export function explainEngagement(model: LogisticModel, activity: CustomerActivity, limit = 3): ChurnReason[] {
  const reasons: ChurnReason[] = [];
  for (const { name, effect } of contributions(model, featureRow(activity))) {
    if (reasons.length >= limit) break;
    if (effect < 0.1) continue;
    const text = RISK_WORDS[name]?.(activity);
    if (text) reasons.push({ code: `engagement_${name}`, text });
  }
  return reasons;
}
