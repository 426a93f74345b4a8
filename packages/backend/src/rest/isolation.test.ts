// Isolation, through every RPC function a signed-in user may call, over HTTP
// as supabase-js calls it: a member of another workspace, staff below the role
// a function needs, a storefront customer asking about someone else, a user
// whose token outlived their account, and every kind of bad token. The table
// of calls below is checked against the database catalog, so a new RPC
// function fails here until it says how it is called and what outsiders get.
import { createClient, type RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import ws from 'ws';
import { signAppProxyQuery } from '../auth/app-proxy.ts';
import { signToken, type Claims } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { addPerson } from '../outbound/receiver-test-kit.ts';
import { startServer, type RunningServer } from '../server/start.ts';

const JWT_SECRET = 'isolation-test-jwt-secret-of-32-characters';
const SHOP = { shop: 'hearth-and-grain-test.myshopify.com', secret: 'hearth-app-client-secret' };

/** Hearth & Grain's people, segment and endpoints that the calls below aim at. */
interface Hearth {
  workspace: string;
  amara: string; // read target: orders, churn score, stages, journey
  zoe: string; // the storefront customer who asks about the others
  jonathan: string; // open duplicate suggestion with jon (to confirm)
  jon: string;
  pat: string; // open duplicate suggestion with patricia (to dismiss)
  patricia: string;
  mia: string; // to merge with mika
  mika: string;
  lee: string; // merged into lea (to unmerge)
  erin: string; // to erase
  segment: string;
  endpoint: string; // to delete
  hookedEndpoint: string; // has a failed delivery (to list and retry)
  failedDelivery: number;
}

/** A caller who may not see the row answers with refusal: 403 and insufficient_privilege (42501). */
const REFUSED = Symbol('refused');

interface RpcCase {
  /** Realistic arguments aimed at Hearth's data. */
  args: (a: Hearth) => Record<string, unknown>;
  /** Which of Hearth's staff it serves (0007, 0009, 0015, 0016): every member, editors (owner, admin, member) or owners and admins. */
  tier: 'staff' | 'editors' | 'admins';
  /** It works on a whole workspace (tessera.request_workspace), which refuses storefront customer tokens outright. */
  workspaceWide: boolean;
  /** What a caller who may not see Hearth's data gets instead. */
  hidden: (a: Hearth) => unknown;
}

const PERIOD = { since: '2026-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z' };
const EVERYONE_WITH_EMAIL = { kind: 'has', identity: 'email' };
const BIG_SPENDERS = { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 50 } };

/** workspace_overview of a workspace whose rows the caller cannot read: every figure zero. */
const emptyOverview = (workspaceId: string) => ({
  workspace_id: workspaceId,
  since: null,
  until: null,
  customers: { new: 0, total: 0, by_source: [], by_first_source: [] },
  revenue: [],
  orders: 0,
  churn: { low: 0, medium: 0, high: 0, unscored: 0 },
  funnel: [
    ['follower', 'Follower'],
    ['lead', 'Lead'],
    ['first_purchase', 'First purchase'],
    ['repeat', 'Repeat'],
    ['loyal', 'Loyal'],
    ['at_risk', 'At risk'],
    ['churned', 'Churned'],
    ['reactivated', 'Reactivated'],
  ].map(([stage, label]) => ({ stage, label, customers: 0 })),
  unstaged: 0,
  new_customers_by_week: [],
});

