// Crash safety, end to end: the built `tessera serve` is SIGKILLed at random
// points of a stream of signed Shopify webhooks and a backfill import,
// restarted on the same data, and the sender retries like Shopify (same
// X-Shopify-Event-Id until a 2xx). Every accepted delivery must then be in the
// profile graph exactly once, nothing stuck half-processed, and the graph the
// same as a run of the same deliveries that never crashed.
//
// Needs `npm run build` (it runs bin/tessera.js). On PGlite the data
// directory belongs to one process at a time, so the backfill runs while the
// server is down (as the import command tells a user to); on the PG server
// (DATABASE_URL) it runs side by side with the server.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { personSnapshot, type PersonSnapshot } from '../ingest/person-snapshot.ts';
import { generateShopifyStore } from '../seed/shopify-store.ts';
import {
  cliEnvironment, crash, expectedEvents, preparePlace, sendUntilAccepted, splitStore, startImport, startServe, stopCleanly, writeJsonl,
  type ImportRun, type Place, type SenderFigures, type ServeProcess,
} from './crash-harness.ts';

const SECRET = 'crash-safety-shopify-secret';
const NOW = Date.parse('2026-11-01T00:00:00Z');
const EXPORTED_AT = '2026-11-01T00:00:00Z';
// 120 customers: ~360 webhooks + ~210 backfill lines, ~1.5 min on 2 cores; CRASH_SAFETY_CUSTOMERS=250 (~730 + 560) took 5.3 min.
const CUSTOMERS = Number(process.env.CRASH_SAFETY_CUSTOMERS ?? 120);
const CRASHES = 3;

const store = generateShopifyStore({ customers: CUSTOMERS, seed: 8_0817, now: NOW });
const { webhooks, backfillLines } = splitStore(store, 4);

const expected = expectedEvents(webhooks, new Date(NOW).toISOString());

interface Backend {
  name: 'pglite' | 'postgres';
  /** A fresh, empty place for one run. */
  prepare(): Promise<Place>;
}

const pglite: Backend = { name: 'pglite', prepare: () => preparePlace(undefined, 'crash') };
const postgres = (serverUrl: string): Backend => ({ name: 'postgres', prepare: () => preparePlace(serverUrl, 'crash') });

interface RunResult {
  accepted: Set<string>;
  figures: SenderFigures;
  crashes: { atAccepted: number; restartMs: number }[];
  importKills: number;
  elapsedMs: number;
  rawStatuses: Record<string, number>;
  /** X-Shopify-Event-Id (stored as the idempotency key `event:<id>`) → the rows with it and their statuses. */
  rawByKey: Map<string, { rows: number; statuses: string[] }>;
  eventCounts: Map<string, number>;
  people: PersonSnapshot[];
}

/**
 * One run of the whole stream. `crashAt` lists the acceptance counts at which
 * the server is SIGKILLed and restarted (empty: the clean run).
 */
