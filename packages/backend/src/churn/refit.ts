/**
 * The nightly job: refit every churn model of a workspace on its history,
 * store each fit as a new version, and re-score everyone. BG/NBD and
 * Gamma-Gamma for purchases, the sBG for subscriptions, and the engagement
 * model, which is stored only when a backtest one horizon back shows it ranks
 * better than BG/NBD on this workspace (otherwise BG/NBD stays the headline).
 */
import type { Queryable } from '../db/database.ts';
import { backtestWorkspace, fitBgNbdOnPurchases, MIN_CUSTOMERS, purchaseHistories, subscriptionHistories, trainEngagementAt, withBgNbdRisk } from './backtest.ts';
import { customerActivity } from './engagement.ts';
import { fitGammaGamma, repeatSpend, type GammaGammaParams } from './gamma-gamma.ts';
import { fitSbg, memberCohort } from './sbg.ts';
import { bgnbdScore, engagementScore, sbgScore, type ChurnModelName, type ScoreRow } from './scores.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_HORIZON_DAYS = 90;

export interface RefitReport {
  workspaceId: string;
  asOf: string;
  horizonDays: number;
  fitted: { model: ChurnModelName; version: number; n: number; logLikelihood: number | null; converged: boolean }[];
  scored: Record<string, number>;
  skipped: { model: string; reason: string }[];
  /** The backtest one horizon back that decided the engagement model's place. */
  validation?: { bgnbdAuc: number; engagementAuc: number | null };
}

async function storeModel(db: Queryable, workspaceId: string, model: ChurnModelName, fit: { params: object; logLikelihood: number | null; n: number }, horizonDays: number) {
  const [row] = await db.query<{ version: number }>(
    `insert into public.churn_models (workspace_id, model, version, params, log_likelihood, customers, horizon_days)
     select $1, $2, coalesce(max(version), 0) + 1, $3::jsonb, $4, $5, $6 from public.churn_models where workspace_id = $1 and model = $2
     returning version`,
    [workspaceId, model, JSON.stringify(fit.params), fit.logLikelihood, fit.n, horizonDays],
  );
  return Number(row!.version);
}

export async function storeScores(db: Queryable, workspaceId: string, scores: ScoreRow[]): Promise<void> {
  for (let start = 0; start < scores.length; start += 500) {
    await db.query('select tessera.store_churn_scores($1, $2::jsonb)', [workspaceId, JSON.stringify(scores.slice(start, start + 500))]);
  }
}

/** Refits and re-scores one workspace as of `asOf` (default now). */
export async function refitWorkspace(db: Queryable, workspaceId: string, options: { asOf?: Date; horizonDays?: number } = {}): Promise<RefitReport> {
  const asOf = options.asOf ?? new Date();
  const horizonDays = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const report: RefitReport = { workspaceId, asOf: asOf.toISOString(), horizonDays, fitted: [], scored: {}, skipped: [] };

  // Purchases: BG/NBD for who will buy again, Gamma-Gamma for what they will spend.
  let bgnbdScores: Map<string, ScoreRow> | undefined;
  const histories = await purchaseHistories(db, workspaceId, asOf);
  const repeaters = histories.filter((h) => h.frequency > 0).length;
  if (histories.length < MIN_CUSTOMERS || repeaters === 0) {
    report.skipped.push({ model: 'bgnbd', reason: `${histories.length} customers, ${repeaters} of whom bought again: too few to fit` });
  } else {
    const fit = fitBgNbdOnPurchases(histories);
    const bgnbd = { version: await storeModel(db, workspaceId, 'bgnbd', fit, horizonDays), params: fit.params };
    report.fitted.push({ model: 'bgnbd', version: bgnbd.version, n: fit.n, logLikelihood: fit.logLikelihood, converged: fit.converged });
    let gammagamma: { params: GammaGammaParams } | undefined;
    const spend = repeatSpend(histories.map((h) => h.frequency), histories.map((h) => h.repeat_mean_value));
    if (spend.frequency.length >= 10) {
      const gg = fitGammaGamma(spend);
      gammagamma = { params: gg.params };
      const version = await storeModel(db, workspaceId, 'gammagamma', gg, horizonDays);
      report.fitted.push({ model: 'gammagamma', version, n: gg.n, logLikelihood: gg.logLikelihood, converged: gg.converged });
    } else {
      report.skipped.push({ model: 'gammagamma', reason: `${spend.frequency.length} repeat buyers: too few to fit spend, so no CLV` });
    }
    const scores = histories.map((h) => bgnbdScore({ bgnbd, gammagamma }, h, horizonDays));
    await storeScores(db, workspaceId, scores);
    report.scored.bgnbd = scores.length;
    bgnbdScores = new Map(scores.map((s) => [s.profile_id, s]));
  }

  // Subscriptions: the sBG from each member's paid periods.
  const members = await subscriptionHistories(db, workspaceId, asOf);
  if (members.length < 10 || members.every((m) => m.active)) {
    report.skipped.push({ model: 'sbg', reason: `${members.length} subscribers, ${members.filter((m) => !m.active).length} of whom cancelled: too few to fit` });
  } else {
    const fit = fitSbg(memberCohort(members.map((m) => ({ periodsPaid: m.periods_paid, active: m.active }))));
    const sbg = { version: await storeModel(db, workspaceId, 'sbg', fit, 30), params: fit.params };
    report.fitted.push({ model: 'sbg', version: sbg.version, n: fit.n, logLikelihood: fit.logLikelihood, converged: fit.converged });
    const scores = members.map((m) => sbgScore(sbg, m, asOf));
    await storeScores(db, workspaceId, scores);
    report.scored.sbg = scores.length;
  }

  // Engagement: only when it beats BG/NBD on this workspace's own recent past.
  if (bgnbdScores) await refitEngagement(db, workspaceId, asOf, horizonDays, bgnbdScores, report);
  return report;
}

