// workspace_overview and get_stages. The overview runs on the demo store (a
// generated Shopify history with Kajabi courses and social followers, put
// through the real pipeline) plus a few hand-made people: a EUR buyer, a
// person known on two sources and merged, a follower. Every expected figure is
// worked out here in JavaScript from the seeded rows themselves (events,
// identities, profiles, open transitions), never from the function's answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
// Until @tessera/core exports them, the test reads the schemas from their files.
import { WorkspaceOverview } from '../../../core/src/schemas/analytics.ts';
import { StageHistory } from '../../../core/src/schemas/journey.ts';
import { asCaller } from '../auth/as-caller.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { seedDemoStore } from '../local/demo.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { rebuildProfileFacts } from '../segments/membership.ts';
import { rebuildLifecycle } from './lifecycle.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 16, 12); // a Monday noon: the seeded store opened two years before
const staffA = { id: 'a0000000-0000-4000-8000-0000000000a8', email: 'ana@hearth.example', role: 'member' };
const staffB = { id: 'b0000000-0000-4000-8000-0000000000b8', email: 'bo@otherstore.example', role: 'owner' };
const signedIn = (who: { id: string; email: string }) => ({ role: 'authenticated', sub: who.id, email: who.email });
const iso = (t: number) => new Date(t).toISOString();

interface EventRow {
  id: string;
  profile_id: string;
  source: string;
  type: string;
  occurred_at: Date;
  revenue: string | null;
  currency: string | null;
}
interface ProfileRow {
  id: string;
  merged_into: string | null;
  first_seen_at: Date;
}

/** Monday 00:00 UTC of the week a time falls in, as YYYY-MM-DD. */
function mondayOf(time: Date): string {
  const day = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

/** Counts of a list of keys, as [{source, customers}] sorted as the function sorts them (most first, then by name). */
function tally(keys: string[]): { source: string; customers: number }[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].map(([source, customers]) => ({ source, customers })).sort((a, b) => b.customers - a.customers || (a.source < b.source ? -1 : 1));
}

