// Identity resolution on real Postgres: transitive linking across sources,
// rules (limits, blocked values, priorities), reversible merges, and a graph
// that does not depend on the order or concurrency of deliveries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database, Queryable } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import type { NormalisedRecord } from '../normalisers/record.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { createRandom } from '../seed/random.ts';
import { generateShopifyStore } from '../seed/shopify-store.ts';

type Record = Omit<NormalisedRecord, 'unrecognised'> & { unrecognised?: string[] };
interface Delivery {
  source: string;
  record: Record;
}

const at = (day: number, hour = 12) => new Date(Date.UTC(2026, 0, day, hour)).toISOString();

async function apply(db: Queryable, workspaceId: string, { source, record }: Delivery): Promise<string> {
  const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
    workspaceId,
    source,
    JSON.stringify({ unrecognised: [], ...record }),
  ]);
  return row!.id;
}

const person = (db: Queryable, workspaceId: string, kind: string, value: string) =>
  db
    .query<{ root: string | null }>(`select tessera.root_of($1, profile_id) as root from public.identities where workspace_id = $1 and kind = $2 and value = $3`, [
      workspaceId,
      kind,
      value,
    ])
    .then((rows) => rows[0]?.root ?? null);

const profileRow = (db: Queryable, id: string) =>
  db.query<{ [column: string]: any }>('select * from public.profiles where id = $1', [id]).then((rows) => rows[0]!);

/**
 * The graph as a person would describe it: who is one person (the sets of
 * identities that lead to the same profile) and what their profile says.
 * Profile ids are left out: which id survives a merge depends on arrival.
 */
