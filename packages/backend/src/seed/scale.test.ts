import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asCaller } from '../auth/as-caller.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { seedAtScale } from './scale.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const PEOPLE = 2_000;
const STAFF = { id: 'c0000000-0000-4000-8000-0000000000c1', email: 'ops@hearth-and-grain.example', role: 'member' };

/** A digest of everything seeded in a workspace that does not depend on its ids. */
async function fingerprint(db: Database, workspaceId: string): Promise<string> {
  const [row] = await db.query<{ digest: string }>(
    `select md5(concat_ws('|',
       (select string_agg(concat_ws(',', email, display_name, lifetime_revenue, currency, orders_count, first_seen_at, last_activity_at, churn_band), ';' order by concat_ws(',', email, display_name, lifetime_revenue, currency, orders_count, first_seen_at, last_activity_at, churn_band))
          from public.profiles where workspace_id = $1),
       (select string_agg(concat_ws(',', kind, value, source, first_seen_at), ';' order by kind, value) from public.identities where workspace_id = $1),
       (select string_agg(concat_ws(',', source, type, external_id, occurred_at, revenue, currency, properties), ';' order by source, external_id)
          from public.events where workspace_id = $1))) as digest`,
    [workspaceId],
  );
  return row!.digest;
}

for (const target of testDatabases()) {
  describe(`seedAtScale (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      await ensureStaff(db, workspaceId, STAFF);
      const seeded = await seedAtScale(db, workspaceId, { profiles: PEOPLE, seed: 42, now: NOW, batchSize: 700 });
      assert.equal(seeded.profiles, PEOPLE);
      assert.equal(seeded.profile_facts, PEOPLE);
    });
    after(() => db?.close());

    it('gives the same people for the same seed, and other people for another seed', async () => {
      const twin = await ensureWorkspace(db, { slug: 'twin', name: 'Twin' });
      await seedAtScale(db, twin, { profiles: PEOPLE, seed: 42, now: NOW, batchSize: 1_000 });
      const other = await ensureWorkspace(db, { slug: 'other', name: 'Other' });
      await seedAtScale(db, other, { profiles: PEOPLE, seed: 43, now: NOW });
      const [a, b, c] = await Promise.all([fingerprint(db, workspaceId), fingerprint(db, twin), fingerprint(db, other)]);
      assert.equal(a, b, 'same seed, different batch size: the same people');
      assert.notEqual(a, c);
      // Profile ids are unique across workspaces: get_profile finds a person by id alone.
      const [shared] = await db.query<{ n: number }>(
        'select count(*)::int as n from public.profiles a join public.profiles b on a.id = b.id and a.workspace_id <> b.workspace_id');
      assert.equal(shared!.n, 0);
    });

    it('reports a generator failure from its thread with what was wrong, and writes nothing', async () => {
      const broken = await ensureWorkspace(db, { slug: 'broken', name: 'Broken' });
      await assert.rejects(seedAtScale(db, broken, { profiles: 2.5, seed: 42, now: NOW }), /profiles must be a whole number, not 2.5/);
      const [left] = await db.query<{ n: number }>('select count(*)::int as n from public.profiles where workspace_id = $1', [broken]);
      assert.equal(left!.n, 0);
    });

    it('writes a realistic mix of sources over two years', async () => {
      const [mix] = await db.query<Record<string, number>>(
        `select count(*) filter (where kind = 'shopify_customer')::int as shopify, count(*) filter (where kind = 'kajabi_member')::int as kajabi,
                count(*) filter (where kind = 'instagram')::int as instagram, count(*) filter (where kind = 'tiktok')::int as tiktok,
                count(*) filter (where kind = 'phone')::int as phones
           from public.identities where workspace_id = $1`, [workspaceId]);
      assert.ok(mix!.shopify! > PEOPLE * 0.7 && mix!.shopify! < PEOPLE * 0.9, `shopify ${mix!.shopify}`);
      assert.ok(mix!.kajabi! > PEOPLE * 0.15 && mix!.kajabi! < PEOPLE * 0.45, `kajabi ${mix!.kajabi}`);
      assert.ok(mix!.instagram! > PEOPLE * 0.3, `instagram ${mix!.instagram}`);
      assert.ok(mix!.tiktok! > PEOPLE * 0.08, `tiktok ${mix!.tiktok}`);
      const [spread] = await db.query<Record<string, number>>(
        `select count(distinct currency)::int as currencies, extract(epoch from max(occurred_at) - min(occurred_at))::float8 / 86400 as days,
                count(*) filter (where type = 'order_placed')::int as orders, count(*) filter (where type = 'commented')::int as comments,
                count(*) filter (where type = 'payment_succeeded')::int as payments, count(*) filter (where occurred_at > $2)::int as future
           from public.events where workspace_id = $1`, [workspaceId, NOW]);
      assert.equal(spread!.currencies, 5);
      assert.ok(spread!.days! > 700 && spread!.days! <= 731, `history of ${spread!.days} days`);
      assert.ok(spread!.orders! > PEOPLE, `orders ${spread!.orders}`);
      assert.ok(spread!.comments! > PEOPLE * 0.3 && spread!.payments! > PEOPLE * 0.1);
      assert.equal(spread!.future, 0);
    });

    it('keeps profile totals consistent with the events, as refresh_profile computes them', async () => {
      const drift = await db.query(
        `select p.id from public.profiles p
           left join lateral (select coalesce(sum(e.revenue), 0) as revenue, count(*) filter (where e.type = 'order_placed')::int as orders,
                                     min(e.occurred_at) as first_at, max(e.occurred_at) as last_at,
                                     (array_agg(e.currency order by e.occurred_at desc) filter (where e.currency is not null))[1] as currency
                                from public.events e where e.workspace_id = p.workspace_id and e.profile_id = p.id) a on true
          where p.workspace_id = $1
            and ((p.lifetime_revenue, p.orders_count, p.last_activity_at, p.currency) is distinct from (a.revenue, a.orders, a.last_at, a.currency)
                 or p.first_seen_at > a.first_at
                 or p.email is distinct from (select i.value from public.identities i where i.workspace_id = p.workspace_id and i.profile_id = p.id and i.kind = 'email'))`,
        [workspaceId]);
      assert.deepEqual(drift, []);
      const [orphans] = await db.query<{ n: number }>(
        `select ((select count(*) from public.events e where not exists (select 1 from public.profiles p where p.workspace_id = e.workspace_id and p.id = e.profile_id))
               + (select count(*) from public.identities i where not exists (select 1 from public.profiles p where p.workspace_id = i.workspace_id and p.id = i.profile_id)))::int as n`);
      assert.equal(orphans!.n, 0);
    });

    it('keys every event as ingest does, in its year\'s partition, so a re-delivered event is not stored twice', async () => {
      const [keys] = await db.query<{ events: number; keyed: number; in_default: number }>(
        `select (select count(*) from public.events where workspace_id = $1)::int as events,
                (select count(*) from tessera.event_keys k join public.events e
                    on e.workspace_id = k.workspace_id and e.id = k.event_id and e.occurred_at = k.occurred_at
                   and e.source = k.source and e.external_id = k.external_id where k.workspace_id = $1)::int as keyed,
                (select count(*) from public.events_default where workspace_id = $1)::int as in_default`,
        [workspaceId]);
      assert.ok(keys!.events > PEOPLE);
      assert.equal(keys!.keyed, keys!.events);
      assert.equal(keys!.in_default, 0, 'the seeded years have partitions of their own');
      const [order] = await db.query<{ profile_id: string; external_id: string }>(
        `select profile_id, external_id from public.events where workspace_id = $1 and type = 'order_placed' and source = 'shopify' limit 1`, [workspaceId]);
      // The same order again, delivered later without a time of its own: it would land in another year's partition.
      await db.query(
        `select tessera.write_record_facts($1, 'shopify', jsonb_build_array(jsonb_build_object('profile_id', $2::uuid, 'observed_at', '2027-03-01T00:00:00Z',
           'raw_id', null, 'record', jsonb_build_object('events', jsonb_build_array(jsonb_build_object('type', 'order_placed', 'external_id', $3::text))))))`,
        [workspaceId, order!.profile_id, order!.external_id]);
      const [after] = await db.query<{ n: number }>(
        `select count(*)::int as n from public.events where workspace_id = $1 and source = 'shopify' and external_id = $2`, [workspaceId, order!.external_id]);
      assert.equal(after!.n, 1);
    });

    it('writes the segment facts tessera.compute_profile_facts would', async () => {
      const differing = await db.query(
        `select * from (
           (select profile_id, member_ids, amount_spent, number_of_orders, average_order_value, first_order_at, last_order_at, first_seen_at, last_seen_at,
                   first_seen_source, sources, courses_completed, churn_risk, churn_band, social_followers, social_interactions, email_subscribed, country,
                   (select array_agg(k order by k) from unnest(identity_kinds) k) as kinds, identity_bits
              from tessera.compute_profile_facts($1)
            except
            select profile_id, member_ids, amount_spent, number_of_orders, average_order_value, first_order_at, last_order_at, first_seen_at, last_seen_at,
                   first_seen_source, sources, courses_completed, churn_risk, churn_band, social_followers, social_interactions, email_subscribed, country,
                   (select array_agg(k order by k) from unnest(identity_kinds) k), identity_bits
              from public.profile_facts where workspace_id = $1)) d limit 3`,
        [workspaceId]);
      assert.deepEqual(differing, []);
    });

    it('never gives two people the same identity', async () => {
      const [row] = await db.query<{ n: number; distinct_n: number }>(
        `select count(*)::int as n, count(distinct (kind, value))::int as distinct_n from public.identities where workspace_id = $1`, [workspaceId]);
      assert.equal(row!.n, row!.distinct_n);
      assert.ok(row!.n > PEOPLE * 2);
    });

    it('lets a staff member read every person through get_profile', async () => {
      const claims = { sub: STAFF.id, role: 'authenticated', app_metadata: { workspace_id: workspaceId } } as never;
      const unreadable = await asCaller(db, claims, (tx) =>
        tx.query<{ id: string }>(
          `select p.id from public.profiles p cross join lateral (select public.get_profile(p.id) as profile) read
            where p.workspace_id = $1 and (read.profile is null or read.profile ->> 'id' <> p.id::text)`, [workspaceId]));
      assert.deepEqual(unreadable, []);
    });

    it('previews a segment with the count a direct SQL count gives', async () => {
      const tree = { kind: 'and', conditions: [
        { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 100 } },
        { kind: 'has', identity: 'instagram' },
      ] };
      const claims = { sub: STAFF.id, role: 'authenticated', app_metadata: { workspace_id: workspaceId } } as never;
      const [preview] = await asCaller(db, claims, (tx) =>
        tx.query<{ preview: { count: number } }>('select public.preview_segment($1::jsonb, 5) as preview', [JSON.stringify(tree)]));
      const [direct] = await db.query<{ n: number }>(
        `select count(*)::int as n from public.profiles p
          where p.workspace_id = $1 and p.merged_into is null and p.lifetime_revenue > 100
            and exists (select 1 from public.identities i where i.workspace_id = p.workspace_id and i.profile_id = p.id and i.kind in ('instagram', 'instagram_id'))`,
        [workspaceId]);
      assert.ok(direct!.n > 20, `a segment with people in it (${direct!.n})`);
      assert.equal(preview!.preview.count, direct!.n);
    });

    it('fails with the database error, not a hang, when a COPY is refused (the same people seeded twice)', async () => {
      const settled = seedAtScale(db, workspaceId, { profiles: 10, seed: 42, now: NOW }).then(() => 'seeded', (error: Error) => error.message);
      const outcome = await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 20_000, 'still waiting after 20 s')).then(String)]);
      assert.match(outcome, /duplicate key/);
    });
  });
}
