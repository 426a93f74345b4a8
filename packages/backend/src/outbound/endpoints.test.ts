// Registering webhook endpoints, as staff call it: who may, what URLs and
// events are accepted, that a secret is shown once and never again, that
// another workspace sees nothing, and that erasing a person reaches the
// payloads that named them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asCaller } from '../auth/as-caller.ts';
import type { Database, Queryable } from '../db/database.ts';
import { isPostgresError } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { addPerson, createEndpoint, saveSpendSegment, signedIn, type CreatedEndpoint } from './receiver-test-kit.ts';

const STAFF_RPCS = ['create_webhook_endpoint', 'delete_webhook_endpoint', 'list_webhook_deliveries', 'list_webhook_endpoints', 'retry_webhook_delivery'];
const WORKER_RPCS = ['claim_webhook_deliveries', 'record_webhook_attempt'];

const ownerA = { id: 'a0000000-0000-4000-8000-0000000000a1', email: 'ana@hearth.example', role: 'owner' };
const memberA = { id: 'a0000000-0000-4000-8000-0000000000a2', email: 'max@hearth.example', role: 'member' };
const ownerB = { id: 'b0000000-0000-4000-8000-0000000000b1', email: 'bo@otherstore.example', role: 'owner' };
const zoe = { id: 301, email: 'zoe.brule@example.com', first: 'Zoë', last: 'Brûlé', spent: 480 };

const refusedWith = (code: string, message?: RegExp) => (error: unknown) => isPostgresError(error) && error.code === code && (!message || message.test(error.message));

