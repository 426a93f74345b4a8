import { isPostgresError, type Queryable } from '../db/database.ts';
import type { NormalisedRecord } from '../normalisers/record.ts';

/** One record of a file on its way into the raw event log. */
export interface BatchEntry {
  topic: string;
  idempotency_key: string;
  headers: Record<string, string>;
  /** The body as stored: JSON text, verbatim. */
  body: string;
  triggered_at: string | null;
  /** What the normaliser made of it, as public.ingest_raw_event applies it; absent when it could not be used (then `status` and `error` say why). */
  normalised?: { kind: 'record'; record: NormalisedRecord };
  status?: 'failed' | 'ignored';
  error?: string;
}

/** What became of one entry (see public.import_raw_events). */
export interface BatchOutcome {
  id: number;
  outcome: 'imported' | 'resumed' | 'duplicate' | 'rejected' | 'ignored';
  /** For a duplicate: the status and error it was stored with the first time. */
  status?: string;
  error?: string;
}

export interface BatchResult {
  outcomes: BatchOutcome[];
  profilesCreated: number;
  merges: number;
}

/**
 * Stores and applies a batch in one call and one transaction
 * (`public.import_raw_events`). If Postgres refuses it (a record no
 * normaliser check caught, a value a column cannot hold), the batch is split
 * in halves until the record at fault is alone; that one is stored in the
 * dead-letter with Postgres's reason, and everything else lands. Errors that
 * are not about the data (the server is gone) stop the import.
 */
export async function importBatch(db: Queryable, workspaceId: string, source: string, entries: BatchEntry[]): Promise<BatchResult> {
  try {
    const [row] = await db.query<{ result: { outcomes: BatchOutcome[]; profiles_created: number; merges: number } }>(
      'select public.import_raw_events($1, $2, $3::jsonb) as result',
      // A reason quoting a cell with a NUL in it cannot go into jsonb (nor a text column): it is escaped, visibly.
      [workspaceId, source, JSON.stringify(entries.map((e) => (e.error?.includes('\u0000') ? { ...e, error: e.error.replaceAll('\u0000', '\\u0000') } : e)))],
    );
    const { outcomes, profiles_created, merges } = row!.result;
    return { outcomes: outcomes.map((o) => ({ ...o, id: Number(o.id) })), profilesCreated: profiles_created, merges };
  } catch (error) {
    if (!isPostgresError(error)) throw error;
    if (entries.length > 1) {
      const half = Math.ceil(entries.length / 2);
      const first = await importBatch(db, workspaceId, source, entries.slice(0, half));
      const second = await importBatch(db, workspaceId, source, entries.slice(half));
      return {
        outcomes: [...first.outcomes, ...second.outcomes],
        profilesCreated: first.profilesCreated + second.profilesCreated,
        merges: first.merges + second.merges,
      };
    }
    const [entry] = entries as [BatchEntry];
    if (!entry.normalised) throw error;
    // Without what it was normalised to (JSON leaves out undefined), the entry is stored in the dead-letter.
    const refused: BatchEntry = { ...entry, normalised: undefined, status: 'failed', error: `Postgres refused the record: ${error.message}` };
    const result = await importBatch(db, workspaceId, source, [refused]);
    return { ...result, outcomes: result.outcomes.map((o) => ({ ...o, error: o.error ?? refused.error })) };
  }
}
