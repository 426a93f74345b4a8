/**
 * Keeping segments current. After each event the person's facts are
 * recomputed and they are re-evaluated against every saved segment of their
 * workspace (the incremental path: one person, not the workspace). Segments
 * whose meaning moves with the clock ("last order before -90d", "ordered in
 * last 30 days") are also re-evaluated for everyone periodically, since time
 * passing changes them without any event.
 */
import type { Queryable } from '../db/database.ts';

/** Recomputes one person's facts and their membership of every saved segment; returns how many entries and exits. */
export async function refreshPersonSegments(db: Queryable, workspaceId: string, profileId: string, now = new Date()): Promise<number> {
  await db.query('select tessera.refresh_profile_facts($1, $2::uuid[])', [workspaceId, [profileId]]);
  const [row] = await db.query<{ changed: number }>('select tessera.refresh_memberships($1, $2, $3) as changed', [workspaceId, profileId, now.toISOString()]);
  return Number(row?.changed ?? 0);
}

/** Recomputes every person's facts in a workspace (after an import, or to repair). */
export async function rebuildProfileFacts(db: Queryable, workspaceId: string): Promise<number> {
  const [row] = await db.query<{ written: number }>('select tessera.refresh_profile_facts($1) as written', [workspaceId]);
  return Number(row?.written ?? 0);
}

/** Re-evaluates every member of the workspace's time-dependent segments (or all segments) at `now`. */
export async function recomputeSegments(db: Queryable, workspaceId: string, options: { now?: Date; onlyTimeDependent?: boolean } = {}) {
  const segments = await db.query<{ id: string }>(
    `select id from public.segments where workspace_id = $1 and ($2 = false or time_dependent) order by id`,
    [workspaceId, options.onlyTimeDependent ?? true],
  );
  let entered = 0;
  let exited = 0;
  for (const { id } of segments) {
    const [row] = await db.query<{ entered: number; exited: number }>('select * from tessera.apply_segment_membership($1, $2, $3)', [
      workspaceId,
      id,
      (options.now ?? new Date()).toISOString(),
    ]);
    entered += Number(row!.entered);
    exited += Number(row!.exited);
  }
  return { segments: segments.length, entered, exited };
}
