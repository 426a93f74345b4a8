import { serve } from '@hono/node-server';
import { createClient, type RealtimePostgresUpdatePayload } from '@supabase/supabase-js';
import { createTessera, isTesseraError, Profile } from '@tessera/core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ws from 'ws';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { attachRealtime, type RealtimeServer } from '../realtime/realtime-server.ts';
import { DEMO_SHOP } from '../seed/shopify-store.ts';
import { createApp } from '../server/app.ts';
import { signAppProxyQuery } from './app-proxy.ts';
import { asCaller } from './as-caller.ts';
import { createTokenVerifier, signToken } from './jwt.ts';

const JWT_SECRET = 'storefront-access-jwt-secret-of-32-characters';
const HEARTH = { shop: 'hearth-and-grain-test.myshopify.com', secret: 'hearth-app-client-secret' };
const OTHER = { shop: 'other-store.myshopify.com', secret: 'other-app-client-secret' };
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));
const AMARA_SHOPIFY_ID = String(fixture('shopify-customer').id);

async function ingest(db: Database, workspaceId: string, topic: string, payload: unknown): Promise<string> {
  const result = normaliseShopify({ source: 'shopify', topic, headers: {}, body: payload, triggeredAt: null, receivedAt: new Date().toISOString() });
  if (result.kind !== 'record') throw new Error('expected a record');
  const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [workspaceId, JSON.stringify(result.record)]);
  return row!.id;
}

