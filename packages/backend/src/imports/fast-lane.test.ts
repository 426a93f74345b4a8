import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { countingResolutions, personSnapshot } from '../ingest/person-snapshot.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import type { NormalisedRecord } from '../normalisers/record.ts';

// public.import_raw_events applies the rows of a batch whose person is
// unambiguous together (tessera.apply_unambiguous_records: a new person no
// other row names, or one known person), and every other row one at a time
// (public.ingest_raw_event). A batch must end in the same people, conflicts
// and statuses as its rows applied one at a time, in order.

const at = '2026-05-20T08:00:00Z';
type Claim = { kind: string; value: string };
const record = (identities: Claim[], extra: Partial<NormalisedRecord> = {}): NormalisedRecord => ({
  observed_at: at,
  identities,
  traits: [],
  events: [],
  unrecognised: [],
  ...extra,
});
const order = (id: string, revenue: number, occurredAt = '2026-05-01T10:00:00Z') => ({
  type: 'order_placed', external_id: `shopify:order:${id}`, occurred_at: occurredAt, revenue, currency: 'usd', properties: { order_id: id },
});
const names = (first: string, last: string, observedAt?: string) => [
  { name: 'first_name', value: first, ...(observedAt ? { observed_at: observedAt } : {}) },
  { name: 'last_name', value: last, ...(observedAt ? { observed_at: observedAt } : {}) },
];

/** A batch with every way a row can need the one-at-a-time path, among rows that don't. */
function batch() {
  const rows: { key: string; record: NormalisedRecord }[] = [
    // Link nobody: the fast lane.
    { key: 'ada', record: record([{ kind: 'shopify_customer', value: '1001' }, { kind: 'email', value: ' Ada@Example.com ' }], { traits: names('Ada', 'Lovelace'), events: [order('1', 120)] }) },
    { key: 'ivy', record: record([{ kind: 'email', value: 'ivy@example.com' }, { kind: 'phone', value: '+14155550123' }], {
      // The newer of two values of one trait wins.
      traits: [{ name: 'first_name', value: 'Ivy', observed_at: '2026-05-01T00:00:00Z' }, { name: 'first_name', value: 'Ivy-Rose', observed_at: '2026-05-02T00:00:00Z' }],
      events: [order('2', 40), order('2', 40)],
    }) },
    { key: 'no-events', record: record([{ kind: 'email', value: 'quiet@example.com' }]) },
    // Shares an email with a later row: the two are one person, or a conflict, in file order.
    { key: 'bob', record: record([{ kind: 'shopify_customer', value: '1002' }, { kind: 'email', value: 'bob@example.com' }], { traits: names('Bob', 'Marley') }) },
    // Known before the batch, with a new phone: Carol's, together.
    { key: 'carol-again', record: record([{ kind: 'email', value: 'carol@example.com' }, { kind: 'phone', value: '+14155550199' }], { events: [order('3', 75)] }) },
    // A blocked identity beside a usable one.
    { key: 'dan', record: record([{ kind: 'email', value: 'noreply@example.com' }, { kind: 'phone', value: '+14155550144' }], { traits: names('Dan', 'Brown') }) },
    { key: 'bob-again', record: record([{ kind: 'shopify_customer', value: '1003' }, { kind: 'email', value: 'bob@example.com' }], { events: [order('4', 60)] }) },
    // Two Shopify customer ids, where a person may have one.
    { key: 'eve', record: record([{ kind: 'shopify_customer', value: '1004' }, { kind: 'shopify_customer', value: '1005' }, { kind: 'email', value: 'eve@example.com' }]) },
    // One order id on two rows: whichever comes first stores it.
    { key: 'frank', record: record([{ kind: 'email', value: 'frank@example.com' }], { events: [order('5', 10)] }) },
    { key: 'gina', record: record([{ kind: 'email', value: 'gina@example.com' }], { events: [order('5', 10)] }) },
    { key: 'zed', record: record([{ kind: 'shopify_customer', value: '1006' }, { kind: 'email', value: 'zed@example.com' }], { traits: names('Zed', 'Zulu'), events: [order('6', 999.5)] }) },
  ];
  return rows.map(({ key, record }) => ({
    topic: 'customers/import', idempotency_key: `fast-lane:${key}`, headers: {}, body: JSON.stringify({ key }), triggered_at: at,
    normalised: { kind: 'record' as const, record },
  }));
}
const FAST = ['ada', 'ivy', 'no-events', 'carol-again', 'zed'];

