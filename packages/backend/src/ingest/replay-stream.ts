import { createRandom } from '../seed/random.ts';
import { DEMO_SHOP, generateShopifyStore, type ShopifyDelivery } from '../seed/shopify-store.ts';
import { shopifyWebhookRequest } from '../webhooks/shopify-request.ts';

/**
 * Webhook streams for replay and ordering tests: a store's history as Shopify
 * would send it once and in order, and the same history as Shopify really
 * delivers it (retries with the same X-Shopify-Event-Id, in any order), and
 * the signed POST that carries each delivery to `/webhooks/shopify`.
 */

const FIRST_NAMES_AFTER = ['Alex', 'Sam', 'Robin', 'Jo', 'Kim', 'Lou'];
const LAST_NAMES_AFTER = ['Okoye', 'Lindgren', 'Ferreira', 'Takahashi', 'Delacroix', 'Byrne', 'Nowak', 'Achebe'];

/**
 * The generated store's deliveries, plus name changes: about `nameChanges` of
 * the customers rename themselves (a marriage, a preferred first name) at some
 * point of their history, with a customers/update at that moment, and every
 * later payload (their orders' embedded customer, a later phone update) carries
 * the new name, as Shopify's would. Sorted by triggeredAt, then event id.
 *
 * @example
 * const clean = shopifyHistory({ customers: 2300, seed: 42, now: Date.parse('2026-11-01T00:00:00Z') });
 */
export function shopifyHistory(options: { customers: number; seed: number; now: number; nameChanges?: number }): ShopifyDelivery[] {
  const deliveries = generateShopifyStore({ customers: options.customers, seed: options.seed, now: options.now });
  const random = createRandom(options.seed ^ 0x5eed);
  const byCustomer = new Map<number, ShopifyDelivery[]>();
  for (const delivery of deliveries) {
    const customer = customerOf(delivery);
    if (customer) byCustomer.set(customer.id as number, [...(byCustomer.get(customer.id as number) ?? []), delivery]);
  }
  const renamed: ShopifyDelivery[] = [];
  let counter = 0;
  for (const [id, own] of byCustomer) {
    if (!random.chance(options.nameChanges ?? 0.1)) continue;
    const created = own.find((d) => d.topic === 'customers/create')!;
    const from = Date.parse(created.triggeredAt);
    const at = from + 60_000 + random.next() * (options.now - from - 120_000);
    const rename = random.chance(0.5) ? { first_name: random.pick(FIRST_NAMES_AFTER) } : { last_name: random.pick(LAST_NAMES_AFTER) };
    for (const delivery of own) if (Date.parse(delivery.triggeredAt) > at) applyName(delivery, rename);
    // The update itself: the customer as they were just before, renamed, touched at `at`.
    const before = own.filter((d) => Date.parse(d.triggeredAt) <= at).at(-1)!;
    const payload = structuredClone(customerOf(before)!);
    delete payload.orders_count;
    const stamp = new Date(Math.floor(at / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    payload.updated_at = stamp;
    const update: ShopifyDelivery = { topic: 'customers/update', eventId: `rename-${id}-${++counter}`, triggeredAt: stamp, payload };
    applyName(update, rename);
    renamed.push(update);
  }
  return [...deliveries, ...renamed].sort((a, b) => a.triggeredAt.localeCompare(b.triggeredAt) || a.eventId.localeCompare(b.eventId));
}

/** The customer object a delivery carries (the payload itself, or an order's `customer`); null for a refund. */
function customerOf(delivery: ShopifyDelivery): Record<string, unknown> | null {
  if (delivery.topic === 'customers/create' || delivery.topic === 'customers/update') return delivery.payload;
  if (delivery.topic === 'orders/create') return delivery.payload.customer as Record<string, unknown>;
  return null;
}

function applyName(delivery: ShopifyDelivery, rename: { first_name?: string; last_name?: string }) {
  const customer = customerOf(delivery);
  if (!customer) return;
  Object.assign(customer, rename);
  for (const address of [customer.default_address, ...((customer.addresses as unknown[]) ?? [])]) {
    if (address && typeof address === 'object') {
      const a = address as Record<string, unknown>;
      Object.assign(a, rename);
      a.name = `${a.first_name} ${a.last_name}`;
    }
  }
}

/**
 * The same deliveries as Shopify's at-least-once delivery sends them: a
 * `retried` share sent a second time (same event id, same body, same
 * headers), and everything shuffled (Fisher–Yates, seeded).
 */
export function retriedAndShuffled<T>(deliveries: readonly T[], options: { seed: number; retried: number }): { stream: T[]; retries: number } {
  const random = createRandom(options.seed);
  const stream = [...deliveries];
  let retries = 0;
  for (const delivery of deliveries) {
    if (random.chance(options.retried)) {
      stream.push(delivery);
      retries++;
    }
  }
  for (let i = stream.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [stream[i], stream[j]] = [stream[j]!, stream[i]!];
  }
  return { stream, retries };
}

/** One delivery, signed with `secret` as Shopify signs it (HMAC-SHA256 of the exact body), POSTed to `/webhooks/shopify`. */
export async function postShopifyDelivery(baseUrl: string, secret: string, delivery: ShopifyDelivery): Promise<{ status: number; body: { status?: string; id?: number; error?: string } }> {
  const request = await shopifyWebhookRequest(secret, { ...delivery, shop: DEMO_SHOP, body: JSON.stringify(delivery.payload) });
  const response = await fetch(`${baseUrl}/webhooks/shopify`, request);
  return { status: response.status, body: (await response.json()) as { status?: string; id?: number; error?: string } };
}

/** Posts every delivery, `concurrency` requests in flight; the answers in stream order. */
export async function postAll(baseUrl: string, secret: string, stream: readonly ShopifyDelivery[], concurrency: number) {
  const answers: Awaited<ReturnType<typeof postShopifyDelivery>>[] = new Array(stream.length);
  let next = 0;
  const worker = async () => {
    while (next < stream.length) {
      const at = next++;
      answers[at] = await postShopifyDelivery(baseUrl, secret, stream[at]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}
