// Lifecycle stages against real Postgres: hand-built histories through every
// stage and move of the default model (with exact times), thresholds changed
// as data, idempotency, and a rebuild of the demo workspace checked against a
// replay of the stage rules written independently here, with the journey
// analytics recomputed from the rows they read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asCaller } from '../auth/as-caller.ts';
import { refitWorkspace } from '../churn/refit.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { seedDemoStore } from '../local/demo.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { LIFECYCLE_STAGES, rebuildLifecycle, refreshStage } from './lifecycle.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

interface Identity {
  kind: string;
  value: string;
}
interface RecordEvent {
  external_id: string;
  type: string;
  occurred_at: string;
  revenue?: number | null;
  currency?: string;
  properties?: Record<string, unknown>;
}

let serial = 0;
const order = (when: number, revenue: number): RecordEvent => ({
  external_id: `shopify:order:${++serial}:placed`, type: 'order_placed', occurred_at: iso(when), revenue, currency: 'USD',
});
const refund = (when: number, amount: number): RecordEvent => ({
  external_id: `shopify:refund:${++serial}`, type: 'refund_issued', occurred_at: iso(when), revenue: -amount, currency: 'USD',
});
const signup = (when: number): RecordEvent => ({ external_id: `shopify:customer:${++serial}:created`, type: 'customer_created', occurred_at: iso(when) });
const payment = (when: number, amount: number, paymentType: 'subscription' | 'single'): RecordEvent => ({
  external_id: `kajabi:payment:${++serial}`, type: 'payment_succeeded', occurred_at: iso(when), revenue: amount, currency: 'USD',
  properties: { payment_type: paymentType },
});

/** A transition as stored, with times in ISO (UTC, milliseconds). */
type Segment = { stage: string; entered_at: string; left_at: string | null; cause: string };
const seg = (stage: string, entered: number, left: number | null, cause: string): Segment => ({
  stage, entered_at: iso(entered), left_at: left === null ? null : iso(left), cause,
});

