import { serve } from '@hono/node-server';
import { createClient } from '@supabase/supabase-js';
import { SignJWT, decodeJwt } from 'jose';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ws from 'ws';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { connectDemoZendesk, demoZendeskSecret, DEMO_ZENDESK_AGENT, DEMO_ZENDESK_SECRET_KEY, DEMO_ZENDESK_SUBDOMAIN } from '../local/demo-zendesk.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { createApp } from '../server/app.ts';
import { createTokenVerifier, signToken } from './jwt.ts';
import { connectZendesk, verifyZendeskJwt, zendeskSubdomain } from './zendesk-session.ts';

const JWT_SECRET = 'zendesk-session-jwt-secret-of-32-characters';
const ACME = { subdomain: 'acme-bakery', secret: 'acme-zendesk-shared-secret-0123456789abcdef' };
const OTHER = { subdomain: 'other-store', secret: 'other-zendesk-shared-secret-0123456789abcdef' };
const ANA = { id: 'a0000000-0000-4000-8000-00000000000a', email: 'ana@acme-bakery.example', role: 'member' };
const BO = { id: 'b0000000-0000-4000-8000-00000000000b', email: 'bo@other-store.example', role: 'member' };
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

/**
 * Signs a JWT as Zendesk's proxy does for a ZAF secure request with
 * `jwt: { algorithm: 'HS256', secret_key, expiry, claims }`: the app's claims,
 * `iat`, and `exp` = iat + expiry.
 */
async function zendeskJwt(secret: string, claims: Record<string, unknown>, { expiry = 60 as number | null, issuedAt = Date.now() } = {}) {
  const iat = Math.floor(issuedAt / 1000);
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat);
  if (expiry !== null) jwt.setExpirationTime(iat + expiry);
  return jwt.sign(new TextEncoder().encode(secret));
}

async function ingest(db: Database, workspaceId: string, topic: string, payload: unknown): Promise<string> {
  const result = normaliseShopify({ source: 'shopify', topic, headers: {}, body: payload, triggeredAt: null, receivedAt: new Date().toISOString() });
  if (result.kind !== 'record') throw new Error('expected a record');
  const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [workspaceId, JSON.stringify(result.record)]);
  return row!.id;
}

describe('Zendesk JWT verification (pure)', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  const claims = { iss: ACME.subdomain, email: ANA.email };

  it('names the subdomain however the app spells it', () => {
    assert.equal(zendeskSubdomain('acme-bakery'), 'acme-bakery');
    assert.equal(zendeskSubdomain('https://Acme-Bakery.zendesk.com/'), 'acme-bakery');
    assert.equal(zendeskSubdomain('acme-bakery.zendesk.com'), 'acme-bakery');
    assert.equal(zendeskSubdomain('zendesk'), 'zendesk');
    assert.equal(zendeskSubdomain('../etc'), null);
    assert.equal(zendeskSubdomain(42), null);
  });

  it('accepts a fresh token and reads the agent, lower-cased', async () => {
    const token = await zendeskJwt(ACME.secret, { ...claims, email: 'Ana@Acme-Bakery.example' }, { issuedAt: now });
    assert.deepEqual(await verifyZendeskJwt(token, ACME.secret, now + 5_000), { ok: true, subdomain: 'acme-bakery', email: ANA.email });
  });

  it('refuses another secret, an unsigned (alg none) token, and a tampered payload', async () => {
    const forged = await zendeskJwt('not-the-shared-secret-of-this-account', claims, { issuedAt: now });
    assert.equal(await reason(forged, now), 'bad_signature');
    const [header, payload] = (await zendeskJwt(ACME.secret, claims, { issuedAt: now })).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    assert.notEqual((await verifyZendeskJwt(none, ACME.secret, now)).ok, true);
    const genuine = await zendeskJwt(ACME.secret, claims, { issuedAt: now });
    const otherPayload = Buffer.from(JSON.stringify({ ...decodeJwt(genuine), email: BO.email })).toString('base64url');
    assert.equal(await reason(`${header}.${otherPayload}.${genuine.split('.')[2]}`, now), 'bad_signature');
  });

  it('requires exp, refuses expired, long-lived and stale tokens', async () => {
    assert.equal(await reason(await zendeskJwt(ACME.secret, claims, { issuedAt: now, expiry: null }), now), 'missing_exp');
    assert.equal(await reason(await zendeskJwt(ACME.secret, claims, { issuedAt: now - 600_000 }), now), 'expired');
    assert.equal(await reason(await zendeskJwt(ACME.secret, claims, { issuedAt: now, expiry: 3600 }), now), 'too_long_lived');
    // exp within bounds but issued long ago (a clock that says otherwise is lying about one or the other).
    const stale = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(Math.floor(now / 1000) - 900).setExpirationTime(Math.floor(now / 1000) + 60).sign(new TextEncoder().encode(ACME.secret));
    assert.equal(await reason(stale, now), 'expired');
    // Positive control: the same lifetime, issued now, passes.
    assert.equal((await verifyZendeskJwt(await zendeskJwt(ACME.secret, claims, { issuedAt: now, expiry: 300 }), ACME.secret, now)).ok, true);
  });

  it('requires an agent email', async () => {
    assert.equal(await reason(await zendeskJwt(ACME.secret, { iss: ACME.subdomain, sub: '12345' }, { issuedAt: now }), now), 'missing_email');
  });

  async function reason(token: string, at: number) {
    const verdict = await verifyZendeskJwt(token, ACME.secret, at);
    return verdict.ok ? 'ok' : verdict.reason;
  }
});

