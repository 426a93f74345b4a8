// What the back-pressure test measures a running `tessera serve` with: a
// burst sender that times every answer, the child's memory read from
// /proc/<pid>/status, and (on the PG server) the connections it holds.
import { readFileSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import { DEMO_SHOP, type ShopifyDelivery } from '../seed/shopify-store.ts';
import { shopifyWebhookRequest } from '../webhooks/shopify-request.ts';

/** A process's resident memory now (VmRSS) and at its peak so far (VmHWM), in MB; null once it has exited. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const memory = { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  // An exited process not yet reaped (a zombie) still has a status, without memory lines.
  return Number.isNaN(memory.rssMb) ? null : memory;
}

export interface Sample {
  atMs: number;
  rssMb: number;
  /**
   * Client connections to the test database other than the sampler's own (PG server only). A parallel
   * query's workers and autovacuum show in pg_stat_activity under the database too: they are not counted.
   */
  connections?: number;
  /** What each of those connections is doing (for the report when there are too many). */
  who?: string[];
}

/**
 * Samples the server every `everyMs` until stopped: its RSS, and given a
 * connection to its database (the sampler's own, left out of the count) the
 * connections open to that database.
 */
export function startSampler(pid: number, db: Database | null, everyMs: number) {
  const samples: Sample[] = [];
  const started = performance.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const memory = memoryOf(pid);
      if (!memory) return;
      const sample: Sample = { atMs: Math.round(performance.now() - started), rssMb: memory.rssMb };
      if (db) {
        const rows = await db.query<{ who: string }>(
          `select coalesce(nullif(application_name, ''), backend_type) || ' ' || coalesce(state, '') || ': ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60) as who
             from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`,
        );
        sample.connections = rows.length;
        sample.who = rows.map((r) => r.who);
      }
      samples.push(sample);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop(): Promise<Sample[]> {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** Raw events not processed yet. */
export async function pendingCount(db: Database): Promise<number> {
  const [row] = await db.query<{ n: string }>(`select count(*)::text as n from public.raw_events where status = 'pending'`);
  return Number(row!.n);
}

export interface BurstFigures {
  /** Answer status → how many (0: no answer: refused, reset or timed out). */
  statuses: Record<number, number>;
  /** Milliseconds from the first request to the last answer. */
  elapsedMs: number;
  /** Per-request latencies, sorted, in ms. */
  latencies: number[];
}

/** Sends every delivery once, signed as Shopify signs it, `inFlight` requests at a time; no retries: every answer counts. */
export async function sendBurst(url: string, secret: string, deliveries: readonly ShopifyDelivery[], inFlight: number, timeoutMs: number): Promise<BurstFigures> {
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length) {
      const delivery = deliveries[next++]!;
      const request = await shopifyWebhookRequest(secret, { ...delivery, shop: DEMO_SHOP, body: JSON.stringify(delivery.payload) });
      const sent = performance.now();
      let status = 0;
      try {
        const response = await fetch(`${url}/webhooks/shopify`, { ...request, signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        // no answer: counted as status 0
      }
      latencies.push(performance.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { statuses, elapsedMs: performance.now() - started, latencies: latencies.sort((a, b) => a - b) };
}

export const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** What the database holds after the run: raw events by status, each delivery's raw rows, and every event id's count. */
export async function finalState(db: Database) {
  const statuses = await db.query<{ status: string; n: string }>(`select status, count(*)::text as n from public.raw_events group by 1 order by 1`);
  const keys = await db.query<{ key: string; rows: string; status: string }>(
    `select substr(idempotency_key, 7) as key, count(*)::text as rows, min(status) as status
       from public.raw_events where source = 'shopify' and idempotency_key like 'event:%' group by 1`,
  );
  const events = await db.query<{ external_id: string; n: string }>(`select external_id, count(*)::text as n from public.events group by 1`);
  return {
    rawStatuses: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])) as Record<string, number>,
    rawByKey: new Map(keys.map((k) => [k.key, { rows: Number(k.rows), status: k.status }])),
    eventCounts: new Map(events.map((e) => [e.external_id, Number(e.n)])),
  };
}
