import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSegmentOrThrow } from '@tessera/core/segments';
import { refitWorkspace } from '../churn/refit.ts';
import type { Database } from '../db/database.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.ts';
import { rebuildLifecycle } from '../journeys/lifecycle.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import type { ShopifyDelivery } from '../seed/shopify-store.ts';
import { rebuildProfileFacts, recomputeSegments } from '../segments/membership.ts';
import { startServer } from '../server/start.ts';
import { personSnapshot, type PersonSnapshot } from './person-snapshot.ts';
import { postAll, retriedAndShuffled, shopifyHistory } from './replay-stream.ts';

/*
 * Replay and order safety (the issue: "10k webhooks sent with duplicates and
 * shuffled order end in the same state as the clean ordered stream").
 * Database A gets a store's history once, in triggeredAt order; database B, of
 * the same kind, gets the same deliveries with ~20% retried (same
 * X-Shopify-Event-Id) and everything shuffled, 8 requests in flight. Both go
 * through the real server (signed POST /webhooks/shopify, processor, rescore,
 * stage and segment refresh), and their people must be the same.
 *
 * Sizes: the whole server path (ingest, rescore, stage, segments per event)
 * runs at ~25-40 deliveries/s on this 2-core machine and slows as the
 * workspace grows, so the full ~10k stream does not fit in two minutes.
 * Measured (wall time per database, posting and processing, seed 20261125):
 *   postgres, 2300 customers = 9749 deliveries (+1907 retries): ordered 6.5 min, shuffled 9.2 min; equal (run with REPLAY_CUSTOMERS=2300)
 *   postgres,  700 customers = 3103 deliveries (+585 retries):   ordered 109 s,   shuffled 89 s (the default)
 *   pglite,    400 customers = 1798 deliveries (+334 retries):   ordered 54 s,    shuffled 48 s (the default)
 */

const SECRET = 'shpss_replay_order_5f2c1e9d8b7a6c5d4e3f';
const JWT_SECRET = 'replay-order-jwt-secret-with-at-least-32-characters';
// The store's "now": its history runs over the two years before it.
const STORE_NOW = Date.parse('2026-11-01T00:00:00Z');
// Stage, churn and time-dependent segments are judged at one fixed moment on both databases.
const JUDGED_AT = new Date('2026-11-02T00:00:00Z');
// REPLAY_SEED and REPLAY_CUSTOMERS replay a failure or try another size.
const SEED = Number(process.env.REPLAY_SEED ?? 20261125);

// ~4.4 deliveries per customer (orders, refunds, phone and name changes).
const STREAM_SIZES: Record<TestDatabase['name'], number> = { postgres: 700, pglite: 400 };

const SEGMENTS: [name: string, query: string][] = [
  ['Big spenders', 'amount_spent > 150'],
  ['Repeat buyers', 'number_of_orders >= 3'],
  ['Lapsed', 'last_order_date < -90d'],
  ['High churn risk', "churn_band = 'high'"],
];

interface Delivered {
  db: Database;
  workspaceId: string;
  answers: Awaited<ReturnType<typeof postAll>>;
  ms: number;
}

async function deliver(target: TestDatabase, stream: readonly ShopifyDelivery[], concurrency: number): Promise<Delivered> {
  const db = await target.open();
  const workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
  for (const [name, query] of SEGMENTS) {
    await db.query('select public.save_segment($1, $2, $3::jsonb, $4)', [name, query, JSON.stringify(parseSegmentOrThrow(query)), workspaceId]);
  }
  const server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: workspaceId, secrets: { shopify: SECRET } });
  const started = performance.now();
  try {
    const answers = await postAll(server.url, SECRET, stream, concurrency);
    await server.idle();
    return { db, workspaceId, answers, ms: performance.now() - started };
  } finally {
    await server.close();
  }
}

/** What the nightly jobs do, at one fixed moment: refit and rescore churn, restage everyone, re-evaluate every segment. */
async function judge(db: Database, workspaceId: string) {
  await refitWorkspace(db, workspaceId, { asOf: JUDGED_AT });
  await rebuildLifecycle(db, workspaceId, { at: JUDGED_AT });
  await rebuildProfileFacts(db, workspaceId);
  await recomputeSegments(db, workspaceId, { now: JUDGED_AT, onlyTimeDependent: false });
}