for (const target of testDatabases()) {
  describe(`Zendesk agents get a staff session for their workspace only (${target.name})`, () => {
    let db: Database;
    let server: Server;
    let url: string;
    let anonKey: string;
    let workspaceA: string;
    let workspaceB: string;
    let amara: string; // a customer of workspace A
    let otherCustomer: string; // a customer of workspace B

    const askSession = (token: string | null, init: RequestInit = {}) =>
      fetch(`${url}/functions/v1/zendesk-session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ source: 'zendesk' }),
        ...init,
      });
    const sessionFor = async (email: string, zendesk = ACME) => {
      const response = await askSession(await zendeskJwt(zendesk.secret, { iss: zendesk.subdomain, email }));
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as { access_token: string; expires_at: number };
    };
    const client = (token: string) => createClient(url, anonKey, { accessToken: async () => token, realtime: { transport: ws as any } });
    /** A refusal: 401, the reason's code, a message, and nothing that looks like a token. */
    const assertRefused = async (response: Response, code: string, message: RegExp) => {
      const text = await response.text();
      assert.equal(response.status, 401, text);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = JSON.parse(text);
      assert.equal(body.code, code, text);
      assert.match(body.error, message);
      assert.equal(body.access_token, undefined);
      assert.doesNotMatch(text, /eyJ/);
    };

    before(async () => {
      db = await target.open();
      workspaceA = await ensureWorkspace(db, { slug: 'acme-bakery', name: 'Acme Bakery' });
      workspaceB = await ensureWorkspace(db, { slug: 'other-store', name: 'Other Store' });
      await ensureStaff(db, workspaceA, ANA);
      await ensureStaff(db, workspaceB, BO);
      // A signed-up user who belongs to no workspace at all.
      await db.query(`insert into auth.users (id, email) values ('c0000000-0000-4000-8000-00000000000c', 'cy@acme-bakery.example')`);
      await connectZendesk(db, workspaceA, ACME);
      await connectZendesk(db, workspaceB, OTHER);
      amara = await ingest(db, workspaceA, 'customers/create', fixture('shopify-customer'));
      otherCustomer = await ingest(db, workspaceB, 'customers/create', { id: 5001, email: 'amara.okafor@example.com', first_name: 'Not', last_name: 'Her', created_at: '2026-01-02T00:00:00Z' });

      const app = createApp({
        db,
        verifyToken: createTokenVerifier(JWT_SECRET),
        jwtSecret: JWT_SECRET,
        webhooks: { findConnection: createConnectionRegistry(db), log: createRawEventLog(db), onAccepted: () => {}, apps: {} },
      });
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      anonKey = await signToken(JWT_SECRET, { role: 'anon' });
    });
    after(async () => {
      server?.closeAllConnections?.();
      await new Promise((resolve) => server?.close(resolve));
      await db?.close();
    });

    it("a JWT signed with the subdomain's secret yields the agent's one-hour staff session, never cached", async () => {
      const response = await askSession(await zendeskJwt(ACME.secret, { iss: 'https://acme-bakery.zendesk.com', email: 'ANA@acme-bakery.example', sub: '3141592' }));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = await response.json();
      const lifetime = body.expires_at - Date.now() / 1000;
      assert.ok(lifetime > 3590 && lifetime <= 3600, `expires in ${lifetime} s`);
      const claims = await createTokenVerifier(JWT_SECRET)(body.access_token);
      assert.equal(claims.role, 'authenticated');
      assert.equal(claims.sub, ANA.id);
      assert.equal(claims.email, ANA.email);
      assert.equal(claims.app_metadata?.workspace_id, workspaceA);
    });

    it('with it the agent reads the workspace’s profiles through the RPC gateway', async () => {
      const agent = client((await sessionFor(ANA.email)).access_token);
      const found = await agent.rpc('search_profiles', { query: 'okafor' });
      assert.equal(found.error, null);
      assert.deepEqual(
        found.data.map((p: { id: string }) => p.id),
        [amara],
      );
      const profile = await agent.rpc('get_profile', { profile_id: amara });
      assert.equal(profile.error, null);
      assert.equal(profile.data.display_name, 'Amara Okafor');
    });

    it("a token minted for workspace A's agent reads nothing of workspace B", async () => {
      const agent = client((await sessionFor(ANA.email)).access_token);
      assert.equal((await agent.rpc('get_profile', { profile_id: otherCustomer })).data, null);
      const named = await agent.rpc('search_profiles', { query: 'okafor', workspace_id: workspaceB });
      assert.deepEqual(named.data ?? [], []);
      // Positive control: B's own agent, through B's Zendesk, does read B's customer.
      const bo = client((await sessionFor(BO.email, OTHER)).access_token);
      assert.equal((await bo.rpc('get_profile', { profile_id: otherCustomer })).data?.display_name, 'Not Her');
      assert.equal((await bo.rpc('get_profile', { profile_id: amara })).data, null);
    });

    it('refuses a forged signature, with or without another connection’s secret', async () => {
      await assertRefused(await askSession(await zendeskJwt('a-guess-at-the-secret-0123456789abcdef', { iss: ACME.subdomain, email: ANA.email })), 'bad_signature', /not signed \(HS256\) with the shared secret/);
      // Signed with B's secret but claiming A's subdomain: checked with A's secret, so refused.
      await assertRefused(await askSession(await zendeskJwt(OTHER.secret, { iss: ACME.subdomain, email: ANA.email })), 'bad_signature', /shared secret/);
    });

    it('refuses expired, long-lived and exp-less tokens', async () => {
      const claims = { iss: ACME.subdomain, email: ANA.email };
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, claims, { issuedAt: Date.now() - 10 * 60_000 })), 'expired', /expired/);
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, claims, { expiry: null })), 'missing_exp', /no exp claim/);
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, claims, { expiry: 24 * 3600 })), 'too_long_lived', /at most 300/);
    });

    it('refuses an unknown subdomain, and a token naming none', async () => {
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, { iss: 'not-connected', email: ANA.email })), 'unknown_subdomain', /no Zendesk connection for subdomain not-connected/);
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, { email: ANA.email })), 'malformed_token', /names no Zendesk subdomain/);
    });

    it('never mints for an agent who is not a member of the connected workspace', async () => {
      // B's member through A's Zendesk; a user of no workspace; an email nobody has.
      for (const email of [BO.email, 'cy@acme-bakery.example', 'intruder@acme-bakery.example']) {
        await assertRefused(await askSession(await zendeskJwt(ACME.secret, { iss: ACME.subdomain, email })), 'not_a_member', /is not a staff member/);
      }
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, { iss: ACME.subdomain })), 'missing_email', /names no agent/);
    });

    it('never signs in an owner or admin, whose email any agent could write into the JWT', async () => {
      // The claims come from the agent's browser: naming the workspace's owner must not hand out an owner's powers.
      const boss = { id: 'c0000000-0000-4000-8000-00000000000c', email: 'boss@acme-bakery.example', role: 'owner' };
      const admin = { id: 'c0000000-0000-4000-8000-00000000000d', email: 'admin@acme-bakery.example', role: 'admin' };
      for (const staff of [boss, admin]) {
        await ensureStaff(db, workspaceA, staff);
        await assertRefused(await askSession(await zendeskJwt(ACME.secret, { iss: ACME.subdomain, email: staff.email })), 'not_a_member', /owners and admins sign in to Tessera directly/);
      }
      // The same person as a plain member is signed in.
      await ensureStaff(db, workspaceA, { ...admin, role: 'member' });
      await sessionFor(admin.email, ACME);
    });

    it('refuses a request without a token, or with the token anywhere but the Authorization header', async () => {
      await assertRefused(await askSession(null), 'missing_token', /Authorization/);
      const token = await zendeskJwt(ACME.secret, { iss: ACME.subdomain, email: ANA.email });
      await assertRefused(await fetch(`${url}/functions/v1/zendesk-session?token=${token}`, { method: 'POST' }), 'missing_token', /Bearer \{\{jwt.token\}\}/);
      assert.equal((await fetch(`${url}/functions/v1/zendesk-session`)).status, 404);
    });

    it('answers CORS preflights from the Zendesk app iframe', async () => {
      const preflight = await fetch(`${url}/functions/v1/zendesk-session`, {
        method: 'OPTIONS',
        headers: { origin: 'https://12345.apps.zdusercontent.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    });

    it('a subdomain belongs to one workspace; secrets must be long; reconnecting replaces the secret', async () => {
      await assert.rejects(connectZendesk(db, workspaceB, { subdomain: ACME.subdomain, secret: OTHER.secret }), /already connected to another workspace/);
      await assert.rejects(connectZendesk(db, workspaceA, { subdomain: 'short-secret', secret: 'hush' }), /too short/);
      await assert.rejects(connectZendesk(db, workspaceA, { subdomain: 'not a subdomain!', secret: ACME.secret }), /not a Zendesk subdomain/);
      const rotated = 'acme-zendesk-rotated-secret-0123456789abcdef';
      await connectZendesk(db, workspaceA, { subdomain: 'https://acme-bakery.zendesk.com', secret: rotated });
      await assertRefused(await askSession(await zendeskJwt(ACME.secret, { iss: ACME.subdomain, email: ANA.email })), 'bad_signature', /shared secret/);
      await sessionFor(ANA.email, { ...ACME, secret: rotated });
      await connectZendesk(db, workspaceA, ACME);
    });

    it("the demo's connection uses a secret generated once into secrets.json", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-zendesk-demo-'));
      try {
        const demoWorkspace = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
        await ensureStaff(db, demoWorkspace, { id: 'd3e00000-0000-4000-8000-000000000001', email: 'support@hearth-and-grain.example', role: 'owner' });
        await connectDemoZendesk(db, dataDir, demoWorkspace);
        const secret = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'))[DEMO_ZENDESK_SECRET_KEY];
        assert.ok(secret.length >= 32);
        assert.equal(demoZendeskSecret(dataDir), secret, 'kept across restarts');
        await connectDemoZendesk(db, dataDir, demoWorkspace);
        // The demo's agent is a member; the demo's owner is not signed in through Zendesk.
        const session = await sessionFor(DEMO_ZENDESK_AGENT.email, { subdomain: DEMO_ZENDESK_SUBDOMAIN, secret });
        await assertRefused(await askSession(await zendeskJwt(secret, { iss: DEMO_ZENDESK_SUBDOMAIN, email: 'support@hearth-and-grain.example' })), 'not_a_member', /owners and admins/);
        assert.equal((await createTokenVerifier(JWT_SECRET)(session.access_token)).app_metadata?.workspace_id, demoWorkspace);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