for (const target of testDatabases()) {
  describe(`outbound webhooks: endpoints, secrets and isolation (${target.name})`, () => {
    let db: Database;
    let workspaceA: string;
    let workspaceB: string;
    let endpoint: CreatedEndpoint;
    let second: CreatedEndpoint;
    let zoeId: string;
    const as = <T>(who: { id: string; email: string }, work: (tx: Queryable) => Promise<T>) => asCaller(db, signedIn(who), work);
    const call = async (who: { id: string; email: string }, sql: string, params: unknown[] = []) =>
      (await as(who, (tx) => tx.query<{ result: any }>(`select ${sql} as result`, params)))[0]!.result;

    before(async () => {
      db = await target.open();
      workspaceA = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      workspaceB = await ensureWorkspace(db, { slug: 'other', name: 'Other Store' });
      await ensureStaff(db, workspaceA, ownerA);
      await ensureStaff(db, workspaceA, memberA);
      await ensureStaff(db, workspaceB, ownerB);
      zoeId = await addPerson(db, workspaceA, zoe);
    });
    after(() => db?.close());

    it('answers a new endpoint with its secret, 32 random bytes, once', async () => {
      endpoint = await createEndpoint(db, ownerA, 'https://hooks.partner.example/tessera?source=segments', ['segment.exited', 'segment.entered', 'segment.entered']);
      second = await createEndpoint(db, ownerA, 'http://localhost:8787/hooks', ['segment.entered']);
      assert.match(endpoint.secret, /^whsec_[0-9a-f]{64}$/);
      assert.notEqual(endpoint.secret, second.secret);
      assert.deepEqual(endpoint.events, ['segment.entered', 'segment.exited'], 'sorted, each once');
      assert.equal(endpoint.active, true);

      const listed = await call(ownerA, 'public.list_webhook_endpoints()');
      assert.deepEqual(listed.map((e: { id: string }) => e.id), [endpoint.id, second.id]);
      assert.deepEqual(Object.keys(listed[0]).sort(), ['active', 'created_at', 'disabled_reason', 'events', 'id', 'url']);
      const visible = JSON.stringify(await as(ownerA, (tx) => tx.query('select * from public.webhook_endpoints')));
      assert.ok(!visible.includes(endpoint.secret.slice(6)) && !JSON.stringify(listed).includes(endpoint.secret.slice(6)), 'the secret is never read back');
    });

    it('is random: 200 secrets, no repeat, every hex digit about equally often', async () => {
      const rows = await db.query<{ secret: string }>('select tessera.new_webhook_secret() as secret from generate_series(1, 200)');
      assert.equal(new Set(rows.map((r) => r.secret)).size, 200);
      const counts = new Map<string, number>();
      for (const { secret } of rows) for (const digit of secret.slice(6)) counts.set(digit, (counts.get(digit) ?? 0) + 1);
      // 12,800 digits, 800 expected per digit; σ ≈ 27.4, so ±5σ is 663…937.
      assert.equal(counts.size, 16);
      for (const [digit, count] of counts) assert.ok(count > 663 && count < 937, `digit ${digit} appeared ${count} times`);
    });

    it('accepts https URLs anywhere and http only on this machine', async () => {
      const accepted = ['https://example.com', 'https://hooks.example.com:8443/a/b?c=d#e', 'http://localhost', 'http://127.0.0.1:3000/hooks'];
      const refused = [
        'http://example.com/hooks',
        'http://localhost.evil.example/hooks',
        'http://127.0.0.1.nip.io/hooks',
        'https://user:pass@example.com/hooks',
        'http://127.0.0.1@evil.example/',
        'ftp://example.com/',
        'https://exa mple.com/',
        'https://',
        `https://example.com/${'a'.repeat(2100)}`,
        'javascript:alert(1)',
      ];
      for (const url of accepted) {
        const [{ ok }] = (await db.query<{ ok: boolean }>('select tessera.webhook_url_allowed($1) as ok', [url])) as [{ ok: boolean }];
        assert.equal(ok, true, url);
      }
      for (const url of refused) {
        await assert.rejects(createEndpoint(db, ownerA, url, ['segment.entered']), refusedWith('22023', /is not allowed/), url);
      }
      await assert.rejects(createEndpoint(db, ownerA, 'https://example.com', ['segment.deleted']), refusedWith('22023', /segment\.deleted/));
      await assert.rejects(createEndpoint(db, ownerA, 'https://example.com', []), refusedWith('22023', /missing/));
      assert.equal((await call(ownerA, 'public.list_webhook_endpoints()')).length, 2, 'nothing refused was stored');
    });

    it('lets only owners and admins register, list and see deliveries', async () => {
      await assert.rejects(createEndpoint(db, memberA, 'https://example.com', ['segment.entered']), refusedWith('42501'));
      assert.deepEqual(await call(memberA, 'public.list_webhook_endpoints()'), []);
      await saveSpendSegment(db, workspaceA, 'VIP', 400);
      assert.deepEqual(await call(memberA, 'public.list_webhook_deliveries($1)', [endpoint.id]), []);
      const deliveries = await call(ownerA, 'public.list_webhook_deliveries($1)', [endpoint.id]);
      assert.deepEqual(deliveries.map((d: { event_type: string; status: string; attempts: number }) => [d.event_type, d.status, d.attempts]), [['segment.entered', 'pending', 0]]);
      assert.equal(deliveries[0].payload.data.profile.email, zoe.email);
      await assert.rejects(call(ownerA, `public.list_webhook_deliveries($1, 'lost')`, [endpoint.id]), refusedWith('22023', /Unknown delivery status lost/));
    });

    it('shows another workspace\'s member none of the endpoints, deliveries or secrets, and lets them change nothing', async () => {
      const [delivery] = await db.query<{ id: string }>('select id::text from public.webhook_deliveries where endpoint_id = $1', [endpoint.id]);
      assert.deepEqual(await call(ownerB, 'public.list_webhook_endpoints()'), []);
      assert.deepEqual(await call(ownerB, 'public.list_webhook_endpoints($1)', [workspaceA]), []);
      assert.deepEqual(await call(ownerB, 'public.list_webhook_deliveries($1)', [endpoint.id]), []);
      assert.deepEqual(await as(ownerB, (tx) => tx.query('select * from public.webhook_endpoints')), []);
      assert.deepEqual(await as(ownerB, (tx) => tx.query('select * from public.webhook_deliveries')), []);
      for (const who of [ownerB, ownerA]) {
        await assert.rejects(as(who, (tx) => tx.query('select * from tessera.webhook_endpoint_secrets')), refusedWith('42501'));
      }
      await assert.rejects(call(ownerB, 'public.delete_webhook_endpoint($1)', [endpoint.id]), refusedWith('42501'));
      await assert.rejects(call(ownerB, 'public.retry_webhook_delivery($1)', [delivery!.id]), refusedWith('42501'));
      await assert.rejects(createEndpoint(db, ownerB, 'https://attacker.example/hooks', ['segment.entered'], workspaceA), refusedWith('42501'));
      // Nor can they act as the worker, which is handed the secrets.
      await assert.rejects(call(ownerB, 'public.claim_webhook_deliveries()'), refusedWith('42501'));
      await assert.rejects(call(ownerB, 'public.record_webhook_attempt($1, $2, 1, 200)', [workspaceA, delivery!.id]), refusedWith('42501'));
      // Positive control: A's owner still has both endpoints and the delivery is untouched.
      assert.equal((await call(ownerA, 'public.list_webhook_endpoints()')).length, 2);
      const [row] = await db.query<{ status: string; attempts: number }>('select status, attempts from public.webhook_deliveries where id = $1', [delivery!.id]);
      assert.deepEqual({ ...row }, { status: 'pending', attempts: 0 });
    });

    it('grants the staff functions to signed-in users and the worker\'s to the service key only; anon gets nothing', async () => {
      const grants = await db.query<{ name: string; anon: boolean; authenticated: boolean; service_role: boolean }>(
        `select p.proname as name, has_function_privilege('anon', p.oid, 'execute') as anon,
                has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
                has_function_privilege('service_role', p.oid, 'execute') as service_role
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = 'public' and p.proname = any ($1) order by p.proname`,
        [[...STAFF_RPCS, ...WORKER_RPCS]],
      );
      assert.deepEqual(
        grants.map((g) => [g.name, g.anon, g.authenticated, g.service_role]),
        [...STAFF_RPCS.map((name) => [name, false, true, true]), ...WORKER_RPCS.map((name) => [name, false, false, true])].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      for (const role of ['anon', 'authenticated', 'service_role']) {
        const [row] = await db.query<{ allowed: boolean }>(`select has_table_privilege($1, 'tessera.webhook_endpoint_secrets', 'select') as allowed`, [role]);
        assert.equal(row!.allowed, false, `${role} can read the secrets table`);
      }
    });

    it('clears a person\'s email and name from every payload about them when they are erased', async () => {
      const before = await db.query<{ payload: string }>('select payload::text from public.webhook_deliveries where profile_id = $1', [zoeId]);
      assert.equal(before.length, 2, 'VIP entry, for both endpoints');
      assert.ok(before.every((row) => row.payload.includes(zoe.email)));
      await db.query('select tessera.erase_person($1, $2, null)', [workspaceA, zoeId]);
      const afterwards = await db.query<{ row: string; payload: { data: { profile: unknown } } }>(
        'select d::text as row, payload from public.webhook_deliveries d where workspace_id = $1',
        [workspaceA],
      );
      assert.equal(afterwards.length, 2);
      for (const { row, payload } of afterwards) {
        for (const value of [zoe.email, zoe.first, zoe.last]) assert.ok(!row.includes(value), `${value} is still in ${row}`);
        assert.deepEqual(payload.data.profile, { id: zoeId, email: null, display_name: null });
      }
    });

    it('deletes an endpoint with its secret and deliveries', async () => {
      await call(ownerA, 'public.delete_webhook_endpoint($1)', [endpoint.id]);
      assert.deepEqual((await call(ownerA, 'public.list_webhook_endpoints()')).map((e: { id: string }) => e.id), [second.id]);
      const [left] = await db.query<{ secrets: number; deliveries: number }>(
        `select (select count(*)::int from tessera.webhook_endpoint_secrets where endpoint_id = $1) as secrets,
                (select count(*)::int from public.webhook_deliveries where endpoint_id = $1) as deliveries`,
        [endpoint.id],
      );
      assert.deepEqual({ ...left }, { secrets: 0, deliveries: 0 });
      await assert.rejects(call(ownerA, 'public.delete_webhook_endpoint($1)', [endpoint.id]), refusedWith('42501', /No webhook endpoint/));
    });
  });
}
