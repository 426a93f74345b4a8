import type { Database } from '../db/database.ts';
import { normalisers, textBodies } from '../normalisers/index.ts';
import { NormaliseError, NormalisedRecord, PlatformMerge, PrivacyRequest, type Normalised } from '../normalisers/record.ts';

/** A stored raw event, as read back for processing. */
export interface StoredRawEvent {
  workspace_id: string;
  id: string | number;
  source: string;
  topic: string;
  headers: Record<string, string>;
  body: Uint8Array;
  triggered_at: string | null;
  received_at: string;
}

/**
 * What to do with one stored raw event: parse its body and run its source's
 * normaliser. Pure; throws (NormaliseError, SyntaxError) when the event can
 * only go to the dead-letter. Shared by the local processor and the Edge
 * Function, so both decide the same way.
 */
export function prepareIngest(raw: StoredRawEvent): Normalised {
  const normalise = normalisers[raw.source];
  if (!normalise) throw new NormaliseError(`No normaliser for source ${raw.source}`);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(raw.body);
  const body = textBodies.has(raw.source) ? text : JSON.parse(text);
  const normalised = normalise({
    source: raw.source,
    topic: raw.topic,
    headers: raw.headers,
    body,
    triggeredAt: raw.triggered_at,
    receivedAt: raw.received_at,
  });
  // Validated here so that what reaches the database is exactly the documented shape.
  switch (normalised.kind) {
    case 'record':
      return { kind: 'record', record: NormalisedRecord.parse(normalised.record) };
    case 'privacy':
      return { kind: 'privacy', request: PrivacyRequest.parse(normalised.request) };
    case 'merge':
      return { kind: 'merge', merge: PlatformMerge.parse(normalised.merge) };
    case 'ignored':
      return normalised;
  }
}

export interface ProcessorEvents {
  /** A raw event was applied; `profileId` is the person it was about (null for an account-wide privacy request). */
  onProcessed?(event: { workspaceId: string; rawEventId: number; profileId: string | null }): void;
  /** A raw event went to the dead-letter. */
  onFailed?(event: { workspaceId: string; rawEventId: number; error: string }): void;
}

export interface ProcessorSteps {
  /**
   * Runs after a record is applied, before the next event: what is derived
   * from the person (their churn scores) follows each change. Its failure is
   * written to stderr but never undoes the event.
   */
  afterApply?(workspaceId: string, profileId: string): Promise<unknown>;
}

/**
 * Turns pending raw events into profiles: parse, normalise (pure, per source),
 * then `public.ingest_raw_event` applies the record and marks the row
 * processed in one transaction. A failure marks the row failed with its
 * reason (the dead-letter) and never stops the others. Pending rows left by a
 * crash are picked up at the next `drain()`.
 */

export function createProcessor(db: Database, events: ProcessorEvents = {}, steps: ProcessorSteps = {}) {
  let draining: Promise<void> | undefined;
  let again = false;

  async function processOne(row: StoredRawEvent): Promise<void> {
    const rawEventId = Number(row.id);
    try {
      const next = prepareIngest(row);
      if (next.kind === 'ignored') {
        await db.query('select public.settle_raw_event($1, $2, $3, $4)', [row.workspace_id, rawEventId, 'ignored', next.reason]);
        return;
      }
      const [result] = await db.query<{ profile_id: string | null }>('select public.ingest_raw_event($1, $2, $3::jsonb) as profile_id', [
        row.workspace_id,
        rawEventId,
        JSON.stringify(next),
      ]);
      events.onProcessed?.({ workspaceId: row.workspace_id, rawEventId, profileId: result!.profile_id });
      if (result!.profile_id && steps.afterApply) {
        await steps.afterApply(row.workspace_id, result!.profile_id).catch((error: Error) => {
          // The event is applied and stays applied; the next event or the nightly refit scores the person again.
          console.error(`tessera: re-scoring ${result!.profile_id} after raw event ${rawEventId} failed: ${error.message}`);
        });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await db.query('select public.settle_raw_event($1, $2, $3, $4)', [row.workspace_id, rawEventId, 'failed', message]);
      events.onFailed?.({ workspaceId: row.workspace_id, rawEventId, error: message });
    }
  }

  async function drainOnce(): Promise<void> {
    for (;;) {
      const rows = await db.query<StoredRawEvent>(
        `select workspace_id, id, source, topic, headers, body,
                to_char(triggered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as triggered_at,
                to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as received_at
           from public.raw_events where status = 'pending' order by received_at, id limit 100`,
      );
      if (rows.length === 0) return;
      for (const row of rows) await processOne(row);
    }
  }

  /** Processes everything pending; concurrent calls share one run (and trigger one more pass). */
  function drain(): Promise<void> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          await drainOnce();
        } while (again);
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  let scheduled: Promise<void> | undefined;
  /** Drains soon, after the current request has been answered. */
  function schedule(): void {
    scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      scheduled = undefined;
      return drain();
    });
  }

  /** Resolves once nothing is scheduled or running. */
  async function idle(): Promise<void> {
    while (scheduled || draining) await (scheduled ?? draining);
  }

  return { drain, schedule, idle };
}

export type Processor = ReturnType<typeof createProcessor>;
