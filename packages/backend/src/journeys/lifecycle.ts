/**
 * Lifecycle stages: where each person stands with the business (follower,
 * lead, first_purchase, repeat, loyal, at_risk, churned, reactivated), and
 * the history of how they got there. The rules live in SQL
 * (`0014_lifecycle.sql`, `tessera.lifecycle_timeline`) under the workspace's
 * stage model, so the processor, the nightly job and the Edge Function all
 * stage people the same way; this module is how TypeScript asks for it.
 * See docs/journeys.md.
 */
import type { Queryable } from '../db/database.ts';

/** The stages, in lifecycle order (as `tessera.lifecycle_stage_rank` orders them). */
export const LIFECYCLE_STAGES = ['follower', 'lead', 'first_purchase', 'repeat', 'loyal', 'at_risk', 'churned', 'reactivated'] as const;

export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface LifecycleOptions {
  /** The moment to stage people at (default: the database's now()). The churn score is read as it is now whatever this says. */
  at?: Date;
}

/**
 * Brings one person's stage up to date after their events or churn score
 * changed: records a transition when the stage changed (with the time it
 * really changed, e.g. the order's), mirrors it onto the profile, and
 * returns it. Calling it again changes nothing. Any profile id of the person
 * will do; null when the profile does not exist.
 *
 * @example
 * await rescorer.rescore(workspaceId, profileId);
 * const stage = await refreshStage(db, workspaceId, profileId); // 'repeat'
 */
export async function refreshStage(db: Queryable, workspaceId: string, profileId: string, options: LifecycleOptions = {}): Promise<LifecycleStage | null> {
  const [row] = await db.query<{ stage: LifecycleStage | null }>(
    'select tessera.refresh_stage($1, $2, coalesce($3::timestamptz, now())) as stage',
    [workspaceId, profileId, options.at?.toISOString() ?? null],
  );
  return row?.stage ?? null;
}

/** What a rebuild did. */
export interface LifecycleRebuild {
  /** People staged. */
  people: number;
  /** Transitions their histories make. */
  transitions: number;
  /** Transitions deleted and added to get there (both 0 when nothing changed). */
  removed: number;
  added: number;
  /** Profiles whose current stage changed. */
  stagesChanged: number;
}

/**
 * Replays every person's history into transitions with their real past
 * times (first_purchase at the first purchase, churned a year after the last
 * one, …), writing only what differs, and mirrors each stage onto the
 * profile. Run it nightly after the churn refit (at_risk reads the new
 * scores) and after a workspace changes its stage model.
 *
 * @example
 * await refitWorkspace(db, workspaceId);
 * const { stagesChanged } = await rebuildLifecycle(db, workspaceId);
 */
export async function rebuildLifecycle(db: Queryable, workspaceId: string, options: LifecycleOptions = {}): Promise<LifecycleRebuild> {
  const [row] = await db.query<{ report: { people: number; transitions: number; removed: number; added: number; stages_changed: number } }>(
    'select tessera.rebuild_lifecycle($1, coalesce($2::timestamptz, now())) as report',
    [workspaceId, options.at?.toISOString() ?? null],
  );
  const report = row!.report;
  return { people: report.people, transitions: report.transitions, removed: report.removed, added: report.added, stagesChanged: report.stages_changed };
}
