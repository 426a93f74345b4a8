import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createClient,
  type RealtimeChannel,
  type RealtimePostgresChangesFilter,
  type RealtimePostgresInsertPayload,
  type RealtimePostgresUpdatePayload,
  type SupabaseClient,
  type WebSocketLikeConstructor,
} from '@supabase/supabase-js';
import WebSocket from 'ws';
import { createTokenVerifier, signToken } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { attachRealtime, type RealtimeServer } from './realtime-server.ts';

const JWT_SECRET = 'tessera-local-jwt-secret-with-at-least-32-characters';

interface Profile {
  workspace_id: string;
  id: string;
  display_name: string | null;
  email: string | null;
  lifetime_revenue: number;
  orders_count: number;
}
// These tests make no DELETEs, so every change has the new row.
type Change = RealtimePostgresInsertPayload<Profile> | RealtimePostgresUpdatePayload<Profile>;
// Node 20 has no global WebSocket; @types/ws's constructor is typed more widely than realtime-js expects.
const transport = WebSocket as unknown as WebSocketLikeConstructor;

// Two merchants, one staff member each, and their customers.
const acme = { id: randomUUID(), owner: randomUUID(), maya: randomUUID(), noah: randomUUID() };
const bolt = { id: randomUUID(), owner: randomUUID(), olga: randomUUID() };