const RPC_CASES: Record<string, RpcCase> = {
  cohort_retention: { args: (a) => ({ ...PERIOD, workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: () => [] },
  common_paths: {
    args: (a) => ({ from_stage: 'first_purchase', to_stage: 'repeat', ...PERIOD, workspace_id: a.workspace }),
    tier: 'staff',
    workspaceWide: true,
    hidden: () => [],
  },
  confirm_duplicate_suggestion: { args: (a) => ({ profile_a: a.jonathan, profile_b: a.jon }), tier: 'editors', workspaceWide: false, hidden: () => REFUSED },
  create_webhook_endpoint: {
    args: (a) => ({ url: 'https://hooks.intruder.example/tessera', events: ['segment.entered'], workspace_id: a.workspace }),
    tier: 'admins',
    workspaceWide: true,
    hidden: () => REFUSED,
  },
  delete_webhook_endpoint: { args: (a) => ({ id: a.endpoint }), tier: 'admins', workspaceWide: false, hidden: () => REFUSED },
  dismiss_duplicate_suggestion: { args: (a) => ({ profile_a: a.pat, profile_b: a.patricia }), tier: 'editors', workspaceWide: false, hidden: () => REFUSED },
  erase_profile: { args: (a) => ({ profile_id: a.erin, reference: 'isolation-test' }), tier: 'admins', workspaceWide: false, hidden: () => REFUSED },
  export_profile: { args: (a) => ({ profile_id: a.amara }), tier: 'admins', workspaceWide: false, hidden: () => REFUSED },
  get_churn: { args: (a) => ({ profile_id: a.amara }), tier: 'staff', workspaceWide: false, hidden: () => null },
  get_journey: { args: (a) => ({ profile_id: a.amara }), tier: 'staff', workspaceWide: false, hidden: () => null },
  get_profile: { args: (a) => ({ profile_id: a.amara }), tier: 'staff', workspaceWide: false, hidden: () => null },
  get_stages: { args: (a) => ({ profile_id: a.amara }), tier: 'staff', workspaceWide: false, hidden: () => null },
  list_duplicate_suggestions: { args: (a) => ({ workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: () => [] },
  list_segments: { args: (a) => ({ workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: () => [] },
  // Row-level security lets only owners and admins read deliveries: anyone else finds none.
  list_webhook_deliveries: { args: (a) => ({ endpoint_id: a.hookedEndpoint }), tier: 'admins', workspaceWide: false, hidden: () => [] },
  list_webhook_endpoints: { args: (a) => ({ workspace_id: a.workspace }), tier: 'admins', workspaceWide: true, hidden: () => [] },
  merge_profiles: { args: (a) => ({ profile_id: a.mia, other_profile_id: a.mika }), tier: 'editors', workspaceWide: false, hidden: () => REFUSED },
  preview_segment: {
    args: (a) => ({ segment: EVERYONE_WITH_EMAIL, workspace_id: a.workspace }),
    tier: 'staff',
    workspaceWide: true,
    hidden: () => ({ count: 0, sample: [] }),
  },
  resolve_profile: { args: (a) => ({ kind: 'email', value: 'Amara.Okafor@example.com', workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: () => null },
  retry_webhook_delivery: { args: (a) => ({ id: a.failedDelivery }), tier: 'admins', workspaceWide: false, hidden: () => REFUSED },
  save_segment: {
    args: (a) => ({ name: 'Big spenders', query: 'amount_spent > 50', definition: BIG_SPENDERS, workspace_id: a.workspace }),
    tier: 'editors',
    workspaceWide: true,
    hidden: () => REFUSED,
  },
  search_profiles: { args: (a) => ({ query: 'okafor', workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: () => [] },
  segment_members: {
    args: (a) => ({ segment_id: a.segment, workspace_id: a.workspace }),
    tier: 'staff',
    workspaceWide: true,
    hidden: () => ({ members: [], next_cursor: null }),
  },
  stage_conversion: { args: (a) => ({ ...PERIOD, workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: () => [] },
  unmerge_profile: { args: (a) => ({ profile_id: a.lee }), tier: 'editors', workspaceWide: false, hidden: () => REFUSED },
  workspace_overview: { args: (a) => ({ workspace_id: a.workspace }), tier: 'staff', workspaceWide: true, hidden: (a) => emptyOverview(a.workspace) },
};
const FUNCTIONS = Object.keys(RPC_CASES).sort();

const staff = {
  owner: { id: 'a0000000-0000-4000-8000-0000000000a1', email: 'ana@hearth.example', role: 'owner' },
  admin: { id: 'a0000000-0000-4000-8000-0000000000a2', email: 'adi@hearth.example', role: 'admin' },
  member: { id: 'a0000000-0000-4000-8000-0000000000a3', email: 'max@hearth.example', role: 'member' },
  viewer: { id: 'a0000000-0000-4000-8000-0000000000a4', email: 'vic@hearth.example', role: 'viewer' },
  // Members of Hearth once: one was removed from the workspace, one's account was deleted.
  removed: { id: 'a0000000-0000-4000-8000-0000000000a5', email: 'rem@hearth.example', role: 'admin' },
  deleted: { id: 'a0000000-0000-4000-8000-0000000000a6', email: 'del@hearth.example', role: 'owner' },
};
const otherOwner = { id: 'b0000000-0000-4000-8000-0000000000b1', email: 'bo@otherstore.example', role: 'owner' };
/** The least role of Hearth that a tier admits: it must succeed where the role below it is refused. */
const LEAST_ROLE = { staff: 'viewer', editors: 'member', admins: 'admin' } as const;
const ROLE_RANK = { viewer: 0, member: 1, admin: 2, owner: 3 } as const;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const userClaims = (who: { id: string; email: string }): Claims => ({ role: 'authenticated', sub: who.id, email: who.email, aud: 'authenticated' });

/**
 * A digest of every row of the workspace in every table that has a
 * workspace_id (public and tessera), read as the superuser: what must not move
 * when outsiders call the writing functions.
 */
async function workspaceDigest(db: Database, workspaceId: string): Promise<Record<string, string>> {
  const tables = await db.query<{ name: string }>(
    `select format('%I.%I', c.table_schema, c.table_name) as name
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.column_name = 'workspace_id' and t.table_type = 'BASE TABLE' and c.table_schema in ('public', 'tessera')
      order by 1`,
  );
  const digest: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await db.query<{ n: number; md5: string }>(
      `select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from ${name} t where t.workspace_id = $1`,
      [workspaceId],
    );
    digest[name] = `${row!.n} rows ${row!.md5}`;
  }
  return digest;
}

interface Answer {
  status: number;
  data: unknown;
  error: { code?: string; message?: string } | null;
}

for (const target of testDatabases()) {
  describe(`isolation through every RPC function (${target.name})`, () => {
    let db: Database;
    let server: RunningServer;
    let anonKey: string;
    let hearth: Hearth;
    let otherWorkspace: string;
    let otherPerson: string;
    const tokens: Record<string, string> = {};

    /** POST /rest/v1/rpc/<fn> as supabase-js sends it: the anon key as apikey, the session as the bearer. */
    async function rpc(fn: string, args: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
      const response = await fetch(`${server.url}/rest/v1/rpc/${fn}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(args),
      });
      const text = await response.text();
      const body = text ? JSON.parse(text) : null;
      return { status: response.status, data: response.ok ? body : null, error: response.ok ? null : body };
    }
    const session = (token: string) => ({ apikey: anonKey, authorization: `Bearer ${token}` });

    /** Each function (every one unless told) called once with Hearth's arguments; the answers by function name. */
    async function callEvery(headers: Record<string, string>, functions = FUNCTIONS): Promise<Map<string, Answer>> {
      const answers = await Promise.all(functions.map((fn) => rpc(fn, RPC_CASES[fn]!.args(hearth), headers)));
      return new Map(functions.map((fn, i) => [fn, answers[i]!]));
    }

    /** The calls whose answer reveals or changes something the caller may not: `fn: what came back`. */
    function leaks(answers: Map<string, Answer>, expected: (fn: string) => unknown): string[] {
      const wrong: string[] = [];
      for (const [fn, answer] of answers) {
        const hidden = expected(fn);
        const ok =
          hidden === REFUSED
            ? answer.status === 403 && answer.error?.code === '42501'
            : answer.status < 300 && isDeepStrictEqual(answer.data, hidden);
        if (!ok) wrong.push(`${fn}: ${answer.status} ${JSON.stringify(answer.data ?? answer.error).slice(0, 300)}`);
      }
      return wrong;
    }

    /** A storefront session for a Shopify customer of Hearth, through the App Proxy endpoint. */
    async function storefrontToken(customerId: string): Promise<string> {
      const query = new URLSearchParams({ shop: SHOP.shop, logged_in_customer_id: customerId, path_prefix: '/apps/tessera', timestamp: String(Math.floor(Date.now() / 1000)) });
      const response = await fetch(`${server.url}/functions/v1/storefront-session?${await signAppProxyQuery(query, SHOP.secret)}`);
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { access_token: string }).access_token;
    }

    before(async () => {
      db = await target.open();
      const workspace = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      otherWorkspace = await ensureWorkspace(db, { slug: 'other', name: 'Other Store' });
      for (const who of Object.values(staff)) await ensureStaff(db, workspace, who);
      await ensureStaff(db, otherWorkspace, otherOwner);
      await db.query(`insert into tessera.connections (workspace_id, source, account, secret) values ($1, 'shopify', $2, $3)`, [workspace, SHOP.shop, SHOP.secret]);

      const person = (id: number, email: string, first: string, last: string, spent: number) => addPerson(db, workspace, { id, email, first, last, spent });
      const amara = await person(5001, 'amara.okafor@example.com', 'Amara', 'Okafor', 94.44);
      // A second order a month later: Amara moves from first purchase to repeat.
      await db.query(`select tessera.apply_record($1, 'shopify', $2::jsonb, null)`, [
        workspace,
        JSON.stringify({
          observed_at: '2026-11-01T00:00:00Z',
          identities: [{ kind: 'shopify_customer', value: '5001' }],
          traits: [],
          events: [{ external_id: 'shopify:order:5001-2:placed', type: 'order_placed', occurred_at: '2026-11-01T00:00:00Z', revenue: 38, currency: 'USD' }],
          unrecognised: [],
        }),
      ]);
      const ids = {
        zoe: await person(5002, 'zoe.brule@example.com', 'Zoë', 'Brûlé', 480),
        jonathan: await person(5101, 'jonathan.smith@gmail.com', 'Jonathan', 'Smith', 12),
        jon: await person(5102, 'jon@smithandkettle.example', 'Jon', 'Smith', 30),
        pat: await person(5103, 'pat.nguyen@example.com', 'Pat', 'Nguyen', 8),
        patricia: await person(5104, 'patricia.nguyen@example.org', 'Patricia', 'Nguyen', 60),
        mia: await person(5105, 'mia.costa@example.com', 'Mia', 'Costa', 20),
        mika: await person(5106, 'mika.costa@example.net', 'Mika', 'Costa', 25),
        lea: await person(5107, 'lea.martin@example.com', 'Léa', 'Martin', 70),
        lee: await person(5108, 'lee.martin@example.com', 'Lee', 'Martin', 15),
        erin: await person(5109, 'erin.walsh@example.com', 'Erin', 'Walsh', 41),
      };
      await db.query(`select tessera.merge_profiles($1, $2, array[$3::uuid], '[]'::jsonb, null)`, [workspace, ids.lea, ids.lee]);
      await db.query('select tessera.store_duplicate_suggestions($1, $2::jsonb)', [
        workspace,
        JSON.stringify([
          { a: ids.jonathan, b: ids.jon, score: 0.97, evidence: { surname: 'exact' } },
          { a: ids.pat, b: ids.patricia, score: 0.91, evidence: { surname: 'exact' } },
        ]),
      ]);
      await db.query('select tessera.store_churn_scores($1, $2::jsonb)', [
        workspace,
        JSON.stringify([{ profile_id: amara, model: 'bgnbd', version: 1, risk: 0.82, band: 'high', horizon_days: 90, palive: 0.31, expected_purchases: 0.4, clv: 120, factors: [] }]),
      ]);
      await db.query('select tessera.rebuild_lifecycle($1)', [workspace]);
      await db.query('select tessera.refresh_profile_facts($1)', [workspace]);
      // Staff setup through a direct connection (no claims: trusted like the service key).
      const [segment] = await db.query<{ saved: { id: string } }>(`select public.save_segment('With email', 'has email', $1::jsonb, $2) as saved`, [
        JSON.stringify(EVERYONE_WITH_EMAIL),
        workspace,
      ]);
      const endpoint = async (url: string) =>
        (await db.query<{ e: { id: string } }>(`select public.create_webhook_endpoint($1, array['segment.entered'], $2) as e`, [url, workspace]))[0]!.e.id;
      const doomedEndpoint = await endpoint('https://hooks.partner.example/old');
      const hookedEndpoint = await endpoint('https://hooks.partner.example/crm');
      const [delivery] = await db.query<{ id: number }>(
        `insert into public.webhook_deliveries (workspace_id, endpoint_id, event_type, event_id, profile_id, payload, status, attempts, next_attempt_at, last_status_code, last_error)
         values ($1, $2, 'segment.entered', 'evt_isolation_1', $3, '{"type": "segment.entered"}', 'failed', 6, null, 500, 'HTTP 500')
         returning id::int`,
        [workspace, hookedEndpoint, amara],
      );
      hearth = { workspace, amara, ...ids, segment: segment!.saved.id, endpoint: doomedEndpoint, hookedEndpoint, failedDelivery: delivery!.id };

      otherPerson = await addPerson(db, otherWorkspace, { id: 5001, email: 'amara.okafor@example.com', first: 'Not', last: 'Her', spent: 5 });
      await db.query('select tessera.refresh_profile_facts($1)', [otherWorkspace]);

      server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: workspace, secrets: {} });
      anonKey = await signToken(JWT_SECRET, { role: 'anon' });
      for (const [name, who] of Object.entries(staff)) tokens[name] = await signToken(JWT_SECRET, userClaims(who), '1h');
      tokens.other = await signToken(JWT_SECRET, userClaims(otherOwner), '1h');
      // Supabase never requires exp, and neither do PostgREST or jwt.ts: a token without one is its user's, no more.
      tokens.otherWithoutExp = await new SignJWT({ iss: 'supabase', ...userClaims(otherOwner) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .sign(new TextEncoder().encode(JWT_SECRET));
      tokens.zoe = await storefrontToken('5002');
      // Tokens issued while they belonged to Hearth, still validly signed and unexpired.
      await db.query('delete from public.workspace_members where user_id = $1', [staff.removed.id]);
      await db.query('delete from auth.users where id = $1', [staff.deleted.id]);
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    it('covers exactly the functions in schema public that authenticated may execute, and anon may execute none', async () => {
      const rows = await db.query<{ name: string; anon: boolean }>(
        `select distinct p.proname as name, has_function_privilege('anon', p.oid, 'execute') as anon
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = 'public' and (has_function_privilege('authenticated', p.oid, 'execute') or has_function_privilege('anon', p.oid, 'execute'))`,
      );
      assert.deepEqual(
        rows.map((r) => r.name).sort(),
        FUNCTIONS,
        'every user-callable RPC function needs an entry in RPC_CASES (its arguments and what outsiders get)',
      );
      assert.deepEqual(rows.filter((r) => r.anon).map((r) => r.name), []);
    });

    it("callers outside Hearth read nothing and change nothing, through every function", async () => {
      const before = await workspaceDigest(db, hearth.workspace);
      assert.ok(['public.profiles', 'public.segments', 'public.webhook_endpoints', 'tessera.webhook_endpoint_secrets'].every((t) => t in before));
      const outsiders = {
        'owner of another workspace': tokens.other!,
        'owner of another workspace, token without exp': tokens.otherWithoutExp!,
        'admin removed from Hearth': tokens.removed!,
        'owner whose account was deleted': tokens.deleted!,
      };
      const wrong: string[] = [];
      for (const [who, token] of Object.entries(outsiders)) {
        for (const leak of leaks(await callEvery(session(token)), (fn) => RPC_CASES[fn]!.hidden(hearth))) wrong.push(`${who}: ${leak}`);
      }
      // A Shopify customer of Hearth (Zoë) asking about other customers, their segments and endpoints.
      const customer = leaks(await callEvery(session(tokens.zoe!)), (fn) => (RPC_CASES[fn]!.workspaceWide ? REFUSED : RPC_CASES[fn]!.hidden(hearth)));
      wrong.push(...customer.map((leak) => `storefront customer Zoë: ${leak}`));
      assert.deepEqual(wrong, []);
      assert.deepEqual(await workspaceDigest(db, hearth.workspace), before, "Hearth's rows are unchanged");

      // Positive controls: the same tokens work for what is theirs.
      const theirs = await rpc('get_profile', { profile_id: otherPerson }, session(tokens.otherWithoutExp!));
      assert.equal((theirs.data as { display_name?: string })?.display_name, 'Not Her');
      const own = await rpc('get_profile', { profile_id: hearth.zoe }, session(tokens.zoe!));
      assert.equal((own.data as { display_name?: string })?.display_name, 'Zoë Brûlé');
    });

    it("Hearth's staff below the role a function needs are refused it, and Hearth is unchanged", async () => {
      const before = await workspaceDigest(db, hearth.workspace);
      const wrong: string[] = [];
      for (const role of ['viewer', 'member'] as const) {
        const beyond = FUNCTIONS.filter((fn) => ROLE_RANK[role] < ROLE_RANK[LEAST_ROLE[RPC_CASES[fn]!.tier]]);
        const answers = await callEvery(session(tokens[role]!), beyond);
        wrong.push(...leaks(answers, (fn) => RPC_CASES[fn]!.hidden(hearth)).map((leak) => `${role}: ${leak}`));
      }
      assert.deepEqual(wrong, []);
      assert.deepEqual(await workspaceDigest(db, hearth.workspace), before);
    });

    it('every bad token is a 401 for every function, whether sent as the session or as the apikey', async () => {
      const now = Math.floor(Date.now() / 1000);
      const owner = userClaims(staff.owner);
      const service = { role: 'service_role', iss: 'supabase', iat: now, exp: now + 3600 };
      const [header, , signature] = tokens.other!.split('.');
      const sign = (claims: Claims, alg: string) =>
        new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET));
      const bad: Record<string, { token: string; code: string }> = {
        'expired owner token': { token: await signToken(JWT_SECRET, owner, now - 60), code: 'PGRST303' },
        'service key signed with another secret': { token: await signToken('a-guess-at-the-jwt-secret-32-characters', { role: 'service_role' }), code: 'PGRST301' },
        'customer token signed with another secret': {
          token: await signToken('a-guess-at-the-jwt-secret-32-characters', { role: 'authenticated', tessera_customer: { workspace_id: hearth.workspace, profile_id: hearth.amara } }, '15m'),
          code: 'PGRST301',
        },
        'alg none': { token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(service)}.`, code: 'PGRST301' },
        'HS512 with the right secret': { token: await sign(owner, 'HS512'), code: 'PGRST301' },
        "another workspace's token edited to Hearth's owner": { token: `${header}.${base64url({ ...userClaims(otherOwner), sub: staff.owner.id, exp: now + 3600 })}.${signature}`, code: 'PGRST301' },
        "another workspace's token edited to the service role": { token: `${header}.${base64url({ ...service })}.${signature}`, code: 'PGRST301' },
        'not valid before an hour from now': {
          token: await new SignJWT(owner).setProtectedHeader({ alg: 'HS256' }).setNotBefore(now + 3600).setExpirationTime('2h').sign(new TextEncoder().encode(JWT_SECRET)),
          code: 'PGRST301',
        },
        'role postgres': { token: await signToken(JWT_SECRET, { role: 'postgres' }), code: 'PGRST301' },
        'not a JWT': { token: 'not-a-jwt', code: 'PGRST301' },
      };
      const wrong: string[] = [];
      const expectEvery = async (label: string, headers: Record<string, string>, status: number, code: string) => {
        for (const [fn, answer] of await callEvery(headers)) {
          if (answer.status !== status || answer.error?.code !== code) wrong.push(`${label}: ${fn}: ${answer.status} ${JSON.stringify(answer.data ?? answer.error)}`);
        }
      };
      for (const [label, { token, code }] of Object.entries(bad)) {
        await expectEvery(`${label} (bearer)`, session(token), 401, code);
        await expectEvery(`${label} (apikey)`, { apikey: token }, 401, code);
      }
      await expectEvery('no token at all', {}, 401, 'PGRST302');
      // The anon key is a genuine token, but its role may execute none of these.
      await expectEvery('anon key', { apikey: anonKey, authorization: `Bearer ${anonKey}` }, 401, '42501');
      assert.deepEqual(wrong, []);
    });

    it('tables and internal functions are not reachable over REST at all', async () => {
      for (const token of [tokens.other!, tokens.owner!]) {
        for (const table of ['profiles', 'identities', 'events', 'traits', 'workspaces', 'workspace_members', 'segments', 'webhook_endpoints', 'raw_events']) {
          const read = await fetch(`${server.url}/rest/v1/${table}?select=*`, { headers: session(token) });
          const body = await read.text();
          assert.equal(read.status, 404, `GET /rest/v1/${table}: ${body}`);
          assert.ok(!body.includes(hearth.amara), table);
          const write = await fetch(`${server.url}/rest/v1/${table}`, { method: 'POST', headers: { ...session(token), 'content-type': 'application/json' }, body: '{}' });
          assert.equal(write.status, 404, `POST /rest/v1/${table}`);
        }
      }
      // The tessera schema is never exposed, whatever profile the request asks for.
      for (const profile of [{}, { 'accept-profile': 'tessera', 'content-profile': 'tessera' }] as Record<string, string>[]) {
        const internal = await rpc('staff_workspace', { requested: hearth.workspace }, { ...session(tokens.other!), ...profile });
        assert.equal(internal.status, 404);
        assert.equal(internal.error?.code, 'PGRST202');
        const merge = await rpc('merge_profiles', { p_workspace_id: hearth.workspace, p_survivor: hearth.mia, p_merged: [hearth.mika], p_linked_by: [], p_raw_event_id: null }, { ...session(tokens.other!), ...profile });
        assert.equal(merge.status, 404);
      }
    });

    it("realtime sends another workspace's members and a storefront customer only their own rows", async () => {
      type Row = { id: string; workspace_id: string };
      const listen = async (token: string, sentinel: string) => {
        const client = createClient(server.url, anonKey, { accessToken: async () => token, realtime: { transport: ws as any } });
        await client.realtime.setAuth();
        const seen: string[] = [];
        let arrived!: () => void;
        const done = new Promise<void>((resolve) => (arrived = resolve));
        const channel = client
          .channel(`isolation-${sentinel}`)
          .on('postgres_changes', { event: '*', schema: 'public' }, (change: RealtimePostgresChangesPayload<Row>) => {
            const row = change.new as Partial<Row>;
            seen.push(`${change.table}:${row.workspace_id === hearth.workspace ? 'hearth' : 'other'}:${row.id ?? ''}`);
            if (change.table === 'profiles' && row.id === sentinel) arrived();
          })
          .on('postgres_changes', { event: '*', schema: 'public', table: 'profiles', filter: `id=eq.${hearth.amara}` }, () => seen.push('filtered:amara'));
        await new Promise<void>((resolve, reject) => channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : error && reject(error))));
        return { seen, done, client };
      };
      const outsider = await listen(tokens.other!, otherPerson);
      const customer = await listen(tokens.zoe!, hearth.zoe);
      const colleague = await listen(tokens.viewer!, hearth.jonathan);

      // Amara's profile changes, and a new segment brings Hearth's people in (segment_membership_changes rows).
      await db.query(`update public.profiles set orders_count = orders_count + 1 where id = $1`, [hearth.amara]);
      await db.query(`select public.save_segment('Realtime probe', 'has email', $1::jsonb, $2)`, [JSON.stringify(EVERYONE_WITH_EMAIL), hearth.workspace]);
      for (const sentinel of [otherPerson, hearth.zoe, hearth.jonathan]) {
        await db.query(`update public.profiles set updated_at = now() where id = $1`, [sentinel]);
      }
      await Promise.all([outsider.done, customer.done, colleague.done]);
      // Changes reach each socket in commit order: anything of Hearth's would have arrived before the sentinel.
      assert.deepEqual(outsider.seen, [`profiles:other:${otherPerson}`]);
      assert.deepEqual(customer.seen, [`profiles:hearth:${hearth.zoe}`]);
      // Positive control: Hearth's own viewer did receive Amara's change and the new memberships.
      assert.ok(colleague.seen.includes(`profiles:hearth:${hearth.amara}`) && colleague.seen.includes('filtered:amara'), JSON.stringify(colleague.seen));
      assert.ok(colleague.seen.some((s) => s.startsWith('segment_membership_changes:hearth:')), JSON.stringify(colleague.seen));
      await Promise.all([outsider, customer, colleague].map((l) => l.client.removeAllChannels()));
    });

    it("Hearth's least role for each function does get its answer with the same arguments (reads first, then writes)", async () => {
      const byTier = (fn: string) => session(tokens[LEAST_ROLE[RPC_CASES[fn]!.tier]]!);
      const reads = FUNCTIONS.filter((fn) => RPC_CASES[fn]!.hidden(hearth) !== REFUSED);
      const writes = FUNCTIONS.filter((fn) => RPC_CASES[fn]!.hidden(hearth) === REFUSED);
      const wrong: string[] = [];
      const answers = await Promise.all(reads.map((fn) => rpc(fn, RPC_CASES[fn]!.args(hearth), byTier(fn))));
      reads.forEach((fn, i) => {
        const { status, data, error } = answers[i]!;
        // The arguments reach real data: what outsiders get would be a different answer.
        if (status !== 200 || isDeepStrictEqual(data, RPC_CASES[fn]!.hidden(hearth))) wrong.push(`${fn}: ${status} ${JSON.stringify(data ?? error).slice(0, 200)}`);
      });
      for (const fn of writes) {
        const { status, data, error } = await rpc(fn, RPC_CASES[fn]!.args(hearth), byTier(fn));
        if (status >= 300) wrong.push(`${fn}: ${status} ${JSON.stringify(data ?? error)}`);
      }
      assert.deepEqual(wrong, []);
    });
  });
}