async function run(backend: Backend, crashAt: number[]): Promise<RunResult> {
  const started = performance.now();
  const place = await backend.prepare();
  const env = cliEnvironment(SECRET, place.databaseUrl);
  const file = join(place.dataDir, 'backfill-customers-and-orders.jsonl');
  writeJsonl(file, backfillLines);
  const crashes: RunResult['crashes'] = [];
  let importKills = 0;

  // The backfill, resumable: killed once part-way in a crash run, then run again until it completes.
  const backfill = async (killAfterMs: number | null) => {
    for (;;) {
      const run: ImportRun = startImport(file, place.dataDir, env, EXPORTED_AT);
      if (killAfterMs !== null) {
        const timer = setTimeout(() => run.child.kill('SIGKILL'), killAfterMs);
        void run.exited.then(() => clearTimeout(timer));
      }
      const code = await run.exited;
      if (code === 0) return run.output();
      if (code === null && killAfterMs !== null) {
        importKills++;
        killAfterMs = null;
        continue;
      }
      throw new Error(`tessera import exited with ${code}:\n${run.output()}`);
    }
  };

  try {
    // PGlite: the data directory is one process's at a time, so a clean run imports before serving.
    if (backend.name === 'pglite' && crashAt.length === 0) await backfill(null);
    let server: ServeProcess | null = await startServe(place.dataDir, env);
    let importing: Promise<string> | undefined;
    if (backend.name === 'postgres') importing = backfill(crashAt.length ? 300 + Math.floor(Math.random() * 1500) : null);

    const pending = [...crashAt];
    let restarting = false;
    const { accepted, figures } = await sendUntilAccepted(webhooks, {
      secret: SECRET,
      concurrency: 8,
      target: () => (restarting ? null : server?.url ?? null),
      async onAccepted(count) {
        if (restarting || pending.length === 0 || count < pending[0]!) return;
        pending.shift();
        restarting = true;
        await crash(server!);
        const down = performance.now();
        // PGlite: the backfill runs while the server is down, on the data directory it just left mid-write.
        if (backend.name === 'pglite' && crashes.length === 0) await backfill(200 + Math.floor(Math.random() * 800));
        server = await startServe(place.dataDir, env);
        crashes.push({ atAccepted: count, restartMs: Math.round(performance.now() - down) });
        restarting = false;
      },
    });
    await importing;
    // SIGTERM: serve finishes every stored delivery before it exits.
    const code = await stopCleanly(server);
    assert.equal(code, 0, `tessera serve stopped with ${code}:\n${server.output().slice(-2000)}`);

    const db = await place.open();
    try {
      const [workspace] = await db.query<{ id: string }>(`select id::text from public.workspaces where slug = 'default'`);
      const statuses = await db.query<{ source: string; status: string; n: string }>(
        `select source, status, count(*)::text as n from public.raw_events group by 1, 2 order by 1, 2`,
      );
      const keys = await db.query<{ idempotency_key: string; rows: string; statuses: string[] }>(
        `select substr(idempotency_key, 7) as idempotency_key, count(*)::text as rows, array_agg(status order by id) as statuses
           from public.raw_events where source = 'shopify' and idempotency_key like 'event:%' group by 1`,
      );
      const events = await db.query<{ external_id: string; n: string }>(`select external_id, count(*)::text as n from public.events group by 1`);
      return {
        accepted,
        figures,
        crashes,
        importKills,
        elapsedMs: Math.round(performance.now() - started),
        rawStatuses: Object.fromEntries(statuses.map((s) => [`${s.source}:${s.status}`, Number(s.n)])),
        rawByKey: new Map(keys.map((k) => [k.idempotency_key, { rows: Number(k.rows), statuses: k.statuses }])),
        eventCounts: new Map(events.map((e) => [e.external_id, Number(e.n)])),
        people: await personSnapshot(db, workspace!.id),
      };
    } finally {
      await db.close();
    }
  } finally {
    await place.dispose();
  }
}

/** Acceptance counts to crash at: one in each of `n` equal stretches of the middle of the stream. */
function randomCrashPoints(total: number, n: number): number[] {
  const from = total * 0.1;
  const span = (total * 0.8) / n;
  return Array.from({ length: n }, (_, i) => Math.floor(from + span * i + Math.random() * span));
}

/**
 * The graph proper: identities, traits, events and the counters events feed.
 * Stage, churn band and segments are derived by the server after each webhook
 * and by the nightly jobs, which also run at every start, not by an import:
 * a backfilled person's are filled at the next start or nightly, so a run with
 * restarts has them sooner. They are compared apart (see `derivedDifferences`).
 */
function graphOf(people: PersonSnapshot[]) {
  return people.map(({ stage, churn_band, segments, ...graph }) => graph);
}

/** Keys of the people whose derived fields differ between the runs. */
function derivedDifferences(crashed: PersonSnapshot[], clean: PersonSnapshot[]): string[] {
  const byKey = new Map(clean.map((p) => [p.key, p]));
  return crashed
    .filter((p) => {
      const twin = byKey.get(p.key);
      return !twin || p.stage !== twin.stage || p.churn_band !== twin.churn_band || p.segments.join() !== twin.segments.join();
    })
    .map((p) => p.key);
}

function firstDifference(crashed: ReturnType<typeof graphOf>, clean: ReturnType<typeof graphOf>): string {
  const byKey = new Map(clean.map((p) => [p.key, p]));
  for (const person of crashed) {
    const twin = byKey.get(person.key);
    if (!twin) return `only after crashes: ${JSON.stringify(person)}`;
    try {
      assert.deepEqual(person, twin);
    } catch {
      return `${person.key}:\n after crashes: ${JSON.stringify(person)}\n clean:         ${JSON.stringify(twin)}`;
    }
  }
  const crashedKeys = new Set(crashed.map((p) => p.key));
  const missing = clean.find((p) => !crashedKeys.has(p.key));
  return missing ? `missing after crashes: ${JSON.stringify(missing)}` : 'none';
}

