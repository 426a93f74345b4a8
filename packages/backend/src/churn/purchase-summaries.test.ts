// The purchase history the churn models read, computed in SQL
// (tessera.purchase_summaries), checked against hand-worked histories.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';

const order = (id: string, at: string, revenue: number | null, type = 'order_placed') => ({ external_id: `shopify:order:${id}:placed`, type, occurred_at: at, revenue, currency: 'USD' });

for (const target of testDatabases()) {
  describe(`purchase summaries for churn (${target.name})`, () => {
    let db: Database;
    let ws: string;
    const apply = async (source: string, identities: object[], events: object[]) =>
      (await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
        ws,
        source,
        JSON.stringify({ observed_at: '2026-01-01T00:00:00Z', identities, traits: [], events, unrecognised: [] }),
      ]))[0]!.id;
    const summary = async (profile: string) =>
      (await db.query<Record<string, any>>(`select * from tessera.purchase_summaries($1, '2026-07-01T00:00:00Z', $2)`, [ws, profile]))[0];

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'churn', name: 'Churn' });
    });
    after(() => db?.close());

    it('counts repeat purchase days, from first to last purchase, up to the as-of date', async () => {
      const id = await apply('shopify', [{ kind: 'email', value: 'ana@churn.example' }], [
        order('1', '2026-01-10T09:00:00Z', 40),
        order('2', '2026-01-10T18:00:00Z', 20), // same day: one purchase day worth 60
        order('3', '2026-02-09T09:00:00Z', 30),
        order('4', '2026-03-11T09:00:00Z', 90),
        order('5', '2026-08-01T09:00:00Z', 500), // after the as-of date: unseen
        { external_id: 'kajabi:form:1', type: 'form_submitted', occurred_at: '2026-04-01T00:00:00Z' }, // no money: not a purchase
      ]);
      const s = await summary(id);
      assert.equal(s!.frequency, 2);
      assert.equal(Math.round(s!.recency_days), 60);
      assert.equal(Math.round(s!.age_days), 172);
      assert.equal(s!.repeat_mean_value, 60); // (30 + 90) / 2: the first purchase is not a repeat
    });

    it('reads a merged person as one: purchases across sources and merged profiles', async () => {
      const shopper = await apply('shopify', [{ kind: 'email', value: 'bo@churn.example' }], [order('10', '2026-03-01T00:00:00Z', 50)]);
      await apply('kajabi', [{ kind: 'kajabi_member', value: '77' }, { kind: 'email', value: 'bo@churn.example' }], [
        { external_id: 'kajabi:payment:1', type: 'payment_succeeded', occurred_at: '2026-05-01T00:00:00Z', revenue: 197, currency: 'USD' },
      ]);
      const s = await summary(shopper);
      assert.equal(s!.frequency, 1);
      assert.equal(Math.round(s!.recency_days), 61);
    });

    it('leaves out people who never paid, and refunds do not count as purchases', async () => {
      const id = await apply('shopify', [{ kind: 'email', value: 'cy@churn.example' }], [
        { external_id: 'shopify:refund:9', type: 'refund_issued', occurred_at: '2026-03-01T00:00:00Z', revenue: -20, currency: 'USD' },
      ]);
      assert.equal(await summary(id), undefined);
    });
  });
}
