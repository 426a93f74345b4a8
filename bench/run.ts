// `npm run bench`: every benchmark, on PGlite and (with DATABASE_URL) on the PostgreSQL server
// (the churn fit is pure TypeScript; segment previews at 1M people run on the server only).
import { bundlesBench } from './bundles.ts';
import { churnFitBench } from './churn-fit.ts';
import { identityResolutionBench } from './identity-resolution.ts';
import { writeResults } from './results.ts';
import { seedScaleBench } from './seed-scale.ts';
import { segmentPreviewBench } from './segment-preview.ts';
import { webhookToRealtimeBench } from './webhook-to-realtime.ts';

await webhookToRealtimeBench(200);
console.log();
await identityResolutionBench(1000);
console.log();
await churnFitBench();
console.log();
await segmentPreviewBench([100_000, 1_000_000], { pgliteMax: 100_000 });
console.log();
await bundlesBench();
console.log();
// 1M people take ~15 min on 2 cores (generation dominates): the bench seeds 100k on the server, 20k on PGlite.
await seedScaleBench([20_000, 100_000], { pgliteMax: 20_000 });
console.log(`\nresults: ${writeResults()}`);
process.exit(0);
