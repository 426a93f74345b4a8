// Events partitioned by year (0025_events_by_year.sql): where an event lands,
// how a year gets its partition, that the idempotency key holds across
// partitions, that partitions can't be read around row security, and that a
// windowed read touches only its year.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asCaller } from '../auth/as-caller.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import type { Database, Queryable } from './database.ts';
import { testDatabases } from './test-databases.ts';

const STAFF = { id: 'c0000000-0000-4000-8000-0000000000e1', email: 'ops@partitions.example', role: 'member' };

async function applyOrder(db: Queryable, workspaceId: string, email: string, externalId: string, observedAt: string, occurredAt?: string): Promise<string> {
  const record = {
    observed_at: observedAt,
    identities: [{ kind: 'email', value: email }],
    traits: [],
    events: [{ type: 'order_placed', external_id: externalId, revenue: 40, currency: 'USD', ...(occurredAt ? { occurred_at: occurredAt } : {}) }],
  };
  const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [workspaceId, JSON.stringify(record)]);
  return row!.id;
}

/** Which table each of a workspace's events is stored in, by source id. */
async function placement(db: Queryable, workspaceId: string): Promise<Record<string, string>> {
  const rows = await db.query<{ external_id: string; partition: string }>(
    `select external_id, tableoid::regclass::text as partition from public.events where workspace_id = $1 order by external_id`, [workspaceId]);
  return Object.fromEntries(rows.map((r) => [r.external_id, r.partition.replace(/^public\./, '')]));
}

