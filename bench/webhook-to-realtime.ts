// Signed Shopify webhook POST → stored → normalised → profile updated → the
// change reaches a subscribed supabase-js client over realtime: p50/p99 per
// stage over N deliveries sent one at a time (goal: p99 ≤ 50 ms on loopback),
// on PGlite and (with DATABASE_URL) on the server. Each delivery is sent once
// the previous one is done, the processor's after-work included (re-score,
// stage, segment memberships, which run after the profile is written and the
// change announced): sent back to back, a delivery would also wait for that.
//
// Baseline, same database, same run: the floor of the same hops without
// Tessera's work. A bare node:http + ws server whose POST handler stores the
// body (one row, one commit: a webhook must be kept before it is answered)
// and NOTIFYs it in the same statement, and whose LISTEN handler writes the
// payload to a plain websocket: HTTP in, a durable write, NOTIFY heard by
// LISTEN, a frame out. What Tessera adds on top is the signature check, the
// raw-event log, the normaliser, identity resolution and the profile write,
// re-reading the row as the subscriber (row-level security), and the Phoenix
// protocol and supabase-js on the client. In both,
// the sender and the subscriber run on a thread of their own
// (webhook-to-realtime-client.ts), as a shop and a browser would.
//   node --conditions=source --import tsx bench/webhook-to-realtime.ts [updates]   (or npm run bench)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { signToken } from '../packages/backend/src/auth/jwt.ts';
import type { Database } from '../packages/backend/src/db/database.ts';
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { startServer } from '../packages/backend/src/server/start.ts';
import { encodeBase64, signHmacSha256 } from '../packages/backend/src/webhooks/hmac.ts';
import { record, writeResults } from './results.ts';
import type { Delivery, Subscription, Timing } from './webhook-to-realtime-client.ts';

const percentile = (values: number[], p: number) => values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) * p)]!;
const round = (ms: number) => Math.round(ms * 100) / 100;
/** Milliseconds since the epoch, comparable with the client thread's. */
const now = () => performance.timeOrigin + performance.now();
/** Deliveries sent before measuring, so that neither path is timed while its code is still being compiled. */
const WARM_UP = 20;
const customer = (n: number) => JSON.stringify({ id: 7241900311752, email: 'amara.okafor@example.com', first_name: `Amara ${n}`, updated_at: new Date().toISOString() });