for (const target of testDatabases()) {
  describe(`realtime on ${target.name}: supabase-js subscribes to postgres_changes`, () => {
    let db: Database;
    let server: Server;
    let realtime: RealtimeServer;
    let url: string;
    let anonKey: string;
    let aliceToken: string; // owner of Acme Candles
    let brunoToken: string; // owner of Bolt Coffee
    const clients: SupabaseClient[] = [];

    before(async () => {
      db = await target.open();
      await db.query(`insert into public.workspaces (id, name, slug) values ($1, 'Acme Candles', 'acme-candles'), ($2, 'Bolt Coffee', 'bolt-coffee')`, [acme.id, bolt.id]);
      await db.query(`insert into auth.users (id, email) values ($1, 'alice@acmecandles.com'), ($2, 'bruno@boltcoffee.com')`, [acme.owner, bolt.owner]);
      await db.query(`insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'owner'), ($3, $4, 'owner')`, [acme.id, acme.owner, bolt.id, bolt.owner]);
      await db.query(
        `insert into public.profiles (workspace_id, id, display_name, email, lifetime_revenue, orders_count) values
           ($1, $2, 'Maya Lindqvist', 'maya@example.com', 84.00, 2),
           ($1, $3, 'Noah Becker', 'noah@example.com', 19.90, 1),
           ($4, $5, 'Olga Petrova', 'olga@example.com', 42.50, 3)`,
        [acme.id, acme.maya, acme.noah, bolt.id, bolt.olga],
      );

      server = createServer((_request, response) => response.writeHead(404).end());
      realtime = await attachRealtime(server, { db, verifyToken: createTokenVerifier(JWT_SECRET) });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      anonKey = await signToken(JWT_SECRET, { role: 'anon' });
      aliceToken = await signToken(JWT_SECRET, { role: 'authenticated', sub: acme.owner, email: 'alice@acmecandles.com' }, '1h');
      brunoToken = await signToken(JWT_SECRET, { role: 'authenticated', sub: bolt.owner, email: 'bruno@boltcoffee.com' }, '1h');
    });

    after(async () => {
      await Promise.all(clients.map((client) => client.removeAllChannels()));
      await realtime.close();
      server.close();
      await db.close();
    });

    /**
     * A supabase-js client as an app creates it, signed in as the holder of
     * `token` the way supabase-js does on SIGNED_IN: realtime.setAuth(token).
     * (A channel joined before that would join with the anon apikey.)
     */
    async function connect(token?: string, realtimeOptions: Record<string, unknown> = {}): Promise<SupabaseClient> {
      const client = createClient(url, anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport, ...realtimeOptions },
      });
      clients.push(client);
      if (token) await client.realtime.setAuth(token);
      return client;
    }

    it('delivers the UPDATE of the profile named by an id filter, with typed values, and not of another profile', async () => {
      const client = await connect(aliceToken);
      const maya = listen(client, 'maya', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${acme.maya}` });
      const system = new Promise<Record<string, unknown>>((resolve) => maya.channel.on('system', {}, resolve));
      await subscribe(maya.channel);
      assert.deepEqual(await system, { status: 'ok', message: 'Subscribed to PostgreSQL', extension: 'postgres_changes', channel: 'maya' });

      await db.query(`update public.profiles set orders_count = orders_count + 1 where id = $1`, [acme.noah]);
      await db.query(`update public.profiles set display_name = 'Maya Lind', lifetime_revenue = 129.50, orders_count = 3 where id = $1`, [acme.maya]);
      const change = await maya.next();

      assert.equal(change.eventType, 'UPDATE');
      assert.equal(change.schema, 'public');
      assert.equal(change.table, 'profiles');
      assert.match(change.commit_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
      assert.deepEqual(change.errors, null);
      assert.equal(change.new.id, acme.maya);
      assert.equal(change.new.display_name, 'Maya Lind');
      assert.equal(change.new.lifetime_revenue, 129.5);
      assert.equal(change.new.orders_count, 3);
      assert.deepEqual(change.old, { workspace_id: acme.id, id: acme.maya });
      // Noah's update was announced first: had it been delivered, it would be here.
      assert.equal(maya.events.length, 1);
    });

    it("keeps one workspace's changes from another workspace's staff", async () => {
      const alice = listen(await connect(aliceToken), 'acme-profiles', { event: '*', schema: 'public', table: 'profiles' });
      const bruno = listen(await connect(brunoToken), 'bolt-profiles', { event: '*', schema: 'public', table: 'profiles' });
      await Promise.all([subscribe(alice.channel), subscribe(bruno.channel)]);

      await db.query(`update public.profiles set email = 'maya.lind@example.com' where id = $1`, [acme.maya]);
      assert.equal((await alice.next()).new.email, 'maya.lind@example.com');
      // Changes reach a socket in commit order, so once Bruno has Olga's, he would already have had Maya's.
      await db.query(`update public.profiles set orders_count = 4 where id = $1`, [bolt.olga]);
      assert.equal((await bruno.next()).new.id, bolt.olga);

      assert.deepEqual(bruno.events.map((e) => e.new.id), [bolt.olga]);
      assert.deepEqual(alice.events.map((e) => e.new.id), [acme.maya]);
    });

    it('delivers INSERTs to an INSERT listener', async () => {
      const inserts = listen(await connect(aliceToken), 'new-customers', { event: 'INSERT', schema: 'public', table: 'profiles' });
      await subscribe(inserts.channel);

      const boltCustomer = randomUUID();
      const acmeCustomer = randomUUID();
      await db.query(`insert into public.profiles (workspace_id, id, display_name) values ($1, $2, 'Piotr Nowak')`, [bolt.id, boltCustomer]);
      await db.query(`update public.profiles set orders_count = 5 where id = $1`, [acme.maya]);
      await db.query(`insert into public.profiles (workspace_id, id, display_name, orders_count) values ($1, $2, 'Lena Fischer', 1)`, [acme.id, acmeCustomer]);
      const change = await inserts.next();

      assert.equal(change.eventType, 'INSERT');
      assert.equal(change.new.id, acmeCustomer);
      assert.equal(change.new.display_name, 'Lena Fischer');
      assert.equal(change.new.orders_count, 1);
      assert.deepEqual(change.old, {});
      assert.equal(inserts.events.length, 1);
    });

    it('reads back, as each subscriber, a row too big for NOTIFY', async () => {
      const alice = listen(await connect(aliceToken), 'acme-big', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: 'orders_count=gte.8' });
      const bruno = listen(await connect(brunoToken), 'bolt-big', { event: 'UPDATE', schema: 'public', table: 'profiles' });
      await Promise.all([subscribe(alice.channel), subscribe(bruno.channel)]);

      const biography = 'Loves hand-poured soy candles. '.repeat(400); // ~12 kB, past NOTIFY's 8000-byte limit
      await db.query(`update public.profiles set display_name = $2, orders_count = 8 where id = $1`, [acme.maya, biography]);
      const change = await alice.next();
      assert.equal(change.new.display_name, biography);
      assert.equal(change.new.orders_count, 8);
      assert.match(change.new.email!, /@example\.com$/); // a column the NOTIFY no longer carried

      await db.query(`update public.profiles set orders_count = 9 where id = $1`, [bolt.olga]);
      assert.deepEqual((await bruno.next()).new.id, bolt.olga);
      assert.equal(bruno.events.length, 1);
    });

    it('refuses a join whose token is forged or expired', async () => {
      const forged = await signToken('not-this-servers-secret-but-long-enough-to-sign', { role: 'service_role' });
      const expired = await signToken(JWT_SECRET, { role: 'authenticated', sub: acme.owner }, Math.floor(Date.now() / 1000) - 60);
      for (const [token, reason] of [
        [forged, /JWT could not be verified/],
        [expired, /JWT expired/],
      ] as const) {
        const client = await connect(token);
        const channel = client.channel('forbidden').on('postgres_changes', { event: '*', schema: 'public', table: 'profiles' }, () => {});
        await assert.rejects(subscribe(channel), reason);
        await client.removeChannel(channel);
      }
    });

    it('refuses a socket whose apikey is forged', async () => {
      const forged = await signToken('not-this-servers-secret-but-long-enough-to-sign', { role: 'anon' });
      const socket = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${forged}&vsn=2.0.0`);
      const [request, response] = await once(socket, 'unexpected-response');
      request.destroy();
      assert.equal(response.statusCode, 403);
    });

    it('ends a channel whose token is replaced by an expired one', async () => {
      const client = await connect(aliceToken);
      const statuses: string[] = [];
      const messages: Record<string, unknown>[] = [];
      const channel = client
        .channel('expiring')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'profiles' }, () => {})
        .on('system', {}, (message: Record<string, unknown>) => messages.push(message));
      await subscribe(channel, statuses);

      await client.realtime.setAuth(await signToken(JWT_SECRET, { role: 'authenticated', sub: acme.owner }, Math.floor(Date.now() / 1000) - 1));
      await until(() => statuses.includes('CLOSED'));
      assert.deepEqual(messages.at(-1), { status: 'error', message: 'JWT expired', extension: 'system', channel: 'expiring' });
    });

    it('refuses filters and tables it cannot serve, saying why', async () => {
      const client = await connect(aliceToken);
      for (const [filter, reason] of [
        [{ event: 'UPDATE', schema: 'public', table: 'profiles', filter: 'id=eq.42' }, /"42" is not a valid uuid for column id/],
        [{ event: 'UPDATE', schema: 'public', table: 'profiles', filter: 'nickname=eq.maya' }, /public.profiles has no column "nickname"/],
        [{ event: 'UPDATE', schema: 'public', table: 'profiles', filter: 'email=like.maya*' }, /operator "like" is not supported/],
        [{ event: '*', schema: 'auth', table: 'users' }, /auth.users is not broadcast by this server/],
      ] as const) {
        const channel = client.channel(`refused-${filter.table}-${filter.filter ?? ''}`).on('postgres_changes', filter as RealtimePostgresChangesFilter<'*'>, () => {});
        await assert.rejects(subscribe(channel), reason);
        await client.removeChannel(channel);
      }
    });

    it('starts delivering what a user may see once the user passes a token with setAuth', async () => {
      const alice = listen(await connect(aliceToken), 'alice-watch', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${acme.noah}` });
      const client = await connect();
      const later = listen(client, 'signed-in-later', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${acme.noah}` });
      await Promise.all([subscribe(alice.channel), subscribe(later.channel)]); // the second joins with the anon apikey

      await db.query(`update public.profiles set display_name = 'Noah B.' where id = $1`, [acme.noah]);
      await alice.next();
      await heartbeatRoundTrip(client); // anything sent to `client` for that change has arrived by now
      assert.equal(later.events.length, 0);

      await client.realtime.setAuth(aliceToken);
      await heartbeatRoundTrip(client); // the server has handled access_token before answering
      await db.query(`update public.profiles set display_name = 'Noah Becker' where id = $1`, [acme.noah]);
      assert.equal((await later.next()).new.display_name, 'Noah Becker');
      assert.deepEqual(later.events.map((e) => e.new.display_name), ['Noah Becker']);
    });

    it('answers heartbeats, so the socket stays up across many short heartbeat intervals', async () => {
      const heartbeats: string[] = [];
      const client = await connect(aliceToken, { heartbeatIntervalMs: 100, heartbeatCallback: (status: string) => heartbeats.push(status) });
      const maya = listen(client, 'steady', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${acme.maya}` });
      await subscribe(maya.channel);

      await until(() => heartbeats.filter((s) => s === 'ok').length >= 5);
      assert.deepEqual(new Set(heartbeats), new Set(['sent', 'ok']));
      assert.equal(client.realtime.isConnected(), true);
      await db.query(`update public.profiles set orders_count = 6 where id = $1`, [acme.maya]);
      assert.equal((await maya.next()).new.orders_count, 6);
    });

    it('closes sockets that send oversized or malformed frames', async () => {
      const open = async () => {
        const socket = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${anonKey}&vsn=2.0.0`);
        socket.on('error', () => {}); // the server's close for an oversized frame can reach us as a write error
        await once(socket, 'open');
        return socket;
      };
      const oversized = await open();
      oversized.send(JSON.stringify([null, '1', 'realtime:big', 'phx_join', { padding: 'x'.repeat(1024 * 1024) }]));
      assert.equal((await once(oversized, 'close'))[0], 1009);

      const garbled = await open();
      for (let i = 0; i < 11; i++) garbled.send('{"not": "a phoenix message"}');
      assert.equal((await once(garbled, 'close'))[0], 1008);
    });

    it('speaks vsn 1.0.0 object frames too', async () => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${anonKey}&vsn=1.0.0`);
      await once(socket, 'open');
      const frames: Record<string, any>[] = [];
      socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
      const send = (frame: object) => socket.send(JSON.stringify(frame));

      send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '1', join_ref: null });
      const changes = [{ event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${acme.maya}` }];
      send({ topic: 'realtime:v1', event: 'phx_join', payload: { config: { postgres_changes: changes }, access_token: aliceToken }, ref: '2', join_ref: '2' });
      await until(() => frames.some((f) => f.event === 'system'));
      await db.query(`update public.profiles set orders_count = 7 where id = $1`, [acme.maya]);
      await until(() => frames.some((f) => f.event === 'postgres_changes'));
      socket.close();

      assert.deepEqual(frames[0], { join_ref: null, ref: '1', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });
      assert.deepEqual(frames[1]!.payload, { status: 'ok', response: { postgres_changes: [{ ...changes[0], id: 1 }] } });
      const change = frames.find((f) => f.event === 'postgres_changes')!;
      assert.equal(change.topic, 'realtime:v1');
      assert.deepEqual(change.payload.ids, [1]);
      assert.equal(change.payload.data.record.orders_count, 7);
      assert.deepEqual(
        change.payload.data.columns.filter((c: { name: string }) => ['id', 'lifetime_revenue', 'orders_count', 'updated_at'].includes(c.name)),
        [
          { name: 'id', type: 'uuid' },
          { name: 'lifetime_revenue', type: 'numeric' },
          { name: 'orders_count', type: 'int4' },
          { name: 'updated_at', type: 'timestamptz' },
        ],
      );
    });
  });
}

