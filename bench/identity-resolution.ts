// Identity resolution throughput: a generated store's Shopify history (real
// normaliser output) applied record by record with tessera.apply_record, the
// function every delivery goes through (resolve identities → merge →
// events/traits → profile). Each record is its own transaction, as deliveries are.
//   node --conditions=source --import tsx bench/identity-resolution.ts [customers]
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { normaliseShopify } from '../packages/backend/src/normalisers/shopify.ts';
import { generateShopifyStore } from '../packages/backend/src/seed/shopify-store.ts';

export async function identityResolutionBench(customers = Number(process.argv[2] ?? 1000)) {
  const records = generateShopifyStore({ customers, seed: 11 }).map((d) => {
    const result = normaliseShopify({ source: 'shopify', topic: d.topic, headers: {}, body: d.payload, triggeredAt: d.triggeredAt, receivedAt: d.triggeredAt });
    if (result.kind !== 'record') throw new Error(result.kind);
    return JSON.stringify(result.record);
  });
  const rows: string[] = [];
  for (const target of testDatabases()) {
    const db = await target.open();
    const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
    const started = performance.now();
    for (const record of records) await db.query(`select tessera.apply_record($1, 'shopify', $2::jsonb, null)`, [workspaceId, record]);
    const seconds = (performance.now() - started) / 1000;
    const [{ people, merges }] = (await db.query<{ people: number; merges: number }>(
      `select (select count(*)::int from public.profiles where workspace_id = $1 and merged_into is null) as people,
              (select count(*)::int from public.profile_merges where workspace_id = $1) as merges`,
      [workspaceId],
    )) as [{ people: number; merges: number }];
    rows.push(`${target.name.padEnd(10)} ${String(records.length).padStart(8)} ${String(people).padStart(7)} ${seconds.toFixed(2).padStart(8)} ${(records.length / seconds).toFixed(0).padStart(10)}`);
    await db.close();
  }
  console.log(`identity resolution: ${customers} customers' Shopify history, one record per transaction`);
  console.log(`${'database'.padEnd(10)} ${'records'.padStart(8)} ${'people'.padStart(7)} ${'seconds'.padStart(8)} ${'records/s'.padStart(10)}`);
  for (const row of rows) console.log(row);
}

if (import.meta.url === `file://${process.argv[1]}`) await identityResolutionBench();
