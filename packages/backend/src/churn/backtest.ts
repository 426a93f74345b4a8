/**
 * Backtests on a workspace's own history: each model sees only what was
 * known at a cutoff and is graded on what people did in the horizon after
 * it. The refit job uses the same backtest, one horizon back, to decide
 * whether the engagement model earns the headline over BG/NBD.
 */
import type { Queryable } from '../db/database.ts';
import { fitBgNbd, probabilityNoPurchase } from './bgnbd.ts';
import { customerActivity, engagementRisk, trainEngagement, type CustomerActivity, type RecordedActivity } from './engagement.ts';
import { toHistories } from './histories.ts';
import type { LogisticModel } from './logistic.ts';
import { backtestReport, rocAuc, type BacktestRow } from './metrics.ts';
import { churnProbability, fitSbg, memberCohort } from './sbg.ts';
import type { PurchaseHistory, SubscriptionHistory } from './scores.ts';

const DAY_MS = 86_400_000;
/** Fewer customers than this, or no one in one of the outcome classes, and a grade means nothing. */
export const MIN_CUSTOMERS = 30;

export interface WorkspaceBacktest {
  cutoff: string;
  horizonDays: number;
  models: BacktestRow[];
  /** Reference points: how well "days since the last purchase" alone ranks, and the Brier score of predicting the base rate for everyone. */
  baselines: { recencyAuc: number; baseRateBrier: number } | null;
  skipped: { model: string; reason: string }[];
}

export async function purchaseHistories(db: Queryable, workspaceId: string, asOf: Date, profileId: string | null = null): Promise<PurchaseHistory[]> {
  const rows = await db.query<PurchaseHistory>('select profile_id, frequency, recency_days, age_days, repeat_mean_value from tessera.purchase_summaries($1, $2, $3)', [
    workspaceId,
    asOf.toISOString(),
    profileId,
  ]);
  return rows.map((r) => ({ ...r, frequency: Number(r.frequency), recency_days: Number(r.recency_days), age_days: Number(r.age_days), repeat_mean_value: r.repeat_mean_value == null ? null : Number(r.repeat_mean_value) }));
}

export async function subscriptionHistories(db: Queryable, workspaceId: string, asOf: Date, profileId: string | null = null): Promise<SubscriptionHistory[]> {
  const rows = await db.query<SubscriptionHistory>('select profile_id, periods_paid, last_paid_at, mean_payment, active from tessera.subscription_histories($1, $2, $3)', [
    workspaceId,
    asOf.toISOString(),
    profileId,
  ]);
  return rows.map((r) => ({ ...r, periods_paid: Number(r.periods_paid), mean_payment: Number(r.mean_payment) }));
}

const hasBothOutcomes = (labels: (0 | 1)[]) => labels.includes(0) && labels.includes(1);

/** BG/NBD fitted on purchase histories as tessera.purchase_summaries gives them (days). */
export function fitBgNbdOnPurchases(histories: readonly PurchaseHistory[]) {
  return fitBgNbd(toHistories(histories.map((h) => ({ frequency: h.frequency, recency: h.recency_days, T: h.age_days }))));
}

/** BG/NBD fitted on the purchase histories as of a date, with each person's risk over the horizon. */
export async function bgnbdRisksAt(db: Queryable, workspaceId: string, asOf: Date, horizonDays: number) {
  const histories = await purchaseHistories(db, workspaceId, asOf);
  const fit = fitBgNbdOnPurchases(histories);
  const risks = new Map(histories.map((h) => [h.profile_id, probabilityNoPurchase(fit.params, horizonDays, h.frequency, h.recency_days, h.age_days)]));
  return { fit, histories, risks };
}

/** Activity with BG/NBD's risk for each person (people BG/NBD did not see count as certain to stay away). */
export function withBgNbdRisk(activity: RecordedActivity[], risks: Map<string, number>): CustomerActivity[] {
  return activity.map((a) => ({ ...a, bgnbd_risk: risks.get(a.profile_id) ?? 1 }));
}

