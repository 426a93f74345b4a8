// `npm run bench`: every benchmark, on PGlite and (with DATABASE_URL) on the PostgreSQL server.
import { churnFitBench } from './churn-fit.ts';
import { identityResolutionBench } from './identity-resolution.ts';
import { webhookToRealtimeBench } from './webhook-to-realtime.ts';

await webhookToRealtimeBench(200);
console.log();
await identityResolutionBench(1000);
console.log();
await churnFitBench();
process.exit(0);