async function refitEngagement(db: Queryable, workspaceId: string, asOf: Date, horizonDays: number, bgnbdScores: Map<string, ScoreRow>, report: RefitReport): Promise<void> {
  const dropEngagement = async (reason: string) => {
    report.skipped.push({ model: 'engagement', reason });
    // Stale engagement scores would keep the headline: drop them, and store the
    // remaining scores of those people again so their profiles show the next model's.
    const gone = await db.query<{ profile_id: string }>(`delete from public.churn_scores where workspace_id = $1 and model = 'engagement' returning profile_id`, [workspaceId]);
    if (gone.length === 0) return;
    await db.query(
      `select tessera.store_churn_scores($1, coalesce(jsonb_agg(to_jsonb(s) - 'workspace_id' - 'scored_at'), '[]'))
         from public.churn_scores s where s.workspace_id = $1 and s.profile_id = any($2::uuid[])`,
      [workspaceId, gone.map((g) => g.profile_id)],
    );
  };
  const cutoff = new Date(asOf.getTime() - horizonDays * DAY_MS);
  let validation;
  try {
    validation = await backtestWorkspace(db, workspaceId, { cutoff, horizonDays, now: asOf });
  } catch (error) {
    return dropEngagement(`no backtest ${horizonDays} days back: ${(error as Error).message}`);
  }
  const bgnbdAuc = validation.models.find((m) => m.model === 'bgnbd')?.auc;
  const engagementAuc = validation.models.find((m) => m.model === 'engagement')?.auc ?? null;
  if (bgnbdAuc === undefined) return dropEngagement(validation.skipped.map((s) => s.reason).join('; ') || 'no BG/NBD backtest to compare with');
  report.validation = { bgnbdAuc, engagementAuc };
  if (engagementAuc === null || engagementAuc <= bgnbdAuc) {
    return dropEngagement(engagementAuc === null
      ? validation.skipped.find((s) => s.model === 'engagement')?.reason ?? 'not enough history'
      : `ranked no better than BG/NBD ${horizonDays} days back (AUC ${engagementAuc.toFixed(3)} vs ${bgnbdAuc.toFixed(3)})`);
  }
  const trained = await trainEngagementAt(db, workspaceId, asOf, horizonDays);
  if (typeof trained === 'string') return dropEngagement(trained);
  const { model, customers } = trained;
  const version = await storeModel(db, workspaceId, 'engagement', { params: { ...model, validation: report.validation }, logLikelihood: model.logLikelihood, n: customers }, horizonDays);
  report.fitted.push({ model: 'engagement', version, n: customers, logLikelihood: model.logLikelihood, converged: model.converged });
  const risks = new Map([...bgnbdScores].map(([id, score]) => [id, score.risk]));
  const activity = withBgNbdRisk(await customerActivity(db, workspaceId, asOf, 0), risks);
  const scores = activity.map((a) => engagementScore({ version, params: model }, a, horizonDays, bgnbdScores.get(a.profile_id)?.factors));
  await storeScores(db, workspaceId, scores);
  report.scored.engagement = scores.length;
}
