// Ingest throughput against the physical ceiling, on PGlite and (with
// DATABASE_URL) on the PostgreSQL server:
// - webhooks: a generated store's history (customers, orders, refunds) as
//   signed Shopify deliveries POSTed to a running `tessera serve`, 16 in
//   flight; "accepted" is every delivery verified and stored raw (answered
//   200), "processed" is every one applied — identity resolution, merges,
//   events, traits, the profile, then per person the churn re-score, stage
//   and segment memberships, as in production;
// - backfill: `tessera import` of a Shopify customer export (one row per
//   person: every row is identity resolution);
// each against the same rows COPYed into unindexed tables of the same
// database (bench/copy-ceiling.ts), same run.
//   node --conditions=source --import tsx bench/ingest.ts [customers=1500] [exportRows=20000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { runImport } from '../packages/backend/src/imports/run-import.ts';
import { postAll, shopifyHistory } from '../packages/backend/src/ingest/replay-stream.ts';
import { ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { startServer } from '../packages/backend/src/server/start.ts';
import { copyCeiling } from './copy-ceiling.ts';
import { writeCustomerExport } from './customer-export.ts';
import { record, writeResults } from './results.ts';

const SECRET = 'bench-shopify-secret';
const f = (n: number) => Math.round(n).toLocaleString('en');

async function countGraph(db: Awaited<ReturnType<ReturnType<typeof testDatabases>[number]['open']>>, workspaceId: string) {
  const [row] = await db.query<{ events: number; people: number; failed: number }>(
    `select (select count(*)::int from public.events where workspace_id = $1) as events,
            (select count(*)::int from public.profiles where workspace_id = $1 and merged_into is null) as people,
            (select count(*)::int from public.raw_events where workspace_id = $1 and status = 'failed') as failed`,
    [workspaceId],
  );
  return row!;
}

export async function ingestBench(customers = 1500, exportRows = 20_000) {
  const deliveries = shopifyHistory({ customers, seed: 7, now: Date.parse('2026-11-01T00:00:00Z') });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ingest-bench-'));
  const file = join(dir, `customers_export_${exportRows}.csv`);
  await writeCustomerExport(file, exportRows);
  const lines: string[] = [];
  const line = (db: string, what: string, count: number, seconds: number, unit: string, note = '') =>
    lines.push(`${db.padEnd(9)} ${what.padEnd(40)} ${f(count).padStart(7)} ${seconds.toFixed(1).padStart(7)} ${f(count / seconds).padStart(9)} ${unit.padEnd(13)} ${note}`);
  try {
    for (const target of testDatabases()) {
      // Webhooks through the running server.
      {
        const db = await target.open();
        const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
        const server = await startServer({ db, jwtSecret: 'bench-jwt-secret-with-at-least-32-characters', port: 0, localWorkspaceId: workspaceId, secrets: { shopify: SECRET } });
        try {
          const started = performance.now();
          const answers = await postAll(server.url, SECRET, deliveries, 16);
          const accepted = (performance.now() - started) / 1000;
          await server.idle();
          const processed = (performance.now() - started) / 1000;
          const refused = answers.filter((a) => a.status !== 200).length;
          if (refused) throw new Error(`${refused} deliveries were refused`);
          const graph = await countGraph(db, workspaceId);
          const ceiling = await copyCeiling(db, workspaceId);
          const n = deliveries.length;
          line(target.name, 'webhooks verified and stored (200)', n, accepted, 'deliveries/s');
          line(target.name, 'webhooks processed (end to end)', n, processed, 'deliveries/s',
            `${f(graph.events)} events, ${f(graph.people)} people, ${graph.failed} dead-lettered; ${f(graph.events / processed)} events/s; ${(ceiling.seconds / processed).toFixed(3)} of ceiling`);
          line(target.name, `raw COPY of the same ${f(ceiling.rows)} rows (ceiling)`, n, ceiling.seconds, 'deliveries/s');
          record({ name: `webhooks processed (${target.name})`, value: Math.round(n / processed), unit: 'deliveries/s',
            baseline: 'raw COPY of the same rows into unindexed tables', baselineValue: Math.round(n / ceiling.seconds), higherIsBetter: true });
          record({ name: `webhooks accepted, stored raw (${target.name})`, value: Math.round(n / accepted), unit: 'deliveries/s',
            baseline: 'raw COPY of the same rows into unindexed tables', baselineValue: Math.round(n / ceiling.seconds), higherIsBetter: true });
        } finally {
          await server.close();
          await db.close();
        }
      }
      // Backfill with `tessera import`.
      {
        const db = await target.open();
        try {
          const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
          const report = await runImport({ db, workspaceId, source: 'shopify', file, batchSize: 500 });
          const seconds = report.elapsedMs / 1000;
          const ceiling = await copyCeiling(db, workspaceId);
          line(target.name, 'backfill: tessera import, customers CSV', report.rows, seconds, 'rows/s',
            `${f(report.profilesCreated)} people, ${report.rejected} rejected; ${(ceiling.seconds / seconds).toFixed(3)} of ceiling`);
          line(target.name, `raw COPY of the same ${f(ceiling.rows)} rows (ceiling)`, report.rows, ceiling.seconds, 'rows/s');
          record({ name: `backfill import (${target.name})`, value: Math.round(report.rows / seconds), unit: 'rows/s',
            baseline: 'raw COPY of the same rows into unindexed tables', baselineValue: Math.round(report.rows / ceiling.seconds), higherIsBetter: true });
        } finally {
          await db.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`ingest: ${f(deliveries.length)} signed Shopify deliveries (${f(customers)} customers' history, 16 in flight); a ${f(exportRows)}-row customer export`);
  console.log(`${'database'.padEnd(9)} ${'what'.padEnd(40)} ${'count'.padStart(7)} ${'s'.padStart(7)} ${'rate'.padStart(9)} ${'unit'.padEnd(13)}`);
  for (const l of lines) console.log(l);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ingestBench(Number(process.argv[2] ?? 1500), Number(process.argv[3] ?? 20_000));
  console.log(`results: ${writeResults()}`);
  process.exit(0);
}