for (const target of testDatabases()) {
  describe(`workspace_overview and get_stages (${target.name})`, () => {
    let db: Database;
    let wsA: string;
    let wsB: string;
    let theirs: string;
    let claire: string;
    let claireOnKajabi: string;
    const scores = new Map<string, 'low' | 'medium' | 'high'>();

    /** One source's record of a person; its identities are observed with its first event, as a webhook would report them. */
    const apply = async (ws: string, source: string, identities: object[], events: ({ occurred_at: string } & Record<string, unknown>)[]) =>
      (await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
        ws,
        source,
        JSON.stringify({ observed_at: events[0]!.occurred_at, identities, traits: [], events, unrecognised: [] }),
      ]))[0]!.id;

    const overview = (args: { workspace_id?: string | null; since?: string | null; until?: string | null }, claims: object = signedIn(staffA)) =>
      asCaller(db, claims as any, (tx) =>
        tx.query<{ overview: unknown }>(`select public.workspace_overview(workspace_id => $1, since => $2, until => $3) as overview`, [
          args.workspace_id ?? null,
          args.since ?? null,
          args.until ?? null,
        ]),
      ).then((rows) => WorkspaceOverview.parse(rows[0]!.overview));

    const stages = (profileId: string, claims: object = signedIn(staffA)) =>
      asCaller(db, claims as any, (tx) => tx.query<{ stages: unknown }>('select public.get_stages($1) as stages', [profileId])).then((rows) =>
        rows[0]!.stages === null ? null : StageHistory.parse(rows[0]!.stages),
      );

    /** The figures worked out from the seeded rows for the window [since, until). */
    async function expected(ws: string, since: number, until: number) {
      const profiles = await db.query<ProfileRow>('select id, merged_into, first_seen_at from public.profiles where workspace_id = $1', [ws]);
      const events = await db.query<EventRow>(
        'select id::text, profile_id, source, type, occurred_at, revenue::text, currency from public.events where workspace_id = $1',
        [ws],
      );
      const identities = await db.query<{ profile_id: string; source: string; first_seen_at: Date }>(
        'select profile_id, source, first_seen_at from public.identities where workspace_id = $1',
        [ws],
      );
      const open = await db.query<{ profile_id: string; stage: string }>(
        'select profile_id, stage from public.lifecycle_transitions where workspace_id = $1 and left_at is null',
        [ws],
      );
      const rootOf = new Map(profiles.map((p) => [p.id, p.merged_into ?? p.id]));
      const roots = profiles.filter((p) => !p.merged_into && p.first_seen_at.getTime() < until);
      const inWindow = (t: Date) => t.getTime() >= since && t.getTime() < until;

      // First touch: the source of the earliest event of anyone in the person's cluster.
      const earliest = new Map<string, EventRow>();
      for (const e of events) {
        const root = rootOf.get(e.profile_id)!;
        const known = earliest.get(root);
        if (!known || e.occurred_at < known.occurred_at || (e.occurred_at.getTime() === known.occurred_at.getTime() && BigInt(e.id) < BigInt(known.id))) {
          earliest.set(root, e);
        }
      }
      const sourceName = (source: string) => source.split('_')[0]!.toLowerCase();
      const present = new Set<string>();
      // A source knew a person by until when it had told us one of their identities by then.
      for (const i of identities) if (i.first_seen_at.getTime() < until) present.add(`${rootOf.get(i.profile_id)}|${sourceName(i.source)}`);

      // Money in cents per currency, so sums are exact.
      const cents = new Map<string | null, number>();
      for (const e of events) {
        if (e.revenue === null || !inWindow(e.occurred_at)) continue;
        cents.set(e.currency, (cents.get(e.currency) ?? 0) + Math.round(Number(e.revenue) * 100));
      }
      const stageOf = new Map(open.map((t) => [t.profile_id, t.stage]));
      const weeks = new Map<string, number>();
      for (const p of roots) if (inWindow(p.first_seen_at)) weeks.set(mondayOf(p.first_seen_at), (weeks.get(mondayOf(p.first_seen_at)) ?? 0) + 1);
      const bands = roots.map((p) => scores.get(p.id) ?? 'unscored');
      return {
        total: roots.length,
        new: roots.filter((p) => inWindow(p.first_seen_at)).length,
        byFirstSource: tally(roots.map((p) => (earliest.get(p.id) ? sourceName(earliest.get(p.id)!.source) : 'unknown'))),
        bySource: tally([...present].map((key) => key.split('|')[1]!)),
        revenueCents: cents,
        orders: events.filter((e) => e.type === 'order_placed' && inWindow(e.occurred_at)).length,
        churn: { low: 0, medium: 0, high: 0, unscored: 0, ...Object.fromEntries(tally(bands).map((b) => [b.source, b.customers])) },
        funnel: ['follower', 'lead', 'first_purchase', 'repeat', 'loyal', 'at_risk', 'churned', 'reactivated'].map(
          (stage) => roots.filter((p) => stageOf.get(p.id) === stage).length,
        ),
        unstaged: roots.filter((p) => !stageOf.has(p.id)).length,
        weeks,
      };
    }

    before(async () => {
      db = await target.open();
      wsA = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      wsB = await ensureWorkspace(db, { slug: 'other', name: 'Other Store' });
      await ensureStaff(db, wsA, staffA);
      await ensureStaff(db, wsB, staffB);
      await seedDemoStore(db, wsA, { customers: 30, now: NOW });

      // Claire buys in euros on Kajabi and was a Shopify customer first: one person, two profiles, merged by email.
      claire = await apply(wsA, 'shopify', [{ kind: 'shopify_customer', value: '880001' }, { kind: 'email', value: 'claire@analytics.example' }], [
        { external_id: 'an:claire:signup', type: 'customer_created', occurred_at: iso(NOW - 300 * DAY) },
        { external_id: 'an:claire:order1', type: 'order_placed', occurred_at: iso(NOW - 200 * DAY), revenue: 120.5, currency: 'EUR' },
      ]);
      claireOnKajabi = await apply(wsA, 'kajabi', [{ kind: 'kajabi_member', value: '990001' }], [
        { external_id: 'an:claire:course', type: 'payment_succeeded', occurred_at: iso(NOW - 100 * DAY), revenue: 49, currency: 'EUR' },
      ]);
      // Her Kajabi membership names her email: the two profiles are one person now.
      await apply(wsA, 'kajabi', [{ kind: 'kajabi_member', value: '990001' }, { kind: 'email', value: 'claire@analytics.example' }], [
        { external_id: 'an:claire:order2', type: 'order_placed', occurred_at: iso(NOW - 20 * DAY), revenue: 80, currency: 'EUR' },
        { external_id: 'an:claire:refund', type: 'refund_issued', occurred_at: iso(NOW - 10 * DAY), revenue: -30.25, currency: 'EUR' },
      ]);
      // A follower with no purchases, known only on TikTok.
      await apply(wsA, 'tiktok', [{ kind: 'tiktok_id', value: '7000123' }], [
        { external_id: 'an:follow:1', type: 'followed', occurred_at: iso(NOW - 5 * DAY) },
      ]);
      // Workspace B: one customer of its own, in dollars.
      theirs = await apply(wsB, 'shopify', [{ kind: 'email', value: 'someone@other.example' }], [
        { external_id: 'b:order', type: 'order_placed', occurred_at: iso(NOW - 50 * DAY), revenue: 10, currency: 'USD' },
      ]);

      // Scores for some of A's people, as the nightly refit stores them; the bands are the ones the test expects.
      const people = await db.query<{ id: string }>('select id from public.profiles where workspace_id = $1 and merged_into is null order by id', [wsA]);
      const bands = ['high', 'low', 'medium', 'high', 'low'] as const;
      const chosen = people.slice(0, 15).map((p, i) => ({ profile_id: p.id, band: bands[i % bands.length]! }));
      for (const c of chosen) scores.set(c.profile_id, c.band);
      await db.query('select tessera.store_churn_scores($1, $2::jsonb)', [
        wsA,
        JSON.stringify(chosen.map((c) => ({ ...c, model: 'bgnbd', version: 1, risk: { low: 0.1, medium: 0.5, high: 0.9 }[c.band], horizon_days: 90 }))),
      ]);
      await rebuildLifecycle(db, wsA, { at: new Date(NOW) });
      await rebuildLifecycle(db, wsB, { at: new Date(NOW) });
      await rebuildProfileFacts(db, wsA);
      await rebuildProfileFacts(db, wsB);
    });
    after(() => db?.close());

    it('over all time, counts every customer, their sources, churn bands and stages as the seeded rows say', async () => {
      const got = await overview({});
      const want = await expected(wsA, -Infinity, Infinity);
      assert.equal(got.workspace_id, wsA);
      assert.ok(want.total > 30, `the demo seed made ${want.total} people`);
      assert.equal(got.customers.total, want.total);
      assert.equal(got.customers.new, want.total);
      assert.deepEqual(got.customers.by_first_source, want.byFirstSource);
      assert.deepEqual(got.customers.by_source, want.bySource);
      // Claire counts once though she has two profiles, under both sources; first touch is her Shopify sign-up.
      assert.ok(got.customers.by_source.some((s) => s.source === 'kajabi'));
      assert.deepEqual(got.churn, want.churn);
      assert.equal(got.churn.high, 6);
      assert.deepEqual(got.funnel.map((f) => f.stage), ['follower', 'lead', 'first_purchase', 'repeat', 'loyal', 'at_risk', 'churned', 'reactivated']);
      assert.equal(got.funnel[2]!.label, 'First purchase');
      assert.deepEqual(got.funnel.map((f) => f.customers), want.funnel);
      assert.equal(got.unstaged, want.unstaged);
      assert.equal(got.orders, want.orders);
      const weeks = new Map(got.new_customers_by_week.map((w) => [w.week, w.customers]));
      for (const [week, n] of want.weeks) assert.equal(weeks.get(week), n, `new customers in the week of ${week}`);
      assert.equal([...weeks.values()].reduce((a, b) => a + b, 0), want.total);
    });

    it('revenue is per currency and never adds euros to dollars; refunds count against it', async () => {
      const since = iso(NOW - 250 * DAY);
      const until = iso(NOW - 15 * DAY);
      const got = await overview({ since, until });
      const want = await expected(wsA, Date.parse(since), Date.parse(until));
      const gotCents = new Map(got.revenue.map((r) => [r.currency, Math.round(r.amount * 100)]));
      assert.deepEqual(gotCents, want.revenueCents);
      // Claire's euros in this window: both orders and the Kajabi payment; her refund falls after until.
      assert.equal(gotCents.get('EUR'), 12050 + 4900 + 8000);
      assert.ok(gotCents.has('USD') || gotCents.has('CAD'), 'the demo store sells in its own currency');
      assert.equal(got.orders, want.orders);
      assert.equal(got.customers.total, want.total);
      assert.equal(got.customers.new, want.new);
      assert.deepEqual(got.customers.by_first_source, want.byFirstSource);
      assert.deepEqual(got.customers.by_source, want.bySource);
      assert.equal(got.since && Date.parse(got.since), Date.parse(since));
    });

    it('new customers per week covers every week of the window, empty ones as zero', async () => {
      const since = iso(NOW - 70 * DAY);
      const until = iso(NOW);
      const got = await overview({ since, until });
      const want = await expected(wsA, Date.parse(since), Date.parse(until));
      // 70 days back from a Monday noon: 11 Monday-weeks, the first partial.
      assert.equal(got.new_customers_by_week.length, 11);
      assert.equal(got.new_customers_by_week[0]!.week, mondayOf(new Date(since)));
      assert.equal(got.new_customers_by_week.at(-1)!.week, mondayOf(new Date(NOW)));
      for (const w of got.new_customers_by_week) assert.equal(w.customers, want.weeks.get(w.week) ?? 0, `week of ${w.week}`);
      assert.equal(got.customers.new, want.new);
    });

    it('refuses a window that ends before it starts', async () => {
      await assert.rejects(overview({ since: iso(NOW), until: iso(NOW - DAY) }), (error: { code?: string }) => error.code === '22023');
    });

    it('a member of workspace B sees none of A’s figures; anon is refused', async () => {
      const asB = await overview({ workspace_id: wsA }, signedIn(staffB));
      assert.equal(asB.customers.total, 0);
      assert.deepEqual(asB.customers.by_first_source, []);
      assert.deepEqual(asB.customers.by_source, []);
      assert.deepEqual(asB.revenue, []);
      assert.equal(asB.orders, 0);
      assert.deepEqual(asB.churn, { low: 0, medium: 0, high: 0, unscored: 0 });
      assert.ok(asB.funnel.every((f) => f.customers === 0));
      assert.deepEqual(asB.new_customers_by_week, []);
      // Positive control: B's own workspace is theirs to see.
      const own = await overview({}, signedIn(staffB));
      assert.equal(own.workspace_id, wsB);
      assert.equal(own.customers.total, 1);
      assert.deepEqual(own.revenue, [{ currency: 'USD', amount: 10 }]);
      await assert.rejects(overview({ workspace_id: wsA }, { role: 'anon' }), (error: { code?: string }) => error.code === '42501');
    });

    it('get_stages answers a person’s history oldest first, from a merged-away id too', async () => {
      const history = await stages(claireOnKajabi);
      assert.ok(history);
      assert.equal(history.profile_id, claire);
      const spells = (
        await db.query<{ stage: string; entered_at: Date; left_at: Date | null; cause: string }>(
          'select stage, entered_at, left_at, cause from public.lifecycle_transitions where workspace_id = $1 and profile_id = $2',
          [wsA, claire],
        )
      ).sort((a, b) => a.entered_at.getTime() - b.entered_at.getTime());
      assert.ok(spells.length >= 3, `Claire went through ${spells.length} stages`);
      assert.deepEqual(
        history.stages.map((s) => [s.stage, Date.parse(s.entered_at), s.left_at && Date.parse(s.left_at), s.cause]),
        spells.map((s) => [s.stage, s.entered_at.getTime(), s.left_at?.getTime() ?? null, s.cause]),
      );
      // Lead at her sign-up, first purchase at her first order; the last spell is open and is her current stage.
      assert.deepEqual(history.stages.slice(0, 2).map((s) => [s.stage, Date.parse(s.entered_at)]), [
        ['lead', NOW - 300 * DAY],
        ['first_purchase', NOW - 200 * DAY],
      ]);
      assert.equal(history.stages[1]!.label, 'First purchase');
      assert.equal(history.stages.at(-1)!.left_at, null);
      assert.equal(history.stage, history.stages.at(-1)!.stage);
      assert.deepEqual(await stages(claire), history);
    });

    it('get_stages is null for a person the caller may not see, and refused to anon', async () => {
      assert.equal(await stages(claire, signedIn(staffB)), null);
      assert.equal(await stages(theirs, signedIn(staffA)), null);
      assert.equal(await stages('00000000-0000-4000-8000-000000000000'), null);
      assert.notEqual(await stages(theirs, signedIn(staffB)), null);
      await assert.rejects(stages(claire, { role: 'anon' }), (error: { code?: string }) => error.code === '42501');
    });
  });
}
