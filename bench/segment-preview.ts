// preview_segment latency at 100k and 1M people: synthetic people (profiles
// and their profile_facts) and orders written set-based in SQL, then three
// realistic segment queries previewed as a signed-in staff member would, p50
// and p95 over repeated runs. The baseline is a plain count(*) of the
// workspace's facts: the floor any segment count pays.
//   node --conditions=source --import tsx bench/segment-preview.ts [people...]
import type { Database } from '../packages/backend/src/db/database.ts';
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { ensureWorkspace } from '../packages/backend/src/local/workspace.ts';

const QUERIES: { name: string; text: string; tree: object }[] = [
  {
    name: 'big spenders gone quiet',
    text: 'amount_spent > 200 AND last_order_date < -90d',
    tree: { kind: 'and', conditions: [
      { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 200 } },
      { kind: 'compare', attribute: 'last_order_date', op: '<', value: { type: 'relative_date', days: -90 } },
    ] },
  },
  {
    name: 'social, at risk',
    text: "has instagram AND NOT has phone AND churn_band = 'high'",
    tree: { kind: 'and', conditions: [
      { kind: 'has', identity: 'instagram' },
      { kind: 'not', condition: { kind: 'has', identity: 'phone' } },
      { kind: 'compare', attribute: 'churn_band', op: '=', value: { type: 'text', value: 'high' } },
    ] },
  },
  {
    name: 'bought the kit lately',
    text: "ordered product 'Sourdough Starter Kit' in last 30 days",
    tree: { kind: 'event', verb: 'ordered', product: 'Sourdough Starter Kit', window: { kind: 'last_days', days: 30 } },
  },
];

/** People with realistic spreads of spend, recency, identities and churn, and ~1.2 orders each. */
export async function seedPeople(db: Database, workspaceId: string, people: number) {
  await db.query('select setseed(0.42)');
  await db.query(
    `insert into public.profiles (workspace_id, id, display_name, email, lifetime_revenue, currency, orders_count, first_seen_at, last_activity_at, churn_risk, churn_band)
     select $1, gen_random_uuid(), 'Person ' || g, 'person' || g || '@bench.example', round((random() * random() * 900)::numeric, 2), 'USD',
            floor(random() * 6)::int, now() - make_interval(days => (random() * 730)::int), now() - make_interval(days => (random() * 400)::int),
            r, case when r >= 0.8 then 'high' when r >= 0.5 then 'medium' else 'low' end
       from (select g, random() as r from generate_series(1, $2) g) s`,
    [workspaceId, people],
  );
  await db.query(
    `insert into public.profile_facts (workspace_id, profile_id, member_ids, amount_spent, number_of_orders, average_order_value,
                                      first_order_at, last_order_at, first_seen_at, last_seen_at, first_seen_source, sources,
                                      churn_risk, churn_band, social_interactions, email_subscribed, country, identity_kinds, identity_bits)
     select p.workspace_id, p.id, array[p.id], p.lifetime_revenue, p.orders_count,
            case when p.orders_count > 0 then round(p.lifetime_revenue / p.orders_count, 2) end,
            case when p.orders_count > 0 then p.first_seen_at end, case when p.orders_count > 0 then p.last_activity_at end,
            p.first_seen_at, p.last_activity_at, (array['shopify', 'shopify', 'kajabi', 'instagram', 'tiktok'])[1 + floor(random() * 5)::int],
            1 + floor(random() * 3)::int, p.churn_risk, p.churn_band, floor(random() * 12)::int, random() < 0.6,
            (array['us', 'ca', 'gb', 'au'])[1 + floor(random() * 4)::int], k.kinds,
            (select bit_or(tessera.segment_identity_bit(kind)) from unnest(k.kinds) kind)
       from public.profiles p
      cross join lateral (select array_remove(array['email', case when random() < 0.5 + 0 * length(p.email) then 'phone' end,
                                                  case when random() < 0.35 + 0 * length(p.email) then 'instagram' end, 'shopify_customer'], null) as kinds) k
      where p.workspace_id = $1`,
    [workspaceId],
  );
  await db.query(
    `insert into public.events (workspace_id, profile_id, source, type, external_id, occurred_at, revenue, currency, properties)
     select p.workspace_id, p.id, 'shopify', 'order_placed', 'bench:' || p.id || ':' || n, now() - make_interval(days => (random() * 400)::int),
            42.50, 'USD', jsonb_build_object('items', jsonb_build_array(jsonb_build_object('title',
              (array['Sourdough Starter Kit', 'Banneton Basket', 'Bread Lame', 'Gift Card'])[1 + floor(random() * 4)::int], 'quantity', 1)))
       from public.profiles p cross join generate_series(1, 2) n
      where p.workspace_id = $1 and random() < 0.6`,
    [workspaceId],
  );
  await db.exec('analyze public.profiles; analyze public.profile_facts; analyze public.events');
}

