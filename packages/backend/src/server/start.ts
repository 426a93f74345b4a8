import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createProcessor, type ProcessorEvents } from '../ingest/processor.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { attachRealtime } from '../realtime/realtime-server.ts';
import type { KajabiApi } from '../webhooks/kajabi-api.ts';
import type { PlatformApps } from '../webhooks/platform-apps.ts';
import { createApp } from './app.ts';
import { describeRefit } from '../churn/refit-report.ts';
import { createChurnRescorer } from '../churn/rescore.ts';
import { scheduleNightlies } from '../jobs/nightly.ts';
import { createOutboundWorker } from '../outbound/deliver.ts';

export interface ServerOptions {
  db: Database;
  jwtSecret: string;
  port?: number;
  host?: string;
  /** The workspace webhooks signed with an environment secret go to. */
  localWorkspaceId: string;
  /** Signing secrets from the environment, by source (`shopify`: SHOPIFY_WEBHOOK_SECRET, `kajabi`: KAJABI_WEBHOOK_TOKEN). */
  secrets: Partial<Record<string, string>>;
  demoSession?: () => Promise<Record<string, unknown>>;
  processorEvents?: ProcessorEvents;
  /** Kajabi API client for the local workspace (KAJABI_CLIENT_ID/SECRET): deliveries are confirmed with it. */
  kajabiApi?: KajabiApi;
  /** Meta and X app secrets (META_APP_SECRET, META_VERIFY_TOKEN, X_CONSUMER_SECRET): they sign for every account the app serves. */
  apps?: PlatformApps;
  /** Run the nightly jobs (churn refit, segment facts and memberships) when a workspace's are a day old (`tessera serve`; tests leave it off). */
  nightlyJobs?: boolean;
  /** Send outbound webhooks (`tessera serve`; tests run the worker themselves). */
  outboundWebhooks?: boolean;
}

export interface RunningServer {
  url: string;
  server: Server;
  /** Resolves when every stored delivery has been processed (tests and imports wait on it). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the HTTP API, the realtime endpoint and the ingest processor on one port. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { db } = options;
  const verifyToken = createTokenVerifier(options.jwtSecret);
  // Each applied batch re-scores its people with the workspace's current churn fits, then
  // recomputes their stages, the facts segments read (scores included) and their memberships.
  const rescorer = createChurnRescorer(db);
  const afterBatch = async (workspaceId: string, profileIds: string[]) => {
    // A record may have landed on a profile that a merge has folded into someone: follow it to the person.
    const people = await db.query<{ id: string }>(
      'select distinct id from (select tessera.root_of($1, p) as id from unnest($2::uuid[]) as p) people where id is not null',
      [workspaceId, profileIds],
    );
    for (const { id } of people) {
      await rescorer.rescore(workspaceId, id).catch((error: Error) => console.error(`tessera: re-scoring ${id} failed: ${error.message}`));
    }
    await db.query('select tessera.refresh_derived($1, $2::uuid[])', [workspaceId, people.map((p) => p.id)]);
  };
  const processor = createProcessor(db, options.processorEvents, { afterBatch });
  const stopRefits = options.nightlyJobs ? scheduleNightlies(db, rescorer, (report) => console.log(describeRefit(report))) : () => {};
  // Outbound webhooks (segment entries and exits) are sent, and retried, every few seconds.
  const outbound = options.outboundWebhooks ? createOutboundWorker(db) : null;
  outbound?.start(5_000);
  const app = createApp({
    db,
    verifyToken,
    jwtSecret: options.jwtSecret,
    webhooks: {
      findConnection: createConnectionRegistry(db, { workspaceId: options.localWorkspaceId, secrets: options.secrets }),
      log: createRawEventLog(db),
      // After the response: Shopify is answered as soon as the body is stored.
      onAccepted: () => processor.schedule(),
      apps: options.apps ?? {},
      ...(options.kajabiApi ? { kajabiApi: (workspaceId: string) => (workspaceId === options.localWorkspaceId ? options.kajabiApi! : null) } : {}),
    },
    ...(options.demoSession ? { demoSession: options.demoSession } : {}),
  });

  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 54321, hostname: options.host ?? '127.0.0.1' }, () => resolve(s as Server));
  });
  const realtime = await attachRealtime(server, { db, verifyToken });
  // Deliveries stored but not processed before a crash or restart are processed now.
  void processor.drain();

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    idle: () => processor.idle(),
    async close() {
      stopRefits();
      await outbound?.stop();
      await realtime.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await processor.idle();
    },
  };
}
