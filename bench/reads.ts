// Reads at 100k and 1M people, as a signed-in staff member under row-level
// security, the way the API runs them: get_profile (p50/p95 over 200
// different people), get_journey's first page (over the 100 people with the
// most events in a sample), and preview_segment for three realistic queries.
// Each has a baseline measured in the same run: the bare primary-key select
// of the same profile, the bare keyset index scan of the same events (both
// as service role: no RLS, no assembly), and count(*) of the workspace's
// segment facts. The people come from seedAtScale (cross-source histories).
//
// Seeding a million people takes minutes, so on the server each size lives
// in a database of its own (tessera_bench_100k, tessera_bench_1m) that is kept
// and reused while its marker row says it holds the same people (generator
// seed, size, `now`, a fingerprint of the generator's output) on the same
// migrations; otherwise it is dropped and seeded again. PGlite (100k people
// only) is kept the same way, as a snapshot of its data directory in the
// system's temporary directory.
//   node --conditions=source --import tsx bench/reads.ts [people...]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asCaller } from '../packages/backend/src/auth/as-caller.ts';
import type { Claims } from '../packages/backend/src/auth/jwt.ts';
import type { Database } from '../packages/backend/src/db/database.ts';
import { listMigrations, migrate } from '../packages/backend/src/db/migrate.ts';
import { openPglite } from '../packages/backend/src/db/pglite.ts';
import { openPostgres } from '../packages/backend/src/db/postgres.ts';
import { ensureStaff, ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { backendRoot } from '../packages/backend/src/package-root.ts';
import { SCALE_TABLES, scaleBatches, seedAtScale } from '../packages/backend/src/seed/scale.ts';
import { record, writeResults } from './results.ts';

// The data is fixed (same people every run, so a kept database stays valid), but
// preview_segment reads the real clock (now()). Relative dates are therefore
// shifted by the data's age, so "-90d" means 90 days before NOW whatever the
// day of the run, and event windows name NOW's dates: the queries match the
// same people every day, and the kept database never goes stale.
const NOW = new Date('2026-06-01T00:00:00Z');
const SEED = 7;
const DAY = 86_400_000;
const STAFF = { id: 'b0000000-0000-4000-8000-00000000000b', email: 'staff@bench.example', role: 'member' };
const PROFILES = 200;
const JOURNEYS = 100;
const PAGE = 50;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The three segment queries, with relative dates counted from NOW rather than today. */
function segmentQueries(today = Date.now()) {
  const age = Math.floor((today - NOW.getTime()) / DAY);
  return [
    {
      name: 'big spenders gone quiet',
      text: 'amount_spent > 200 AND last_order_date < -90d',
      tree: { kind: 'and', conditions: [
        { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 200 } },
        { kind: 'compare', attribute: 'last_order_date', op: '<', value: { type: 'relative_date', days: -90 - age } },
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
      tree: { kind: 'event', verb: 'ordered', product: 'Sourdough Starter Kit', window: { kind: 'since', date: isoDate(NOW.getTime() - 30 * DAY) } },
    },
  ];
}

/** What a kept database must have been seeded with to be reused. */
const datasetKey = (people: number) => keys.get(people) ?? keys.set(people, computeDatasetKey(people)).get(people)!;
const keys = new Map<number, ReturnType<typeof computeDatasetKey>>();

function computeDatasetKey(people: number) {
  const migrations = createHash('sha256');
  migrations.update(readFileSync(join(backendRoot, 'sql', 'local-supabase-bootstrap.sql')));
  for (const m of listMigrations()) migrations.update(m.version).update(m.sql);
  // The generator's first thousand people: a change to what it writes changes these.
  const generator = createHash('sha256');
  for (const batch of scaleBatches('00000000-0000-4000-8000-000000000000', { profiles: 1_000, seed: SEED, now: NOW })) {
    for (const table of Object.keys(SCALE_TABLES) as (keyof typeof SCALE_TABLES)[]) generator.update(batch[table]);
  }
  return { people, seed: SEED, now: NOW.toISOString(), migrations: migrations.digest('hex').slice(0, 16), generator: generator.digest('hex').slice(0, 16) };
}

interface Dataset {
  db: Database;
  workspaceId: string;
  /** Seconds spent seeding this run; null when a kept database was reused. */
  seededIn: number | null;
}

/** How a dataset is named: tessera_bench_100k, tessera_bench_1m. */
const sizeName = (people: number) => (people % 1_000_000 ? `${people / 1_000}k` : `${people / 1_000_000}m`);
// jsonb keeps keys in its own order: markers are compared by their entries, sorted.
const canonical = (marker: object) => JSON.stringify(Object.entries(marker).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Seeds people into a workspace with a staff member, vacuums so reads see settled tables (as a
 * live database's would be), and writes the marker last: a run cut short leaves none.
 */
async function seed(db: Database, people: number): Promise<string> {
  const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
  await ensureStaff(db, workspaceId, STAFF);
  await withIndexesBuiltAfter(db, () => seedAtScale(db, workspaceId, { profiles: people, seed: SEED, now: NOW }));
  // The events' keys too: left to autovacuum, their millions of fresh rows get vacuumed while the reads are measured.
  await db.exec(`vacuum (analyze) ${[...Object.keys(SCALE_TABLES).map((table) => `public.${table}`), 'tessera.event_keys'].join(', ')}`);
  await db.exec('create schema bench; create table bench.dataset (key jsonb not null, workspace_id uuid not null, seeded_at timestamptz not null default now())');
  await db.query('insert into bench.dataset (key, workspace_id) values ($1, $2)', [JSON.stringify(datasetKey(people)), workspaceId]);
  return workspaceId;
}

/**
 * Loads a fresh dataset database the way pg_restore does: the seeded tables' secondary indexes are
 * dropped for the load and built after it, so each is sorted once instead of taking millions of
 * entries one at a time. Primary keys and unique indexes stay (the seed fills event keys through
 * the events' primary key). The definitions are read from the catalog, so they are the
 * migrations' own; an index on the partitioned events table is built on every partition.
 */
async function withIndexesBuiltAfter(db: Database, load: () => Promise<unknown>): Promise<void> {
  const indexes = await db.query<{ name: string; definition: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and t.relname = any ($1) and not t.relispartition and not i.indisunique and not i.indisprimary`,
    [Object.keys(SCALE_TABLES)],
  );
  for (const index of indexes) await db.exec(`drop index ${index.name}`);
  await load();
  // pg_get_indexdef names a partitioned table's index `ON ONLY`, which would build it on the parent alone.
  for (const index of indexes) await db.exec(index.definition.replace(' ON ONLY ', ' ON '));
}

/** The workspace of a kept dataset whose marker matches, else null. */
async function keptWorkspace(db: Database, people: number): Promise<string | null> {
  const [marker] = await db.query<{ key: object; workspace_id: string }>('select key, workspace_id::text from bench.dataset').catch(() => []);
  return marker && canonical(marker.key) === canonical(datasetKey(people)) ? marker.workspace_id : null;
}

/** The server database holding `people` people: kept from an earlier run if its marker matches, else (re)seeded. */
async function openServerDataset(url: string, people: number): Promise<Dataset> {
  const name = `tessera_bench_${sizeName(people)}`;
  const target = new URL(url);
  target.pathname = `/${name}`;
  const admin = await openPostgres(url, { max: 1 });
  try {
    // Two bench runs at once must not seed the same database twice.
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    const [exists] = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists) {
      const db = await openPostgres(target.toString());
      const workspaceId = await keptWorkspace(db, people);
      if (workspaceId) return { db, workspaceId, seededIn: null };
      await db.close();
      await admin.exec(`drop database ${name} with (force)`);
    }
    const started = performance.now();
    await admin.exec(`create database ${name}`);
    const db = await openPostgres(target.toString());
    await migrate(db);
    const workspaceId = await seed(db, people);
    return { db, workspaceId, seededIn: (performance.now() - started) / 1000 };
  } finally {
    await admin.close();
  }
}

/**
 * A PGlite holding `people` people: loaded from a snapshot of its data directory (in the system's
 * temporary directory, named by the marker) when there is one, else seeded and snapshotted.
 */
async function openPgliteDataset(people: number): Promise<Dataset> {
  const dir = join(tmpdir(), 'tessera-bench');
  const prefix = `pglite-${sizeName(people)}-`;
  const file = join(dir, `${prefix}${createHash('sha256').update(canonical(datasetKey(people))).digest('hex').slice(0, 16)}.tar`);
  if (existsSync(file)) {
    const db = await openPglite({ loadDataDir: new Blob([readFileSync(file)]) });
    const workspaceId = await keptWorkspace(db, people);
    if (workspaceId) return { db, workspaceId, seededIn: null };
    await db.close();
  }
  const started = performance.now();
  const db = await openPglite();
  await migrate(db);
  const workspaceId = await seed(db, people);
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) if (old.startsWith(prefix)) rmSync(join(dir, old), { force: true });
  const snapshot = await db.raw.dumpDataDir('none');
  writeFileSync(`${file}.${process.pid}`, new Uint8Array(await snapshot.arrayBuffer()));
  renameSync(`${file}.${process.pid}`, file);
  return { db, workspaceId, seededIn: seconds };
}

/** p50 and p95 in ms of samples. */
function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

/** Times `run` once per item (after one untimed warm-up on the first), in ms; stops early, after 3 or more, once `budgetMs` is spent. */
async function timeEach<T>(items: readonly T[], run: (item: T) => Promise<unknown>, budgetMs = Infinity) {
  await run(items[0]!);
  const samples: number[] = [];
  const started = performance.now();
  for (const item of items) {
    if (samples.length >= 3 && performance.now() - started > budgetMs) break;
    const at = performance.now();
    await run(item);
    samples.push(performance.now() - at);
  }
  return percentiles(samples);
}

interface Reading {
  read: string;
  detail: string;
  p50: number;
  p95: number;
  baseline: { what: string; p50: number; p95: number };
  goal?: number;
}

async function measureReads(db: Database, workspaceId: string, people: number): Promise<Reading[]> {
  const staff: Claims = { sub: STAFF.id, role: 'authenticated', app_metadata: { workspace_id: workspaceId } };
  const service: Claims = { role: 'service_role' };
  const readings: Reading[] = [];

  // Different people each call, spread over the whole table (a repeatable sample, so every run reads the same ones).
  const sampled = await db.query<{ id: string }>(
    `select id from public.profiles tablesample bernoulli ($2) repeatable (${SEED}) where workspace_id = $1 order by md5(id::text) limit ${PROFILES}`,
    [workspaceId, Math.min(100, (PROFILES * 2 * 100) / people)]);
  const ids = sampled.map((r) => r.id);
  // get_profile goes first: whatever the baseline gains from pages it left cached, get_profile paid for.
  let missing = 0;
  const profile = await timeEach(ids, async (id) => {
    const [row] = await asCaller(db, staff, (tx) => tx.query<{ profile: { id: string } | null }>('select public.get_profile($1) as profile', [id]));
    if (row?.profile?.id !== id) missing++;
  });
  if (missing) throw new Error(`get_profile did not find ${missing} of ${ids.length} people as a staff member`);
  const profileFloor = await timeEach(ids, (id) =>
    asCaller(db, service, (tx) => tx.query('select * from public.profiles where workspace_id = $1 and id = $2', [workspaceId, id])));
  readings.push({ read: 'get_profile', detail: `${ids.length} people`, ...profile, goal: 5,
    baseline: { what: 'primary-key select of the profile row, service role', ...profileFloor } });

  // Journeys worth paging: the people with the most events among a sample of about 2,000.
  const busy = await db.query<{ id: string; events: number }>(
    `select p.id, n.events from public.profiles p tablesample bernoulli ($2) repeatable (${SEED})
       cross join lateral (select count(*)::int as events from public.events e where e.workspace_id = p.workspace_id and e.profile_id = p.id) n
      where p.workspace_id = $1 order by n.events desc, p.id limit ${JOURNEYS}`,
    [workspaceId, Math.min(100, (2_000 * 100) / people)]);
  const journeyIds = busy.map((r) => r.id);
  const journey = await timeEach(journeyIds, async (id) => {
    const [row] = await asCaller(db, staff, (tx) => tx.query<{ journey: { events: unknown[] } | null }>('select public.get_journey($1) as journey', [id]));
    if (row?.journey?.events.length !== Math.min(PAGE, busy.find((b) => b.id === id)!.events)) throw new Error(`get_journey gave a short first page for ${id}`);
  });
  const journeyFloor = await timeEach(journeyIds, (id) =>
    asCaller(db, service, (tx) => tx.query(
      `select * from public.events where workspace_id = $1 and profile_id = $2 order by occurred_at desc, id desc limit ${PAGE}`, [workspaceId, id])));
  const events = busy.map((b) => b.events).sort((a, b) => a - b);
  readings.push({ read: 'get_journey first page', detail: `${journeyIds.length} people, ${events[0]}–${events[events.length - 1]} events`, ...journey,
    baseline: { what: `keyset scan of ${PAGE} events, service role`, ...journeyFloor } });

  // Segment counts scan the workspace: up to 20 runs each, fewer where a run takes seconds.
  const runs = Array.from({ length: 20 }, (_, i) => i);
  const budget = 4_000;
  const countFloor = await timeEach(runs, () =>
    asCaller(db, staff, (tx) => tx.query('select count(*) from public.profile_facts where workspace_id = $1', [workspaceId])), budget);
  for (const query of segmentQueries()) {
    let count = 0;
    const timing = await timeEach(runs, async () => {
      const [row] = await asCaller(db, staff, (tx) =>
        tx.query<{ preview: { count: number } }>('select public.preview_segment($1::jsonb, 10) as preview', [JSON.stringify(query.tree)]));
      count = row!.preview.count;
    }, budget);
    readings.push({ read: `preview_segment '${query.name}'`, detail: `${count.toLocaleString('en')} match`, ...timing, goal: 100,
      baseline: { what: 'count(*) of the workspace\'s segment facts, as staff', ...countFloor } });
  }
  return readings;
}

/**
 * Measures the reads at each size: the server (with DATABASE_URL) at every size, PGlite up to `pgliteMax` people.
 *
 * @example
 * await readsBench({ sizes: [100_000, 1_000_000], pgliteMax: 100_000 });
 */
export async function readsBench(options: { sizes?: number[]; pgliteMax?: number } = {}) {
  const sizes = options.sizes ?? [100_000, 1_000_000];
  const url = process.env.DATABASE_URL;
  const lines: string[] = [];
  const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1).padStart(7);
  const f = (n: number) => n.toLocaleString('en');
  for (const people of sizes) {
    const targets = [
      ...(people <= (options.pgliteMax ?? 100_000) ? [{ name: 'pglite', open: () => openPgliteDataset(people) }] : []),
      ...(url ? [{ name: 'postgres', open: () => openServerDataset(url, people) }] : []),
    ];
    for (const target of targets) {
      const dataset = await target.open();
      const label = `${people >= 1_000_000 ? `${people / 1_000_000}M` : `${people / 1_000}k`} people (${target.name})`;
      console.log(`reads: ${label}: ${dataset.seededIn === null ? 'reused the kept database' : `seeded in ${dataset.seededIn.toFixed(0)} s`}`);
      try {
        for (const r of await measureReads(dataset.db, dataset.workspaceId, people)) {
          const goal = r.goal === undefined ? '' : r.p95 <= r.goal ? `  goal ≤ ${r.goal} ms met` : `  goal ≤ ${r.goal} ms MISSED`;
          lines.push(`${target.name.padEnd(9)} ${f(people).padStart(9)}  ${r.read.padEnd(41)} ${r.detail.padEnd(29)} ${ms(r.p50)} ${ms(r.p95)} ${ms(r.baseline.p50)} ${ms(r.baseline.p95)}${goal}`);
          record({ name: `${r.read} p95 at ${label}`, value: Math.round(r.p95 * 100) / 100, unit: 'ms',
            baseline: `${r.baseline.what} (p95)`, baselineValue: Math.round(r.baseline.p95 * 100) / 100, higherIsBetter: false });
        }
      } finally {
        await dataset.db.close();
      }
    }
  }
  console.log('Reads as a signed-in staff member under RLS (ms); baselines in the same run');
  for (const q of segmentQueries()) console.log(`  ${q.name}: ${q.text} (dates counted from ${isoDate(NOW.getTime())}, the data's now)`);
  console.log(`${'database'.padEnd(9)} ${'people'.padStart(9)}  ${'read'.padEnd(41)} ${''.padEnd(29)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'base50'.padStart(7)} ${'base95'.padStart(7)}`);
  for (const line of lines) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map((s) => Number(s.replace(/[_,]/g, ''))).filter(Boolean);
  await readsBench({ sizes: sizes.length ? sizes : undefined });
  console.log(`results: ${writeResults()}`);
  process.exit(0);
}
