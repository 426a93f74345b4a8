/**
 * Re-scoring after each event: a person's P(alive), expected purchases and
 * engagement risk are closed-form in the fitted parameters, so a new order,
 * payment or comment re-scores that one person at once, with the
 * workspace's latest fits, no refit needed. The new headline lands on the
 * profile, and from there on every widget subscribed to it.
 */
import type { Queryable } from '../db/database.ts';
import { purchaseHistories, subscriptionHistories } from './backtest.ts';
import type { BgNbdParams } from './bgnbd.ts';
import { customerActivity } from './engagement.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';
import type { LogisticModel } from './logistic.ts';
import { DEFAULT_HORIZON_DAYS, storeScores } from './refit.ts';
import type { SbgParams } from './sbg.ts';
import { bgnbdScore, engagementScore, sbgScore, type ScoreRow } from './scores.ts';

interface Fitted<P> {
  version: number;
  params: P;
  horizonDays: number;
}

interface WorkspaceModels {
  bgnbd?: Fitted<BgNbdParams>;
  gammagamma?: Fitted<GammaGammaParams>;
  sbg?: Fitted<SbgParams>;
  engagement?: Fitted<LogisticModel>;
}

/** The latest version of each model the workspace has fitted. */
export async function latestModels(db: Queryable, workspaceId: string): Promise<WorkspaceModels> {
  const rows = await db.query<{ model: keyof WorkspaceModels; version: number; params: any; horizon_days: number | null }>(
    `select distinct on (model) model, version, params, horizon_days from public.churn_models where workspace_id = $1 order by model, version desc`,
    [workspaceId],
  );
  const models: WorkspaceModels = {};
  for (const row of rows) {
    const params = typeof row.params === 'string' ? JSON.parse(row.params) : row.params;
    models[row.model] = { version: Number(row.version), params, horizonDays: Number(row.horizon_days ?? DEFAULT_HORIZON_DAYS) };
  }
  return models;
}

/**
 * Re-scores people as events arrive. Fits change once a night, so each
 * workspace's are cached for a minute rather than read for every event.
 */
export function createChurnRescorer(db: Queryable, options: { cacheMs?: number; now?: () => Date } = {}) {
  const cacheMs = options.cacheMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, { at: number; models: Promise<WorkspaceModels> }>();

  function modelsOf(workspaceId: string): Promise<WorkspaceModels> {
    const hit = cache.get(workspaceId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.models;
    const models = latestModels(db, workspaceId);
    cache.set(workspaceId, { at: Date.now(), models });
    return models;
  }

  /** Scores one person with every model the workspace has; returns the rows stored. */
  async function rescore(workspaceId: string, profileId: string): Promise<ScoreRow[]> {
    const models = await modelsOf(workspaceId);
    if (!models.bgnbd && !models.sbg && !models.engagement) return [];
    const asOf = now();
    const scores: ScoreRow[] = [];
    if (models.bgnbd) {
      const [history] = await purchaseHistories(db, workspaceId, asOf, profileId);
      if (history) scores.push(bgnbdScore({ bgnbd: models.bgnbd, gammagamma: models.gammagamma }, history, models.bgnbd.horizonDays));
    }
    if (models.sbg) {
      const [member] = await subscriptionHistories(db, workspaceId, asOf, profileId);
      if (member) scores.push(sbgScore(models.sbg, member, asOf));
    }
    const bgnbd = scores.find((s) => s.model === 'bgnbd');
    if (models.engagement && bgnbd) {
      const [activity] = await customerActivity(db, workspaceId, asOf, 0, profileId);
      if (activity) scores.push(engagementScore(models.engagement, { ...activity, bgnbd_risk: bgnbd.risk }, models.engagement.horizonDays, bgnbd.factors));
    }
    if (scores.length) await storeScores(db, workspaceId, scores);
    return scores;
  }

  return {
    rescore,
    /** Forget a workspace's cached fits (after a refit in this process). */
    forget: (workspaceId: string) => void cache.delete(workspaceId),
  };
}

export type ChurnRescorer = ReturnType<typeof createChurnRescorer>;
