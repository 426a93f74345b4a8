// Which index each hot read path uses, at a realistic size: people seeded with
// seedAtScale into one workspace next to a smaller neighbour (so workspace_id
// filters something), a saved segment, and a raw event log that is mostly
// processed with a pending backlog. Each API function runs as a signed-in
// member under row-level security, with auto_explain printing the plan
// (ANALYZE, BUFFERS) of every statement it runs; the worker's pending scan runs
// as the server connection does. The two changes of 0019 are shown with and
// without (raw_events_queue_idx; search_profiles' `set jit = off`). Only the
// plan lines that say how a table is read are printed. Needs DATABASE_URL
// (auto_explain is a server module). See docs/scaling.md.
//   DATABASE_URL=postgres://… node --conditions=source --import tsx bench/explain.ts [people]
import type pg from 'pg';
import type { Database } from '../packages/backend/src/db/database.ts';
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { seedAtScale } from '../packages/backend/src/seed/scale.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const STAFF = { id: 'b0000000-0000-4000-8000-00000000000b', email: 'staff@bench.example', role: 'member' };
const PENDING_BACKLOG = 100_000;
const BIG_SPENDERS = { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 100 } };
const PRODUCT = 'Sourdough Starter Kit';
// The 30 days before the data's now, as bench/reads.ts asks it.
const BOUGHT_LATELY = { kind: 'event', verb: 'ordered', product: PRODUCT, window: { kind: 'since', date: new Date(NOW.getTime() - 30 * 86_400_000).toISOString().slice(0, 10) } };

async function explainBench(people: number) {
  const target = testDatabases().find((t) => t.name === 'postgres');
  if (!target) throw new Error('bench/explain.ts needs DATABASE_URL: the plans come from auto_explain on a PostgreSQL server.');
  const db = (await target.open()) as Database & { pool: pg.Pool };
  try {
    const neighbour = await ensureWorkspace(db, { slug: 'neighbour', name: 'Neighbour' });
    const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
    const seeded = await seedAtScale(db, neighbour, { profiles: Math.round(people / 4), seed: 3, now: NOW });
    const bench = await seedAtScale(db, workspaceId, { profiles: people, seed: 7, now: NOW });
    await ensureStaff(db, workspaceId, STAFF);
    await seedRawEvents(db, [workspaceId, neighbour]);
    console.log(`seeded ${bench.profiles.toLocaleString('en')} people (${bench.events.toLocaleString('en')} events) in the measured workspace, `
      + `${seeded.profiles.toLocaleString('en')} in a neighbour; ${(bench.seconds + seeded.seconds).toFixed(0)} s`);

    const claims = JSON.stringify({ sub: STAFF.id, role: 'authenticated', app_metadata: { workspace_id: workspaceId } });
    const [segment] = await asStaff<{ id: string }>(db, claims, `select (public.save_segment('Spent over 100', 'amount_spent > 100', $1::jsonb) ->> 'id') as id`,
      [JSON.stringify(BIG_SPENDERS)]);
    await db.exec('analyze public.segment_members; analyze public.segments; analyze public.raw_events');
    // The busiest person: the longest journey and the most identities to list.
    const [person] = await db.query<{ profile_id: string }>(
      `select profile_id from public.events where workspace_id = $1 group by profile_id order by count(*) desc, profile_id limit 1`, [workspaceId]);
    const [name] = await db.query<{ first: string }>(
      `select lower(split_part(display_name, ' ', 1)) as first from public.profiles where workspace_id = $1 and merged_into is null limit 1`, [workspaceId]);

    const pendingScan = `select workspace_id, id, source, topic, headers, body, triggered_at, received_at
           from public.raw_events where status = 'pending' order by received_at, id limit 100`;
    const paths: { name: string; sql: string; params: unknown[]; staff: boolean; before?: string }[] = [
      { name: 'get_profile (busiest person)', sql: 'select public.get_profile($1)', params: [person!.profile_id], staff: true },
      { name: 'get_journey first page (busiest person)', sql: 'select public.get_journey($1)', params: [person!.profile_id], staff: true },
      { name: `search_profiles('${name!.first}')`, sql: 'select public.search_profiles($1)', params: [name!.first], staff: true },
      { name: 'the same with JIT allowed (before 0019)', sql: 'select public.search_profiles($1)', params: [name!.first], staff: true,
        before: 'alter function public.search_profiles(text, integer, uuid) reset jit' },
      { name: 'segment_members first page', sql: 'select public.segment_members($1)', params: [segment!.id], staff: true },
      { name: `preview_segment: ordered '${PRODUCT}' in the data's last 30 days`, sql: 'select public.preview_segment($1::jsonb)', params: [JSON.stringify(BOUGHT_LATELY)], staff: true },
      { name: 'the same without events_item_titles_idx (before 0026)', sql: 'select public.preview_segment($1::jsonb)', params: [JSON.stringify(BOUGHT_LATELY)], staff: true,
        before: 'drop index public.events_item_titles_idx' },
      { name: `raw_events pending scan (worker), ${PENDING_BACKLOG.toLocaleString('en')} pending`, sql: pendingScan, params: [], staff: false },
      { name: 'the same without raw_events_queue_idx (before 0019)', sql: pendingScan, params: [], staff: false,
        before: 'drop index public.raw_events_queue_idx' },
    ];
    for (const path of paths) {
      console.log(`\n== ${path.name}`);
      for (const plan of await explain(db, path.staff ? claims : null, path.sql, path.params, path.before)) console.log(plan);
    }
  } finally {
    await db.close();
  }
}