const backends: (Backend | { name: string; skip: string })[] = [
  pglite,
  process.env.DATABASE_URL ? postgres(process.env.DATABASE_URL) : { name: 'postgres', skip: 'DATABASE_URL is not set: import beside a running server needs the PG server' },
];

describe('crash safety: tessera serve SIGKILLed mid-stream, restarted, Shopify retrying', { concurrency: true }, () => {
  for (const backend of backends) {
    const options = 'skip' in backend ? { skip: backend.skip } : {};
    it(`${backend.name}: every accepted delivery is in the graph exactly once, and the graph equals a run that never crashed`, options, async () => {
      const b = backend as Backend;
      const crashPoints = randomCrashPoints(webhooks.length, CRASHES);
      const [clean, crashed] = await Promise.all([run(b, []), run(b, crashPoints)]);
      console.log(
        `[${b.name}] ${webhooks.length} webhooks + ${backfillLines.length} backfill lines; crashes at accepted ${crashPoints.join(', ')} ` +
          `(restarts ${crashed.crashes.map((c) => `${c.restartMs} ms`).join(', ')}); import killed ${crashed.importKills}×; ` +
          `sender: ${crashed.figures.attempts} POSTs, ${crashed.figures.failures} not accepted and retried, at most ${crashed.figures.maxAttemptsForOne} for one delivery; ` +
          `clean run ${clean.elapsedMs} ms, crash run ${crashed.elapsedMs} ms; raw events ${JSON.stringify(crashed.rawStatuses)}`,
      );

      assert.equal(crashed.crashes.length, CRASHES, 'the server was killed and restarted each time');
      assert.ok(crashed.figures.failures > 0, 'some deliveries met a dead server and were retried');
      assert.equal(crashed.accepted.size, webhooks.length);

      // Stored once, processed, nothing left half-way.
      const notOnce = [...crashed.accepted].filter((key) => crashed.rawByKey.get(key)?.rows !== 1);
      assert.deepEqual(notOnce, [], 'each accepted delivery is one raw event');
      const unprocessed = [...crashed.accepted].filter((key) => crashed.rawByKey.get(key)!.statuses[0] !== 'processed');
      assert.deepEqual(unprocessed.map((key) => `${key}: ${crashed.rawByKey.get(key)!.statuses}`), [], 'each accepted delivery is processed');
      for (const status of ['pending', 'failed']) {
        assert.equal(crashed.rawStatuses[`shopify:${status}`] ?? 0, 0, `no raw event left ${status}`);
      }

      // Each accepted delivery's events: there, once.
      const wrong = [...crashed.accepted].flatMap((key) =>
        expected.get(key)!.filter((id) => crashed.eventCounts.get(id) !== 1).map((id) => `${key} → ${id} × ${crashed.eventCounts.get(id) ?? 0}`),
      );
      assert.deepEqual(wrong, [], 'every accepted delivery’s event is in the graph exactly once');
      assert.deepEqual(crashed.rawStatuses, clean.rawStatuses, 'the same raw events as the clean run, imports included');
      assert.equal(crashed.eventCounts.size, clean.eventCounts.size);

      // And the people: the same as if nothing had crashed (counters would show an event applied twice).
      assert.equal(crashed.people.length, clean.people.length);
      const derived = derivedDifferences(crashed.people, clean.people);
      const backfilled = new Set(backfillLines.flatMap((line) => ('firstName' in line ? [`shopify_customer:${String((line as unknown as { id: string }).id).split('/').pop()}`] : [])));
      console.log(`[${b.name}] derived fields (stage, churn band, segments) differ for ${derived.length} people, ${derived.filter((k) => backfilled.has(k)).length} of them backfilled`);
      assert.ok(crashed.people.length > CUSTOMERS * 0.9, 'the webhook and backfill customers are all there');
      const difference = firstDifference(graphOf(crashed.people), graphOf(clean.people));
      assert.equal(difference, 'none', `the graph after crashes differs from the clean run; first difference: ${difference}`);
    });
  }
});