/** Starts the client thread subscribed as asked; `send` hands it one delivery and resolves to its timing. */
async function startClient(subscription: Subscription) {
  const file = new URL('./webhook-to-realtime-client.ts', import.meta.url).pathname;
  // Worker threads do not inherit tsx's loader from --import: the client is loaded through tsx's API.
  const worker = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`, {
    eval: true,
    workerData: subscription,
  });
  let pending: { resolve: (message: unknown) => void; reject: (error: Error) => void } | undefined;
  worker.on('message', (message) => pending?.resolve(message));
  worker.on('error', (error) => pending?.reject(error));
  const next = () => new Promise<unknown>((resolve, reject) => (pending = { resolve, reject }));
  await next();
  return {
    send: async (delivery: Delivery) => {
      const timing = next();
      worker.postMessage(delivery);
      return (await timing) as Timing;
    },
    /** Leaves the channel or socket cleanly, then ends the thread rather than wait for its sockets to time out. */
    close: async () => {
      const closed = next();
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}

async function measureTessera(db: Database, updates: number) {
  const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
  const staff = { id: 'a0000000-0000-4000-8000-00000000000a', email: 'staff@bench.example', role: 'owner' };
  await ensureStaff(db, workspaceId, staff);
  const secret = 'bench-shopify-secret';
  const jwtSecret = 'bench-jwt-secret-with-at-least-32-characters';
  let writtenAt = 0;
  const server = await startServer({
    db, jwtSecret, port: 0, localWorkspaceId: workspaceId, secrets: { shopify: secret },
    processorEvents: { onProcessed: () => (writtenAt = now()) },
  });
  const delivery = async (n: number): Promise<Delivery> => {
    const body = customer(n);
    const headers = {
      'x-shopify-topic': 'customers/update', 'x-shopify-shop-domain': 'bench.myshopify.com', 'x-shopify-event-id': `bench-${n}`,
      'x-shopify-triggered-at': new Date(Date.now() + n).toISOString(), 'x-shopify-hmac-sha256': encodeBase64(await signHmacSha256(secret, body)),
    };
    return { url: `${server.url}/webhooks/shopify`, headers, body, expect: `Amara ${n}` };
  };
  const first = await delivery(0);
  await (await fetch(first.url, { method: 'POST', headers: first.headers, body: first.body })).text();
  await server.idle();
  const [{ id }] = (await db.query<{ id: string }>(`select profile_id as id from public.identities where kind = 'email' and value = 'amara.okafor@example.com'`)) as [{ id: string }];

  // When the profile's change is announced: a second listener on the channel the realtime server hears.
  let notifiedAt = 0;
  let expected = '';
  const unlisten = await db.listen('tessera_realtime', (payload) => {
    const change = JSON.parse(payload);
    if (change.table === 'profiles' && change.record?.first_name === expected) notifiedAt = now();
  });
  // Only the change a delivery made counts (the client matches first_name): a later UPDATE of the same person must not end the next one early.
  const client = await startClient({
    kind: 'tessera', url: server.url, profileId: id, anonKey: await signToken(jwtSecret, { role: 'anon' }),
    token: await signToken(jwtSecret, { role: 'authenticated', sub: staff.id }, '1h'),
  });

  const stages = {
    'POST → 200': [] as number[], 'POST → profile written': [] as number[], 'POST → change NOTIFYed': [] as number[],
    'NOTIFY → client': [] as number[], 'POST → client': [] as number[],
  };
  for (let n = 1; n <= WARM_UP + updates; n++) {
    const next = await delivery(n);
    expected = next.expect;
    // One at a time: the previous delivery's after-work (re-score, stage, segments) has finished too.
    await server.idle();
    const { sentAt, answeredAt, receivedAt } = await client.send(next);
    if (n <= WARM_UP) continue;
    stages['POST → 200'].push(answeredAt - sentAt);
    stages['POST → profile written'].push(writtenAt - sentAt);
    stages['POST → change NOTIFYed'].push(notifiedAt - sentAt);
    stages['NOTIFY → client'].push(receivedAt - notifiedAt);
    stages['POST → client'].push(receivedAt - sentAt);
  }
  await client.close();
  await unlisten();
  await server.close();
  return stages;
}

/** The baseline: HTTP POST → the body stored and NOTIFYed in one commit on the same database → LISTEN → a bare websocket frame. */
async function measureFloor(db: Database, updates: number) {
  await db.exec('create table bench_floor (body text not null)');
  const sockets = new WebSocketServer({ noServer: true });
  const unlisten = await db.listen('bench_floor', (payload) => sockets.clients.forEach((socket) => socket.send(payload)));
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk);
    await db.query(`with stored as (insert into bench_floor (body) values ($1) returning body) select pg_notify('bench_floor', body) from stored`, [
      Buffer.concat(chunks).toString(),
    ]);
    response.end();
  });
  server.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket, head, (s) => sockets.emit('connection', s)));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = await startClient({ kind: 'floor', url: `ws://${address}` });

  const latencies: number[] = [];
  for (let n = 1; n <= WARM_UP + updates; n++) {
    const body = customer(n);
    const { sentAt, receivedAt } = await client.send({ url: `http://${address}/`, headers: {}, body, expect: body });
    if (n > WARM_UP) latencies.push(receivedAt - sentAt);
  }
  await client.close();
  sockets.close();
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
  await unlisten();
  return latencies;
}

/**
 * Sends `updates` signed customers/update deliveries one at a time on each test database, printing each stage's
 * p50/p99 and recording POST → client against the floor.
 * @example await webhookToRealtimeBench(1000);
 */
export async function webhookToRealtimeBench(updates = 1000) {
  console.log(`webhook → realtime client, ${updates} signed customers/update deliveries, one at a time (ms)`);
  console.log(`${'database'.padEnd(10)} ${'stage'.padEnd(40)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}`);
  const line = (database: string, stage: string, values: number[]) =>
    console.log(`${database.padEnd(10)} ${stage.padEnd(40)} ${percentile(values, 0.5).toFixed(1).padStart(7)} ${percentile(values, 0.99).toFixed(1).padStart(7)}`);
  for (const target of testDatabases()) {
    const db = await target.open();
    try {
      const stages = await measureTessera(db, updates);
      const floor = await measureFloor(db, updates);
      for (const [stage, values] of Object.entries(stages)) line(target.name, stage, values);
      line(target.name, 'floor: POST → stored + NOTIFY → ws', floor);
      for (const [label, p] of [['p50', 0.5], ['p99', 0.99]] as const) {
        record({
          name: `webhook → realtime client ${label} (${target.name})`, value: round(percentile(stages['POST → client'], p)), unit: 'ms',
          baseline: `bare HTTP POST → one-row insert + pg_notify → LISTEN → websocket, same database, ${label}`, baselineValue: round(percentile(floor, p)), higherIsBetter: false,
        });
      }
    } finally {
      await db.close();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await webhookToRealtimeBench(Number(process.argv[2] ?? 1000));
  console.log(`results: ${writeResults()}`);
  process.exit(0);
}
