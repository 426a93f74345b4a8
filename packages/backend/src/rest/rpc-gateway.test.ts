import { createClient } from '@supabase/supabase-js';
import { createTessera, Profile, ProfileSummaryList } from '@tessera/core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import ws from 'ws';
import { signToken } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { startServer, type RunningServer } from '../server/start.ts';

const JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

/** Writes a Shopify payload into a workspace through the normaliser and apply_record. */
async function ingest(db: Database, workspaceId: string, topic: string, payload: unknown): Promise<string> {
  const result = normaliseShopify({ source: 'shopify', topic, headers: {}, body: payload, triggeredAt: null, receivedAt: new Date().toISOString() });
  if (result.kind !== 'record') throw new Error('expected a record');
  const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [
    workspaceId,
    JSON.stringify(result.record),
  ]);
  return row!.id;
}

// Every RPC function a signed-in user can call is exercised here for
// isolation; the catalog test below fails when a new one is added untested.
const USER_CALLABLE = [
  'cohort_retention',
  'common_paths',
  'confirm_duplicate_suggestion',
  'create_webhook_endpoint',
  'delete_webhook_endpoint',
  'dismiss_duplicate_suggestion',
  'erase_profile',
  'export_profile',
  'get_churn',
  'get_journey',
  'get_profile',
  'get_stages',
  'list_duplicate_suggestions',
  'list_segments',
  'list_webhook_deliveries',
  'list_webhook_endpoints',
  'merge_profiles',
  'preview_segment',
  'resolve_profile',
  'retry_webhook_delivery',
  'save_segment',
  'search_profiles',
  'segment_members',
  'stage_conversion',
  'unmerge_profile',
  'workspace_overview',
];