/** Times `run` `times` times after one warm-up; p50 and p95 in ms. */
async function time(run: () => Promise<unknown>, times: number) {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(times * 0.5)]!, p95: samples[Math.min(times - 1, Math.floor(times * 0.95))]! };
}

export async function segmentPreviewBench(sizes = [100_000, 1_000_000], options: { pgliteMax?: number } = {}) {
  const rows: string[] = [];
  for (const target of testDatabases()) {
    for (const people of sizes) {
      if (target.name === 'pglite' && people > (options.pgliteMax ?? 100_000)) continue;
      const db = await target.open();
      try {
        const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
        const userId = 'b0000000-0000-4000-8000-00000000000b';
        await db.query(`insert into auth.users (id, email) values ($1, 'staff@bench.example') on conflict do nothing`, [userId]);
        await db.query(`insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'member')`, [workspaceId, userId]);
        const seeded = performance.now();
        await seedPeople(db, workspaceId, people);
        const seedSeconds = (performance.now() - seeded) / 1000;
        // As a signed-in member, under row-level security, as the API runs it.
        const asStaff = async <T>(sql: string, params: unknown[]) =>
          db.transaction(async (tx) => {
            await tx.query(`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`, [
              JSON.stringify({ sub: userId, role: 'authenticated', app_metadata: { workspace_id: workspaceId } }),
            ]);
            return tx.query<T>(sql, params);
          });
        const runs = people >= 1_000_000 ? 5 : 15;
        const floor = await time(() => asStaff('select count(*) from public.profile_facts where workspace_id = $1', [workspaceId]), runs);
        rows.push(`${target.name.padEnd(9)} ${people.toLocaleString('en').padStart(9)}  ${'count(*) of all facts (baseline)'.padEnd(34)} ${'–'.padStart(9)} ${floor.p50.toFixed(1).padStart(8)} ${floor.p95.toFixed(1).padStart(8)}   seeded in ${seedSeconds.toFixed(0)} s`);
        for (const query of QUERIES) {
          let count = 0;
          const timing = await time(async () => {
            const [row] = await asStaff<{ preview: { count: number } }>('select public.preview_segment($1::jsonb, 10) as preview', [JSON.stringify(query.tree)]);
            count = row!.preview.count;
          }, runs);
          rows.push(`${target.name.padEnd(9)} ${people.toLocaleString('en').padStart(9)}  ${query.name.padEnd(34)} ${count.toLocaleString('en').padStart(9)} ${timing.p50.toFixed(1).padStart(8)} ${timing.p95.toFixed(1).padStart(8)}`);
        }
      } finally {
        await db.close();
      }
    }
  }
  console.log('preview_segment (count + 10-person sample) as a signed-in member, under RLS (ms)');
  for (const q of QUERIES) console.log(`  ${q.name}: ${q.text}`);
  console.log(`${'database'.padEnd(9)} ${'people'.padStart(9)}  ${'query'.padEnd(34)} ${'matches'.padStart(9)} ${'p50'.padStart(8)} ${'p95'.padStart(8)}`);
  for (const row of rows) console.log(row);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter(Boolean);
  await segmentPreviewBench(sizes.length ? sizes : undefined, { pgliteMax: 1_000_000 });
  process.exit(0);
}
