import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import type { NormalisedRecord } from '../normalisers/record.ts';
import { countingResolutions, personSnapshot } from './person-snapshot.ts';

// public.ingest_raw_events (the webhook processor's batches) applies the
// records whose person is unambiguous together (tessera.apply_unambiguous_records)
// and the rest one at a time after them. Whatever order that is, the graph
// must be the one the records make applied one at a time in arrival order:
// the same people, the same profiles (a record that makes a new person in
// turn makes one, and the merge that follows is recorded), identities on the
// same profiles with the same first and last sightings, the same conflicts.

type Claim = { kind: string; value: string };
const minute = (n: number) => new Date(Date.parse('2026-06-01T09:00:00Z') + n * 60_000).toISOString();
const record = (at: number, identities: Claim[], extra: Partial<NormalisedRecord> = {}): NormalisedRecord => ({
  observed_at: minute(at), identities, traits: [], events: [], unrecognised: [], ...extra,
});
const email = (value: string) => ({ kind: 'email', value });
const phone = (value: string) => ({ kind: 'phone', value });
const customer = (value: string) => ({ kind: 'shopify_customer', value });
const order = (value: string) => ({ kind: 'shopify_order', value });
const placed = (id: string, revenue: number, at: number) => ({
  type: 'order_placed', external_id: `shopify:order:${id}`, occurred_at: minute(at), revenue, currency: 'usd', properties: {},
});
const named = (first: string, at?: number) => [{ name: 'first_name', value: first, ...(at === undefined ? {} : { observed_at: minute(at) }) }];

/** Known before the batch: Carol; Pat (a Shopify account); Dora (an email only); Mia and Mo, one person of two profiles; Quinn. */
const KNOWN: { source: string; record: NormalisedRecord }[] = [
  { source: 'shopify', record: record(0, [customer('2001'), email('carol@example.com')], { traits: named('Carol') }) },
  { source: 'shopify', record: record(0, [customer('2003'), email('pat@example.com')], { traits: named('Pat') }) },
  { source: 'shopify', record: record(0, [email('dora@example.com')]) },
  { source: 'shopify', record: record(0, [email('mia@example.com')]) },
  { source: 'shopify', record: record(0, [phone('+14155550190')]) },
  { source: 'shopify', record: record(1, [email('mia@example.com'), phone('+14155550190')]) },
  { source: 'shopify', record: record(0, [customer('2005')]) },
];

