// `npm run bench`: every benchmark, on PGlite and (with DATABASE_URL) on the
// PostgreSQL server, each figure against a baseline measured in the same run;
// then one table of them all, also written to bench/results.json.
// The churn fit is pure TypeScript; reads at 1M people run on the server only,
// on a database seeded once and kept (bench/reads.ts).
import { bundlesBench } from './bundles.ts';
import { churnFitBench } from './churn-fit.ts';
import { ingestBench } from './ingest.ts';
import { readsBench } from './reads.ts';
import { recorded, writeResults } from './results.ts';
import { seedScaleBench } from './seed-scale.ts';
import { webhookToRealtimeBench } from './webhook-to-realtime.ts';

const started = performance.now();
const sections: [string, () => Promise<unknown>][] = [
  ['ingest', () => ingestBench(800, 5_000)],
  ['real time', () => webhookToRealtimeBench(1_000)],
  ['reads', () => readsBench({ sizes: [100_000, 1_000_000], pgliteMax: 100_000 })],
  ['churn', () => churnFitBench()],
  ['bundles', () => bundlesBench()],
  ['seed', () => seedScaleBench([20_000], { pgliteMax: 20_000 })],
];
for (const [name, run] of sections) {
  const at = performance.now();
  await run();
  console.log(`(${name}: ${((performance.now() - at) / 1000).toFixed(0)} s)\n`);
}

const rows = recorded();
const number = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en') : String(Math.round(n * 100) / 100));
const width = Math.max(...rows.map((r) => r.name.length));
console.log('Summary: each figure against its same-run baseline (ratio > 1: better than the baseline; lower-is-better figures are turned round)');
console.log(`${'figure'.padEnd(width)}  ${'value'.padStart(10)} ${'unit'.padEnd(13)} ${'baseline'.padStart(10)}  ${'ratio'.padStart(7)}  baseline is`);
for (const r of rows) {
  console.log(`${r.name.padEnd(width)}  ${number(r.value).padStart(10)} ${r.unit.padEnd(13)} ${number(r.baselineValue).padStart(10)}  ${r.ratio.toFixed(3).padStart(7)}  ${r.baseline}`);
}
console.log(`\nresults: ${writeResults()} (${rows.length} rows); whole run ${((performance.now() - started) / 60_000).toFixed(1)} min`);
process.exit(0);
