/**
 * The nightly jobs inside `tessera serve`: at start and then every hour, the
 * events partitions are extended (tessera.ensure_event_partitions) and each
 * workspace whose churn fit is more than a day old (or missing) is refitted
 * and re-scored, its lifecycle stages rebuilt (at-risk reads the scores), its
 * segment facts rebuilt (they carry scores and stages), and
 * every saved segment re-evaluated (time alone moves "last order before
 * -90d"). A local or self-hosted install stays current without a cron; on
 * Supabase the same runs as `tessera churn refit` from a scheduler, and the
 * partitions from pg_cron (docs/scaling.md).
 */
import type { Queryable } from '../db/database.ts';
import { refitWorkspace, type RefitReport } from '../churn/refit.ts';
import type { ChurnRescorer } from '../churn/rescore.ts';
import { rebuildLifecycle } from '../journeys/lifecycle.ts';
import { rebuildProfileFacts, recomputeSegments } from '../segments/membership.ts';

const HOUR_MS = 3_600_000;

/** One workspace's nightly run: churn refit, then the facts and segments that read the scores. */
export async function runNightly(db: Queryable, workspaceId: string, options: { asOf?: Date; horizonDays?: number } = {}): Promise<RefitReport> {
  const report = await refitWorkspace(db, workspaceId, options);
  // Stages read the new churn scores; segment facts read the stages and scores.
  await rebuildLifecycle(db, workspaceId, options.asOf ? { at: options.asOf } : {});
  await rebuildProfileFacts(db, workspaceId);
  await recomputeSegments(db, workspaceId, { onlyTimeDependent: false, ...(options.asOf ? { now: options.asOf } : {}) });
  return report;
}

/** Runs the nightly jobs of every workspace whose newest churn fit is older than `maxAgeHours`. */
export async function runStaleNightlies(db: Queryable, options: { maxAgeHours?: number; onRefit?: (report: RefitReport) => void } = {}): Promise<RefitReport[]> {
  // Next year's events partition exists before its first event; history imported since the last run gets its years'.
  await db.query('select tessera.ensure_event_partitions()');
  const stale = await db.query<{ id: string }>(
    `select w.id from public.workspaces w
      where coalesce((select max(m.fitted_at) from public.churn_models m where m.workspace_id = w.id), '-infinity') < now() - make_interval(hours => $1)
        and exists (select 1 from public.events e where e.workspace_id = w.id and e.revenue > 0)
      order by w.created_at`,
    [options.maxAgeHours ?? 24],
  );
  const reports: RefitReport[] = [];
  for (const { id } of stale) {
    const report = await runNightly(db, id);
    options.onRefit?.(report);
    reports.push(report);
  }
  return reports;
}

/** Checks hourly for stale workspaces; the returned function stops the schedule. */
export function scheduleNightlies(db: Queryable, rescorer: ChurnRescorer, onRefit?: (report: RefitReport) => void): () => void {
  let running: Promise<unknown> = Promise.resolve();
  const check = () => {
    running = running
      .then(() => runStaleNightlies(db, { onRefit: (report) => (rescorer.forget(report.workspaceId), onRefit?.(report)) }))
      .catch((error: Error) => console.error(`tessera: nightly jobs failed: ${error.message}`));
  };
  const timer = setInterval(check, HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}
