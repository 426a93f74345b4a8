// What the crash-safety test drives: the built `tessera serve` and `tessera
// import` as child processes (so SIGKILL is a real crash, not a closed
// handle), a sender that retries like Shopify, and the split of one generated
// store into live webhooks and a backfill file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../db/database.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';
import { createScratchDatabase } from '../db/test-databases.ts';
import { prepareIngest } from '../ingest/processor.ts';
import { DEMO_SHOP, type ShopifyDelivery } from '../seed/shopify-store.ts';
import { shopifyWebhookRequest } from '../webhooks/shopify-request.ts';

const REPO = new URL('../../../../', import.meta.url).pathname;
const CLI = 'packages/backend/bin/tessera.js';

/** A fresh, empty place for one server: its data directory, and on the PG server a scratch database of its own. */
export interface Place {
  dataDir: string;
  databaseUrl?: string;
  open(options?: { max?: number }): Promise<Database>;
  dispose(): Promise<void>;
}

/** A place on PGlite (no `serverUrl`) or on the PG server; `name` prefixes the directory and the database. */
export async function preparePlace(serverUrl: string | undefined, name: string): Promise<Place> {
  const dataDir = mkdtempSync(join(tmpdir(), `tessera-${name}-`));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (!serverUrl) {
    return { dataDir, open: () => openPglite({ dataDir: join(dataDir, 'pgdata') }), dispose: async () => removeDir() };
  }
  const scratch = await createScratchDatabase(serverUrl, `tessera_${name.replaceAll('-', '_')}`);
  return {
    dataDir,
    databaseUrl: scratch.url,
    open: (options) => openPostgres(scratch.url, options),
    async dispose() {
      removeDir();
      await scratch.drop();
    },
  };
}

/** The event ids each delivery must put in the graph, from the same normaliser the processor runs. */
export function expectedEvents(deliveries: readonly ShopifyDelivery[], receivedAt = new Date().toISOString()): Map<string, string[]> {
  return new Map(
    deliveries.map((d) => {
      const normalised = prepareIngest({
        workspace_id: '', id: 0, source: 'shopify', topic: d.topic, body: new TextEncoder().encode(JSON.stringify(d.payload)),
        headers: { 'x-shopify-topic': d.topic, 'x-shopify-shop-domain': DEMO_SHOP, 'x-shopify-event-id': d.eventId, 'x-shopify-triggered-at': d.triggeredAt },
        triggered_at: d.triggeredAt, received_at: receivedAt,
      });
      return [d.eventId, normalised.kind === 'record' ? normalised.record.events.map((e) => e.external_id) : []];
    }),
  );
}

/** The environment both commands run with: a known Shopify secret, and PGlite unless `databaseUrl` is given. */
export function cliEnvironment(secret: string, databaseUrl: string | undefined): NodeJS.ProcessEnv {
  return { ...process.env, SHOPIFY_WEBHOOK_SECRET: secret, DATABASE_URL: databaseUrl ?? '', JWT_SECRET: 'crash-safety-jwt-secret-0123456789abcdef', KAJABI_WEBHOOK_TOKEN: '' };
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
}

/** `tessera serve --port 0 --data-dir <dir>`; resolves once it prints its address. */
export async function startServe(dataDir: string, env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /Tessera is running at (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`tessera serve exited with ${code} before it was ready:\n${output}`)));
  });
  return { url, child, exited, output: () => output };
}

/** A crash: SIGKILL, nothing flushed, nothing closed. */
export async function crash(server: ServeProcess): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

/** A clean stop: SIGTERM makes serve finish every stored delivery (processor.idle) and close the database. */
export async function stopCleanly(server: ServeProcess): Promise<number | null> {
  server.child.kill('SIGTERM');
  return server.exited;
}

