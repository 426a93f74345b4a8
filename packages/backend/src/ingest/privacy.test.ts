// Privacy on real Postgres, through the real webhook path: Shopify's
// customers/redact and customers/data_request, shop/redact, and the erase and
// export functions behind `tessera erase` / `tessera export`. After an
// erasure, every table is scanned for the person's email, phone and name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { encodeBase64, signHmacSha256 } from '../webhooks/hmac.ts';
import { handleShopifyWebhook } from '../webhooks/shopify.ts';
import { createConnectionRegistry } from './connections.ts';
import { createProcessor } from './processor.ts';
import { createRawEventLog } from './raw-event-log.ts';

const SECRET = 'shpss_privacy_test_secret';
const SHOP = 'hearth-and-grain.myshopify.com';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

/** Every place in the database a value could hide: each text, json and bytea column of our schemas. */
async function findEverywhere(db: Database, needles: string[]): Promise<string[]> {
  const columns = await db.query<{ schema: string; table: string; column: string; type: string }>(
    `select c.table_schema as schema, c.table_name as table, c.column_name as column, c.data_type as type
       from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
      where c.table_schema in ('public', 'tessera') and t.table_type = 'BASE TABLE'
        and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')`,
  );
  const found: string[] = [];
  for (const { schema, table, column, type } of columns) {
    const expression = type === 'bytea' ? `encode(${column}, 'escape')` : `${column}::text`;
    for (const needle of needles) {
      const [row] = await db.query<{ n: number }>(`select count(*)::int as n from "${schema}"."${table}" where ${expression} ilike $1`, [`%${needle}%`]);
      if (row!.n > 0) found.push(`${schema}.${table}.${column} contains ${needle}`);
    }
  }
  return found;
}

