import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createProcessor, type Processor } from '../ingest/processor.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { encodeBase64, signHmacSha256 } from './hmac.ts';
import { handleShopifyWebhook } from './shopify.ts';
import type { WebhookContext } from './delivery.ts';

const SECRET = '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';
const SHOP = 'hearth-and-grain.myshopify.com';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

let eventCounter = 0;
async function shopifyRequest(
  topic: string,
  body: string | object,
  options: { secret?: string; eventId?: string; triggeredAt?: string; signature?: string | null } = {},
): Promise<Request> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-shop-domain': SHOP,
    'x-shopify-api-version': '2025-10',
    'x-shopify-event-id': options.eventId ?? `evt-${++eventCounter}-${Date.now()}`,
    'x-shopify-webhook-id': `wh-${eventCounter}`,
    'x-shopify-triggered-at': options.triggeredAt ?? new Date().toISOString(),
  };
  const signature = options.signature === undefined ? encodeBase64(await signHmacSha256(options.secret ?? SECRET, raw)) : options.signature;
  if (signature !== null) headers['x-shopify-hmac-sha256'] = signature;
  return new Request('http://localhost/webhooks/shopify', { method: 'POST', headers, body: raw });
}

for (const target of testDatabases()) {
  describe(`Shopify webhooks → profiles (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    let processor: Processor;
    let context: WebhookContext;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      processor = createProcessor(db);
      context = {
        findConnection: createConnectionRegistry(db, { workspaceId, secrets: { shopify: SECRET } }),
        log: createRawEventLog(db),
        onAccepted: () => processor.schedule(),
      };
    });
    after(() => db?.close());

    const deliver = async (request: Request) => {
      const response = await handleShopifyWebhook(request, context);
      await processor.idle();
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const profileByEmail = async (email: string) =>
      (
        await db.query<Record<string, any>>(
          `select p.* from public.profiles p join public.identities i on i.workspace_id = p.workspace_id and i.profile_id = p.id
            where i.kind = 'email' and i.value = $1`,
          [email],
        )
      )[0];
    const rawEvents = (key: string) =>
      db.query<Record<string, any>>(`select * from public.raw_events where idempotency_key = $1 order by id`, [`event:${key}`]);

    it('accepts a signed customers/create and turns it into a profile', async () => {
      const { status, body } = await deliver(await shopifyRequest('customers/create', fixture('shopify-customer'), { eventId: 'create-1' }));
      assert.equal(status, 200);
      assert.equal(body.status, 'accepted');
      const profile = await profileByEmail('amara.okafor@example.com');
      assert.equal(profile?.display_name, 'Amara Okafor');
      assert.equal(profile?.phone, '+14165550142');
      const [raw] = await rawEvents('create-1');
      assert.equal(raw?.status, 'processed');
      assert.equal(raw?.profile_id, profile?.id);
    });

    it('stores the body byte for byte, with the headers, before processing', async () => {
      const body = JSON.stringify(fixture('shopify-customer'), null, 3) + '\n';
      await deliver(await shopifyRequest('customers/update', body, { eventId: 'verbatim-1' }));
      const [raw] = await rawEvents('verbatim-1');
      assert.equal(Buffer.from(raw!.body).toString('utf8'), body);
      assert.equal(raw!.headers['x-shopify-topic'], 'customers/update');
      assert.equal(raw!.headers['x-shopify-shop-domain'], SHOP);
    });

    it('refuses a wrong signature with 401 and a reason, records it, and changes nothing', async () => {
      const before = await db.query('select count(*)::int as n from public.profiles');
      const forged = { ...fixture('shopify-customer'), id: 999001, email: 'mallory@example.com', admin_graphql_api_id: undefined };
      const { status, body } = await deliver(await shopifyRequest('customers/create', forged, { eventId: 'forged-1', secret: 'not-the-secret' }));
      assert.equal(status, 401);
      assert.match(body.error, /X-Shopify-Hmac-Sha256 does not match the body signed with SHOPIFY_WEBHOOK_SECRET/);
      const [raw] = await rawEvents('forged-1');
      assert.equal(raw?.status, 'rejected');
      assert.equal(await profileByEmail('mallory@example.com'), undefined);
      assert.deepEqual(await db.query('select count(*)::int as n from public.profiles'), before);
    });

    it('refuses an unsigned request and a signature that is not base64', async () => {
      const unsigned = await deliver(await shopifyRequest('customers/create', fixture('shopify-customer'), { signature: null }));
      assert.equal(unsigned.status, 401);
      assert.match(unsigned.body.error, /header missing/);
      const garbage = await deliver(await shopifyRequest('customers/create', fixture('shopify-customer'), { signature: '%%%not base64' }));
      assert.equal(garbage.status, 401);
    });

    it('a forged delivery does not take the event id of the genuine one', async () => {
      const order = fixture('shopify-order');
      const forged = await deliver(await shopifyRequest('orders/create', { ...order, total_price: '0.01' }, { eventId: 'order-9', secret: 'wrong' }));
      assert.equal(forged.status, 401);
      const genuine = await deliver(await shopifyRequest('orders/create', order, { eventId: 'order-9' }));
      assert.equal(genuine.status, 200);
      assert.equal(genuine.body.status, 'accepted');
    });

    it('processes a replayed delivery (same X-Shopify-Event-Id) once', async () => {
      const order = { ...fixture('shopify-order'), id: 5612004471999, admin_graphql_api_id: 'gid://shopify/Order/5612004471999' };
      const first = await deliver(await shopifyRequest('orders/create', order, { eventId: 'replay-1' }));
      const revenueAfterFirst = (await profileByEmail('amara.okafor@example.com'))?.lifetime_revenue;
      const second = await deliver(await shopifyRequest('orders/create', order, { eventId: 'replay-1' }));
      assert.equal(first.body.status, 'accepted');
      assert.equal(second.status, 200);
      assert.equal(second.body.status, 'duplicate');
      assert.equal(second.body.id, first.body.id);
      assert.equal((await rawEvents('replay-1')).length, 1);
      assert.equal((await profileByEmail('amara.okafor@example.com'))?.lifetime_revenue, revenueAfterFirst);
    });

    it('answers malformed JSON with 400 and keeps it in the dead-letter', async () => {
      const { status, body } = await deliver(await shopifyRequest('customers/update', '{"id": 7241900311752, "first_name": "Am', { eventId: 'broken-1' }));
      assert.equal(status, 400);
      assert.match(body.error, /not valid JSON/);
      const [raw] = await rawEvents('broken-1');
      assert.equal(raw?.status, 'failed');
      assert.match(raw?.error, /not valid JSON/);
      assert.equal(Buffer.from(raw!.body).toString('utf8'), '{"id": 7241900311752, "first_name": "Am');
    });

    it('answers a payload it cannot use with 400 and the reason', async () => {
      const { status, body } = await deliver(await shopifyRequest('customers/create', { email: 'x@example.com' }, { eventId: 'noid-1' }));
      assert.equal(status, 400);
      assert.match(body.error, /no usable id/);
      assert.equal((await rawEvents('noid-1'))[0]?.status, 'failed');
    });

    it('an older update arriving late does not overwrite a newer one', async () => {
      const customer = fixture('shopify-customer');
      const inAnHour = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
      await deliver(await shopifyRequest('customers/update', { ...customer, first_name: 'Newer' }, { triggeredAt: inAnHour(60) }));
      await deliver(await shopifyRequest('customers/update', { ...customer, first_name: 'Older' }, { triggeredAt: inAnHour(30) }));
      assert.equal((await profileByEmail('amara.okafor@example.com'))?.first_name, 'Newer');
    });

    it('adds orders to the profile: revenue, count, last activity', async () => {
      const profile = await profileByEmail('amara.okafor@example.com');
      const [totals] = await db.query<{ revenue: string; orders: number; last: Date }>(
        `select sum(revenue)::text as revenue, count(*)::int as orders, max(occurred_at) as last from public.events
          where profile_id = $1 and type = 'order_placed'`,
        [profile!.id],
      );
      assert.equal(totals!.orders, 2);
      assert.equal(Number(profile!.lifetime_revenue), Number(totals!.revenue));
      assert.equal(Number(profile!.lifetime_revenue), 94.44 * 2);
      assert.equal(profile!.orders_count, 2);
      assert.equal(new Date(profile!.last_activity_at).getTime(), new Date(totals!.last).getTime());
    });

    const rootOf = async (kind: string, value: string) =>
      (
        await db.query<{ root: string }>(
          `select tessera.root_of(workspace_id, profile_id) as root from public.identities where kind = $1 and value = $2`,
          [kind, value],
        )
      )[0]?.root;

    it('merges a customer and a guest checkout when an order links their email and phone, keeping the older one', async () => {
      await deliver(await shopifyRequest('customers/create', { id: 61001, email: 'li.wei@example.com', first_name: 'Wei', last_name: 'Li', created_at: '2026-01-01T00:00:00Z' }));
      await deliver(await shopifyRequest('orders/create', { id: 777000, phone: '+1 415 555 0177', created_at: '2026-02-01T00:00:00Z', total_price: '30.00', currency: 'USD', billing_address: { first_name: 'Wei', country_code: 'US' } }));
      const customer = await rootOf('shopify_customer', '61001');
      const guest = await rootOf('phone', '+14155550177');
      assert.notEqual(customer, guest);
      await deliver(await shopifyRequest('orders/create', { id: 777001, email: 'li.wei@example.com', phone: '+1 415 555 0177', created_at: '2026-03-01T00:00:00Z', total_price: '12.00', currency: 'USD' }));
      assert.equal(await rootOf('phone', '+14155550177'), customer);
      assert.equal(await rootOf('email', 'li.wei@example.com'), customer);
      const [person] = await db.query<Record<string, any>>('select * from public.profiles where id = $1', [customer]);
      assert.equal(Number(person!.lifetime_revenue), 42);
      assert.equal(person!.orders_count, 2);
      assert.equal((await db.query('select 1 from public.profile_merges where survivor_id = $1 and merged_id = $2', [customer, guest])).length, 1);
    });

    it('keeps two Shopify customers who share a family email apart, and records the conflict', async () => {
      await deliver(await shopifyRequest('customers/create', { id: 62001, email: 'the.parks@example.com', first_name: 'Jin', last_name: 'Park', created_at: '2026-01-01T00:00:00Z' }));
      await deliver(await shopifyRequest('customers/create', { id: 62002, email: 'the.parks@example.com', first_name: 'Min', last_name: 'Park', created_at: '2026-01-02T00:00:00Z' }));
      const jin = await rootOf('shopify_customer', '62001');
      const min = await rootOf('shopify_customer', '62002');
      assert.ok(jin && min);
      assert.notEqual(jin, min);
      const [conflict] = await db.query<Record<string, any>>(`select * from public.identity_conflicts where value = 'the.parks@example.com'`);
      assert.equal(conflict?.owner_profile_id, jin);
      assert.match(conflict?.reason, /at most 1 shopify_customer per person/);
      const names = await db.query<{ display_name: string }>('select display_name from public.profiles where id in ($1, $2) order by display_name', [jin, min]);
      assert.deepEqual(names.map((n) => n.display_name), ['Jin Park', 'Min Park']);
    });

    it('sends a delivery it cannot process to the dead-letter with the reason, and retrying after success changes nothing', async () => {
      const [stored] = await db.query<{ result: { id: number } }>(
        `select public.record_raw_event($1, 'mastodon', 'status', 'm-1', '{}'::jsonb, $2) as result`,
        [workspaceId, Buffer.from('{}').toString('base64')],
      );
      await processor.drain();
      const [row] = await db.query<Record<string, any>>('select status, error, attempts from public.raw_events where id = $1', [stored!.result.id]);
      assert.equal(row?.status, 'failed');
      assert.match(row?.error, /No normaliser for source mastodon/);
      assert.equal(row?.attempts, 1);
    });
  });
}