for (const target of testDatabases()) {
  describe(`import fast lane (${target.name})`, () => {
    let batched: Database;
    let oneByOne: Database;
    let wsBatched: string;
    let wsOneByOne: string;

    before(async () => {
      [batched, oneByOne] = await Promise.all([target.open(), target.open()]);
      wsBatched = await ensureWorkspace(batched, { slug: 'lane', name: 'Lane' });
      wsOneByOne = await ensureWorkspace(oneByOne, { slug: 'lane', name: 'Lane' });
      // Carol is known before the batch.
      const carol = JSON.stringify(record([{ kind: 'email', value: 'carol@example.com' }], { traits: names('Carol', 'King') }));
      for (const [db, ws] of [[batched, wsBatched], [oneByOne, wsOneByOne]] as const) {
        await db.query(`select tessera.apply_record($1, 'shopify', $2::jsonb, null)`, [ws, carol]);
      }
    });
    after(async () => {
      await batched?.close();
      await oneByOne?.close();
    });

    it('ends in the same people, conflicts and statuses as the rows applied one at a time, and applies the rows whose person is unambiguous without resolving them one by one', async () => {
      const entries = batch();
      // One at a time: each stored, then applied, in order.
      for (const e of entries) {
        const [row] = await oneByOne.query<{ stored: { id: number } }>(
          `select public.record_raw_event($1, 'shopify', $2, $3, $4::jsonb, $5, $6::timestamptz) as stored`,
          [wsOneByOne, e.topic, e.idempotency_key, JSON.stringify(e.headers), Buffer.from(e.body).toString('base64'), e.triggered_at],
        );
        await oneByOne.query('select public.ingest_raw_event($1, $2, $3::jsonb)', [wsOneByOne, row!.stored.id, JSON.stringify(e.normalised)]);
      }

      // Batched: the import's call, counting identity resolutions.
      const { result, resolved: calls } = await countingResolutions(batched, async (tx) => {
        const [row] = await tx.query<{ result: { outcomes: { outcome: string }[]; profiles_created: number; merges: number } }>(
          'select public.import_raw_events($1, $2, $3::jsonb) as result',
          [wsBatched, 'shopify', JSON.stringify(entries)],
        );
        return row!.result;
      });

      assert.deepEqual(result.outcomes.map((o) => o.outcome), entries.map(() => 'imported'));
      assert.deepEqual(await personSnapshot(batched, wsBatched), await personSnapshot(oneByOne, wsOneByOne));
      const conflicts = (db: Database, ws: string) =>
        db.query(`select kind, value, reason from public.identity_conflicts where workspace_id = $1 order by kind, value, reason`, [ws]);
      assert.deepEqual(await conflicts(batched, wsBatched), await conflicts(oneByOne, wsOneByOne));
      assert.ok((await conflicts(batched, wsBatched)).length > 0, 'the batch has rows whose identities conflict');
      const statuses = (db: Database, ws: string) =>
        db.query(`select idempotency_key, status, error, (profile_id is not null) as applied from public.raw_events where workspace_id = $1 order by idempotency_key`, [ws]);
      assert.deepEqual(await statuses(batched, wsBatched), await statuses(oneByOne, wsOneByOne));
      // Who ordered what, where the order id is contested: the first row in the file.
      const [owner] = await batched.query<{ email: string }>(
        `select p.email from public.events e join public.profiles p on p.workspace_id = e.workspace_id and p.id = tessera.root_of(e.workspace_id, e.profile_id)
          where e.workspace_id = $1 and e.external_id = 'shopify:order:5'`,
        [wsBatched],
      );
      assert.equal(owner!.email, 'frank@example.com');
      // Every row but the fast ones went through identity resolution.
      assert.equal(calls, entries.length - FAST.length);
      // The import counts the people it made, fast lane included (Bob's second row is Bob).
      const [made] = await oneByOne.query<{ n: number }>(`select count(*)::int - 1 as n from public.profiles where workspace_id = $1`, [wsOneByOne]); // less Carol
      assert.equal(result.profiles_created, made!.n);
    });

    it('a row repeated within one batch is a duplicate of the first, which it reports as processed, and is applied once', async () => {
      const [row] = batch();
      const again = { ...row!, idempotency_key: 'fast-lane:repeated', normalised: { kind: 'record' as const, record: record([{ kind: 'email', value: 'twice@example.com' }], { events: [order('twice', 12)] }) } };
      const [result] = await batched.query<{ result: { outcomes: { id: number; outcome: string; status?: string }[]; profiles_created: number } }>(
        'select public.import_raw_events($1, $2, $3::jsonb) as result',
        [wsBatched, 'shopify', JSON.stringify([again, again])],
      );
      const [first, second] = result!.result.outcomes;
      assert.deepEqual(second, { id: first!.id, outcome: 'duplicate', status: 'processed' });
      assert.equal(first!.outcome, 'imported');
      assert.equal(result!.result.profiles_created, 1);
      const [events] = await batched.query<{ n: number }>(`select count(*)::int as n from public.events where workspace_id = $1 and external_id = 'shopify:order:twice'`, [wsBatched]);
      assert.equal(events!.n, 1);
    });
  });
}
