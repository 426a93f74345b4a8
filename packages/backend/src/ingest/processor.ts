import type { Database } from '../db/database.ts';
import { normalisers, textBodies } from '../normalisers/index.ts';
import { ingestBatch, type IngestEntry } from './ingest-batch.ts';
import { createStatisticsKeeper } from './table-statistics.ts';
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
   * Runs after a batch is applied, with the profiles it touched, before the
   * next batch: what is derived from a person (churn scores, stage, segment
   * memberships) follows each change. Its failure is written to stderr but
   * never undoes the events.
   */
  afterBatch?(workspaceId: string, profileIds: string[]): Promise<unknown>;
}

export interface ProcessorOptions {
  /**
   * Raw events applied per transaction (default 200 on a server, 25 on
   * PGlite: its one connection is also the one deliveries are stored
   * through, and a sender gives up after 5 s).
   */
  batchSize?: number;
  /** Workspaces processed at once, each by its own worker (default 4); one workspace's events are always applied in order. */
  concurrency?: number;
}

/**
 * Turns pending raw events into profiles: parse, normalise (pure, per source),
 * then `public.ingest_raw_events` applies a batch of records and marks them
 * processed in one transaction. An event that fails is marked failed with
 * its reason (the dead-letter) and never stops the others; a transient error
 * (the database went away) leaves the batch pending for the next drain.
 * Pending rows left by a crash are picked up at the next `drain()`.
 *
 * The worker pool is keyed by workspace, the tenant key: workspaces are
 * independent, so several are applied at once, each in arrival order, and
 * the number of connections in use never exceeds `concurrency`.
 */
export function createProcessor(db: Database, events: ProcessorEvents = {}, steps: ProcessorSteps = {}, options: ProcessorOptions = {}) {
  const batchSize = options.batchSize ?? (db.kind === 'pglite' ? 25 : 200);
  const concurrency = options.concurrency ?? 4;
  // Statistics planned for an empty workspace make each event cost more as it grows (see table-statistics.ts).
  const analyseAfter = createStatisticsKeeper(db);
  let draining: Promise<void> | undefined;
  let again = false;

  async function processBatch(workspaceId: string, rows: StoredRawEvent[]): Promise<void> {
    const entries: IngestEntry[] = rows.map((row) => {
      const id = Number(row.id);
      try {
        const next = prepareIngest(row);
        return next.kind === 'ignored' ? { id, status: 'ignored', error: next.reason } : { id, normalised: next };
      } catch (error) {
        return { id, status: 'failed', error: error instanceof Error ? error.message : String(error) };
      }
    });
    const people = new Set<string>();
    const outcomes = await ingestBatch(db, workspaceId, entries);
    await analyseAfter(outcomes.length);
    for (const outcome of outcomes) {
      if (outcome.outcome === 'processed') {
        events.onProcessed?.({ workspaceId, rawEventId: outcome.id, profileId: outcome.profileId });
        if (outcome.profileId) people.add(outcome.profileId);
      } else if (outcome.status === 'failed') {
        events.onFailed?.({ workspaceId, rawEventId: outcome.id, error: outcome.error });
      }
    }
    if (!steps.afterBatch || people.size === 0) return;
    await steps.afterBatch(workspaceId, [...people]).catch((error: Error) => {
      // The events are applied and stay applied; the next event or the nightly jobs bring the people up to date.
      console.error(`tessera: refreshing ${people.size} people after a batch of raw events failed: ${error.message}`);
    });
  }

  async function drainOnce(): Promise<void> {
    for (;;) {
      // Oldest first, across workspaces. `r.received_at`, not the text column of the same name
      // selected above: ordering by that formatted every pending row and sorted them, bypassing
      // raw_events_queue_idx (0.9 s a fetch with 35k pending).
      const rows = await db.query<StoredRawEvent>(
        `select workspace_id, id, source, topic, headers, body,
                to_char(triggered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as triggered_at,
                to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as received_at
           from public.raw_events r where status = 'pending' order by r.received_at, r.id limit $1`,
        [batchSize * concurrency],
      );
      if (rows.length === 0) return;
      const byWorkspace = new Map<string, StoredRawEvent[]>();
      for (const row of rows) byWorkspace.set(row.workspace_id, [...(byWorkspace.get(row.workspace_id) ?? []), row]);
      const queue = [...byWorkspace];
      await Promise.all(
        Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const [workspaceId, pending] = next;
            for (let from = 0; from < pending.length; from += batchSize) await processBatch(workspaceId, pending.slice(from, from + batchSize));
          }
        }),
      );
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
  /**
   * Drains soon, after the current request has been answered. If the
   * database is unreachable, the events stay pending and the drain is tried
   * again a second later.
   */
  function schedule(): void {
    scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      scheduled = undefined;
      return drain().catch((error: Error) => {
        console.error(`tessera: processing paused, events stay pending (${error.message}); retrying in 1 s`);
        setTimeout(schedule, 1_000).unref();
      });
    });
  }

  /** Resolves once nothing is scheduled or running. */
  async function idle(): Promise<void> {
    while (scheduled || draining) await (scheduled ?? draining);
  }

  return { drain, schedule, idle };
}

export type Processor = ReturnType<typeof createProcessor>;