export interface ImportRun {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/** `tessera import shopify <file>` into the same data directory (or DATABASE_URL). */
export function startImport(file: string, dataDir: string, env: NodeJS.ProcessEnv, exportedAt: string): ImportRun {
  const child = spawn(process.execPath, [CLI, 'import', 'shopify', file, '--data-dir', dataDir, '--exported-at', exportedAt, '--shop', DEMO_SHOP, '--batch-size', '50'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

export interface SenderFigures {
  /** POSTs made, accepted or not. */
  attempts: number;
  /** Of those, the ones that were not a 2xx (refused, reset, timed out, 5xx). */
  failures: number;
  /** The most attempts one delivery needed. */
  maxAttemptsForOne: number;
}

/**
 * Delivers like Shopify: `concurrency` requests in flight; a delivery is
 * accepted only by a 2xx, and anything else (connection refused or reset, a
 * 5xx, no answer within the timeout) is sent again later with the same
 * X-Shopify-Event-Id and body, until it is accepted. `target()` is where the
 * server is now (null while it is down); `onAccepted` sees each acceptance,
 * so the test can crash the server at chosen points of the stream.
 */
export async function sendUntilAccepted(
  deliveries: readonly ShopifyDelivery[],
  options: { secret: string; concurrency: number; target: () => string | null; onAccepted?: (accepted: number) => void | Promise<void> },
): Promise<{ accepted: Set<string>; figures: SenderFigures }> {
  const queue = [...deliveries];
  const accepted = new Set<string>();
  const tries = new Map<string, number>();
  const figures: SenderFigures = { attempts: 0, failures: 0, maxAttemptsForOne: 0 };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let inFlight = 0;

  const worker = async () => {
    for (;;) {
      const delivery = queue.shift();
      if (!delivery) {
        if (inFlight === 0) return;
        await pause(20); // a delivery in flight may come back for a retry
        continue;
      }
      const url = options.target();
      if (!url) {
        queue.push(delivery);
        await pause(50);
        continue;
      }
      inFlight++;
      let ok = false;
      try {
        figures.attempts++;
        tries.set(delivery.eventId, (tries.get(delivery.eventId) ?? 0) + 1);
        ok = await post(url, options.secret, delivery);
      } finally {
        inFlight--;
      }
      if (ok) {
        accepted.add(delivery.eventId);
        await options.onAccepted?.(accepted.size);
      } else {
        figures.failures++;
        queue.push(delivery); // retried later, as Shopify does
        await pause(25);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  figures.maxAttemptsForOne = Math.max(0, ...tries.values());
  return { accepted, figures };
}

async function post(url: string, secret: string, delivery: ShopifyDelivery): Promise<boolean> {
  const request = await shopifyWebhookRequest(secret, { ...delivery, shop: DEMO_SHOP, body: JSON.stringify(delivery.payload) });
  try {
    const response = await fetch(`${url}/webhooks/shopify`, { ...request, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false; // refused, reset or timed out: not accepted
  }
}

const CUSTOMER_BASE = 7_241_000_000_000;
const customerIndex = (id: unknown) => (Number(id) - CUSTOMER_BASE) / 7919;

/**
 * One store's history split in two, by customer: every `everyNth` customer's
 * history is in the backfill file (a bulk operation JSONL: the customer, their
 * orders with line items on lines of their own), everyone else's comes as
 * webhooks. Disjoint people, so the final graph does not depend on which of
 * the two paths a person's records took first.
 */
export function splitStore(deliveries: readonly ShopifyDelivery[], everyNth: number): { webhooks: ShopifyDelivery[]; backfillLines: object[] } {
  const orderOwner = new Map<number, number>();
  const webhooks: ShopifyDelivery[] = [];
  const customers = new Map<number, Record<string, unknown>>();
  const orders: Record<string, unknown>[] = [];
  for (const delivery of deliveries) {
    const p = delivery.payload as Record<string, any>;
    const owner =
      delivery.topic === 'orders/create' ? customerIndex(p.customer.id) : delivery.topic === 'refunds/create' ? orderOwner.get(p.order_id)! : customerIndex(p.id);
    if (delivery.topic === 'orders/create') orderOwner.set(p.id, owner);
    if (owner % everyNth !== 0) {
      webhooks.push(delivery);
      continue;
    }
    if (delivery.topic === 'customers/create' || delivery.topic === 'customers/update') customers.set(owner, p);
    if (delivery.topic === 'orders/create') orders.push(p);
    // A backfilled customer's refund is left out: the bulk order would carry it in `refunds`.
  }
  const gid = (type: string, id: unknown) => `gid://shopify/${type}/${id}`;
  const money = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' } });
  const backfillLines: object[] = [];
  for (const c of customers.values()) {
    backfillLines.push({
      id: gid('Customer', c.id), firstName: c.first_name, lastName: c.last_name, createdAt: c.created_at, updatedAt: c.updated_at,
      defaultEmailAddress: { emailAddress: c.email },
    });
  }
  for (const o of orders as Record<string, any>[]) {
    const id = gid('Order', o.id);
    backfillLines.push({
      id, name: o.name, email: o.email, createdAt: o.created_at, processedAt: o.processed_at, updatedAt: o.updated_at, test: false,
      currencyCode: 'USD', totalPriceSet: money(o.total_price), currentTotalPriceSet: money(o.current_total_price),
      displayFinancialStatus: 'PAID', displayFulfillmentStatus: 'UNFULFILLED', sourceName: o.source_name,
      discountCodes: o.discount_codes.map((d: { code: string }) => d.code),
      customer: { id: gid('Customer', o.customer.id), defaultEmailAddress: { emailAddress: o.email } },
    });
    for (const item of o.line_items) {
      backfillLines.push({
        id: gid('LineItem', item.id), title: item.title, quantity: item.quantity, sku: item.sku, originalUnitPriceSet: money(item.price),
        product: { id: gid('Product', item.product_id) }, __parentId: id,
      });
    }
  }
  return { webhooks, backfillLines };
}

export function writeJsonl(file: string, lines: readonly object[]): void {
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
}
