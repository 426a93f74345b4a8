/**
 * The nightly refit inside `tessera serve`: at start and then every hour it
 * refits the workspaces whose latest fit is more than a day old (or that
 * have none), so a local or self-hosted install keeps its churn scores
 * current without a cron. On Supabase the same job runs as
 * `tessera churn refit` from a scheduler (see docs/churn.md).
 */
import type { Queryable } from '../db/database.ts';
import { refitWorkspace, type RefitReport } from './refit.ts';
import type { ChurnRescorer } from './rescore.ts';

const HOUR_MS = 3_600_000;

/** Refits every workspace whose newest fit is older than `maxAgeHours`; returns what each refit did. */
export async function refitStaleWorkspaces(db: Queryable, options: { maxAgeHours?: number; onRefit?: (report: RefitReport) => void } = {}): Promise<RefitReport[]> {
  const stale = await db.query<{ id: string }>(
    `select w.id from public.workspaces w
      where coalesce((select max(m.fitted_at) from public.churn_models m where m.workspace_id = w.id), '-infinity') < now() - make_interval(hours => $1)
        and exists (select 1 from public.events e where e.workspace_id = w.id and e.revenue > 0)
      order by w.created_at`,
    [options.maxAgeHours ?? 24],
  );
  const reports: RefitReport[] = [];
  for (const { id } of stale) {
    const report = await refitWorkspace(db, id);
    options.onRefit?.(report);
    reports.push(report);
  }
  return reports;
}

/** Checks hourly for stale fits; the returned function stops the schedule. */
export function scheduleChurnRefits(db: Queryable, rescorer: ChurnRescorer, onRefit?: (report: RefitReport) => void): () => void {
  let running: Promise<unknown> = Promise.resolve();
  const check = () => {
    running = running
      .then(() => refitStaleWorkspaces(db, { onRefit: (report) => (rescorer.forget(report.workspaceId), onRefit?.(report)) }))
      .catch((error: Error) => console.error(`tessera: churn refit failed: ${error.message}`));
  };
  const timer = setInterval(check, HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}
