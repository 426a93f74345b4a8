// Segment facts from the real pipeline (apply_record), and the compiler's
// refusals, against real Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { isPostgresError } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { rebuildProfileFacts, refreshPersonSegments } from './membership.ts';

const NOW = '2026-11-01T12:00:00Z';
const order = (id: string, at: string, revenue: number, titles: string[] = ['Sourdough Starter Kit']) => ({
  external_id: `shopify:order:${id}:placed`, type: 'order_placed', occurred_at: at, revenue, currency: 'USD',
  properties: { items: titles.map((title) => ({ title, quantity: 1 })) },
});

for (const target of testDatabases()) {
  describe(`segment facts and the compiler (${target.name})`, () => {
    let db: Database;
    let ws: string;
    const apply = async (source: string, identities: object[], events: object[], traits: object[] = []) =>
      (await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
        ws,
        source,
        JSON.stringify({ observed_at: '2026-01-01T00:00:00Z', identities, traits, events, unrecognised: [] }),
      ]))[0]!.id;
    const facts = async (profile: string) => (await db.query<Record<string, any>>('select * from public.profile_facts where profile_id = $1', [profile]))[0];
    const matches = async (segment: object) => {
      const [compiled] = await db.query<{ sql: string; params: unknown }>('select * from tessera.compile_segment($1::jsonb)', [JSON.stringify(segment)]);
      return (await db.query<{ id: string }>('select tessera.segment_matches($1, $2, $3::jsonb, $4) as id', [ws, compiled!.sql, JSON.stringify(compiled!.params), NOW])).map((r) => r.id).sort();
    };
    let ana: string;
    let bo: string;

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'segments', name: 'Segments' });
      ana = await apply('shopify', [{ kind: 'shopify_customer', value: '1' }, { kind: 'email', value: 'ana@seg.example' }], [
        { external_id: 'shopify:customer:1:created', type: 'customer_created', occurred_at: '2025-03-01T10:00:00Z' },
        order('1', '2025-03-02T10:00:00Z', 60),
        order('2', '2026-10-20T23:30:00Z', 90, ['Banneton Basket', 'Sourdough Starter Kit']),
      ], [{ name: 'accepts_email_marketing', value: true }, { name: 'country_code', value: 'CA' }]);
      // Ana also follows on Instagram under her email: the same person.
      await apply('social_import', [{ kind: 'instagram', value: 'ana.bakes' }, { kind: 'email', value: 'ana@seg.example' }], [
        { external_id: 'social:ana:followed', type: 'followed', occurred_at: '2025-01-15T00:00:00Z' },
        { external_id: 'social:ana:c1', type: 'commented', occurred_at: '2026-10-25T00:00:00Z' },
      ]);
      bo = await apply('kajabi', [{ kind: 'kajabi_member', value: '9' }, { kind: 'email', value: 'bo@seg.example' }, { kind: 'phone', value: '+14165550142' }], [
        { external_id: 'kajabi:payment:1', type: 'payment_succeeded', occurred_at: '2026-06-01T00:00:00Z', revenue: 29, currency: 'USD', properties: { payment_type: 'subscription' } },
      ]);
      await rebuildProfileFacts(db, ws);
    });
    after(() => db?.close());

    it('computes each person\'s facts across every source and merged profile', async () => {
      const a = await facts(ana);
      assert.equal(Number(a!.amount_spent), 150);
      assert.equal(a!.number_of_orders, 2);
      assert.equal(Number(a!.average_order_value), 75);
      assert.equal(new Date(a!.first_order_at).toISOString(), '2025-03-02T10:00:00.000Z');
      assert.equal(new Date(a!.last_order_at).toISOString(), '2026-10-20T23:30:00.000Z');
      assert.equal(a!.first_seen_source, 'social', 'the Instagram follow came first');
      assert.equal(a!.identity_bits, 1 | 4 | 16, 'email, shopify_customer, instagram');
      assert.equal(a!.sources, 2);
      assert.equal(a!.social_interactions, 2);
      assert.equal(a!.email_subscribed, true);
      assert.equal(a!.country, 'ca', 'text facts are kept lower-cased');
      assert.deepEqual([...a!.identity_kinds].sort(), ['email', 'instagram', 'shopify_customer']);
      const b = await facts(bo);
      // A subscription renewal is money in but not an order.
      assert.equal(b!.last_order_at, null);
      assert.equal(b!.email_subscribed, null);
      const [{ people }] = (await db.query<{ people: number }>('select count(*)::int as people from public.profile_facts where workspace_id = $1', [ws])) as [{ people: number }];
      assert.equal(people, 2);
    });

    it('matches on attributes, identities and events, day by day in UTC', async () => {
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 100 } }), [ana]);
      assert.deepEqual(await matches({ kind: 'not', condition: { kind: 'has', identity: 'phone' } }), [ana]);
      assert.deepEqual(await matches({ kind: 'has', identity: 'instagram' }), [ana]);
      // Ana's last order was at 23:30 UTC on 20 October: that day, not the 21st.
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'last_order_date', op: '=', value: { type: 'date', value: '2026-10-20' } }), [ana]);
      // -12d from 1 November is 20 October: the same day, so not after it; -13d is the 19th.
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'last_order_date', op: '>', value: { type: 'relative_date', days: -13 } }), [ana]);
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'last_order_date', op: '>', value: { type: 'relative_date', days: -12 } }), []);
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'last_order_date', op: '>=', value: { type: 'relative_date', days: -12 } }), [ana]);
      assert.deepEqual(await matches({ kind: 'event', verb: 'ordered', product: '  banneton basket', window: { kind: 'last_days', days: 30 } }), [ana]);
      assert.deepEqual(await matches({ kind: 'event', verb: 'ordered', atLeast: 3 }), []);
      assert.deepEqual(await matches({ kind: 'event', verb: 'paid', window: { kind: 'between', from: '2026-06-01', to: '2026-06-01' } }), [bo]);
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'country', op: '=', value: { type: 'text', value: 'ca' } }), [ana]);
      // Unknown (null) is neither in nor out: Bo has no email consent either way.
      assert.deepEqual(await matches({ kind: 'not', condition: { kind: 'compare', attribute: 'email_subscribed', op: '=', value: { type: 'boolean', value: true } } }), []);
      assert.deepEqual(await matches({ kind: 'is_null', attribute: 'email_subscribed', negated: false }), [bo]);
    });

    it('treats hostile text as a value and refuses anything off its whitelists', async () => {
      assert.deepEqual(await matches({ kind: 'compare', attribute: 'country', op: '=', value: { type: 'text', value: "ca'; drop table public.profiles; --" } }), []);
      const refused = async (segment: object, message: RegExp) => {
        await assert.rejects(matches(segment), (error: unknown) => isPostgresError(error) && error.code === '22023' && message.test(error.message));
      };
      await refused({ kind: 'compare', attribute: 'amount_spent; drop table public.profiles', op: '>', value: { type: 'number', value: 1 } }, /unknown attribute/);
      await refused({ kind: 'compare', attribute: 'amount_spent', op: '> 0 or true or', value: { type: 'number', value: 1 } }, /unknown operator/);
      await refused({ kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'text', value: '1' } }, /cannot compare/);
      await refused({ kind: 'compare', attribute: 'country', op: '<', value: { type: 'text', value: 'a' } }, /only compares with = or !=/);
      await refused({ kind: 'has', identity: 'password' }, /unknown identity/);
      await refused({ kind: 'event', verb: 'deleted', window: null }, /unknown event verb/);
      await refused({ kind: 'and', conditions: [{ kind: 'has', identity: 'email' }] }, /two or more/);
      const [{ count }] = (await db.query<{ count: number }>('select count(*)::int as count from public.profiles where workspace_id = $1', [ws])) as [{ count: number }];
      assert.ok(count >= 2, 'the profiles table is still there');
    });

    it('keeps a saved segment\'s members current as one person\'s events arrive', async () => {
      await db.query(`select public.save_segment('Big spenders', 'amount_spent > 200', $1::jsonb, $2)`, [
        JSON.stringify({ kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 200 } }),
        ws,
      ]);
      const members = async () => (await db.query<{ profile_id: string }>('select profile_id from public.segment_members where workspace_id = $1', [ws])).map((r) => r.profile_id);
      assert.deepEqual(await members(), []);
      await apply('shopify', [{ kind: 'shopify_customer', value: '1' }], [order('3', '2026-10-30T10:00:00Z', 80)]);
      assert.equal(await refreshPersonSegments(db, ws, ana, new Date(NOW)), 1);
      assert.deepEqual(await members(), [ana]);
      // Nothing changed: nothing recorded.
      assert.equal(await refreshPersonSegments(db, ws, ana, new Date(NOW)), 0);
      const changes = await db.query<{ change: string; profile_id: string }>('select change, profile_id from public.segment_membership_changes where workspace_id = $1 order by id', [ws]);
      assert.deepEqual(changes.map((c) => [c.change, c.profile_id]), [['entered', ana]]);
    });
  });
}