for (const target of testDatabases()) {
  describe(`events partitioned by year (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'partitions', name: 'Partitions' });
      await ensureStaff(db, workspaceId, STAFF);
    });
    after(() => db?.close());

    it('stores an event in its year\'s partition, and a year without one in the default partition', async () => {
      const thisYear = new Date().getUTCFullYear();
      await applyOrder(db, workspaceId, 'ada@partitions.example', 'order:now', new Date().toISOString());
      await applyOrder(db, workspaceId, 'ada@partitions.example', 'order:2019', new Date().toISOString(), '2019-06-30T23:59:59Z');
      assert.deepEqual(await placement(db, workspaceId), { 'order:2019': 'events_default', 'order:now': `events_y${thisYear}` });
    });

    it('gives a year its partition and moves its events there, keys and reads unchanged', async () => {
      // A second 2019 event; p_split_at 2 gives 2019 a partition, a lone event of another year stays put.
      await applyOrder(db, workspaceId, 'ada@partitions.example', 'order:2019b', new Date().toISOString(), '2019-01-01T00:00:00Z');
      await applyOrder(db, workspaceId, 'ada@partitions.example', 'order:2011', new Date().toISOString(), '2011-12-31T23:59:59.999Z');
      const [made] = await db.query<{ created: string[] }>(`select tessera.ensure_event_partitions(now(), now(), 2) as created`);
      assert.deepEqual(made!.created, ['events_y2019']);
      const placed = await placement(db, workspaceId);
      assert.equal(placed['order:2019'], 'events_y2019');
      assert.equal(placed['order:2019b'], 'events_y2019');
      assert.equal(placed['order:2011'], 'events_default');
      // The moved rows keep their ids, so their keys still find them.
      const [keys] = await db.query<{ dangling: number }>(
        `select count(*)::int as dangling from tessera.event_keys k where k.workspace_id = $1
            and not exists (select 1 from public.events e where e.workspace_id = k.workspace_id and e.id = k.event_id and e.occurred_at = k.occurred_at)`,
        [workspaceId]);
      assert.equal(keys!.dangling, 0);
      // Running it again creates nothing.
      const [again] = await db.query<{ created: string[] }>(`select tessera.ensure_event_partitions(now(), now(), 2) as created`);
      assert.deepEqual(again!.created, []);
    });

    it('stores an event once however often and whenever it is delivered, even within one batch', async () => {
      const profile = await applyOrder(db, workspaceId, 'bo@partitions.example', 'order:once', '2026-02-01T10:00:00Z');
      // A retry a year later, without a time of its own, would fall in another partition.
      await applyOrder(db, workspaceId, 'bo@partitions.example', 'order:once', '2027-02-01T10:00:00Z');
      const twice = { profile_id: profile, observed_at: '2026-03-01T00:00:00Z', raw_id: null,
        record: { events: [{ type: 'order_placed', external_id: 'order:batch' }, { type: 'order_paid', external_id: 'order:batch' }] } };
      await db.query(`select tessera.write_record_facts($1, 'shopify', $2::jsonb)`, [workspaceId, JSON.stringify([twice, twice])]);
      const rows = await db.query<{ external_id: string; n: number; type: string }>(
        `select external_id, count(*)::int as n, min(type) as type from public.events where workspace_id = $1 and external_id in ('order:once', 'order:batch')
          group by 1 order by 1`, [workspaceId]);
      assert.deepEqual(rows, [{ external_id: 'order:batch', n: 1, type: 'order_placed' }, { external_id: 'order:once', n: 1, type: 'order_placed' }]);
    });

    it('lets no API role read a partition by name: events are read through public.events and its policies', async () => {
      const staff = { sub: STAFF.id, role: 'authenticated', app_metadata: { workspace_id: workspaceId } } as never;
      const partitions = await db.query<{ name: string }>(
        `select c.oid::regclass::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'public.events'::regclass order by 1`);
      assert.ok(partitions.length >= 4, `partitions: ${partitions.map((p) => p.name)}`);
      for (const { name } of partitions) {
        await assert.rejects(asCaller(db, staff, (tx) => tx.query(`select count(*) from ${name}`)), /permission denied/, name);
      }
      const [seen] = await asCaller(db, staff, (tx) => tx.query<{ n: number }>('select count(*)::int as n from public.events'));
      const [all] = await db.query<{ n: number }>('select count(*)::int as n from public.events where workspace_id = $1', [workspaceId]);
      assert.equal(seen!.n, all!.n);
      const other = await ensureWorkspace(db, { slug: 'partitions-other', name: 'Other' });
      await applyOrder(db, other, 'cy@partitions.example', 'order:other', new Date().toISOString());
      const [still] = await asCaller(db, staff, (tx) => tx.query<{ n: number }>('select count(*)::int as n from public.events'));
      assert.equal(still!.n, all!.n, 'another workspace\'s events stay out of sight');
    });

    it('gives a person\'s newest event as their last activity, across member profiles and partitions, whatever the profile row says', async () => {
      const apply = (identities: { kind: string; value: string }[], events: { external_id: string; occurred_at: string; type?: string }[]) =>
        db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [workspaceId, JSON.stringify({
          observed_at: '2026-05-01T00:00:00Z', identities, traits: [],
          events: events.map((e) => ({ type: e.type ?? 'order_placed', revenue: 10, currency: 'USD', ...e })) })]).then((rows) => rows[0]!.id);
      const email = { kind: 'email', value: 'dee@partitions.example' };
      const phone = { kind: 'phone', value: '+14155550123' };
      await apply([email], [{ external_id: 'dee:old', occurred_at: '2019-02-01T00:00:00Z' }, { external_id: 'dee:newest', occurred_at: '2026-04-02T00:00:00Z', type: 'order_paid' }]);
      await apply([phone], [{ external_id: 'dee:phone', occurred_at: '2026-04-01T00:00:00Z' }]);
      const person = await apply([email, phone], []);
      const [members] = await db.query<{ n: number }>(`select count(*)::int as n from public.profiles where workspace_id = $1 and coalesce(merged_into, id) = $2`, [workspaceId, person]);
      assert.equal(members!.n, 2, 'one person made of two profiles');
      const lastActivity = async () => {
        const [row] = await db.query<{ profile: { last_activity: { type: string; occurred_at: string } | null } }>('select public.get_profile($1) as profile', [person]);
        return row!.profile.last_activity && { type: row!.profile.last_activity.type, at: new Date(row!.profile.last_activity.occurred_at).toISOString() };
      };
      const newest = { type: 'order_paid', at: '2026-04-02T00:00:00.000Z' };
      assert.deepEqual(await lastActivity(), newest);
      // The projection behind, ahead of every event, or missing: the same answer.
      for (const at of ['2018-01-01T00:00:00Z', '2026-04-01T00:00:00Z', '2031-01-01T00:00:00Z', null]) {
        await db.query('update public.profiles set last_activity_at = $2 where id = $1', [person, at]);
        assert.deepEqual(await lastActivity(), newest, `last_activity_at ${at}`);
      }
    });

    it('reads a month of revenue from that year\'s partition alone', async () => {
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `explain select sum(revenue) from public.events where workspace_id = '${workspaceId}' and revenue is not null
            and occurred_at >= '2019-03-01' and occurred_at < '2019-04-01'`);
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      const touched = [...new Set(text.match(/events_(?:y\d{4}|default)/g) ?? [])];
      assert.deepEqual(touched, ['events_y2019'], text);
    });
  });
}
