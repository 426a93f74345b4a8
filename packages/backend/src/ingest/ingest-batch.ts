import { isPostgresError, type Queryable } from '../db/database.ts';
import type { Normalised } from '../normalisers/record.ts';

/** One stored raw event on its way into the graph: what its normaliser made of it, or how to settle it. */
export type IngestEntry =
  | { id: number; normalised: Exclude<Normalised, { kind: 'ignored' }> }
  | { id: number; status: 'ignored' | 'failed'; error: string };

/** What became of one entry. */
export type IngestOutcome =
  | { id: number; outcome: 'processed'; profileId: string | null }
  | { id: number; outcome: 'settled'; status: 'ignored' | 'failed'; error: string };

/**
 * Errors that say nothing about the data — the connection, the server, a
 * deadlock or a serialisation failure: the batch is tried again later, and
 * nothing is dead-lettered for them.
 */
export function isTransient(error: unknown): boolean {
  return !isPostgresError(error) || /^(08|40|53|57|58|XX)/.test(error.code ?? '');
}

/**
 * Applies a batch of stored raw events in order, in one call and one
 * transaction (`public.ingest_raw_events`). If Postgres refuses the batch
 * because of one event's data, the batch is split in halves until that
 * event is alone; it is then dead-lettered with Postgres's reason, and
 * everything else lands — as `tessera import` does with its batches.
 * Transient errors are thrown, leaving every event pending.
 */
export async function ingestBatch(db: Queryable, workspaceId: string, entries: IngestEntry[]): Promise<IngestOutcome[]> {
  if (entries.length === 0) return [];
  try {
    const [row] = await db.query<{ applied: { id: number | string; profile_id: string | null }[] }>(
      'select public.ingest_raw_events($1, $2::jsonb) as applied',
      // A reason quoting what the sender wrote may hold a NUL, which jsonb cannot: it is escaped, visibly.
      [workspaceId, JSON.stringify(entries.map((e) => ('error' in e ? { ...e, error: e.error.replaceAll('\u0000', '\\u0000') } : e)))],
    );
    const applied = new Map(row!.applied.map((a) => [Number(a.id), a.profile_id]));
    return entries.map((entry) =>
      'normalised' in entry
        ? { id: entry.id, outcome: 'processed', profileId: applied.get(entry.id) ?? null }
        : { id: entry.id, outcome: 'settled', status: entry.status, error: entry.error },
    );
  } catch (error) {
    if (isTransient(error)) throw error;
    if (entries.length > 1) {
      const half = Math.ceil(entries.length / 2);
      return [...(await ingestBatch(db, workspaceId, entries.slice(0, half))), ...(await ingestBatch(db, workspaceId, entries.slice(half)))];
    }
    const [entry] = entries as [IngestEntry];
    if (!('normalised' in entry)) throw error;
    return ingestBatch(db, workspaceId, [{ id: entry.id, status: 'failed', error: (error as Error).message }]);
  }
}