for (const target of testDatabases()) {
  describe(`lifecycle stages from hand-built histories (${target.name})`, () => {
    let db: Database;
    let ws: string;

    /** Applies one delivery as the pipeline does, observed when its first event happened; returns the profile. */
    const apply = async (workspaceId: string, source: string, identities: Identity[], events: RecordEvent[], observedAt?: number) =>
      (await db.query<{ id: string }>('select tessera.apply_record($1, $2, $3::jsonb, null)::text as id', [
        workspaceId,
        source,
        JSON.stringify({ observed_at: observedAt ? iso(observedAt) : events[0]!.occurred_at, identities, traits: [], events, unrecognised: [] }),
      ]))[0]!.id;
    const history = (workspaceId: string, profileId: string) =>
      db.query<Segment>(
        `select stage,
                to_char(entered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as entered_at,
                to_char(left_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as left_at, cause
           from public.lifecycle_transitions where workspace_id = $1 and profile_id = $2 order by entered_at`,
        [workspaceId, profileId],
      );
    const stageOnProfile = async (profileId: string) =>
      (await db.query<{ stage: string | null }>('select stage from public.profiles where id = $1', [profileId]))[0]!.stage;
    /** Everything refresh_stage may write, to show that a second call writes nothing. */
    const snapshot = async (workspaceId: string) =>
      JSON.stringify([
        await db.query('select profile_id::text, stage, entered_at::text, left_at::text, cause from public.lifecycle_transitions where workspace_id = $1 order by 1, 3', [workspaceId]),
        await db.query('select id::text, stage, updated_at::text from public.profiles where workspace_id = $1 order by 1', [workspaceId]),
      ]);
    const refresh = (profileId: string, when: number) => refreshStage(db, ws, profileId, { at: new Date(when) });
    const score = (profileId: string, band: 'low' | 'medium' | 'high') =>
      db.query('select tessera.store_churn_scores($1, $2::jsonb)', [
        ws,
        JSON.stringify([{ profile_id: profileId, model: 'bgnbd', version: 1, risk: { low: 0.2, medium: 0.6, high: 0.9 }[band], band, horizon_days: 90 }]),
      ]);

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'lifecycle', name: 'Lifecycle' });
    });
    after(() => db?.close());

    it('lists the same stages in SQL and TypeScript, in lifecycle order', async () => {
      const [{ keys }] = (await db.query<{ keys: string[] }>(
        `select jsonb_path_query_array(tessera.default_lifecycle_stage_model(), '$.stages[*].key') as keys`,
      )) as [{ keys: string[] }];
      assert.deepEqual(keys, [...LIFECYCLE_STAGES]);
      const ranks = await db.query<{ rank: number }>('select tessera.lifecycle_stage_rank(s) as rank from unnest($1::text[]) s', [keys]);
      assert.deepEqual(ranks.map((r) => r.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('a person seen only on social is a follower, and becomes a lead when they submit a form with their email', async () => {
      const followed = at('2026-01-05T10:00:00Z');
      const handle = { kind: 'instagram', value: 'fern.bakes' };
      const fern = await apply(ws, 'social_import', [handle], [
        { external_id: 'social_import:instagram:fern.bakes:followed:1', type: 'followed', occurred_at: iso(followed), properties: { network: 'instagram', handle: 'fern.bakes' } },
      ]);
      assert.equal(await refresh(fern, followed + HOUR), 'follower');
      assert.deepEqual(await history(ws, fern), [seg('follower', followed, null, 'followed')]);

      const submitted = followed + 10 * DAY;
      await apply(ws, 'kajabi', [{ kind: 'email', value: 'fern@lifecycle.example' }, handle], [
        { external_id: 'kajabi:form:1', type: 'form_submitted', occurred_at: iso(submitted) },
      ]);
      assert.equal(await refresh(fern, submitted + HOUR), 'lead');
      assert.deepEqual(await history(ws, fern), [seg('follower', followed, submitted, 'followed'), seg('lead', submitted, null, 'form_submitted')]);
      assert.equal(await stageOnProfile(fern), 'lead');
    });

    it('walks lead → first_purchase → repeat → loyal at the purchases that made each, counting purchase days, then churns a year after the last and is reactivated by an order', async () => {
      const ids = [{ kind: 'email', value: 'ana@lifecycle.example' }, { kind: 'shopify_customer', value: '1001' }];
      const signedUp = at('2025-01-10T09:00:00Z');
      const purchases = [at('2025-01-12T15:00:00Z'), at('2025-02-03T10:00:00Z'), at('2025-02-03T20:00:00Z'), at('2025-03-01T12:00:00Z'), at('2025-04-01T12:00:00Z'), at('2025-05-02T12:00:00Z')];
      // As the processor does: each delivery applied, then the person re-staged an hour later.
      const ana = await apply(ws, 'shopify', ids, [signup(signedUp)]);
      assert.equal(await refresh(ana, signedUp + HOUR), 'lead');
      const stages = [];
      for (const when of purchases) {
        await apply(ws, 'shopify', ids, [order(when, 40)]);
        stages.push(await refresh(ana, when + HOUR));
      }
      // Two orders on 3 February are one purchase day; the fifth purchase day (spent 240) makes her loyal.
      assert.deepEqual(stages, ['first_purchase', 'repeat', 'repeat', 'repeat', 'repeat', 'loyal']);
      const last = purchases.at(-1)!;
      const ladder = [
        seg('lead', signedUp, purchases[0]!, 'customer_created'),
        seg('first_purchase', purchases[0]!, purchases[1]!, 'order_placed'),
        seg('repeat', purchases[1]!, last, 'order_placed'),
      ];
      assert.deepEqual(await history(ws, ana), [...ladder, seg('loyal', last, null, 'order_placed')]);

      // Nothing for 400 days: churned exactly 365 days after the last purchase, not when we looked.
      const churned = last + 365 * DAY;
      assert.equal(await refresh(ana, last + 400 * DAY), 'churned');
      assert.deepEqual((await history(ws, ana)).slice(3), [seg('loyal', last, churned, 'order_placed'), seg('churned', churned, null, 'no purchase in 365 days')]);

      const back = last + 500 * DAY;
      await apply(ws, 'shopify', ids, [order(back, 40)]);
      assert.equal(await refresh(ana, back + HOUR), 'reactivated');
      // No purchase in the 90 days after coming back: loyal again (six purchase days) when the window ends.
      assert.equal(await refresh(ana, back + 120 * DAY), 'loyal');
      assert.deepEqual(await history(ws, ana), [
        ...ladder,
        seg('loyal', last, churned, 'order_placed'),
        seg('churned', churned, back, 'no purchase in 365 days'),
        seg('reactivated', back, back + 90 * DAY, 'order_placed'),
        seg('loyal', back + 90 * DAY, null, '90 days since coming back'),
      ]);
      // Appending step by step recorded exactly what replaying her facts gives.
      const replayed = await db.query<Segment>(
        `select stage, to_char(entered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as entered_at,
                to_char(left_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as left_at, cause
           from tessera.lifecycle_timeline($1, $2, $3::uuid[]) order by entered_at`,
        [ws, iso(back + 120 * DAY), [ana]],
      );
      assert.deepEqual(replayed, await history(ws, ana));
    });

    it('a reactivated customer is repeat again at their next purchase day', async () => {
      const ids = [{ kind: 'email', value: 'bo@lifecycle.example' }];
      const first = at('2024-06-01T12:00:00Z');
      const back = first + 400 * DAY;
      const next = back + 20 * DAY;
      const bo = await apply(ws, 'shopify', ids, [signup(first - DAY), order(first, 30), order(back, 30), order(next, 30)], first - DAY);
      // Never staged before: the whole history is written at once.
      assert.equal(await refresh(bo, next + DAY), 'repeat');
      assert.deepEqual(await history(ws, bo), [
        seg('lead', first - DAY, first, 'customer_created'),
        seg('first_purchase', first, first + 365 * DAY, 'order_placed'),
        seg('churned', first + 365 * DAY, back, 'no purchase in 365 days'),
        seg('reactivated', back, next, 'order_placed'),
        seg('repeat', next, null, 'order_placed'),
      ]);
    });

    it('spending the loyal amount makes a customer loyal at once, and a refund that takes them under it makes them repeat', async () => {
      const ids = [{ kind: 'email', value: 'cy@lifecycle.example' }];
      const [joined, first, second, refunded] = [at('2026-02-01T08:00:00Z'), at('2026-02-02T08:00:00Z'), at('2026-03-02T08:00:00Z'), at('2026-03-20T08:00:00Z')];
      const cy = await apply(ws, 'shopify', ids, [signup(joined), order(first, 300), order(second, 250), refund(refunded, 100)]);
      assert.equal(await refresh(cy, refunded + DAY), 'repeat');
      assert.deepEqual(await history(ws, cy), [
        seg('lead', joined, first, 'customer_created'),
        seg('first_purchase', first, second, 'order_placed'),
        seg('loyal', second, refunded, 'order_placed'), // 550 spent
        seg('repeat', refunded, null, 'refund_issued'), // 450 net
      ]);
    });

    it('a member whose subscription lapses churns 37 days after their last payment, and restarting it reactivates them', async () => {
      const ids = [{ kind: 'email', value: 'dee@lifecycle.example' }, { kind: 'kajabi_member', value: '501' }];
      const started = at('2025-03-01T08:00:00Z');
      const dee = await apply(ws, 'kajabi', ids, [0, 30, 60].map((d) => payment(started + d * DAY, 29, 'subscription')));
      assert.equal(await refresh(dee, started + 120 * DAY), 'churned');
      const lapsed = started + 97 * DAY;
      assert.deepEqual(await history(ws, dee), [
        // Signing up for the membership is her first purchase; the renewals keep her a customer.
        seg('first_purchase', started, lapsed, 'payment_succeeded'),
        seg('churned', lapsed, null, 'subscription lapsed'),
      ]);

      const restarted = started + 200 * DAY;
      await apply(ws, 'kajabi', ids, [0, 30, 60].map((d) => payment(restarted + d * DAY, 29, 'subscription')));
      // Renewals are not purchases: she stays reactivated the whole 90 days, then counts two purchase days.
      assert.equal(await refresh(dee, started + 295 * DAY), 'repeat');
      assert.deepEqual((await history(ws, dee)).slice(1), [
        seg('churned', lapsed, restarted, 'subscription lapsed'),
        seg('reactivated', restarted, restarted + 90 * DAY, 'payment_succeeded'),
        seg('repeat', restarted + 90 * DAY, null, '90 days since coming back'),
      ]);
    });

    it('puts a customer at risk from their current churn score (medium only when overdue), takes them back when it falls, and lets them churn on time', async () => {
      const ids = [{ kind: 'email', value: 'eve@lifecycle.example' }];
      const d0 = at('2026-03-01T12:00:00Z');
      const last = d0 + 60 * DAY;
      const eve = await apply(ws, 'shopify', ids, [signup(d0 - DAY), order(d0, 50), order(d0 + 30 * DAY, 50), order(last, 50)], d0 - DAY);
      assert.equal(await refresh(eve, last + HOUR), 'repeat');
      await score(eve, 'medium');
      // She usually buys every 30 days: medium risk is at risk only past 2 × 30 days without a purchase.
      assert.equal(await refresh(eve, last + 59 * DAY), 'repeat');
      const overdue = last + 61 * DAY;
      assert.equal(await refresh(eve, overdue), 'at_risk');
      await score(eve, 'low');
      const recovered = overdue + 5 * DAY;
      assert.equal(await refresh(eve, recovered), 'repeat');
      await score(eve, 'high');
      const worried = recovered + DAY;
      assert.equal(await refresh(eve, worried), 'at_risk');
      // Still high a year on: churned when her last purchase stopped covering her.
      assert.equal(await refresh(eve, last + 400 * DAY), 'churned');
      assert.deepEqual(await history(ws, eve), [
        seg('lead', d0 - DAY, d0, 'customer_created'),
        seg('first_purchase', d0, d0 + 30 * DAY, 'order_placed'),
        seg('repeat', d0 + 30 * DAY, overdue, 'order_placed'),
        seg('at_risk', overdue, recovered, 'churn_score and overdue'),
        seg('repeat', recovered, worried, 'churn_score'),
        seg('at_risk', worried, last + 365 * DAY, 'churn_score'),
        seg('churned', last + 365 * DAY, null, 'no purchase in 365 days'),
      ]);
    });

    it('staging the same facts twice writes nothing, through refresh_stage and rebuild_lifecycle alike', async () => {
      const ids = [{ kind: 'email', value: 'gil@lifecycle.example' }];
      const when = at('2026-05-01T12:00:00Z');
      const gil = await apply(ws, 'shopify', ids, [signup(when), order(when + DAY, 80), order(when + 9 * DAY, 80)]);
      assert.equal(await refresh(gil, when + 10 * DAY), 'repeat');
      const once = await snapshot(ws);
      assert.equal(await refresh(gil, when + 10 * DAY), 'repeat');
      assert.equal(await refresh(gil, when + 11 * DAY), 'repeat');
      assert.equal(await snapshot(ws), once);

      const rebuilt = await rebuildLifecycle(db, ws, { at: new Date(when + 11 * DAY) });
      const again = await rebuildLifecycle(db, ws, { at: new Date(when + 11 * DAY) });
      assert.ok(rebuilt.people >= 7, JSON.stringify(rebuilt));
      assert.deepEqual({ removed: again.removed, added: again.added, stagesChanged: again.stagesChanged }, { removed: 0, added: 0, stagesChanged: 0 });
      assert.equal(again.transitions, rebuilt.transitions);
    });

    it('a person merged from two profiles has one history, on the surviving profile', async () => {
      const [bought, paid, linked] = [at('2026-04-01T12:00:00Z'), at('2026-04-10T12:00:00Z'), at('2026-04-20T12:00:00Z')];
      const shopper = await apply(ws, 'shopify', [{ kind: 'email', value: 'fay@lifecycle.example' }], [order(bought, 60)]);
      const member = await apply(ws, 'kajabi', [{ kind: 'kajabi_member', value: '777' }, { kind: 'email', value: 'fay.studio@lifecycle.example' }], [payment(paid, 197, 'single')]);
      assert.equal(await refresh(shopper, bought + HOUR), 'first_purchase');
      assert.equal(await refresh(member, paid + HOUR), 'first_purchase');
      // Kajabi tells us the member's other email: the two profiles are one person.
      await apply(ws, 'kajabi', [{ kind: 'kajabi_member', value: '777' }, { kind: 'email', value: 'fay@lifecycle.example' }], [], linked);
      const [{ root }] = (await db.query<{ root: string }>('select tessera.root_of($1, $2)::text as root', [ws, member])) as [{ root: string }];
      assert.equal(root, shopper, 'the older profile survives');

      assert.equal(await refresh(member, linked + HOUR), 'repeat');
      assert.deepEqual(await history(ws, shopper), [seg('first_purchase', bought, paid, 'order_placed'), seg('repeat', paid, null, 'payment_succeeded')]);
      assert.deepEqual(await history(ws, member), []);
      assert.equal(await stageOnProfile(member), null);
      assert.equal(await stageOnProfile(shopper), 'repeat');
    });

    it('a stage that is the same after a batch is rewritten when what happened in between is new: loyal and back to repeat', async () => {
      const ids = [{ kind: 'email', value: 'eli@lifecycle.example' }];
      const [joined, first, second, third, refunded] = [
        at('2026-02-01T08:00:00Z'), at('2026-02-02T08:00:00Z'), at('2026-02-20T08:00:00Z'), at('2026-03-02T08:00:00Z'), at('2026-03-05T08:00:00Z'),
      ];
      const eli = await apply(ws, 'shopify', ids, [signup(joined), order(first, 100), order(second, 100)]);
      assert.equal(await refresh(eli, second + HOUR), 'repeat');
      // One batch: an order that makes him loyal (550 spent), then a refund that takes him back under (450).
      await apply(ws, 'shopify', ids, [order(third, 350), refund(refunded, 100)]);
      assert.equal(await refresh(eli, refunded + DAY), 'repeat');
      assert.deepEqual(await history(ws, eli), [
        seg('lead', joined, first, 'customer_created'),
        seg('first_purchase', first, second, 'order_placed'),
        seg('repeat', second, third, 'order_placed'),
        seg('loyal', third, refunded, 'order_placed'),
        seg('repeat', refunded, null, 'refund_issued'),
      ]);
    });

    it('a person merged with a profile that had a history of its own gets one history, even when their stage stays the same', async () => {
      const [signedUp, bought, linked] = [at('2026-03-20T12:00:00Z'), at('2026-04-01T12:00:00Z'), at('2026-04-20T12:00:00Z')];
      const shopper = await apply(ws, 'shopify', [{ kind: 'email', value: 'gus@lifecycle.example' }], [order(bought, 60)]);
      const member = await apply(ws, 'kajabi', [{ kind: 'kajabi_member', value: '778' }, { kind: 'email', value: 'gus.studio@lifecycle.example' }], [signup(signedUp)]);
      assert.equal(await refresh(shopper, bought + HOUR), 'first_purchase');
      assert.equal(await refresh(member, signedUp + HOUR), 'lead');
      await apply(ws, 'kajabi', [{ kind: 'kajabi_member', value: '778' }, { kind: 'email', value: 'gus@lifecycle.example' }], [], linked);

      assert.equal(await refresh(member, linked + HOUR), 'first_purchase');
      assert.deepEqual(await history(ws, shopper), [seg('lead', signedUp, bought, 'customer_created'), seg('first_purchase', bought, null, 'order_placed')]);
      assert.deepEqual(await history(ws, member), []);
      assert.equal(await stageOnProfile(member), null);
    });

    it('follows a workspace\'s own thresholds, kept as data: the latest version wins, threshold by threshold over the default', async () => {
      const custom = await ensureWorkspace(db, { slug: 'lifecycle-custom', name: 'Lifecycle custom' });
      const ids = [{ kind: 'email', value: 'ana@lifecycle.example' }];
      const signedUp = at('2025-01-10T09:00:00Z');
      const p = [at('2025-01-12T15:00:00Z'), at('2025-02-03T10:00:00Z'), at('2025-02-03T20:00:00Z'), at('2025-03-01T12:00:00Z'), at('2025-04-01T12:00:00Z'), at('2025-05-02T12:00:00Z')];
      const ana = await apply(custom, 'shopify', ids, [signup(signedUp), ...p.map((when) => order(when, 40))], signedUp);
      const stagesAt = async (when: number) => {
        await rebuildLifecycle(db, custom, { at: new Date(when) });
        return history(custom, ana);
      };
      const ladderUntil = (loyalAt: number, loyalLeft: number | null, loyalCause = 'order_placed') => [
        seg('lead', signedUp, p[0]!, 'customer_created'),
        seg('first_purchase', p[0]!, p[1]!, 'order_placed'),
        seg('repeat', p[1]!, loyalAt, 'order_placed'),
        seg('loyal', loyalAt, loyalLeft, loyalCause),
      ];
      // The default: loyal at the fifth purchase day, still a customer 200 days later.
      assert.deepEqual(await stagesAt(p[5]! + 200 * DAY), ladderUntil(p[5]!, null));

      await db.query('insert into public.lifecycle_stage_models (workspace_id, definition) values ($1, $2::jsonb)', [
        custom, JSON.stringify({ thresholds: { loyal_purchase_days: 3, churned_after_days: 180 } }),
      ]);
      const [{ model }] = (await db.query<{ model: { thresholds: Record<string, number>; version: number } }>('select tessera.lifecycle_stage_model($1) as model', [custom])) as [{ model: { thresholds: Record<string, number>; version: number } }];
      assert.deepEqual(model.thresholds, { loyal_purchase_days: 3, loyal_amount: 500, churned_after_days: 180, subscription_lapse_days: 37, reactivated_days: 90, at_risk_gap_multiple: 2 });
      // Loyal at the third purchase day; churned 180 days after the last purchase.
      assert.deepEqual(await stagesAt(p[5]! + 200 * DAY), [
        ...ladderUntil(p[3]!, p[5]! + 180 * DAY),
        seg('churned', p[5]! + 180 * DAY, null, 'no purchase in 180 days'),
      ]);

      // A newer version replaces the older one; what it leaves out is the default again.
      await db.query('insert into public.lifecycle_stage_models (workspace_id, definition) values ($1, $2::jsonb)', [custom, JSON.stringify({ thresholds: { loyal_amount: 100 } })]);
      // $120 spent by the second order on 3 February: loyal then, on two purchase days.
      assert.deepEqual(await stagesAt(p[5]! + 200 * DAY), [
        seg('lead', signedUp, p[0]!, 'customer_created'),
        seg('first_purchase', p[0]!, p[1]!, 'order_placed'),
        seg('repeat', p[1]!, p[2]!, 'order_placed'),
        seg('loyal', p[2]!, null, 'order_placed'),
      ]);
      // The other workspace kept the default throughout.
      const [{ loyal }] = (await db.query<{ loyal: number }>(`select (tessera.lifecycle_stage_model($1) #>> '{thresholds,loyal_purchase_days}')::int as loyal`, [ws])) as [{ loyal: number }];
      assert.equal(loyal, 5);
    });

    it('rejects a stage model it cannot use, saying what is wrong', async () => {
      const store = (definition: unknown) =>
        db.query('insert into public.lifecycle_stage_models (workspace_id, definition) values ($1, $2::jsonb)', [ws, JSON.stringify(definition)]);
      await assert.rejects(store({ thresholds: { loyal_purchase_days: 1 } }), /loyal_purchase_days must be a whole number of at least 2/);
      await assert.rejects(store({ thresholds: { churn_after_days: 30 } }), /There is no threshold churn_after_days; the thresholds are at_risk_gap_multiple, churned_after_days/);
      await assert.rejects(store({ thresholds: { loyal_amount: -5 } }), /Threshold loyal_amount must be a positive number, not -5/);
      await assert.rejects(store({ stages: [] }), /The stage model has no part stages/);
      await assert.rejects(store({ lead_events: 'form_submitted' }), /lead_events must be a JSON array of strings/);
    });
  });

  describe(`lifecycle of the demo workspace and journey analytics (${target.name})`, { timeout: 600_000 }, () => {
    const NOW = Date.UTC(2026, 10, 1, 12);
    const SINCE = iso(Date.UTC(2025, 0, 1));
    const UNTIL = iso(NOW);
    let db: Database;
    let ws: string;
    let other: string;
    const owner = { id: 'd3e00000-0000-4000-8000-0000000000a1', email: 'owner@demo.example', role: 'owner' };
    const stranger = { id: 'd3e00000-0000-4000-8000-0000000000b2', email: 'staff@elsewhere.example', role: 'owner' };
    let rows: { profile_id: string; stage: string; entered: number; left: number | null }[];

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'demo', name: 'Demo' });
      other = await ensureWorkspace(db, { slug: 'elsewhere', name: 'Elsewhere' });
      await ensureStaff(db, ws, owner);
      await ensureStaff(db, other, stranger);
      await seedDemoStore(db, ws, { customers: 300, now: NOW });
      await refitWorkspace(db, ws, { asOf: new Date(NOW) });
      const started = performance.now();
      const report = await rebuildLifecycle(db, ws, { at: new Date(NOW) });
      console.log(`rebuild_lifecycle on the demo (${target.name}): ${JSON.stringify(report)} in ${(performance.now() - started).toFixed(0)} ms`);
      rows = (await db.query<{ profile_id: string; stage: string; entered: number; left: number | null }>(
        `select profile_id::text, stage, (extract(epoch from entered_at) * 1000)::float8 as entered, (extract(epoch from left_at) * 1000)::float8 as left
           from public.lifecycle_transitions where workspace_id = $1 order by profile_id, entered_at`,
        [ws],
      )).map((r) => ({ ...r, entered: Number(r.entered), left: r.left === null ? null : Number(r.left) }));
    });
    after(() => db?.close());

    it('gives every person exactly one open stage, the one on their profile, and histories that never overlap', async () => {
      const people = await db.query<{ id: string; stage: string | null; buyer: boolean }>(
        `select p.id::text, p.stage,
                exists (select 1 from public.events e join public.profiles m on m.workspace_id = e.workspace_id and m.id = e.profile_id
                         where e.workspace_id = p.workspace_id and coalesce(m.merged_into, m.id) = p.id and e.revenue > 0) as buyer
           from public.profiles p where p.workspace_id = $1 and p.merged_into is null`,
        [ws],
      );
      const byPerson = groupBy(rows, (r) => r.profile_id);
      assert.equal(byPerson.size, people.length);
      const buyingStages = new Set(['first_purchase', 'repeat', 'loyal', 'at_risk', 'churned', 'reactivated']);
      for (const person of people) {
        const history = byPerson.get(person.id)!;
        const open = history.filter((r) => r.left === null);
        assert.equal(open.length, 1, `${person.id} has one open stage`);
        assert.equal(open[0]!.stage, person.stage, 'the profile carries the open stage');
        assert.equal(buyingStages.has(open[0]!.stage), person.buyer, `${person.id}: ${open[0]!.stage}, buyer ${person.buyer}`);
        history.forEach((r, i) => {
          const next = history[i + 1];
          if (next) {
            assert.equal(r.left, next.entered, 'each stage ends where the next begins');
            assert.notEqual(r.stage, next.stage, 'a transition changes the stage');
          }
          if (r.left !== null) assert.ok(r.left > r.entered);
        });
      }
      assert.ok(people.filter((p) => p.buyer).length > 250, 'the demo has its buyers');
    });

    it('matches a replay of the stage rules written independently, person by person, with exact times', async () => {
      const events = await db.query<{ person: string; id: number; type: string; t: number; revenue: number | null; subscription: boolean }>(
        `select coalesce(p.merged_into, p.id)::text as person, e.id::float8 as id, e.type, (extract(epoch from e.occurred_at) * 1000)::float8 as t,
                e.revenue::float8 as revenue, coalesce(e.properties ->> 'payment_type' = 'subscription', false) as subscription
           from public.events e join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id where e.workspace_id = $1`,
        [ws],
      );
      const people = await db.query<{ id: string; first_seen: number; band: string | null; lead_since: number | null }>(
        `select p.id::text, (extract(epoch from p.first_seen_at) * 1000)::float8 as first_seen, p.churn_band as band,
                (select (extract(epoch from min(i.first_seen_at)) * 1000)::float8 from public.identities i join public.profiles m on m.workspace_id = i.workspace_id and m.id = i.profile_id
                  where i.workspace_id = p.workspace_id and coalesce(m.merged_into, m.id) = p.id and i.kind in ('email', 'phone')) as lead_since
           from public.profiles p where p.workspace_id = $1 and p.merged_into is null`,
        [ws],
      );
      const eventsOf = groupBy(events, (e) => e.person);
      const recorded = groupBy(rows, (r) => r.profile_id);
      let compared = 0;
      for (const person of people) {
        const expected = replayStages({ ...person, events: eventsOf.get(person.id) ?? [] }, NOW);
        const actual = recorded.get(person.id)!.map((r) => ({ stage: r.stage, entered: r.entered }));
        assert.deepEqual(actual.map((s) => `${s.stage}@${iso(s.entered)}`), expected.map((s) => `${s.stage}@${iso(s.entered)}`), person.id);
        compared += actual.length;
      }
      assert.ok(compared > 900, `${compared} transitions compared`);
      const stages = new Set(rows.map((r) => r.stage));
      for (const stage of ['lead', 'first_purchase', 'repeat', 'loyal', 'at_risk', 'churned']) assert.ok(stages.has(stage), `the demo shows ${stage}`);
    });

    it('rebuilding again, or refreshing every person, changes nothing', async () => {
      const again = await rebuildLifecycle(db, ws, { at: new Date(NOW) });
      assert.deepEqual([again.removed, again.added, again.stagesChanged], [0, 0, 0]);
      const before = await db.query('select count(*)::int as n, max(updated_at)::text as last from public.profiles where workspace_id = $1', [ws]);
      const people = await db.query<{ id: string }>('select id::text from public.profiles where workspace_id = $1 and merged_into is null', [ws]);
      const started = performance.now();
      for (const { id } of people) await refreshStage(db, ws, id, { at: new Date(NOW) });
      console.log(`refresh_stage (${target.name}): ${((performance.now() - started) / people.length).toFixed(2)} ms a person`);
      const transitions = await db.query<{ n: number }>('select count(*)::int as n from public.lifecycle_transitions where workspace_id = $1', [ws]);
      assert.equal(transitions[0]!.n, rows.length);
      assert.deepEqual(await db.query('select count(*)::int as n, max(updated_at)::text as last from public.profiles where workspace_id = $1', [ws]), before);
    });

    it('stage_conversion counts each move from the transitions, with its rate and the median and 75th percentile time', async () => {
      const { result: answer, ms } = await timed(() => db.query<{ from_stage: string; to_stage: string; people: number; entered: number; rate: number; median_days: number; p75_days: number }>(
        'select * from public.stage_conversion($1, $2, $3)',
        [SINCE, UNTIL, ws],
      ));
      // The same figures from the rows, here.
      const since = Date.parse(SINCE);
      const until = NOW;
      const entries = rows.filter((r) => r.entered >= since && r.entered < until);
      const entered = groupBy(entries, (r) => r.stage);
      const next = new Map(rows.map((r) => [`${r.profile_id}@${r.entered}`, r]));
      const moves = groupBy(
        entries.filter((r) => r.left !== null && r.left < until).map((r) => ({ from: r.stage, to: next.get(`${r.profile_id}@${r.left}`)!.stage, days: (r.left! - r.entered) / DAY })),
        (m) => `${m.from}→${m.to}`,
      );
      const expected = [...moves].map(([, list]) => ({
        from_stage: list[0]!.from, to_stage: list[0]!.to, people: list.length, entered: entered.get(list[0]!.from)!.length,
        rate: list.length / entered.get(list[0]!.from)!.length, median_days: percentile(list.map((m) => m.days), 0.5), p75_days: percentile(list.map((m) => m.days), 0.75),
      }));
      const key = (r: { from_stage: string; to_stage: string }) => `${r.from_stage}→${r.to_stage}`;
      assert.deepEqual(answer.map(key).sort(), expected.map(key).sort());
      for (const row of answer) {
        const want = expected.find((e) => key(e) === key(row))!;
        assert.deepEqual([row.people, row.entered], [want.people, want.entered], key(row));
        for (const field of ['rate', 'median_days', 'p75_days'] as const) assert.ok(Math.abs(row[field] - want[field]) < 1e-6, `${key(row)} ${field}: ${row[field]} vs ${want[field]}`);
      }
      console.log(`stage_conversion (${target.name}, median of 5 calls ${ms.toFixed(1)} ms):\n${table(answer)}`);
    });

    it('common_paths finds the stage sequences people took between two stages, most common first', async () => {
      const { result: answer, ms } = await timed(() => db.query<{ path: string[]; journeys: number; people: number; median_days: number; p75_days: number }>(
        'select * from public.common_paths($1, $2, $3, $4, 100, $5)',
        ['first_purchase', 'churned', SINCE, UNTIL, ws],
      ));
      const since = Date.parse(SINCE);
      const journeys: { path: string; person: string; days: number }[] = [];
      for (const [person, history] of groupBy(rows, (r) => r.profile_id)) {
        history.forEach((start, i) => {
          if (start.stage !== 'first_purchase' || start.entered < since || start.entered >= NOW) return;
          const end = history.findIndex((r, j) => j > i && r.stage === 'churned' && r.entered < NOW);
          if (end < 0 || history.slice(i + 1, end).some((r) => r.stage === 'first_purchase')) return;
          journeys.push({ path: history.slice(i, end + 1).map((r) => r.stage).join(','), person, days: (history[end]!.entered - start.entered) / DAY });
        });
      }
      const expected = [...groupBy(journeys, (j) => j.path)].map(([path, list]) => ({
        path, journeys: list.length, people: new Set(list.map((j) => j.person)).size, median_days: percentile(list.map((j) => j.days), 0.5),
      }));
      assert.deepEqual(
        answer.map((a) => [a.path.join(','), a.journeys, a.people]).sort(),
        expected.map((e) => [e.path, e.journeys, e.people]).sort(),
      );
      for (const a of answer) assert.ok(Math.abs(a.median_days - expected.find((e) => e.path === a.path.join(','))!.median_days) < 1e-6);
      assert.ok(answer.every((a, i) => i === 0 || a.journeys <= answer[i - 1]!.journeys), 'most common first');
      assert.ok(answer.length >= 2, 'the demo has several ways to churn');
      const limited = await db.query('select * from public.common_paths($1, $2, $3, $4, 1, $5)', ['first_purchase', 'churned', SINCE, UNTIL, ws]);
      assert.equal(limited.length, 1);
      await assert.rejects(db.query('select * from public.common_paths($1, $2, $3, $4, 10, $5)', ['buyer', 'churned', SINCE, UNTIL, ws]), /Unknown stage buyer/);
      console.log(`common_paths first_purchase → churned (${target.name}, median of 5 calls ${ms.toFixed(1)} ms):\n${table(answer.slice(0, 5))}`);
    });

    it('cohort_retention matches cohorts computed from the raw events: first-touch source, month of first purchase, share buying in each later month', async () => {
      const { result: answer, ms } = await timed(() => db.query<{ first_touch: string; cohort: string; customers: number; period_number: number; purchasers: number; share: number }>(
        `select first_touch, to_char(cohort at time zone 'UTC', 'YYYY-MM-DD') as cohort, customers, period_number, purchasers, share
           from public.cohort_retention($1, $2, 'month', $3)`,
        [SINCE, UNTIL, ws],
      ));
      // From events only: each person's first money in, the source (or network) of their first event, and the months they paid in.
      const events = await db.query<{ person: string; id: number; t: number; revenue: number | null; touch: string }>(
        `select coalesce(p.merged_into, p.id)::text as person, e.id::float8 as id, (extract(epoch from e.occurred_at) * 1000)::float8 as t,
                e.revenue::float8 as revenue, coalesce(e.properties ->> 'network', e.source) as touch
           from public.events e join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id where e.workspace_id = $1`,
        [ws],
      );
      const monthIndex = (ms: number) => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth();
      const cohorts = new Map<string, { first_touch: string; cohort: string; members: Set<string>; paid: Map<number, Set<string>> }>();
      for (const [person, list] of groupBy(events, (e) => e.person)) {
        list.sort((a, b) => a.t - b.t || a.id - b.id);
        const paid = list.filter((e) => (e.revenue ?? 0) > 0 && e.t < NOW);
        if (!paid.length || paid[0]!.t < Date.parse(SINCE)) continue;
        const month = monthIndex(paid[0]!.t);
        const cohort = `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-01`;
        const key = `${list[0]!.touch} ${cohort}`;
        const entry = cohorts.get(key) ?? { first_touch: list[0]!.touch, cohort, members: new Set(), paid: new Map() };
        entry.members.add(person);
        for (const e of paid) {
          const n = monthIndex(e.t) - month;
          entry.paid.set(n, (entry.paid.get(n) ?? new Set()).add(person));
        }
        cohorts.set(key, entry);
      }
      const expected = [...cohorts.values()].flatMap((c) => {
        const start = Date.UTC(Math.floor(monthIndex(Date.parse(c.cohort)) / 12), monthIndex(Date.parse(c.cohort)) % 12);
        const periods = [0];
        for (let n = 1; Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth() + n + 1) <= NOW; n++) periods.push(n);
        return periods.map((n) => [c.first_touch, c.cohort, c.members.size, n, c.paid.get(n)?.size ?? 0].join(' '));
      });
      assert.deepEqual(answer.map((a) => [a.first_touch, a.cohort, a.customers, a.period_number, a.purchasers].join(' ')).sort(), expected.sort());
      assert.ok(answer.every((a) => Math.abs(a.share - a.purchasers / a.customers) < 1e-12));
      assert.ok(new Set(answer.map((a) => a.first_touch)).size >= 3, 'shopify-, instagram- and tiktok-first customers');
      // The question the function is for: month-3 retention by first touch, over every cohort old enough.
      const third = groupBy(answer.filter((a) => a.period_number === 3), (a) => a.first_touch);
      const summary = [...third].map(([touch, list]) => ({
        first_touch: touch, customers: list.reduce((s, a) => s + a.customers, 0), buying_in_month_3: list.reduce((s, a) => s + a.purchasers, 0),
        share: list.reduce((s, a) => s + a.purchasers, 0) / list.reduce((s, a) => s + a.customers, 0),
      }));
      console.log(`cohort_retention by month (${target.name}, median of 5 calls ${ms.toFixed(1)} ms, ${answer.length} rows); month 3 by first touch:\n${table(summary)}`);
      await assert.rejects(db.query(`select * from public.cohort_retention($1, $2, 'fortnight', $3)`, [SINCE, UNTIL, ws]), /Unknown period fortnight/);
    });

    it('shows another workspace\'s member nothing, through the analytics or the tables, while the workspace\'s own staff see it all', async () => {
      const read = (staff: { id: string }, workspaceId?: string) =>
        asCaller(db, { role: 'authenticated', sub: staff.id }, async (tx) => ({
          conversion: await tx.query('select * from public.stage_conversion($1, $2, $3)', [SINCE, UNTIL, workspaceId ?? null]),
          paths: await tx.query('select * from public.common_paths($1, $2, $3, $4, 10, $5)', ['lead', 'churned', SINCE, UNTIL, workspaceId ?? null]),
          cohorts: await tx.query(`select * from public.cohort_retention($1, $2, 'month', $3)`, [SINCE, UNTIL, workspaceId ?? null]),
          transitions: (await tx.query<{ n: number }>('select count(*)::int as n from public.lifecycle_transitions'))[0]!.n,
          models: (await tx.query<{ n: number }>('select count(*)::int as n from public.lifecycle_stage_models'))[0]!.n,
          staged: (await tx.query<{ n: number }>('select count(*)::int as n from public.profiles where stage is not null'))[0]!.n,
        }));
      const empty = { conversion: [], paths: [], cohorts: [], transitions: 0, models: 0, staged: 0 };
      assert.deepEqual(await read(stranger, ws), empty);
      assert.deepEqual(await read(stranger), empty);
      const own = await read(owner);
      assert.equal(own.transitions, rows.length);
      assert.ok(own.conversion.length > 0 && own.paths.length > 0 && own.cohorts.length > 0);
      assert.deepEqual(own.conversion, await db.query('select * from public.stage_conversion($1, $2, $3)', [SINCE, UNTIL, ws]));
      // Nobody but an admin writes a stage model, and only for their own workspace.
      await assert.rejects(
        asCaller(db, { role: 'authenticated', sub: stranger.id }, (tx) =>
          tx.query('insert into public.lifecycle_stage_models (workspace_id, definition) values ($1, $2::jsonb)', [ws, '{}'])),
        /row-level security/,
      );
    });
  });
}