/** The batch, in arrival order; `lane` marks the records whose person is unambiguous. */
const BATCH: { key: string; source: string; lane: boolean; record: NormalisedRecord }[] = [
  // Carol orders (the order id is new), then the order is refunded by its id alone, then she renames herself at
  // the same minute as her order (the later delivery wins a tie), and writes on Kajabi.
  { key: 'carol-order', source: 'shopify', lane: true,
    record: record(10, [customer('2001'), email('carol@example.com'), order('9001')], { traits: named('Carol'), events: [placed('9001', 40, 10)] }) },
  { key: 'carol-refund', source: 'shopify', lane: true,
    record: record(11, [order('9001')], { events: [{ type: 'order_refunded', external_id: 'shopify:refund:1', occurred_at: minute(11), revenue: -10, currency: 'usd', properties: {} }] }) },
  { key: 'carol-rename', source: 'shopify', lane: true, record: record(10, [customer('2001')], { traits: named('Caz') }) },
  { key: 'carol-kajabi', source: 'kajabi', lane: true,
    record: record(12, [email('Carol@Example.com')], { traits: named('Caroline'), events: [{ type: 'course_started', external_id: 'kajabi:start:1', occurred_at: minute(12), revenue: null, currency: null, properties: {} }] }) },
  // A new customer, then their first order.
  { key: 'nina-create', source: 'shopify', lane: true, record: record(13, [customer('3001'), email('nina@example.com')], { traits: named('Nina') }) },
  { key: 'nina-order', source: 'shopify', lane: true, record: record(14, [customer('3001'), order('9002')], { events: [placed('9002', 25, 14)] }) },
  // A refund that arrives before its order: the refund makes the person, the order joins them.
  { key: 'ed-refund', source: 'shopify', lane: true, record: record(15, [order('9003')]) },
  { key: 'ed-order', source: 'shopify', lane: true, record: record(16, [customer('2002'), email('ed@example.com'), order('9003')], { events: [placed('9003', 60, 16)] }) },
  // Two strangers, then a record that says they are one: two people in turn, then a merge.
  { key: 'link-email', source: 'shopify', lane: false, record: record(17, [email('lee@example.com')], { traits: named('Lee') }) },
  { key: 'link-phone', source: 'shopify', lane: false, record: record(18, [phone('+14155550171')]) },
  { key: 'link-both', source: 'shopify', lane: false, record: record(19, [email('lee@example.com'), phone('+14155550171')]) },
  // A guest checkout, then Pat's account with the guest's phone: a new person, merged into Pat.
  { key: 'pat-guest', source: 'shopify', lane: false, record: record(20, [email('pat@work.example'), phone('+14155550172')], { events: [placed('9004', 80, 20)] }) },
  { key: 'pat-account', source: 'shopify', lane: false, record: record(21, [customer('2003'), phone('+14155550172')]) },
  // Mia and Mo's two profiles named together.
  { key: 'mia-mo', source: 'shopify', lane: false, record: record(22, [email('mia@example.com'), phone('+14155550190')], { traits: named('Mia') }) },
  // A blocked identity beside a usable one.
  { key: 'blocked', source: 'shopify', lane: false, record: record(23, [email('noreply@example.com'), phone('+14155550173')]) },
  // One order id on two people's records: whichever comes first stores it.
  { key: 'shared-event-1', source: 'shopify', lane: false, record: record(24, [email('sam@example.com')], { events: [placed('9005', 5, 24)] }) },
  { key: 'shared-event-2', source: 'shopify', lane: false, record: record(25, [email('sol@example.com')], { events: [placed('9005', 5, 25)] }) },
  // Dora gets a Shopify customer id, a kind a person may have one of.
  { key: 'dora-account', source: 'shopify', lane: false, record: record(26, [email('dora@example.com'), customer('2004')]) },
  // A second Shopify account for Quinn: refused, and recorded as a conflict.
  { key: 'quinn-two-accounts', source: 'shopify', lane: false, record: record(27, [customer('2005'), customer('2006')]) },
];

async function store(db: Database, ws: string, source: string, key: string, body: unknown): Promise<number> {
  const [row] = await db.query<{ stored: { id: number } }>(
    `select public.record_raw_event($1, $2, 'test/topic', $3, '{}'::jsonb, $4, null) as stored`,
    [ws, source, key, Buffer.from(JSON.stringify(body)).toString('base64')],
  );
  return Number(row!.stored.id);
}

/** The graph without profile ids: who each identity is on (by that profile's first identity), merges, conflicts, statuses. */
async function graph(db: Database, ws: string) {
  const q = (sql: string) => db.query(sql, [ws]);
  return {
    people: await personSnapshot(db, ws),
    profiles: await q(`select count(*)::int as all, count(*) filter (where merged_into is not null)::int as merged from public.profiles where workspace_id = $1`),
    identities: await q(
      // Which profile of a merge survives is not compared: two made in one transaction tie on created_at,
      // and the id decides (ingest_raw_events applies a batch in one transaction, lane or not).
      `select i.kind, i.value, i.first_seen_at, i.last_seen_at,
              (select min(o.kind || ':' || o.value) from public.identities o where o.workspace_id = i.workspace_id and o.profile_id = i.profile_id) as profile
         from public.identities i where i.workspace_id = $1 order by i.kind, i.value`),
    traits: await q(
      `select t.name, t.source, t.value, t.observed_at, (select min(o.kind || ':' || o.value) from public.identities o where o.workspace_id = t.workspace_id and o.profile_id = t.profile_id) as profile
         from public.traits t where t.workspace_id = $1 order by 5, 1, 2`),
    merges: await q(`select count(*)::int as n from public.profile_merges where workspace_id = $1`),
    conflicts: await q(`select kind, value, reason from public.identity_conflicts where workspace_id = $1 order by kind, value, reason`),
    statuses: await q(`select idempotency_key, status, error, profile_id is not null as applied from public.raw_events where workspace_id = $1 order by idempotency_key`),
  };
}