for (const target of testDatabases()) {
  describe(`RPC gateway, as supabase-js sees it (${target.name})`, () => {
    let db: Database;
    let server: RunningServer;
    let anonKey: string;
    let serviceKey: string;
    const staffA = { id: 'a0000000-0000-4000-8000-00000000000a', email: 'ana@hearth.example', role: 'member' };
    const staffB = { id: 'b0000000-0000-4000-8000-00000000000b', email: 'bo@otherstore.example', role: 'owner' };
    let tokenA: string;
    let tokenB: string;
    let workspaceA: string;
    let workspaceB: string;
    let amara: string;
    let other: string;
    let jonathan: string;
    let jon: string;

    const client = (token?: string) =>
      createClient(server.url, anonKey, {
        ...(token ? { accessToken: async () => token } : {}),
        realtime: { transport: ws as any },
      });

    before(async () => {
      db = await target.open();
      workspaceA = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      workspaceB = await ensureWorkspace(db, { slug: 'other', name: 'Other Store' });
      await ensureStaff(db, workspaceA, staffA);
      await ensureStaff(db, workspaceB, staffB);
      amara = await ingest(db, workspaceA, 'customers/create', fixture('shopify-customer'));
      await ingest(db, workspaceA, 'orders/create', fixture('shopify-order'));
      other = await ingest(db, workspaceB, 'customers/create', { id: 5001, email: 'amara.okafor@example.com', first_name: 'Not', last_name: 'Her', created_at: '2026-01-02T00:00:00Z' });
      // A possible duplicate waiting for A's staff (stored as the suggestion job stores them).
      jonathan = await ingest(db, workspaceA, 'customers/create', { id: 5101, email: 'jonathan.smith@gmail.com', first_name: 'Jonathan', last_name: 'Smith', created_at: '2026-02-01T00:00:00Z' });
      jon = await ingest(db, workspaceA, 'customers/create', { id: 5102, email: 'jon@smithandkettle.example', first_name: 'Jon', last_name: 'Smith', created_at: '2026-02-03T00:00:00Z' });
      await db.query('select tessera.store_duplicate_suggestions($1, $2::jsonb)', [
        workspaceA,
        JSON.stringify([{ a: jonathan, b: jon, score: 0.97, evidence: { given_name: 'Jaro–Winkler ≥ 0.85', surname: 'exact' } }]),
      ]);
      await db.query('select tessera.store_churn_scores($1, $2::jsonb)', [
        workspaceA,
        JSON.stringify([{ profile_id: amara, model: 'bgnbd', version: 1, risk: 0.82, band: 'high', horizon_days: 90, palive: 0.31, expected_purchases: 0.4, clv: 120, factors: [{ code: 'overdue', text: 'No purchase in 94 days; this customer usually buys every 31.' }] }]),
      ]);
      await db.query('select tessera.refresh_profile_facts($1)', [workspaceA]);
      await db.query('select tessera.refresh_profile_facts($1)', [workspaceB]);
      server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: workspaceA, secrets: {} });
      anonKey = await signToken(JWT_SECRET, { role: 'anon' });
      serviceKey = await signToken(JWT_SECRET, { role: 'service_role' });
      tokenA = await signToken(JWT_SECRET, { role: 'authenticated', sub: staffA.id, email: staffA.email }, '1h');
      tokenB = await signToken(JWT_SECRET, { role: 'authenticated', sub: staffB.id, email: staffB.email }, '1h');
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    it('get_profile answers the unified profile in the shape of the core schema', async () => {
      const { data, error } = await client(tokenA).rpc('get_profile', { profile_id: amara });
      assert.equal(error, null);
      const profile = Profile.parse(data);
      assert.equal(profile.id, amara);
      assert.equal(profile.display_name, 'Amara Okafor');
      assert.equal(profile.orders_count, 1);
      assert.equal(profile.lifetime_revenue, 94.44);
      assert.equal(profile.currency, 'CAD');
      assert.equal(profile.last_activity?.type, 'order_placed');
      assert.deepEqual(profile.identities.map((i) => i.kind).sort(), ['email', 'phone', 'shopify_customer']);
      assert.ok(profile.traits.some((t) => t.name === 'first_name' && t.value === 'Amara' && t.source === 'shopify'));
    });

    it('resolve_profile normalises the identity it is given', async () => {
      const { data } = await client(tokenA).rpc('resolve_profile', { kind: 'email', value: '  Amara.Okafor@EXAMPLE.com ' });
      assert.equal(data, amara);
      const { data: byPhone } = await client(tokenA).rpc('resolve_profile', { kind: 'phone', value: '+1 (416) 555-0142' });
      assert.equal(byPhone, amara);
      const { data: nobody } = await client(tokenA).rpc('resolve_profile', { kind: 'email', value: 'nobody@example.com' });
      assert.equal(nobody, null);
    });

    it('search_profiles finds by name and email prefix, and treats % and _ literally', async () => {
      const { data } = await client(tokenA).rpc('search_profiles', { query: 'okafor', limit: 5 });
      assert.deepEqual(ProfileSummaryList.parse(data).map((p) => p.id), [amara]);
      const { data: byEmail } = await client(tokenA).rpc('search_profiles', { query: 'amara.ok' });
      assert.deepEqual(ProfileSummaryList.parse(byEmail).map((p) => p.id), [amara]);
      const { data: wildcard } = await client(tokenA).rpc('search_profiles', { query: '%' });
      assert.deepEqual(wildcard, []);
    });

    it('the core SDK reads the same profile through the same server', async () => {
      const tessera = createTessera({ url: server.url, key: anonKey, accessToken: tokenA, cache: false });
      const profile = await tessera.profiles.get(amara);
      assert.equal(profile?.display_name, 'Amara Okafor');
      assert.equal(await tessera.profiles.resolve({ email: 'amara.okafor@example.com' }), amara);
      // get_churn's answer matches the core ChurnScore schema (validated inside churn.get).
      const churn = await tessera.churn.get(amara);
      assert.equal(churn?.risk, 0.82);
      assert.equal(churn?.factors[0]?.code, 'overdue');
    });

    describe('isolation between workspaces', () => {
      it('a member of workspace B cannot read workspace A through any RPC function', async () => {
        const b = client(tokenB);
        assert.equal((await b.rpc('get_profile', { profile_id: amara })).data, null);
        // Same email in both workspaces: B resolves to its own person, never A's.
        assert.equal((await b.rpc('resolve_profile', { kind: 'email', value: 'amara.okafor@example.com' })).data, other);
        assert.equal((await b.rpc('resolve_profile', { kind: 'email', value: 'amara.okafor@example.com', workspace_id: workspaceA })).data, null);
        assert.deepEqual((await b.rpc('search_profiles', { query: 'okafor' })).data, []);
        assert.deepEqual((await b.rpc('search_profiles', { query: 'amara', workspace_id: workspaceA })).data, []);
        // Nor change A's graph: merging or unmerging A's people is refused.
        const merge = await b.rpc('merge_profiles', { profile_id: amara, other_profile_id: amara });
        assert.equal(merge.status, 403);
        assert.equal(merge.error?.code, '42501');
        const unmerge = await b.rpc('unmerge_profile', { profile_id: amara });
        assert.equal(unmerge.status, 403);
        // Nor read or erase A's people through the privacy functions.
        assert.equal((await b.rpc('export_profile', { profile_id: amara })).status, 403);
        assert.equal((await b.rpc('erase_profile', { profile_id: amara })).status, 403);
        // Nor read A's churn scores.
        assert.equal((await b.rpc('get_churn', { profile_id: amara })).data, null);
        assert.equal((await client(tokenA).rpc('get_churn', { profile_id: amara })).data?.band, 'high');
        // Nor count, list, save or page through A's segments.
        const everyone = { kind: 'has', identity: 'email' };
        assert.equal((await client(tokenA).rpc('preview_segment', { segment: everyone })).data?.count, 3);
        assert.equal((await b.rpc('preview_segment', { segment: everyone, workspace_id: workspaceA })).data?.count, 0);
        assert.equal((await b.rpc('save_segment', { name: 'theirs', query: 'has email', definition: everyone, workspace_id: workspaceA })).status, 403);
        const saved = await client(tokenA).rpc('save_segment', { name: 'With email', query: 'has email', definition: everyone });
        assert.equal(saved.data?.members, 3);
        assert.deepEqual((await b.rpc('list_segments', { workspace_id: workspaceA })).data, []);
        assert.deepEqual((await b.rpc('segment_members', { segment_id: saved.data.id, workspace_id: workspaceA })).data?.members, []);
        assert.equal((await client(tokenA).rpc('segment_members', { segment_id: saved.data.id })).data?.members.length, 3);
        // Nor read A's journeys or their analytics.
        assert.equal((await b.rpc('get_journey', { profile_id: amara })).data, null);
        assert.equal((await client(tokenA).rpc('get_journey', { profile_id: amara })).data?.events.length, 2);
        const period = { since: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' };
        for (const fn of ['stage_conversion', 'cohort_retention'] as const) {
          const theirs = await b.rpc(fn, { ...period, workspace_id: workspaceA });
          assert.ok(theirs.status === 403 || (Array.isArray(theirs.data) && theirs.data.length === 0), `${fn} as B: ${theirs.status} ${JSON.stringify(theirs.data)}`);
        }
        const paths = await b.rpc('common_paths', { from_stage: 'lead', to_stage: 'loyal', ...period, workspace_id: workspaceA });
        assert.ok(paths.status === 403 || (Array.isArray(paths.data) && paths.data.length === 0), `common_paths as B: ${paths.status}`);
        // Nor read A's workspace figures or anyone's stage history.
        const figures = await b.rpc('workspace_overview', { workspace_id: workspaceA });
        assert.equal(figures.data?.customers.total, 0);
        assert.deepEqual(figures.data?.revenue, []);
        assert.equal((await client(tokenA).rpc('workspace_overview', {})).data?.customers.total, 3);
        assert.equal((await b.rpc('get_stages', { profile_id: amara })).data, null);
        assert.equal((await client(tokenA).rpc('get_stages', { profile_id: amara })).data?.profile_id, amara);
        // Nor manage A's outbound webhooks (owners and admins only; B is no member of A at all).
        assert.equal((await b.rpc('create_webhook_endpoint', { url: 'https://b.example/hook', events: ['segment.entered'], workspace_id: workspaceA })).status, 403);
        assert.deepEqual((await b.rpc('list_webhook_endpoints', { workspace_id: workspaceA })).data, []);
        // Nor see or decide A's possible duplicates.
        assert.deepEqual((await b.rpc('list_duplicate_suggestions', {})).data, []);
        assert.deepEqual((await b.rpc('list_duplicate_suggestions', { workspace_id: workspaceA })).data, []);
        assert.equal((await b.rpc('confirm_duplicate_suggestion', { profile_a: jonathan, profile_b: jon })).status, 403);
        assert.equal((await b.rpc('dismiss_duplicate_suggestion', { profile_a: jonathan, profile_b: jon })).status, 403);
        assert.deepEqual(
          (await client(tokenA).rpc('list_duplicate_suggestions', {})).data?.map((s: { profile_a: string; profile_b: string }) => [s.profile_a, s.profile_b].sort()),
          [[jonathan, jon].sort()],
        );
        assert.equal((await client(tokenA).rpc('get_profile', { profile_id: amara })).data?.display_name, 'Amara Okafor');
        // Positive control: the same calls work for their own data.
        assert.equal((await b.rpc('get_profile', { profile_id: other })).data?.display_name, 'Not Her');
      });

      it('every RPC function a signed-in user may call is covered by the isolation test above', async () => {
        const rows = await db.query<{ name: string }>(
          `select distinct p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute')`,
        );
        assert.deepEqual(rows.map((r) => r.name).sort(), USER_CALLABLE);
      });

      it('the anon key reads nothing: 401 with the database error, as PostgREST answers', async () => {
        const { data, error, status } = await client().rpc('get_profile', { profile_id: amara });
        assert.equal(data, null);
        assert.equal(status, 401);
        assert.equal(error?.code, '42501');
      });

      it('ingest functions are for the service key only', async () => {
        const args = { workspace_id: workspaceA, source: 'shopify', topic: 'customers/create', idempotency_key: 'x', headers: {}, body_base64: 'e30=' };
        const asStaff = await client(tokenA).rpc('record_raw_event', args);
        assert.equal(asStaff.status, 403);
        const asService = await createClient(server.url, serviceKey, { realtime: { transport: ws as any } }).rpc('record_raw_event', args);
        assert.equal(asService.error, null);
        assert.equal(asService.data.duplicate, false);
      });
    });

    describe('tokens', () => {
      it('refuses a token signed with another secret', async () => {
        const forged = await signToken('another-secret-another-secret-another', { role: 'service_role' });
        const { error, status } = await client(forged).rpc('get_profile', { profile_id: amara });
        assert.equal(status, 401);
        assert.equal(error?.code, 'PGRST301');
      });

      it('refuses an expired token', async () => {
        const expired = await signToken(JWT_SECRET, { role: 'authenticated', sub: staffA.id, exp: Math.floor(Date.now() / 1000) - 60 }, Math.floor(Date.now() / 1000) - 60);
        const { error, status } = await client(expired).rpc('get_profile', { profile_id: amara });
        assert.equal(status, 401);
        assert.equal(error?.code, 'PGRST303');
      });

      it('refuses a role outside the API roles (no SET ROLE postgres through a token)', async () => {
        const escalate = await signToken(JWT_SECRET, { role: 'postgres' });
        const { error, status } = await client(escalate).rpc('get_profile', { profile_id: amara });
        assert.equal(status, 401);
        assert.equal(error?.code, 'PGRST301');
      });
    });

    describe('PostgREST semantics', () => {
      it('an unknown function is 404 PGRST202 naming what was searched', async () => {
        const { error, status } = await client(tokenA).rpc('drop_everything', { now: true });
        assert.equal(status, 404);
        assert.equal(error?.code, 'PGRST202');
        assert.match(error!.message, /public\.drop_everything\(now\)/);
      });

      it('an argument of the wrong type is a 400 with the database message', async () => {
        const { error, status } = await client(tokenA).rpc('get_profile', { profile_id: 'not-a-uuid' });
        assert.equal(status, 400);
        assert.equal(error?.code, '22P02');
      });

      it('GET works for stable functions, as with PostgREST', async () => {
        const { data, error } = await client(tokenA).rpc('get_profile', { profile_id: amara }, { get: true });
        assert.equal(error, null);
        assert.equal(data.id, amara);
      });
    });
  });
}
