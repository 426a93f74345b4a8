// The SDK's journeys client as an app uses it, against `tessera serve`'s
// server: through the SDK's own backend and through a supabase-js client.
import { createClient } from '@supabase/supabase-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ws from 'ws';
// Until @tessera/core exports the journeys client, the test reads it from its files.
import { createTessera } from '../../../core/src/client.ts';
import type { JourneysClient } from '../../../core/src/journeys.ts';
import { signToken } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { startServer, type RunningServer } from '../server/start.ts';

const JWT_SECRET = 'sdk-journey-secret-with-at-least-32-characters';

/** Rosa's history, oldest first: a Shopify customer who also follows the shop on Instagram, told apart by a minute each. */
const minute = (i: number) => new Date(Date.UTC(2026, 1, 1, 9, i)).toISOString();
const shop = Array.from({ length: 5 }, (_, i) => ({
  external_id: `sdk:order:${i}`,
  type: 'order_placed',
  occurred_at: minute(2 * i),
  revenue: 10 + i,
  currency: 'USD',
  properties: { item_count: 1, items: [{ title: 'Country Loaf', quantity: 1, price: 10 + i }] },
}));
const social = Array.from({ length: 4 }, (_, i) => ({
  external_id: `sdk:comment:${i}`,
  type: 'commented',
  occurred_at: minute(2 * i + 1),
  properties: { network: 'instagram', text: `Looks great ${i}` },
}));

const expectErrorCode = (code: string, backendCode?: string) => (error: { name?: string; code?: string; backendCode?: string }) => {
  assert.equal(error.name, 'TesseraError');
  assert.equal(error.code, code);
  if (backendCode) assert.equal(error.backendCode, backendCode);
  return true;
};

for (const target of testDatabases()) {
  describe(`journeys client against tessera serve (${target.name})`, () => {
    let db: Database;
    let server: RunningServer;
    let rosa: string;
    let rosaOnInstagram: string;
    let journeys: JourneysClient;
    let outsiders: JourneysClient;
    const staff = { id: 'd0000000-0000-4000-8000-00000000000d', email: 'desk@hearth.example', role: 'member' };
    const outsider = { id: 'e0000000-0000-4000-8000-00000000000e', email: 'owner@elsewhere.example', role: 'owner' };

    before(async () => {
      db = await target.open();
      const workspaceId = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      await ensureStaff(db, workspaceId, staff);
      await ensureStaff(db, await ensureWorkspace(db, { slug: 'elsewhere', name: 'Elsewhere' }), outsider);
      const apply = async (source: string, identities: object[], events: object[]) =>
        (await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
          workspaceId,
          source,
          JSON.stringify({ observed_at: '2026-01-01T00:00:00Z', identities, traits: [], events, unrecognised: [] }),
        ]))[0]!.id;
      rosa = await apply('shopify', [{ kind: 'email', value: 'rosa@hearth.example' }], shop);
      rosaOnInstagram = await apply('meta', [{ kind: 'instagram', value: 'rosa.bakes' }], social);
      // A later import row names both: the Instagram profile is merged into Rosa's.
      await apply('social_import', [{ kind: 'instagram', value: 'rosa.bakes' }, { kind: 'email', value: 'rosa@hearth.example' }], []);

      server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: workspaceId, secrets: {} });
      const key = await signToken(JWT_SECRET, { role: 'anon' });
      const token = (who: typeof staff) => signToken(JWT_SECRET, { role: 'authenticated', sub: who.id, email: who.email }, '1h');
      journeys = createTessera({ url: server.url, key, accessToken: await token(staff), cache: false }).journeys;
      outsiders = createTessera({ url: server.url, key, accessToken: await token(outsider), cache: false }).journeys;
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    const newestFirst = [...shop, ...social].sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1));

    it('get answers a page in the JourneyPage shape, with both sources and a cursor to the next', async () => {
      const page = await journeys.get(rosa, { limit: 4 });
      assert.ok(page);
      assert.equal(page.profile_id, rosa);
      assert.deepEqual(page.events.map((e) => [e.type, new Date(e.occurred_at).toISOString()]), newestFirst.slice(0, 4).map((e) => [e.type, e.occurred_at]));
      assert.ok(page.next_cursor);
      const newestOrder = page.events.find((e) => e.type === 'order_placed')!;
      assert.equal(newestOrder.summary, 'Ordered 1 item, $14.00');
      assert.equal(newestOrder.revenue, 14);
      assert.equal(page.events.find((e) => e.type === 'commented')?.summary, 'Commented on your Instagram post');
    });

    it('paginate walks every page in order, for the id that was merged away too', async () => {
      const seen = [];
      for await (const event of journeys.paginate(rosaOnInstagram, { limit: 2 })) seen.push([event.type, new Date(event.occurred_at).toISOString()]);
      assert.deepEqual(seen, newestFirst.map((e) => [e.type, e.occurred_at]));
    });

    it('filters reach the function: kinds, sources, and a window given as Dates', async () => {
      const orders = [];
      for await (const event of journeys.paginate(rosa, { kinds: ['order_placed'], since: new Date(minute(2)), until: new Date(minute(8)), limit: 1 })) {
        orders.push(new Date(event.occurred_at).toISOString());
      }
      assert.deepEqual(orders, [minute(6), minute(4), minute(2)]);
      const fromInstagram = await journeys.get(rosa, { sources: ['meta'] });
      assert.deepEqual(fromInstagram?.events.map((e) => e.properties.text), ['Looks great 3', 'Looks great 2', 'Looks great 1', 'Looks great 0']);
    });

    it('a supabase-js client the app already has works the same', async () => {
      const supabase = createClient(server.url, await signToken(JWT_SECRET, { role: 'anon' }), {
        accessToken: async () => signToken(JWT_SECRET, { role: 'authenticated', sub: staff.id }, '1h'),
        realtime: { transport: ws as any },
      });
      const page = await createTessera({ supabase: supabase as any, url: server.url, cache: false }).journeys.get(rosa, { kinds: ['commented'], limit: 200 });
      assert.equal(page?.events.length, social.length);
    });

    it('someone from another workspace gets null, and paginate yields nothing', async () => {
      assert.equal(await outsiders.get(rosa), null);
      const seen = [];
      for await (const event of outsiders.paginate(rosa)) seen.push(event);
      assert.deepEqual(seen, []);
    });

    it('errors are TesseraErrors: a forged cursor, a bad limit or date, a cancelled call', async () => {
      await assert.rejects(journeys.get(rosa, { cursor: 'bm90IGEgY3Vyc29y' }), expectErrorCode('invalid_argument', '22023'));
      await assert.rejects(journeys.get(rosa, { limit: 0 }), expectErrorCode('invalid_argument'));
      await assert.rejects(journeys.get(rosa, { limit: 2.5 }), expectErrorCode('invalid_argument'));
      await assert.rejects(journeys.get(rosa, { since: 'last tuesday' }), expectErrorCode('invalid_argument'));
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(journeys.get(rosa, { signal: controller.signal }), expectErrorCode('aborted'));
    });
  });
}