for (const target of testDatabases()) {
  describe(`records whose person is unambiguous, together (${target.name})`, () => {
    let batched: Database;
    let inTurn: Database;
    let wsBatched: string;
    let wsInTurn: string;

    before(async () => {
      [batched, inTurn] = await Promise.all([target.open(), target.open()]);
      wsBatched = await ensureWorkspace(batched, { slug: 'lane', name: 'Lane' });
      wsInTurn = await ensureWorkspace(inTurn, { slug: 'lane', name: 'Lane' });
      for (const [db, ws] of [[batched, wsBatched], [inTurn, wsInTurn]] as const) {
        for (const [i, known] of KNOWN.entries()) {
          const id = await store(db, ws, known.source, `known-${i}`, { i });
          await db.query('select public.ingest_raw_event($1, $2, $3::jsonb)', [ws, id, JSON.stringify({ kind: 'record', record: known.record })]);
        }
      }
    });
    after(async () => {
      await batched?.close();
      await inTurn?.close();
    });

    it('ends in the graph the records make applied one at a time, in order, resolving only the ambiguous ones', async () => {
      for (const row of BATCH) {
        const id = await store(inTurn, wsInTurn, row.source, row.key, { key: row.key });
        await inTurn.query('select public.ingest_raw_event($1, $2, $3::jsonb)', [wsInTurn, id, JSON.stringify({ kind: 'record', record: row.record })]);
      }

      const entries: { id: number; normalised: { kind: string; record: NormalisedRecord } }[] = [];
      for (const row of BATCH) entries.push({ id: await store(batched, wsBatched, row.source, row.key, { key: row.key }), normalised: { kind: 'record', record: row.record } });
      const { result: applied, resolved } = await countingResolutions(batched, async (tx) => {
        const [row] = await tx.query<{ applied: { id: number; profile_id: string }[] }>('select public.ingest_raw_events($1, $2::jsonb) as applied', [
          wsBatched,
          JSON.stringify(entries),
        ]);
        return row!.applied;
      });

      assert.equal(applied.length, BATCH.length);
      const [want, got] = [await graph(inTurn, wsInTurn), await graph(batched, wsBatched)];
      assert.deepEqual(got.people, want.people);
      assert.deepEqual(got.profiles, want.profiles);
      assert.deepEqual(got.identities, want.identities);
      assert.deepEqual(got.traits, want.traits);
      assert.deepEqual(got.merges, want.merges);
      assert.deepEqual(got.conflicts, want.conflicts);
      assert.deepEqual(got.statuses, want.statuses);
      // The batch has what makes the case: merges, conflicts, and the later of two ties.
      assert.equal((got.merges[0] as { n: number }).n, (want.merges[0] as { n: number }).n);
      assert.ok((want.merges[0] as { n: number }).n >= 3, 'Lee, Pat and Mia are merged in turn');
      assert.ok(want.conflicts.length > 0, 'Quinn\'s second account is refused');
      assert.ok(got.traits.some((t) => (t as { value: unknown }).value === 'Caz'), 'the later of two ties wins');
      // Only the ambiguous records were resolved one at a time.
      assert.equal(resolved, BATCH.filter((r) => !r.lane).length);
    });
  });
}
