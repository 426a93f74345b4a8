/**
 * A person's score under each model, as a row of churn_scores: the model's
 * probability, its band, the figures it knows (P(alive), expected purchases,
 * CLV) and the reasons in words. Pure: the refit job and the re-scoring
 * after each event both build rows here.
 */
import { expectedPurchases, probabilityAlive, probabilityNoPurchase, type BgNbdParams } from './bgnbd.ts';
import { customerLifetimeValue } from './clv.ts';
import { engagementRisk, explainEngagement, type CustomerActivity } from './engagement.ts';
import { bandOf, explainRisk, type ChurnReason } from './explain.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';
import type { LogisticModel } from './logistic.ts';
import { churnProbability, discountedResidualLifetime, type SbgParams } from './sbg.ts';

export type ChurnModelName = 'bgnbd' | 'gammagamma' | 'sbg' | 'engagement';

/** What tessera.store_churn_scores takes. */
export interface ScoreRow {
  profile_id: string;
  model: 'bgnbd' | 'sbg' | 'engagement';
  version: number;
  risk: number;
  band: 'low' | 'medium' | 'high';
  horizon_days: number;
  palive: number | null;
  expected_purchases: number | null;
  clv: number | null;
  factors: ChurnReason[];
}

/** A person's purchase history as tessera.purchase_summaries returns it (days). */
export interface PurchaseHistory {
  profile_id: string;
  frequency: number;
  recency_days: number;
  age_days: number;
  repeat_mean_value: number | null;
}

/** A subscriber as tessera.subscription_histories returns it. */
export interface SubscriptionHistory {
  profile_id: string;
  periods_paid: number;
  last_paid_at: string | Date;
  mean_payment: number;
  active: boolean;
}

const DAY_MS = 86_400_000;
const cents = (value: number) => Math.round(value * 100) / 100;

export function bgnbdScore(
  models: { bgnbd: { version: number; params: BgNbdParams }; gammagamma?: { params: GammaGammaParams } | undefined },
  history: PurchaseHistory,
  horizonDays: number,
): ScoreRow {
  const { params } = models.bgnbd;
  const x = history.frequency;
  const risk = probabilityNoPurchase(params, horizonDays, x, history.recency_days, history.age_days);
  const palive = probabilityAlive(params, x, history.recency_days, history.age_days);
  const expected = expectedPurchases(params, horizonDays, x, history.recency_days, history.age_days);
  // CLV needs a finite population mean spend (q > 1); without it the model has no value to offer.
  const gg = models.gammagamma?.params;
  const clv = gg && gg.q > 1
    ? cents(customerLifetimeValue(params, gg, { frequency: x, recency: history.recency_days, T: history.age_days, monetaryValue: history.repeat_mean_value }))
    : null;
  return {
    profile_id: history.profile_id,
    model: 'bgnbd',
    version: models.bgnbd.version,
    risk,
    band: bandOf(risk),
    horizon_days: horizonDays,
    palive,
    expected_purchases: expected,
    clv,
    factors: explainRisk({ frequency: x, recencyDays: history.recency_days, ageDays: history.age_days }, { palive, expected, horizonDays }),
  };
}

/** A subscriber's chance of cancelling at the end of the period they are in; a lapsed one is simply gone. */
export function sbgScore(model: { version: number; params: SbgParams }, member: SubscriptionHistory, asOf: Date): ScoreRow {
  const sinceLast = Math.round((asOf.getTime() - new Date(member.last_paid_at).getTime()) / DAY_MS);
  const risk = member.active ? churnProbability(model.params, member.periods_paid) : 1;
  const factors: ChurnReason[] = member.active
    ? [
        { code: 'subscription_tenure', text: `Subscribed for ${member.periods_paid} month${member.periods_paid === 1 ? '' : 's'}; members this far in renew ${Math.round((1 - risk) * 100)}% of the time.` },
      ]
    : [{ code: 'subscription_lapsed', text: `Subscription lapsed: last payment ${sinceLast} days ago, after ${member.periods_paid} month${member.periods_paid === 1 ? '' : 's'}.` }];
  return {
    profile_id: member.profile_id,
    model: 'sbg',
    version: model.version,
    risk,
    band: bandOf(risk),
    horizon_days: 30,
    palive: null,
    expected_purchases: null,
    clv: member.active ? cents(discountedResidualLifetime(model.params, member.periods_paid, 0.01) * member.mean_payment) : 0,
    factors,
  };
}

/**
 * The engagement model's score. Its reasons are what the other sources add
 * (refunds, fading social activity, …) followed by BG/NBD's own reasons about
 * the buying rhythm, which say the rest in plainer words than a coefficient.
 */
export function engagementScore(model: { version: number; params: LogisticModel }, activity: CustomerActivity, horizonDays: number, rhythm: ChurnReason[] = []): ScoreRow {
  const risk = engagementRisk(model.params, activity);
  const own = explainEngagement(model.params, activity).filter((r) => !(rhythm.length && r.code === 'engagement_bgnbd_risk'));
  return {
    profile_id: activity.profile_id,
    model: 'engagement',
    version: model.version,
    risk,
    band: bandOf(risk),
    horizon_days: horizonDays,
    palive: null,
    expected_purchases: null,
    clv: null,
    factors: [...own, ...rhythm.filter((r) => r.code !== 'expected_purchases')].slice(0, 4),
  };
}