for (const target of testDatabases()) {
  describe(`storefront customers read only their own card (${target.name})`, () => {
    let db: Database;
    let server: Server;
    let realtime: RealtimeServer;
    let url: string;
    let anonKey: string;
    let workspaceA: string;
    let amara: string; // Shopify customer AMARA_SHOPIFY_ID of Hearth, with orders and a churn score
    let amaraAlt: string; // her second Shopify account, merged into her
    let jon: string; // another customer of Hearth
    let other: string; // a customer of another store, same email as Amara

    /** Asks for a session as Shopify's App Proxy would forward a storefront request. */
    const proxied = async (params: Record<string, string>, secret = HEARTH.secret) => {
      const query = new URLSearchParams({ shop: HEARTH.shop, path_prefix: '/apps/tessera', timestamp: String(Math.floor(Date.now() / 1000)), ...params });
      return fetch(`${url}/functions/v1/storefront-session?${await signAppProxyQuery(query, secret)}`);
    };
    const sessionFor = async (customerId: string) => {
      const response = await proxied({ logged_in_customer_id: customerId });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as { access_token: string; expires_at: number; profile_id: string };
    };
    const client = (token: string) => createClient(url, anonKey, { accessToken: async () => token, realtime: { transport: ws as any } });

    before(async () => {
      db = await target.open();
      workspaceA = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      const workspaceB = await ensureWorkspace(db, { slug: 'other', name: 'Other Store' });
      await ensureStaff(db, workspaceA, { id: 'a0000000-0000-4000-8000-00000000000a', email: 'ana@hearth.example', role: 'owner' });
      await db.query(`insert into tessera.connections (workspace_id, source, account, secret) values ($1, 'shopify', $2, $3), ($1, 'shopify', $4, $3), ($5, 'shopify', $6, $7)`, [
        workspaceA,
        HEARTH.shop,
        HEARTH.secret,
        DEMO_SHOP,
        workspaceB,
        OTHER.shop,
        OTHER.secret,
      ]);
      amara = await ingest(db, workspaceA, 'customers/create', fixture('shopify-customer'));
      await ingest(db, workspaceA, 'orders/create', fixture('shopify-order'));
      amaraAlt = await ingest(db, workspaceA, 'customers/create', { id: 5103, email: 'amara.work@okafor-studio.example', first_name: 'Amara', last_name: 'Okafor', created_at: '2026-02-05T00:00:00Z' });
      await db.query(`select tessera.merge_profiles($1, $2, array[$3::uuid], '{"reason": "same person"}'::jsonb, null)`, [workspaceA, amara, amaraAlt]);
      jon = await ingest(db, workspaceA, 'customers/create', { id: 5102, email: 'jon@smithandkettle.example', first_name: 'Jon', last_name: 'Smith', created_at: '2026-02-03T00:00:00Z' });
      other = await ingest(db, workspaceB, 'customers/create', { id: 5001, email: 'amara.okafor@example.com', first_name: 'Not', last_name: 'Her', created_at: '2026-01-02T00:00:00Z' });
      const score = (profileId: string, band: string) => ({ profile_id: profileId, model: 'bgnbd', version: 1, risk: 0.82, band, horizon_days: 90, palive: 0.31, expected_purchases: 0.4, clv: 120, factors: [] });
      await db.query('select tessera.store_churn_scores($1, $2::jsonb)', [workspaceA, JSON.stringify([score(amara, 'high'), score(jon, 'low')])]);
      await db.query('select tessera.refresh_profile_facts($1)', [workspaceA]);

      const verifyToken = createTokenVerifier(JWT_SECRET);
      const app = createApp({
        db,
        verifyToken,
        jwtSecret: JWT_SECRET,
        webhooks: { findConnection: createConnectionRegistry(db), log: createRawEventLog(db), onAccepted: () => {}, apps: {} },
        demoSession: async () => ({}),
      });
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
      });
      realtime = await attachRealtime(server, { db, verifyToken });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      anonKey = await signToken(JWT_SECRET, { role: 'anon' });
    });
    after(async () => {
      await realtime?.close();
      server?.closeAllConnections?.();
      await new Promise((resolve) => server?.close(resolve));
      await db?.close();
    });

    it('a signed App Proxy request yields a 15-minute token for the logged-in customer, never cached, CORS-readable', async () => {
      const response = await proxied({ logged_in_customer_id: AMARA_SHOPIFY_ID });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = await response.json();
      assert.equal(body.profile_id, amara);
      const lifetime = body.expires_at - Date.now() / 1000;
      assert.ok(lifetime > 890 && lifetime <= 900, `expires in ${lifetime} s`);
      const preflight = await fetch(`${url}/functions/v1/storefront-session`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    });

    it('with it the customer reads their own profile, churn and journey through the RPC gateway', async () => {
      const me = client((await sessionFor(AMARA_SHOPIFY_ID)).access_token);
      const profile = await me.rpc('get_profile', { profile_id: amara });
      assert.equal(profile.error, null);
      const parsed = Profile.parse(profile.data);
      assert.equal(parsed.display_name, 'Amara Okafor');
      assert.equal(parsed.orders_count, 1);
      // Her merged account's identity is part of her card.
      assert.ok(parsed.identities.some((i) => i.kind === 'shopify_customer' && i.value === '5103'));
      assert.equal((await me.rpc('get_churn', { profile_id: amara })).data?.band, 'high');
      const journey = await me.rpc('get_journey', { profile_id: amara });
      assert.equal(journey.error, null);
      assert.ok(journey.data.events.length >= 2);
      assert.ok(journey.data.events.some((e: { type: string }) => e.type === 'order_placed'));
    });

    it('a customer of a merged-away account gets the person it was merged into', async () => {
      const session = await sessionFor('5103');
      assert.equal(session.profile_id, amara);
      const me = client(session.access_token);
      assert.equal((await me.rpc('get_profile', { profile_id: amaraAlt })).data?.id, amara);
    });

    it("reading anyone else answers null: another customer of the shop, or another store's", async () => {
      const me = client((await sessionFor(AMARA_SHOPIFY_ID)).access_token);
      for (const someone of [jon, other]) {
        for (const fn of ['get_profile', 'get_churn', 'get_journey']) {
          const { data, error } = await me.rpc(fn, { profile_id: someone });
          assert.equal(error, null, fn);
          assert.equal(data, null, `${fn} of ${someone}`);
        }
      }
      // Positive control: Jon's own token does read Jon.
      assert.equal((await client((await sessionFor('5102')).access_token).rpc('get_profile', { profile_id: jon })).data?.display_name, 'Jon Smith');
    });

    it('every workspace-wide function is refused or answers nothing for a customer token', async () => {
      const me = client((await sessionFor(AMARA_SHOPIFY_ID)).access_token);
      const period = { since: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' };
      const everyone = { kind: 'has', identity: 'email' };
      const calls: [string, Record<string, unknown>][] = [
        ['search_profiles', { query: 'okafor' }],
        ['search_profiles', { query: 'okafor', workspace_id: workspaceA }],
        ['resolve_profile', { kind: 'email', value: 'jon@smithandkettle.example', workspace_id: workspaceA }],
        ['list_segments', { workspace_id: workspaceA }],
        ['preview_segment', { segment: everyone, workspace_id: workspaceA }],
        ['save_segment', { name: 'mine', query: 'has email', definition: everyone, workspace_id: workspaceA }],
        ['stage_conversion', { ...period, workspace_id: workspaceA }],
        ['cohort_retention', { ...period, workspace_id: workspaceA }],
        ['common_paths', { from_stage: 'lead', to_stage: 'loyal', ...period, workspace_id: workspaceA }],
        ['list_duplicate_suggestions', { workspace_id: workspaceA }],
        ['list_webhook_endpoints', { workspace_id: workspaceA }],
        ['create_webhook_endpoint', { url: 'https://evil.example/hook', events: ['segment.entered'], workspace_id: workspaceA }],
        // Even about herself: exports, erasure and merges are staff decisions.
        ['export_profile', { profile_id: amara }],
        ['erase_profile', { profile_id: amara }],
        ['merge_profiles', { profile_id: amara, other_profile_id: jon }],
        ['unmerge_profile', { profile_id: amaraAlt }],
        ['confirm_duplicate_suggestion', { profile_a: amara, profile_b: jon }],
      ];
      for (const [fn, args] of calls) {
        const { status, data, error } = await me.rpc(fn, args);
        assert.equal(status, 403, `${fn}: ${status} ${JSON.stringify(data)}`);
        assert.equal(error?.code, '42501', fn);
      }
      const refusal = await me.rpc('search_profiles', { query: 'okafor' });
      assert.match(refusal.error?.message ?? '', /storefront customer token reads only its own profile/);
      // Functions keyed by a row id find no row of theirs.
      assert.deepEqual((await me.rpc('list_webhook_deliveries', { endpoint_id: '00000000-0000-4000-8000-000000000000' })).data ?? [], []);
      // Nor do the tables themselves open up beyond her person.
      const claims = await createTokenVerifier(JWT_SECRET)((await sessionFor(AMARA_SHOPIFY_ID)).access_token);
      const rows = await asCaller(db, claims, async (tx) => {
        return tx.query<{ t: string; n: number }>(
          `select 'profiles' as t, count(*)::int as n from public.profiles union all
           select 'workspaces', count(*)::int from public.workspaces union all
           select 'segments', count(*)::int from public.segments union all
           select 'profile_facts', count(*)::int from public.profile_facts union all
           select 'raw_events', count(*)::int from public.raw_events`,
        );
      });
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.t, r.n])), { profiles: 2, workspaces: 0, segments: 0, profile_facts: 0, raw_events: 0 });
    });

    it('refuses a forged signature, a tampered customer id, a stale timestamp and nobody logged in, with 401 and a reason', async () => {
      const forged = await proxied({ logged_in_customer_id: AMARA_SHOPIFY_ID }, 'guessed-secret');
      assert.equal(forged.status, 401);
      assert.match((await forged.json()).error, /signature does not match/);

      const genuine = await signAppProxyQuery(
        new URLSearchParams({ shop: HEARTH.shop, logged_in_customer_id: '5102', path_prefix: '/apps/tessera', timestamp: String(Math.floor(Date.now() / 1000)) }),
        HEARTH.secret,
      );
      genuine.set('logged_in_customer_id', AMARA_SHOPIFY_ID); // Jon edits the URL to become Amara
      const tampered = await fetch(`${url}/functions/v1/storefront-session?${genuine}`);
      assert.equal(tampered.status, 401);
      assert.equal((await tampered.json()).code, 'bad_signature');

      // Signed with the other store's secret but claiming Hearth's shop.
      const crossShop = await proxied({ logged_in_customer_id: AMARA_SHOPIFY_ID }, OTHER.secret);
      assert.equal(crossShop.status, 401);

      const stale = await proxied({ logged_in_customer_id: AMARA_SHOPIFY_ID, timestamp: String(Math.floor(Date.now() / 1000) - 600) });
      assert.equal(stale.status, 401);
      assert.match((await stale.json()).error, /more than 300 seconds/);

      const anonymous = await proxied({ logged_in_customer_id: '' });
      assert.equal(anonymous.status, 401);
      assert.match((await anonymous.json()).error, /not logged in/);

      const unsigned = await fetch(`${url}/functions/v1/storefront-session?shop=${HEARTH.shop}&logged_in_customer_id=${AMARA_SHOPIFY_ID}`);
      assert.equal(unsigned.status, 401);

      const unknownShop = await proxied({ shop: 'nobody.myshopify.com', logged_in_customer_id: AMARA_SHOPIFY_ID });
      assert.equal(unknownShop.status, 404);
      const noProfile = await proxied({ logged_in_customer_id: '999999' });
      assert.equal(noProfile.status, 404);
    });

    it('refuses an expired or forged customer token at the RPC gateway', async () => {
      const claims = { role: 'authenticated', sub: '8c6a7b2e-1f00-8000-8000-000000000001', tessera_customer: { workspace_id: workspaceA, profile_id: jon, customer: 'shopify-customer:x:1' } };
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = await client(await signToken(JWT_SECRET, claims, past)).rpc('get_profile', { profile_id: jon });
      assert.equal(expired.status, 401);
      assert.equal(expired.error?.code, 'PGRST303');
      const forged = await client(await signToken('a-guess-at-the-jwt-secret-32-characters', claims, '15m')).rpc('get_profile', { profile_id: jon });
      assert.equal(forged.status, 401);
      assert.match(forged.error?.message ?? '', /could not be verified/);
    });

    it("realtime delivers changes of the customer's own profile row, and no one else's", async () => {
      const me = client((await sessionFor(AMARA_SHOPIFY_ID)).access_token);
      await me.realtime.setAuth();
      const seen: RealtimePostgresUpdatePayload<{ id: string }>[] = [];
      let arrived!: () => void;
      const mine = new Promise<void>((resolve) => (arrived = resolve));
      const channel = me
        .channel('storefront-everyone')
        .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'profiles' }, (change: RealtimePostgresUpdatePayload<{ id: string }>) => {
          seen.push(change);
          if (change.new.id === amara) arrived();
        });
      await new Promise<void>((resolve, reject) => channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : error && reject(error))));
      await db.query(`update public.profiles set orders_count = orders_count + 1 where id = $1`, [jon]);
      await db.query(`update public.profiles set orders_count = orders_count + 1 where id = $1`, [other]);
      await db.query(`update public.profiles set display_name = 'Amara N. Okafor' where id = $1`, [amara]);
      await mine;
      // Changes reach a socket in commit order: Jon's and the other store's would have come first.
      assert.deepEqual(seen.map((c) => c.new.id), [amara]);
      await me.removeAllChannels();
      await db.query(`update public.profiles set display_name = 'Amara Okafor' where id = $1`, [amara]);
    });

    it('the demo stands in for the App Proxy, and the core SDK reads "me" through it', async () => {
      const demo = await fetch(`${url}/demo/app-proxy/session?customer=${AMARA_SHOPIFY_ID}`);
      assert.equal(demo.status, 200);
      assert.equal((await demo.json()).profile_id, amara);
      assert.equal((await fetch(`${url}/demo/app-proxy/session`)).status, 401);

      const tessera = createTessera({ url, key: anonKey, storefront: { sessionUrl: `${url}/demo/app-proxy/session?customer=${AMARA_SHOPIFY_ID}` }, cache: false });
      assert.equal((await tessera.profiles.get('me'))?.id, amara);
      assert.equal((await tessera.churn.get('me'))?.band, 'high');
      assert.equal((await tessera.journeys.get('me'))?.profile_id, amara);
      assert.equal(await tessera.profiles.get(jon), null);

      const visitor = createTessera({ url, key: anonKey, storefront: { sessionUrl: `${url}/demo/app-proxy/session` }, cache: false });
      await assert.rejects(visitor.profiles.get('me'), (error) => isTesseraError(error, 'unauthorized') && /not logged in/.test(error.message));
    });
  });
}