async function graph(db: Queryable, workspaceId: string) {
  const rows = await db.query<{ identities: string[]; display_name: string | null; email: string | null; phone: string | null; revenue: string; orders: number; last: string | null; first: string }>(
    `select array_agg(i.kind || ':' || i.value order by i.kind, i.value) as identities,
            p.display_name, p.email, p.phone, p.lifetime_revenue::text as revenue, p.orders_count as orders,
            to_char(p.last_activity_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as last,
            to_char(p.first_seen_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as first
       from public.identities i
       join public.profiles p on p.workspace_id = i.workspace_id and p.id = tessera.root_of(i.workspace_id, i.profile_id)
      where i.workspace_id = $1
      group by p.workspace_id, p.id`,
    [workspaceId],
  );
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** A store's history as the Shopify normaliser makes it, plus people who also buy on Kajabi and talk on Instagram. */
function crossSourceHistory(): Delivery[] {
  const shopify = generateShopifyStore({ customers: 40, seed: 7, now: Date.UTC(2026, 10, 1) }).map((d): Delivery => {
    const result = normaliseShopify({
      source: 'shopify',
      topic: d.topic,
      headers: { 'x-shopify-shop-domain': 'hearth-and-grain.myshopify.com' },
      body: d.payload,
      triggeredAt: d.triggeredAt,
      receivedAt: d.triggeredAt,
    });
    if (result.kind !== 'record') throw new Error(`unexpected ${result.kind}`);
    return { source: 'shopify', record: result.record };
  });
  const emails = [...new Set(shopify.flatMap((d) => d.record.identities.filter((i) => i.kind === 'email').map((i) => i.value)))].slice(0, 12);
  const extra: Delivery[] = emails.flatMap((email, n): Delivery[] => [
    {
      source: 'kajabi',
      record: {
        observed_at: at(100 + n),
        identities: [{ kind: 'email', value: email.toUpperCase() }, { kind: 'kajabi_member', value: `21488${n}` }],
        traits: [{ name: 'first_name', value: `Kajabi${n}` }],
        events: [{ external_id: `kajabi:purchase:${n}`, type: 'offer_purchased', occurred_at: at(100 + n), revenue: 199, currency: 'USD' }],
      },
    },
    {
      source: 'meta',
      record: {
        observed_at: at(90 + n),
        identities: [{ kind: 'instagram_id', value: `17841400${n}` }, { kind: 'instagram', value: `@Maker.${n}` }],
        traits: [],
        events: [{ external_id: `meta:comment:${n}`, type: 'commented', occurred_at: at(90 + n), properties: { text: 'Love this loaf!' } }],
      },
    },
    // Later, a DM gives the email: the handle and the shopper are one person.
    ...(n % 2 === 0
      ? [
          {
            source: 'meta',
            record: {
              observed_at: at(140 + n),
              identities: [{ kind: 'instagram_id', value: `17841400${n}` }, { kind: 'email', value: email }],
              traits: [],
              events: [{ external_id: `meta:message:${n}`, type: 'messaged', occurred_at: at(140 + n) }],
            },
          },
        ]
      : []),
  ]);
  // Two Shopify customers share a family email: they must stay two people.
  const family: Delivery[] = [
    { source: 'shopify', record: { observed_at: at(3), identities: [{ kind: 'shopify_customer', value: '90001' }, { kind: 'email', value: 'the.parks@example.com' }], traits: [{ name: 'first_name', value: 'Jin' }], events: [] } },
    { source: 'shopify', record: { observed_at: at(5), identities: [{ kind: 'shopify_customer', value: '90002' }, { kind: 'email', value: 'the.parks@example.com' }], traits: [{ name: 'first_name', value: 'Min' }], events: [] } },
  ];
  return [...shopify, ...extra, ...family];
}

for (const target of testDatabases()) {
  describe(`identity resolution (${target.name})`, () => {
    let db: Database;
    let ws: string;
    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'resolution', name: 'Resolution' });
    });
    after(() => db?.close());

    it('links a Shopify order, a Kajabi purchase and an Instagram DM into one person, transitively', async () => {
      await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'email', value: 'ana@studio.example' }, { kind: 'phone', value: '+14155550142' }, { kind: 'shopify_customer', value: '1001' }], traits: [{ name: 'first_name', value: 'Ana' }], events: [{ external_id: 'shopify:order:1:placed', type: 'order_placed', occurred_at: at(1), revenue: 84, currency: 'USD' }] } });
      await apply(db, ws, { source: 'kajabi', record: { observed_at: at(2), identities: [{ kind: 'email', value: ' ANA@studio.example' }, { kind: 'kajabi_member', value: '5501' }], traits: [], events: [{ external_id: 'kajabi:purchase:1', type: 'offer_purchased', occurred_at: at(2), revenue: 199, currency: 'USD' }] } });
      await apply(db, ws, { source: 'meta', record: { observed_at: at(3), identities: [{ kind: 'instagram_id', value: '178414001' }, { kind: 'instagram', value: '@Ana.Makes' }], traits: [], events: [{ external_id: 'meta:message:1', type: 'messaged', occurred_at: at(3) }] } });
      assert.notEqual(await person(db, ws, 'instagram', 'ana.makes'), await person(db, ws, 'email', 'ana@studio.example'));
      await apply(db, ws, { source: 'meta', record: { observed_at: at(4), identities: [{ kind: 'instagram', value: 'ana.makes' }, { kind: 'email', value: 'ana@studio.example' }], traits: [], events: [] } });
      const root = await person(db, ws, 'email', 'ana@studio.example');
      for (const [kind, value] of [['phone', '+14155550142'], ['shopify_customer', '1001'], ['kajabi_member', '5501'], ['instagram_id', '178414001'], ['instagram', 'ana.makes']]) {
        assert.equal(await person(db, ws, kind!, value!), root, `${kind} ${value}`);
      }
      const ana = await profileRow(db, root!);
      assert.equal(Number(ana.lifetime_revenue), 283);
      assert.equal(ana.display_name, 'Ana');
    });

    it('never links on blocked values, and says so when a record has nothing else', async () => {
      const one = await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'shopify_customer', value: '2001' }, { kind: 'email', value: 'test@example.com' }, { kind: 'phone', value: '+10000000000' }], traits: [], events: [] } });
      const two = await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'shopify_customer', value: '2002' }, { kind: 'email', value: 'TEST@example.com' }, { kind: 'phone', value: '+1 000 000 0000' }], traits: [], events: [] } });
      assert.notEqual(one, two);
      assert.deepEqual(await db.query(`select 1 from public.identities where workspace_id = $1 and value in ('test@example.com', '+10000000000')`, [ws]), []);
      await assert.rejects(
        apply(db, ws, { source: 'kajabi', record: { observed_at: at(1), identities: [{ kind: 'email', value: 'noreply@shop.example' }], traits: [], events: [] } }),
        /only identities never link anyone: email noreply@shop\.example \(role or placeholder mailboxes\)/,
      );
    });

    it('applies a workspace’s own blocked values and limits', async () => {
      const other = await ensureWorkspace(db, { slug: 'rules', name: 'Rules' });
      await db.query(`insert into public.blocked_identities (workspace_id, kind, pattern, note) values ($1, 'email', '^frontdesk@bakery\\.example$', 'the shop counter')`, [other]);
      const a = await apply(db, other, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'shopify_customer', value: '1' }, { kind: 'email', value: 'frontdesk@bakery.example' }], traits: [], events: [] } });
      const b = await apply(db, other, { source: 'shopify', record: { observed_at: at(2), identities: [{ kind: 'shopify_customer', value: '2' }, { kind: 'email', value: 'frontdesk@bakery.example' }], traits: [], events: [] } });
      assert.notEqual(a, b);
      // A workspace where one person may hold several Shopify customer ids.
      await db.query(`insert into public.identity_rules (workspace_id, kind, priority, max_per_profile) values ($1, 'shopify_customer', 300, null)`, [other]);
      const c = await apply(db, other, { source: 'shopify', record: { observed_at: at(3), identities: [{ kind: 'shopify_customer', value: '3' }, { kind: 'email', value: 'shared@family.example' }], traits: [], events: [] } });
      const d = await apply(db, other, { source: 'shopify', record: { observed_at: at(4), identities: [{ kind: 'shopify_customer', value: '4' }, { kind: 'email', value: 'shared@family.example' }], traits: [], events: [] } });
      assert.equal(await person(db, other, 'shopify_customer', '3'), await person(db, other, 'shopify_customer', '4'));
      assert.ok(c && d);
    });

    it('settles conflicting traits by source priority, then by the most recent observation', async () => {
      const id = await apply(db, ws, { source: 'shopify', record: { observed_at: at(10), identities: [{ kind: 'email', value: 'noor@bakes.example' }], traits: [{ name: 'first_name', value: 'Noor' }], events: [] } });
      await apply(db, ws, { source: 'kajabi', record: { observed_at: at(20), identities: [{ kind: 'email', value: 'noor@bakes.example' }], traits: [{ name: 'first_name', value: 'Nour' }], events: [] } });
      assert.equal((await profileRow(db, id)).first_name, 'Noor', 'Shopify outranks Kajabi even when older');
      await apply(db, ws, { source: 'shopify', record: { observed_at: at(30), identities: [{ kind: 'email', value: 'noor@bakes.example' }], traits: [{ name: 'first_name', value: 'Noor-Ul' }], events: [] } });
      assert.equal((await profileRow(db, id)).first_name, 'Noor-Ul', 'newer from the same source wins');
      const traits = await db.query<{ source: string; value: string }>(`select source, value #>> '{}' as value from public.traits where profile_id = $1 and name = 'first_name' order by source`, [id]);
      assert.deepEqual(traits, [{ source: 'kajabi', value: 'Nour' }, { source: 'shopify', value: 'Noor-Ul' }], 'every source’s value is kept');
    });

    it('unmerges exactly: identities, events, traits and totals go back, and the two are not merged again automatically', async () => {
      const shopper = await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'shopify_customer', value: '3001' }, { kind: 'email', value: 'sam@one.example' }], traits: [{ name: 'first_name', value: 'Sam' }], events: [{ external_id: 'shopify:order:31:placed', type: 'order_placed', occurred_at: at(1), revenue: 50, currency: 'USD' }] } });
      const student = await apply(db, ws, { source: 'kajabi', record: { observed_at: at(2), identities: [{ kind: 'kajabi_member', value: '7001' }, { kind: 'phone', value: '+14155550188' }], traits: [{ name: 'first_name', value: 'Samira' }], events: [{ external_id: 'kajabi:purchase:71', type: 'offer_purchased', occurred_at: at(2), revenue: 300, currency: 'USD' }] } });
      const before = { shopper: await profileRow(db, shopper), student: await profileRow(db, student) };
      // A wrong link: someone typed Sam's email next to Samira's phone.
      await apply(db, ws, { source: 'kajabi', record: { observed_at: at(3), identities: [{ kind: 'email', value: 'sam@one.example' }, { kind: 'phone', value: '+14155550188' }], traits: [], events: [{ external_id: 'kajabi:form:1', type: 'form_submitted', occurred_at: at(3) }] } });
      assert.equal(await person(db, ws, 'phone', '+14155550188'), shopper);
      assert.equal(Number((await profileRow(db, shopper)).lifetime_revenue), 350);

      const [{ result }] = (await db.query<{ result: string }>(`select public.unmerge_profile($1, 'two different people') as result`, [student])) as [{ result: string }];
      assert.equal(result, student);
      assert.equal(await person(db, ws, 'phone', '+14155550188'), student);
      assert.equal(await person(db, ws, 'kajabi_member', '7001'), student);
      assert.equal(await person(db, ws, 'shopify_customer', '3001'), shopper);
      const after = { shopper: await profileRow(db, shopper), student: await profileRow(db, student) };
      assert.equal(Number(after.shopper.lifetime_revenue), 50);
      assert.equal(Number(after.student.lifetime_revenue), 300);
      assert.equal(after.student.first_name, before.student.first_name);
      assert.equal(after.shopper.first_name, before.shopper.first_name);
      assert.equal(after.student.merged_into, null);
      const [merge] = await db.query<{ unmerged_at: Date | null; unmerge_reason: string }>('select unmerged_at, unmerge_reason from public.profile_merges where merged_id = $1', [student]);
      assert.ok(merge?.unmerged_at);
      assert.equal(merge?.unmerge_reason, 'two different people');

      // The same wrong link again: recorded as a conflict, not merged.
      await apply(db, ws, { source: 'kajabi', record: { observed_at: at(4), identities: [{ kind: 'email', value: 'sam@one.example' }, { kind: 'phone', value: '+14155550188' }], traits: [], events: [] } });
      assert.notEqual(await person(db, ws, 'phone', '+14155550188'), await person(db, ws, 'email', 'sam@one.example'));
      const conflicts = await db.query<{ reason: string }>(`select reason from public.identity_conflicts where workspace_id = $1 and value = '+14155550188'`, [ws]);
      assert.match(conflicts.at(-1)!.reason, /unmerged by a person/);

      // A person can still merge them on purpose.
      await db.query('select public.merge_profiles($1, $2, $3)', [student, shopper, 'confirmed by phone']);
      assert.equal(await person(db, ws, 'phone', '+14155550188'), await person(db, ws, 'email', 'sam@one.example'));
    });

    it('an identity refused for a limit is recorded against no anchor when the record had none yet', async () => {
      await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'shopify_customer', value: '4001' }, { kind: 'email', value: 'bea@limits.example' }], traits: [], events: [] } });
      const bea = await person(db, ws, 'email', 'bea@limits.example');
      // A second Shopify id (one per person) comes first, so the email's owner would break the limit.
      const other = await apply(db, ws, { source: 'shopify', record: { observed_at: at(2), identities: [{ kind: 'shopify_customer', value: '4002' }, { kind: 'email', value: 'bea@limits.example' }], traits: [], events: [] } });
      assert.notEqual(other, bea);
      assert.equal(await person(db, ws, 'email', 'bea@limits.example'), bea);
      const [conflict] = await db.query<{ owner_profile_id: string; anchor_profile_id: string | null; reason: string }>(
        `select owner_profile_id, anchor_profile_id, reason from public.identity_conflicts where workspace_id = $1 and kind = 'email' and value = 'bea@limits.example'`,
        [ws],
      );
      assert.equal(conflict!.owner_profile_id, bea);
      assert.equal(conflict!.anchor_profile_id, null);
      assert.match(conflict!.reason, /at most 1 shopify_customer per person/);
    });

    it('unmerging a profile takes back what had been merged into it before', async () => {
      const a = await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'email', value: 'tree-a@example.org' }], traits: [], events: [] } });
      const b = await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'email', value: 'tree-b@example.org' }], traits: [], events: [] } });
      const c = await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'email', value: 'tree-c@example.org' }], traits: [], events: [] } });
      await apply(db, ws, { source: 'meta', record: { observed_at: at(2), identities: [{ kind: 'email', value: 'tree-b@example.org' }, { kind: 'email', value: 'tree-c@example.org' }], traits: [], events: [] } });
      await apply(db, ws, { source: 'meta', record: { observed_at: at(3), identities: [{ kind: 'email', value: 'tree-a@example.org' }, { kind: 'email', value: 'tree-b@example.org' }], traits: [], events: [] } });
      assert.equal(await person(db, ws, 'email', 'tree-c@example.org'), a);
      await db.query('select public.unmerge_profile($1)', [b]);
      assert.equal(await person(db, ws, 'email', 'tree-b@example.org'), b);
      assert.equal(await person(db, ws, 'email', 'tree-c@example.org'), b);
      assert.equal(await person(db, ws, 'email', 'tree-a@example.org'), a);
      assert.ok(c);
    });

    it('honours Shopify’s own merge of two customers, whatever the limits', async () => {
      await apply(db, ws, { source: 'shopify', record: { observed_at: at(1), identities: [{ kind: 'shopify_customer', value: '4001' }, { kind: 'email', value: 'lee@one.example' }], traits: [], events: [] } });
      await apply(db, ws, { source: 'shopify', record: { observed_at: at(2), identities: [{ kind: 'shopify_customer', value: '4002' }, { kind: 'email', value: 'lee@two.example' }], traits: [], events: [] } });
      await db.query(`select tessera.apply_platform_merge($1, $2::jsonb, null)`, [
        ws,
        JSON.stringify({ kept: { kind: 'shopify_customer', value: '4001' }, merged: { kind: 'shopify_customer', value: '4002' }, reason: 'Shopify merged customer 4002 into 4001' }),
      ]);
      assert.equal(await person(db, ws, 'email', 'lee@two.example'), await person(db, ws, 'email', 'lee@one.example'));
    });

    it('ends in the same graph whatever order (and how many times) the deliveries arrive', async () => {
      const history = crossSourceHistory();
      const inOrder = await ensureWorkspace(db, { slug: 'in-order', name: 'In order' });
      for (const delivery of history) await apply(db, inOrder, delivery);
      const expected = await graph(db, inOrder);
      assert.ok(expected.length > 30, 'a realistic number of people');

      // Backwards (every link arrives before what it links; refunds before orders;
      // the later family member first), and shuffled with one in five delivered twice.
      const random = createRandom(42);
      const shuffled = [...history, ...history.filter(() => random.chance(0.2))];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random.next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      for (const [slug, deliveries] of [['backwards', [...history].reverse()], ['shuffled', shuffled]] as const) {
        const workspace = await ensureWorkspace(db, { slug, name: slug });
        for (const delivery of deliveries) await apply(db, workspace, delivery);
        assert.deepEqual(await graph(db, workspace), expected, slug);
        // The family stays two people, and the email stays with whoever had it first.
        assert.notEqual(await person(db, workspace, 'shopify_customer', '90001'), await person(db, workspace, 'shopify_customer', '90002'));
        assert.equal(await person(db, workspace, 'email', 'the.parks@example.com'), await person(db, workspace, 'shopify_customer', '90001'));
      }
    });

    it('ends in the same graph when deliveries that link the same people arrive in parallel', async () => {
      const history = crossSourceHistory();
      const sequential = await ensureWorkspace(db, { slug: 'sequential', name: 'Sequential' });
      const parallel = await ensureWorkspace(db, { slug: 'parallel', name: 'Parallel' });
      for (const delivery of history) await apply(db, sequential, delivery);
      // Each delivery in its own transaction, as many at once as the driver allows.
      await Promise.all(history.map((delivery) => db.transaction((tx) => apply(tx, parallel, delivery))));
      assert.deepEqual(await graph(db, parallel), await graph(db, sequential));
    });
  });
}