/** Trains the engagement model one horizon before `asOf` (features then, outcomes up to `asOf`), or says why it cannot. */
export async function trainEngagementAt(db: Queryable, workspaceId: string, asOf: Date, horizonDays: number): Promise<{ model: LogisticModel; customers: number } | string> {
  const trainingCutoff = new Date(asOf.getTime() - horizonDays * DAY_MS);
  const recorded = await customerActivity(db, workspaceId, trainingCutoff, horizonDays);
  if (recorded.length < MIN_CUSTOMERS) return `${recorded.length} customers ${horizonDays} days before: too few to learn from`;
  const training = withBgNbdRisk(recorded, (await bgnbdRisksAt(db, workspaceId, trainingCutoff, horizonDays)).risks);
  const labels = training.map((a): 0 | 1 => (a.purchase_days_after === 0 ? 1 : 0));
  if (training.length < MIN_CUSTOMERS || !hasBothOutcomes(labels)) {
    return `${training.length} customers ${horizonDays} days before, with ${labels.filter((l) => l === 1).length} who then stopped buying: too few to learn from`;
  }
  return { model: trainEngagement(training), customers: training.length };
}

/** Grades every model that can be fitted on what was known at `cutoff`, against the `horizonDays` after it. */
export async function backtestWorkspace(db: Queryable, workspaceId: string, options: { cutoff: Date; horizonDays: number; now?: Date }): Promise<WorkspaceBacktest> {
  const { cutoff, horizonDays } = options;
  const now = options.now ?? new Date();
  if (cutoff.getTime() + horizonDays * DAY_MS > now.getTime()) {
    throw new RangeError(`The cutoff must be at least ${horizonDays} days ago, so that what happened after it is known (latest: ${new Date(now.getTime() - horizonDays * DAY_MS).toISOString().slice(0, 10)})`);
  }
  const report: WorkspaceBacktest = { cutoff: cutoff.toISOString(), horizonDays, models: [], baselines: null, skipped: [] };
  const recorded = await customerActivity(db, workspaceId, cutoff, horizonDays);
  if (recorded.length < MIN_CUSTOMERS) {
    report.skipped.push({ model: 'all', reason: `${recorded.length} customers at the cutoff: too few to grade a model` });
    return report;
  }
  const bgnbd = await bgnbdRisksAt(db, workspaceId, cutoff, horizonDays);
  const activity = withBgNbdRisk(recorded, bgnbd.risks);
  const outcome = new Map(activity.map((a): [string, 0 | 1] => [a.profile_id, a.purchase_days_after === 0 ? 1 : 0]));
  const labels = activity.map((a) => outcome.get(a.profile_id)!);
  if (activity.length < MIN_CUSTOMERS || !hasBothOutcomes(labels)) {
    report.skipped.push({ model: 'all', reason: `${activity.length} customers at the cutoff, ${labels.filter((l) => l === 1).length} of whom stopped buying: too few to grade a model` });
    return report;
  }
  const observedRate = labels.reduce<number>((sum, l) => sum + l, 0) / labels.length;
  report.baselines = {
    recencyAuc: rocAuc(activity.map((a) => a.days_since_last_purchase), labels),
    baseRateBrier: observedRate * (1 - observedRate),
  };

  report.models.push(backtestReport(
    'bgnbd',
    bgnbd.histories.map((h) => bgnbd.risks.get(h.profile_id)!),
    bgnbd.histories.map((h) => outcome.get(h.profile_id) ?? 0),
  ));

  const engagement = await trainEngagementAt(db, workspaceId, cutoff, horizonDays);
  if (typeof engagement === 'string') report.skipped.push({ model: 'engagement', reason: engagement });
  else report.models.push(backtestReport('engagement', activity.map((a) => engagementRisk(engagement.model, a)), labels));

  await backtestSubscriptions(db, workspaceId, cutoff, report);
  return report;
}

/** sBG: members active at the cutoff, graded on whether they paid again within the month (and a week's grace) after it. */
async function backtestSubscriptions(db: Queryable, workspaceId: string, cutoff: Date, report: WorkspaceBacktest): Promise<void> {
  const before = await subscriptionHistories(db, workspaceId, cutoff);
  const active = before.filter((m) => m.active);
  const later = new Map((await subscriptionHistories(db, workspaceId, new Date(cutoff.getTime() + 37 * DAY_MS))).map((m) => [m.profile_id, m.periods_paid]));
  const labels = active.map((m): 0 | 1 => ((later.get(m.profile_id) ?? 0) > m.periods_paid ? 0 : 1));
  if (active.length < MIN_CUSTOMERS || !hasBothOutcomes(labels) || before.every((m) => m.active)) {
    report.skipped.push({ model: 'sbg', reason: `${active.length} active subscribers at the cutoff (${before.length - active.length} lapsed before it): too few to fit and grade` });
    return;
  }
  const { params } = fitSbg(memberCohort(before.map((m) => ({ periodsPaid: m.periods_paid, active: m.active }))));
  report.models.push(backtestReport('sbg', active.map((m) => churnProbability(params, m.periods_paid)), labels));
}