/** Runs a call several times: its answer, and the median time (the first call also plans and warms the cache). */
async function timed<T>(run: () => Promise<T>, runs = 5): Promise<{ result: T; ms: number }> {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = await run();
    times.push(performance.now() - started);
  }
  return { result, ms: percentile(times, 0.5) };
}

function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** Postgres's percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function table(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '(none)';
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : Array.isArray(v) ? v.join(' → ') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

interface ReplayEvent {
  id: number;
  type: string;
  t: number;
  revenue: number | null;
  subscription: boolean;
}

/**
 * The default stage model, written from its definition rather than from the
 * SQL: the stage at any moment is computed from scratch from the facts up to
 * it, at every moment a stage could change, and runs of one stage are kept.
 */
function replayStages(person: { first_seen: number; band: string | null; lead_since: number | null; events: ReplayEvent[] }, now: number) {
  const C = 365 * DAY;
  const L = 37 * DAY;
  const R = 90 * DAY;
  const leadEvents = new Set(['customer_created', 'contact_created', 'form_submitted', 'checkout_started', 'tag_added', 'offer_purchased']);
  const events = person.events.filter((e) => e.t <= now).sort((a, b) => a.t - b.t || a.id - b.id);
  const isPurchase = (e: ReplayEvent) => (e.revenue ?? 0) > 0 && !e.subscription;
  const isRenewal = (e: ReplayEvent) => (e.revenue ?? 0) > 0 && e.subscription;
  // A subscription payment starts a subscription when no earlier payment of one is less than L before it.
  const starts = new Set(events.filter((e, i) => isRenewal(e) && !events.slice(0, i).some((p) => isRenewal(p) && e.t < p.t + L)).map((e) => e.id));
  const buys = (e: ReplayEvent) => isPurchase(e) || starts.has(e.id);
  const cover = (e: ReplayEvent) => (isPurchase(e) ? C : isRenewal(e) ? L : 0);
  const utcDay = (t: number) => Math.floor(t / DAY);

  const stageAt = (t: number): string => {
    const seen = events.filter((e) => e.t <= t);
    if (!seen.some((e) => (e.revenue ?? 0) > 0)) {
      const lead = seen.some((e) => leadEvents.has(e.type)) || (person.lead_since !== null && person.lead_since <= t);
      return lead ? 'lead' : 'follower';
    }
    if (!seen.some((e) => cover(e) > 0 && t < e.t + cover(e))) return 'churned';
    const daysUpTo = (x: number) => new Set(seen.filter((e) => buys(e) && e.t <= x).map((e) => utcDay(e.t)));
    const days = [...daysUpTo(t)].sort((a, b) => a - b);
    const bought = seen.filter(buys);
    if (t === now && person.band === 'high') return 'at_risk';
    if (t === now && person.band === 'medium' && days.length >= 2) {
      const usualGap = (days.at(-1)! - days[0]!) * DAY / (days.length - 1);
      if (t - bought.at(-1)!.t > 2 * usualGap) return 'at_risk';
    }
    // The latest comeback: money in after every earlier cover had run out.
    const comeback = seen.filter((e, i) => (e.revenue ?? 0) > 0 && seen.slice(0, i).some((p) => (p.revenue ?? 0) > 0)
      && seen.slice(0, i).every((p) => cover(p) === 0 || p.t + cover(p) <= e.t)).at(-1);
    if (comeback && t < comeback.t + R && days.length === daysUpTo(comeback.t).size) return 'reactivated';
    const spentCents = seen.reduce((s, e) => s + Math.round((e.revenue ?? 0) * 100), 0);
    if (days.length >= 5 || spentCents >= 50_000) return 'loyal';
    return days.length >= 2 ? 'repeat' : 'first_purchase';
  };

  const moments = new Set([person.first_seen, now]);
  if (person.lead_since !== null) moments.add(person.lead_since);
  for (const e of events) {
    moments.add(e.t);
    if (cover(e)) moments.add(e.t + cover(e));
    if ((e.revenue ?? 0) > 0) moments.add(e.t + R);
  }
  const stages: { stage: string; entered: number }[] = [];
  for (const t of [...moments].filter((m) => m >= person.first_seen && m <= now).sort((a, b) => a - b)) {
    const stage = stageAt(t);
    if (stages.at(-1)?.stage !== stage) stages.push({ stage, entered: t });
  }
  return stages;
}