for (const target of testDatabases()) {
  describe(`privacy (${target.name})`, () => {
    let db: Database;
    let ws: string;
    let deliver: (topic: string, body: object) => Promise<number>;

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      const processor = createProcessor(db);
      const context = {
        findConnection: createConnectionRegistry(db, { workspaceId: ws, secrets: { shopify: SECRET } }),
        log: createRawEventLog(db),
        onAccepted: () => processor.schedule(),
      };
      let n = 0;
      deliver = async (topic, body) => {
        const raw = JSON.stringify(body);
        const response = await handleShopifyWebhook(
          new Request('http://localhost/webhooks/shopify', {
            method: 'POST',
            headers: {
              'x-shopify-topic': topic,
              'x-shopify-shop-domain': SHOP,
              'x-shopify-event-id': `privacy-${++n}`,
              'x-shopify-triggered-at': new Date(Date.UTC(2026, 5, 1) + n * 60_000).toISOString(),
              'x-shopify-hmac-sha256': encodeBase64(await signHmacSha256(SECRET, raw)),
            },
            body: raw,
          }),
          context,
        );
        await processor.idle();
        return response.status;
      };
      // Amara: a customer, an order, a refund, and a Kajabi purchase under the same email.
      await deliver('customers/create', fixture('shopify-customer'));
      await deliver('orders/create', fixture('shopify-order'));
      await deliver('refunds/create', fixture('shopify-refund'));
      await db.query(`select tessera.apply_record($1, 'kajabi', $2::jsonb, null)`, [
        ws,
        JSON.stringify({
          observed_at: '2026-06-02T00:00:00Z',
          identities: [{ kind: 'email', value: 'amara.okafor@example.com' }, { kind: 'kajabi_member', value: '88120' }],
          traits: [{ name: 'last_name', value: 'Okafor' }],
          events: [{ external_id: 'kajabi:purchase:88120-1', type: 'offer_purchased', occurred_at: '2026-06-02T00:00:00Z', revenue: 149, currency: 'CAD', properties: { offer: 'Sourdough Basics' } }],
          unrecognised: [],
        }),
      ]);
      // Someone else, who must be left alone.
      await deliver('customers/create', { id: 7241900399999, email: 'bo.larsen@example.com', first_name: 'Bo', last_name: 'Larsen', created_at: '2026-03-01T00:00:00Z' });
    });
    after(() => db?.close());

    const amara = () =>
      db.query<{ id: string }>(`select tessera.root_of(workspace_id, profile_id) as id from public.identities where kind = 'kajabi_member' and value = '88120'`).then((r) => r[0]?.id);

    it('answers customers/data_request with everything held about the person, and records it', async () => {
      assert.equal(await deliver('customers/data_request', { shop_id: 72919089352, shop_domain: SHOP, orders_requested: [5612004471496], customer: { id: 7241900311752, email: 'amara.okafor@example.com', phone: '+14165550142' }, data_request: { id: 9081 } }), 200);
      const [request] = await db.query<{ action: string; reference: string; result: any }>(`select action, reference, result from public.privacy_requests where reference = '9081'`);
      assert.equal(request?.action, 'export');
      const exported = request!.result.exports[0];
      assert.equal(exported.profile.email, 'amara.okafor@example.com');
      assert.deepEqual(exported.events.map((e: { type: string }) => e.type).sort(), ['customer_created', 'offer_purchased', 'order_placed', 'refund_issued']);
      assert.ok(exported.raw_events.some((r: { body: string }) => r.body.includes('Harbour Street')), 'the raw deliveries are part of the export');
    });

    it('erases every personal value on customers/redact, keeping non-identifying totals', async () => {
      const id = (await amara())!;
      const [before] = await db.query<{ revenue: string; events: number }>(
        `select p.lifetime_revenue::text as revenue, (select count(*)::int from public.events e where e.profile_id in (select tessera.cluster(p.workspace_id, p.id))) as events
           from public.profiles p where p.id = $1`,
        [id],
      );
      assert.equal(await deliver('customers/redact', { shop_id: 72919089352, shop_domain: SHOP, customer: { id: 7241900311752, email: 'amara.okafor@example.com', phone: '+14165550142' }, orders_to_redact: [5612004471496] }), 200);

      const leftovers = await findEverywhere(db, ['amara.okafor@example.com', 'Amara', 'Okafor', '+14165550142', '555-0142', 'Harbour Street']);
      assert.deepEqual(leftovers, []);
      const [after] = await db.query<{ revenue: string; events: number; erased_at: Date | null }>(
        `select p.lifetime_revenue::text as revenue, p.erased_at, (select count(*)::int from public.events e where e.profile_id in (select tessera.cluster(p.workspace_id, p.id))) as events
           from public.profiles p where p.id = $1`,
        [id],
      );
      assert.equal(after!.revenue, before!.revenue, 'revenue totals survive');
      assert.equal(after!.events, before!.events, 'what was bought and when survives, without who');
      assert.ok(after!.erased_at);
      const [request] = await db.query<{ action: string; requested_via: string; reference: string }>(`select action, requested_via, reference from public.privacy_requests where action = 'erase'`);
      assert.deepEqual(request, { action: 'erase', requested_via: 'shopify:webhook', reference: '7241900311752' });
      // The earlier export no longer holds her data either (checked by the scan above), and Bo is untouched.
      const [bo] = await db.query<{ display_name: string }>(`select display_name from public.profiles where email = 'bo.larsen@example.com'`);
      assert.equal(bo?.display_name, 'Bo Larsen');
    });

    it('a person who comes back after erasure starts a new profile', async () => {
      await deliver('orders/create', { ...fixture('shopify-order'), id: 5612004479999, admin_graphql_api_id: 'gid://shopify/Order/5612004479999' });
      const [row] = await db.query<{ n: number }>(`select count(distinct tessera.root_of(workspace_id, profile_id))::int as n from public.identities where value = 'amara.okafor@example.com'`);
      assert.equal(row!.n, 1);
      const [person] = await db.query<{ erased_at: Date | null }>(`select p.erased_at from public.identities i join public.profiles p on p.id = tessera.root_of(i.workspace_id, i.profile_id) where i.value = 'amara.okafor@example.com'`);
      assert.equal(person!.erased_at, null);
    });

    it('erase_profile and export_profile (what the CLI calls) do the same for any profile', async () => {
      const [bo] = await db.query<{ id: string }>(`select id from public.profiles where email = 'bo.larsen@example.com'`);
      const [{ exported }] = (await db.query<{ exported: any }>('select public.export_profile($1) as exported', [bo!.id])) as [{ exported: any }];
      assert.equal(exported.profile.display_name, 'Bo Larsen');
      await db.query('select public.erase_profile($1, $2)', [bo!.id, 'ticket 4411']);
      assert.deepEqual(await findEverywhere(db, ['bo.larsen@example.com', 'Larsen']), []);
      const [request] = await db.query<{ requested_via: string }>(`select requested_via from public.privacy_requests where reference = 'ticket 4411'`);
      assert.equal(request?.requested_via, 'cli');
    });

    it('shop/redact erases everyone the shop told us about', async () => {
      await deliver('customers/create', { id: 7241900388888, email: 'kim.novak@example.com', first_name: 'Kim', last_name: 'Novak', created_at: '2026-03-01T00:00:00Z' });
      assert.equal(await deliver('shop/redact', { shop_id: 72919089352, shop_domain: SHOP }), 200);
      assert.deepEqual(await findEverywhere(db, ['kim.novak@example.com', 'Novak', 'amara.okafor@example.com']), []);
    });
  });
}
