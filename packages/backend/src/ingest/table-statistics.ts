import type { Queryable } from '../db/database.ts';

/** The tables identity resolution and the profile projection look rows up in. */
const TABLES = 'public.raw_events, public.profiles, public.identities, public.traits, public.events, public.profile_merges';

/**
 * Keeps the planner's statistics in step with a bulk load or a burst of
 * deliveries. Planned against the near-empty tables an import (or a new
 * workspace's first webhooks) starts on, the resolver's lookups pick
 * indexes for a few rows and scan more and more as the workspace fills:
 * PGlite has no autovacuum to re-analyze, and a server's comes a minute late.
 * So the tables are analyzed each time the rows this import (or this
 * server's processor) stored double (a
 * handful of times for a large file), which also re-plans cached plans. (A
 * role that may not analyze a table gets a warning from Postgres, no error.)
 */
export function createStatisticsKeeper(db: Queryable, firstAfter = 500) {
  let stored = 0;
  let next = firstAfter;
  /** Call after each batch with the rows it stored. */
  return async function afterBatch(rows: number): Promise<void> {
    stored += rows;
    if (stored < next) return;
    next = stored * 2;
    await db.exec(`analyze ${TABLES}`);
  };
}