/** A channel with one postgres_changes listener, and the changes it has received. */
function listen(client: SupabaseClient, name: string, filter: RealtimePostgresChangesFilter<'*' | 'INSERT' | 'UPDATE'>) {
  const events: Change[] = [];
  const channel = client.channel(name).on('postgres_changes', filter as RealtimePostgresChangesFilter<'*'>, (change) => events.push(change as Change));
  let seen = 0;
  return {
    channel,
    events,
    /** The next change not yet returned by next(). */
    async next(): Promise<Change> {
      await until(() => events.length > seen);
      return events[seen++]!;
    },
  };
}

/** Resolves once realtime-js reports SUBSCRIBED; rejects with the error it reports instead. */
function subscribe(channel: RealtimeChannel, statuses: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, error) => {
      statuses.push(status);
      if (status === 'SUBSCRIBED') resolve();
      else reject(error ?? new Error(status));
    });
  });
}

/** Sends a heartbeat and waits for its reply: the server answers frames in order, so what it sent before has arrived. */
function heartbeatRoundTrip(client: SupabaseClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.realtime.onHeartbeat((status) => {
      if (status === 'ok') resolve();
      else if (status !== 'sent') reject(new Error(`heartbeat ${status}`));
    });
    void client.realtime.sendHeartbeat();
  });
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
