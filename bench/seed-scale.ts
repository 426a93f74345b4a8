// `tessera seed` throughput: N people with their cross-source histories
// written by seedAtScale (COPY into the real tables, with their keys and
// indexes), against the ceiling of the same rows COPYed into unindexed copies
// of those tables in the same database, same run. Generating the rows
// without writing them is timed too, to show where the time goes.
//   node --conditions=source --import tsx bench/seed-scale.ts [people...]
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { SCALE_TABLES, scaleBatches, seedAtScale } from '../packages/backend/src/seed/scale.ts';
import { record, writeResults } from './results.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const SEED = 7;

export async function seedScaleBench(sizes = [100_000, 1_000_000], options: { pgliteMax?: number } = {}) {
  const lines: string[] = [];
  const f = (n: number) => Math.round(n).toLocaleString('en');
  for (const people of sizes) {
    const generating = performance.now();
    let generated = 0;
    for (const batch of scaleBatches('00000000-0000-4000-8000-000000000000', { profiles: people, seed: SEED, now: NOW })) {
      generated += Object.values(batch.counts).reduce((a, b) => a + b, 0);
    }
    const generateSeconds = (performance.now() - generating) / 1000;
    lines.push(`${'(none)'.padEnd(9)} ${f(people).padStart(9)} ${f(generated).padStart(11)}  ${'generate only'.padEnd(30)} ${generateSeconds.toFixed(1).padStart(7)} ${f(generated / generateSeconds).padStart(10)}`);

    for (const target of testDatabases()) {
      if (target.name === 'pglite' && people > (options.pgliteMax ?? 100_000)) continue;
      const db = await target.open();
      try {
        const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
        const seeded = await seedAtScale(db, workspaceId, { profiles: people, seed: SEED, now: NOW });
        // The ceiling: the same rows, no keys, indexes, constraints or triggers.
        await db.exec(`create schema scale_raw;\n${Object.keys(SCALE_TABLES)
          .map((table) => `create table scale_raw.${table} (like public.${table} including defaults including identity);`).join('\n')}`);
        const raw = await seedAtScale(db, workspaceId, { profiles: people, seed: SEED, now: NOW, schema: 'scale_raw' });
        const rate = seeded.rows / seeded.seconds;
        const ceiling = raw.rows / raw.seconds;
        lines.push(`${target.name.padEnd(9)} ${f(people).padStart(9)} ${f(seeded.rows).padStart(11)}  ${'seedAtScale (real tables)'.padEnd(30)} ${seeded.seconds.toFixed(1).padStart(7)} ${f(rate).padStart(10)}  ${(rate / ceiling).toFixed(2)} of ceiling${seeded.bulk ? '' : ', triggers on'}`);
        lines.push(`${target.name.padEnd(9)} ${f(people).padStart(9)} ${f(raw.rows).padStart(11)}  ${'raw COPY, unindexed (ceiling)'.padEnd(30)} ${raw.seconds.toFixed(1).padStart(7)} ${f(ceiling).padStart(10)}`);
        record({ name: `seed ${f(people)} people (${target.name})`, value: Math.round(rate), unit: 'rows/s',
          baseline: 'raw COPY of the same rows into unindexed tables', baselineValue: Math.round(ceiling), higherIsBetter: true });
      } finally {
        await db.close();
      }
    }
  }
  console.log(`tessera seed: people with two years of Shopify, Kajabi and social history (rows = profiles + identities + events + traits + profile_facts)`);
  console.log(`${'database'.padEnd(9)} ${'people'.padStart(9)} ${'rows'.padStart(11)}  ${'what'.padEnd(30)} ${'s'.padStart(7)} ${'rows/s'.padStart(10)}`);
  for (const line of lines) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map((s) => Number(s.replace(/[_,]/g, ''))).filter(Boolean);
  await seedScaleBench(sizes.length ? sizes : undefined, { pgliteMax: 1_000_000 });
  console.log(`results: ${writeResults()}`);
  process.exit(0);
}
