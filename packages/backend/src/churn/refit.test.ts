// The churn job on the demo workspace's generated history, against real
// Postgres: refit, the scores it stores and mirrors, the backtest of every
// model on a held-out period, and re-scoring the moment an order arrives.
import { ChurnScore, Profile } from '@tessera/core';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createProcessor } from '../ingest/processor.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { seedDemoStore } from '../local/demo.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { DEMO_SHOP, generateShopifyStore } from '../seed/shopify-store.ts';
import { backtestWorkspace } from './backtest.ts';
import { refitWorkspace, type RefitReport } from './refit.ts';
import { describeBacktest } from './refit-report.ts';
import { createChurnRescorer } from './rescore.ts';

const NOW = Date.UTC(2026, 10, 1, 12);
const DAY = 86_400_000;
const CUSTOMERS = 300;

for (const target of testDatabases()) {
  describe(`churn refit, backtest and re-scoring on the demo history (${target.name})`, { timeout: 300_000 }, () => {
    let db: Database;
    let ws: string;
    let first: RefitReport;

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'demo', name: 'Demo' });
      await seedDemoStore(db, ws, { customers: CUSTOMERS, now: NOW });
      first = await refitWorkspace(db, ws, { asOf: new Date(NOW) });
    });
    after(() => db?.close());

    it('fits BG/NBD, Gamma-Gamma and the sBG, and scores every buyer', async () => {
      const fitted = Object.fromEntries(first.fitted.map((f) => [f.model, f]));
      for (const model of ['bgnbd', 'gammagamma', 'sbg']) assert.ok(fitted[model]?.converged, `${model} fitted and converged: ${JSON.stringify(first)}`);
      // Buyers counted independently of the job: people with a non-subscription purchase by NOW.
      const [{ buyers }] = (await db.query<{ buyers: number }>(
        `select count(distinct coalesce(p.merged_into, p.id))::int as buyers
           from public.events e join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
          where e.workspace_id = $1 and e.revenue > 0 and coalesce(e.properties ->> 'payment_type', '') <> 'subscription' and e.occurred_at <= $2`,
        [ws, new Date(NOW).toISOString()],
      )) as [{ buyers: number }];
      assert.equal(first.scored.bgnbd, buyers);
      const scores = await db.query<{ risk: number; clv: string | null; factors: unknown[]; version: number }>(
        `select risk, clv, factors, version from public.churn_scores where workspace_id = $1 and model = 'bgnbd'`,
        [ws],
      );
      assert.equal(scores.length, buyers);
      assert.ok(scores.every((s) => s.risk >= 0 && s.risk <= 1 && s.factors.length > 0 && s.clv !== null && s.version === fitted.bgnbd!.version));
    });

    it('puts each person\'s headline score on their profile and answers get_churn in the SDK\'s schema', async () => {
      const mismatched = await db.query(
        `select p.id from public.profiles p
           join lateral (select s.risk, s.band from public.churn_scores s where s.workspace_id = p.workspace_id and s.profile_id = p.id
                          order by tessera.churn_model_rank(s.model) limit 1) h on true
          where p.workspace_id = $1 and (p.churn_risk, p.churn_band) is distinct from (h.risk, h.band)`,
        [ws],
      );
      assert.deepEqual(mismatched, []);
      const [subscriber] = await db.query<{ profile_id: string }>(`select profile_id from public.churn_scores where workspace_id = $1 and model = 'sbg' limit 1`, [ws]);
      const [{ churn }] = (await db.query<{ churn: unknown }>('select public.get_churn($1) as churn', [subscriber!.profile_id])) as [{ churn: unknown }];
      const parsed = ChurnScore.parse(churn);
      assert.ok(parsed.models!.some((m) => m.model === 'sbg'), 'every model that scored the person is listed');
      assert.equal(parsed.model, parsed.models![0]!.model);
      const [{ profile }] = (await db.query<{ profile: unknown }>('select tessera.profile_json(p) as profile from public.profiles p where id = $1', [subscriber!.profile_id])) as [{ profile: unknown }];
      assert.equal(Profile.parse(profile).churn?.risk, parsed.risk);
    });

    it('versions each refit', async () => {
      const second = await refitWorkspace(db, ws, { asOf: new Date(NOW) });
      const before = Object.fromEntries(first.fitted.map((f) => [f.model, f.version]));
      for (const f of second.fitted) assert.equal(f.version, (before[f.model] ?? 0) + 1, f.model);
    });

    it('backtests every model on the 90 days after a cutoff it never saw, better than recency alone and honestly calibrated', async () => {
      const report = await backtestWorkspace(db, ws, { cutoff: new Date(NOW - 90 * DAY), horizonDays: 90, now: new Date(NOW) });
      console.log(describeBacktest(report));
      const byModel = Object.fromEntries(report.models.map((m) => [m.model, m]));
      const { bgnbd, engagement } = byModel;
      assert.ok(bgnbd && engagement, `both models graded: ${JSON.stringify(report.skipped)}`);
      for (const m of [bgnbd, engagement]) {
        assert.ok(m.auc > 0.8, `${m.model} AUC ${m.auc}`);
        // Calibration: the mean predicted churn within 6 points of what happened, and a Brier score
        // well under that of predicting the base rate for everyone.
        assert.ok(Math.abs(m.meanPredicted - m.observedRate) < 0.06, `${m.model}: predicted ${m.meanPredicted}, observed ${m.observedRate}`);
        assert.ok(m.brier < 0.7 * report.baselines!.baseRateBrier, `${m.model} Brier ${m.brier} vs base rate ${report.baselines!.baseRateBrier}`);
      }
      assert.equal(engagement.n, bgnbd.n, 'graded on the same customers');
      await assert.rejects(backtestWorkspace(db, ws, { cutoff: new Date(NOW - 30 * DAY), horizonDays: 90, now: new Date(NOW) }), /at least 90 days ago/);
    });

    it('re-scores a person the moment their order is processed, and their profile carries the new risk', async () => {
      // A lapsed repeat buyer from the generated store, and one of their real orders to copy.
      const store = generateShopifyStore({ customers: CUSTOMERS, now: NOW });
      const [lapsed] = await db.query<{ profile_id: string; risk: number; palive: number; email: string }>(
        `select s.profile_id, s.risk, s.palive, p.email from public.churn_scores s join public.profiles p on p.workspace_id = s.workspace_id and p.id = s.profile_id
          where s.workspace_id = $1 and s.model = 'bgnbd' and s.risk > 0.9 and p.orders_count >= 2 and p.email is not null
          order by p.email limit 1`,
        [ws],
      );
      assert.ok(lapsed, 'the demo has lapsed repeat buyers');
      const headlineOf = async () =>
        (await db.query<{ risk: number; model: string }>(
          `select risk, model from public.churn_scores where workspace_id = $1 and profile_id = $2 order by tessera.churn_model_rank(model) limit 1`,
          [ws, lapsed.profile_id],
        ))[0]!;
      const headlineBefore = await headlineOf();
      const earlier = store.find((d) => d.topic === 'orders/create' && d.payload.email === lapsed.email)!;
      const at = new Date(NOW - DAY).toISOString();
      const order = { ...earlier.payload, id: 5_699_000_000_001, admin_graphql_api_id: 'gid://shopify/Order/5699000000001', name: '#9001', created_at: at, processed_at: at, updated_at: at };
      await createRawEventLog(db).record({
        workspaceId: ws,
        source: 'shopify',
        topic: 'orders/create',
        idempotencyKey: 'event:rescore-test-order',
        headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': DEMO_SHOP, 'x-shopify-triggered-at': at },
        body: new TextEncoder().encode(JSON.stringify(order)),
        triggeredAt: at,
        status: 'pending',
      });
      const rescorer = createChurnRescorer(db, { now: () => new Date(NOW) });
      await createProcessor(db, {}, { afterBatch: async (workspaceId, profileIds) => { for (const id of profileIds) await rescorer.rescore(workspaceId, id); } }).drain();

      const [after] = await db.query<{ risk: number; palive: number; churn_risk: number; scored_at: string }>(
        `select s.risk, s.palive, p.churn_risk from public.churn_scores s join public.profiles p on p.workspace_id = s.workspace_id and p.id = s.profile_id
          where s.workspace_id = $1 and s.profile_id = $2 and s.model = 'bgnbd'`,
        [ws, lapsed.profile_id],
      );
      // Bought yesterday: far likelier alive (BG/NBD lets people leave right after a purchase, so not certainly)
      // and far likelier to buy again within 90 days.
      assert.ok(after!.palive > lapsed.palive + 0.3, `P(alive) ${lapsed.palive} → ${after!.palive}`);
      assert.ok(after!.risk < lapsed.risk - 0.2, `risk ${lapsed.risk} → ${after!.risk}`);
      // Whichever model is the headline, an order yesterday lowers it: what a support agent sees must not say
      // that someone who just bought is as likely to leave as before.
      const headline = await headlineOf();
      assert.ok(headline.risk < headlineBefore.risk - 0.2, `${headline.model}: ${headlineBefore.risk} → ${headline.risk}`);
      assert.equal(after!.churn_risk, headline.risk);
    });
  });
}