/**
 * A raw event log as a running workspace has one: 20 processed deliveries per
 * person spread over the last 30 days, and in the measured workspace a pending
 * backlog of 100,000 rows (what an import of that many lines queues at once).
 */
async function seedRawEvents(db: Database, workspaces: string[]) {
  for (const [index, workspaceId] of workspaces.entries()) {
    const [{ people }] = (await db.query<{ people: number }>(
      `select count(*)::integer as people from public.profiles where workspace_id = $1`, [workspaceId])) as [{ people: number }];
    const pending = index === 0 ? PENDING_BACKLOG : 0;
    await db.query(
      `insert into public.raw_events (workspace_id, source, topic, idempotency_key, headers, body, received_at, status, processed_at)
       select $1, 'shopify', 'orders/create', 'bench-' || g, '{}'::jsonb, convert_to('{"id":' || g || '}', 'UTF8'),
              $3::timestamptz - make_interval(secs => ($2 - g) * 2592000.0 / $2),
              case when g > $2 - $4 then 'pending' else 'processed' end,
              case when g > $2 - $4 then null else $3::timestamptz end
         from generate_series(1, $2) g`,
      [workspaceId, people * 20 + pending, NOW.toISOString(), pending],
    );
  }
}

async function asStaff<Row>(db: Database, claims: string, sql: string, params: unknown[]) {
  return db.transaction(async (tx) => {
    await tx.query(`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`, [claims]);
    return tx.query<Row>(sql, params);
  });
}

/**
 * The plans of `sql` and of every statement it runs, from auto_explain, summed
 * up: the outer statement's time and buffers, then each way a table was read
 * (scan type, index, condition) with how many rows it gave over how many
 * executions. Nodes that never executed are left out. `before` runs first, in
 * the same transaction, which is rolled back.
 */
async function explain(db: Database & { pool: pg.Pool }, claims: string | null, sql: string, params: unknown[], before?: string): Promise<string[]> {
  const client = await db.pool.connect();
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => plans.push(notice.message ?? '');
  client.on('notice', onNotice);
  try {
    await client.query('begin');
    if (before) await client.query(before); // undone by the rollback below
    await client.query(`load 'auto_explain'`);
    await client.query(`set local auto_explain.log_min_duration = 0; set local auto_explain.log_analyze = on;
      set local auto_explain.log_buffers = on; set local auto_explain.log_nested_statements = on;
      set local auto_explain.log_level = notice; set local client_min_messages = notice`);
    if (claims) await client.query(`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`, [claims]);
    await client.query(sql, params); // the plans below are of a second, warm call
    plans.length = 0;
    await client.query(sql, params);
    await client.query('rollback');
  } finally {
    client.off('notice', onNotice);
    client.release();
  }
  const outer = plans.at(-1) ?? '';
  const [, ms = '?'] = /duration: ([\d.]+) ms/.exec(outer) ?? [];
  const [, buffers = ''] = /Buffers: (shared [^\n]*)/.exec(outer) ?? [];
  // JIT compiles a plan whose estimated cost passes jit_above_cost; the time it takes is part of the call.
  const jit = plans.reduce((ms, plan) => ms + Number(/JIT:[\s\S]*?Total ([\d.]+) ms/.exec(plan)?.[1] ?? 0), 0);
  const scans = new Map<string, { rows: number; loops: number; condition: string }>();
  for (const plan of plans) {
    const lines = plan.split('\n');
    lines.forEach((line, i) => {
      const node = /((?:Parallel )?(?:Seq Scan|Index Scan Backward|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: using \S+)? on \S+).*actual time=\S+ rows=(\d+) loops=(\d+)/.exec(line);
      if (!node) return;
      const [, what, rows, loops] = node;
      const condition = /^\s*(Index Cond|Recheck Cond|Filter): (.*)$/.exec(lines[i + 1] ?? '')?.slice(1).join(': ') ?? '';
      const seen = scans.get(what!) ?? { rows: 0, loops: 0, condition };
      seen.rows += Number(rows) * Number(loops);
      seen.loops += Number(loops);
      scans.set(what!, seen);
    });
  }
  return [
    `  ${ms} ms${buffers ? `, ${buffers}` : ''}${jit ? `, of which JIT compilation ${jit.toFixed(0)} ms` : ''} (the whole call, warm)`,
    ...[...scans].map(([what, s]) => `  ${what.padEnd(72)} rows=${String(s.rows).padEnd(6)} loops=${String(s.loops).padEnd(4)} ${s.condition.slice(0, 110)}`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const people = Number((process.argv[2] ?? '20000').replace(/[_,]/g, ''));
  await explainBench(people);
  process.exit(0);
}