/** The first people (by key) whose snapshots differ, and how: a failure says what, not just that. */
function differences(a: PersonSnapshot[], b: PersonSnapshot[], limit = 5): string[] {
  const byKey = new Map(b.map((p) => [p.key, p]));
  const found: string[] = [];
  for (const person of a) {
    const other = byKey.get(person.key);
    if (!other) found.push(`${person.key}: only in the ordered stream's database`);
    else {
      for (const field of Object.keys(person) as (keyof PersonSnapshot)[]) {
        if (JSON.stringify(person[field]) !== JSON.stringify(other[field])) {
          found.push(`${person.key} ${field}: ordered ${JSON.stringify(person[field])} vs shuffled ${JSON.stringify(other[field])}`);
        }
      }
    }
    if (found.length >= limit) break;
  }
  const keys = new Set(a.map((p) => p.key));
  for (const person of b) if (!keys.has(person.key) && found.length < limit * 2) found.push(`${person.key}: only in the shuffled stream's database`);
  return found;
}

for (const target of testDatabases()) {
  const customers = Number(process.env.REPLAY_CUSTOMERS ?? STREAM_SIZES[target.name]);
  describe(`Replay and order safety (${target.name})`, { timeout: 15 * 60_000 }, () => {
    const clean = shopifyHistory({ customers, seed: SEED, now: STORE_NOW, nameChanges: 0.1 });
    const { stream, retries } = retriedAndShuffled(clean, { seed: SEED, retried: 0.2 });
    it(`${clean.length} signed Shopify deliveries for ${customers} customers, sent again ${retries} times (same event id) and shuffled, 8 in flight, end in the same people, events, stages, churn bands and segments as the clean ordered stream (seed ${SEED})`, async (t) => {
      t.diagnostic(`seed ${SEED}: ${clean.length} deliveries, ${retries} retries, ${stream.length} sent shuffled`);

      const a = await deliver(target, clean, 1);
      const b = await deliver(target, stream, 8);
      t.diagnostic(`${target.name}: ordered stream ${(a.ms / 1000).toFixed(1)} s, shuffled with retries ${(b.ms / 1000).toFixed(1)} s`);
      try {
        // Every delivery accepted once; every retry answered 200 duplicate, pointing at the stored original.
        assert.deepEqual(a.answers.filter((x) => x.status !== 200 || x.body.status !== 'accepted'), [], `seed ${SEED}`);
        assert.deepEqual(b.answers.filter((x) => x.status !== 200), [], `seed ${SEED}`);
        const accepted = b.answers.filter((x) => x.body.status === 'accepted');
        const duplicates = b.answers.filter((x) => x.body.status === 'duplicate');
        assert.equal(accepted.length, clean.length, `seed ${SEED}`);
        assert.equal(duplicates.length, retries, `seed ${SEED}`);
        assert.equal(new Set(accepted.map((x) => x.body.id)).size, clean.length);
        const acceptedIds = new Set(accepted.map((x) => x.body.id));
        assert.ok(duplicates.every((x) => acceptedIds.has(x.body.id)), 'a duplicate answers with the id of the stored original');

        // The log: one row per distinct delivery (a retry stores nothing), all processed.
        for (const { db } of [a, b]) {
          const log = await db.query<{ status: string; n: number; keys: number }>(
            `select status, count(*)::int as n, count(distinct idempotency_key)::int as keys from public.raw_events group by status`,
          );
          assert.deepEqual(log, [{ status: 'processed', n: clean.length, keys: clean.length }], `seed ${SEED}`);
          const [events] = await db.query<{ n: number; distinct_ids: number; raw: number }>(
            `select count(*)::int as n, count(distinct external_id)::int as distinct_ids, count(distinct raw_event_id)::int as raw from public.events`,
          );
          // customers/create and orders/create each give one event, refunds/create one; updates none.
          assert.equal(events!.n, clean.filter((d) => d.topic !== 'customers/update').length, `seed ${SEED}: no event stored twice, none lost`);
          assert.equal(events!.distinct_ids, events!.n);
        }

        // The people, as the processor left them.
        const before = [await personSnapshot(a.db, a.workspaceId), await personSnapshot(b.db, b.workspaceId)] as const;
        assert.equal(before[0].filter((p) => p.key.startsWith('shopify_customer:')).length, customers);
        assert.deepEqual(differences(before[0], before[1]), [], `seed ${SEED}: after ingest`);
        assert.deepEqual(before[1], before[0], `seed ${SEED}: after ingest`);

        // And after the same nightly refit, restaging and segment recompute at the same moment.
        await judge(a.db, a.workspaceId);
        await judge(b.db, b.workspaceId);
        const after = [await personSnapshot(a.db, a.workspaceId), await personSnapshot(b.db, b.workspaceId)] as const;
        assert.ok(after[0].some((p) => p.churn_band !== null), 'the refit scored people');
        assert.ok(after[0].some((p) => p.segments.includes('Lapsed')), 'segments have members');
        assert.deepEqual(differences(after[0], after[1]), [], `seed ${SEED}: after the nightly jobs`);
        assert.deepEqual(after[1], after[0], `seed ${SEED}: after the nightly jobs`);
      } finally {
        await a.db.close();
        await b.db.close();
      }
    });
  });
}
