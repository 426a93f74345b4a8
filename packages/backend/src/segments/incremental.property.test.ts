// Incremental membership (one person re-evaluated after each of their events)
// ends where a full recomputation from scratch ends, whatever the event
// stream: orders, refunds, new identities, social activity, and merges.
import * as fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { recomputeSegments, refreshPersonSegments, rebuildProfileFacts } from './membership.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
const DAY = 86_400_000;

const SEGMENTS: Record<string, object> = {
  'Spent over 150': { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 150 } },
  'Two orders or more, no refund': { kind: 'and', conditions: [
    { kind: 'compare', attribute: 'number_of_orders', op: '>=', value: { type: 'number', value: 2 } },
    { kind: 'not', condition: { kind: 'event', verb: 'refunded' } },
  ] },
  'On Instagram, quiet lately': { kind: 'and', conditions: [
    { kind: 'has', identity: 'instagram' },
    { kind: 'not', condition: { kind: 'event', verb: 'ordered', window: { kind: 'last_days', days: 30 } } },
  ] },
  'Social and buying': { kind: 'or', conditions: [
    { kind: 'compare', attribute: 'social_interactions', op: '>=', value: { type: 'number', value: 2 } },
    { kind: 'event', verb: 'ordered', product: 'Banneton Basket' },
  ] },
};

/** One delivery's worth of change for one of a small crowd of people (so events pile up and merges happen). */
const step = fc.record({
  person: fc.integer({ min: 0, max: 24 }),
  kind: fc.constantFrom('order', 'order', 'refund', 'instagram', 'comment', 'link'),
  amount: fc.integer({ min: 5, max: 120 }),
  daysAgo: fc.integer({ min: 0, max: 90 }),
  other: fc.integer({ min: 0, max: 24 }),
  basket: fc.boolean(),
});

for (const target of testDatabases()) {
  describe(`incremental segment membership (${target.name})`, { timeout: 300_000 }, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db?.close());

    it('equals a full recomputation after any stream of events, merges included', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 60 }), async (steps) => {
          const ws = await ensureWorkspace(db, { slug: `stream-${run}`, name: `Stream ${run}` });
          run++;
          for (const [name, tree] of Object.entries(SEGMENTS)) {
            await db.query('select public.save_segment($1, $2, $3::jsonb, $4)', [name, name, JSON.stringify(tree), ws]);
          }
          for (const [n, s] of steps.entries()) {
            const at = new Date(NOW.getTime() - s.daysAgo * DAY).toISOString();
            const email = { kind: 'email', value: `p${s.person}@stream.example` };
            const record = {
              order: { identities: [email], events: [{ external_id: `o${n}`, type: 'order_placed', occurred_at: at, revenue: s.amount, currency: 'USD', properties: { items: [{ title: s.basket ? 'Banneton Basket' : 'Bread Lame' }] } }] },
              refund: { identities: [email], events: [{ external_id: `r${n}`, type: 'refund_issued', occurred_at: at, revenue: -s.amount, currency: 'USD' }] },
              instagram: { identities: [email, { kind: 'instagram', value: `p${s.person}.bakes` }], events: [] },
              comment: { identities: [{ kind: 'instagram', value: `p${s.person}.bakes` }], events: [{ external_id: `c${n}`, type: 'commented', occurred_at: at }] },
              // Two people turn out to be one: the other's email arrives with this person's Instagram handle.
              link: { identities: [{ kind: 'instagram', value: `p${s.person}.bakes` }, { kind: 'email', value: `p${s.other}@stream.example` }], events: [] },
            }[s.kind]!;
            const source = s.kind === 'comment' || s.kind === 'link' || s.kind === 'instagram' ? 'social_import' : 'shopify';
            const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
              ws, source, JSON.stringify({ observed_at: at, traits: [], unrecognised: [], ...record }),
            ]);
            if (row?.id) await refreshPersonSegments(db, ws, row.id, NOW);
          }
          const incremental = await db.query<{ segment_id: string; profile_id: string }>(
            'select segment_id::text, profile_id::text from public.segment_members where workspace_id = $1 order by 1, 2', [ws],
          );
          // From scratch: every person's facts recomputed, every segment re-evaluated for everyone.
          await rebuildProfileFacts(db, ws);
          const full = await recomputeSegments(db, ws, { now: NOW, onlyTimeDependent: false });
          assert.deepEqual([full.entered, full.exited], [0, 0], `a full recomputation changed ${full.entered} entries and ${full.exited} exits`);
          const after = await db.query<{ segment_id: string; profile_id: string }>(
            'select segment_id::text, profile_id::text from public.segment_members where workspace_id = $1 order by 1, 2', [ws],
          );
          assert.deepEqual(after, incremental);
          // The log tells the same story: each member's last recorded change is an entry, and nobody else's is.
          const last = await db.query<{ segment_id: string; profile_id: string }>(
            `select distinct on (segment_id, profile_id) segment_id::text, profile_id::text, change
               from public.segment_membership_changes where workspace_id = $1 order by segment_id, profile_id, id desc`,
            [ws],
          );
          const entered = last.filter((r) => (r as { change?: string }).change === 'entered').map((r) => `${r.segment_id}/${r.profile_id}`).sort();
          assert.deepEqual(entered, incremental.map((r) => `${r.segment_id}/${r.profile_id}`).sort());
        }),
        { numRuns: 10, seed: 11 },
      );
    });
  });
}
