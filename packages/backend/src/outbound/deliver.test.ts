// The outbound worker against real Postgres and a real HTTP receiver: people
// entering and leaving a saved segment reach a partner's server signed, once
// each, and failures follow the documented schedule (1 min, 5 min, 30 min,
// 2 h, 8 h, then the dead-letter), written out here from the documentation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asCaller } from '../auth/as-caller.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { createOutboundWorker } from './deliver.ts';
import { addPerson, createEndpoint, saveSpendSegment, signedIn, startReceiver, type Answer, type Receiver } from './receiver-test-kit.ts';
import { verifyTesseraSignature } from './sign.ts';

const RETRY_DELAYS_S = [60, 5 * 60, 30 * 60, 2 * 3600, 8 * 3600];
const MAX_ATTEMPTS = 6;
const DAY_MS = 86_400_000;

const ana = { id: 101, email: 'ana.lima@example.com', first: 'Ana', last: 'Lima', spent: 150 };
const bo = { id: 102, email: 'bo.chen@example.com', first: 'Bo', last: 'Chen', spent: 29 };
const cy = { id: 103, email: 'cy.okoro@example.com', first: 'Cyrille', last: 'Okoro', spent: 260 };

for (const target of testDatabases()) {
  describe(`outbound webhooks: delivery (${target.name})`, () => {
    let db: Database;
    const receivers: Receiver[] = [];
    const receiver = async (answer?: (n: number) => Answer) => {
      const r = await startReceiver(answer);
      receivers.push(r);
      return r;
    };
    /** A workspace with an owner, so endpoints are registered the way staff register them. */
    const workspace = async (slug: string) => {
      const id = await ensureWorkspace(db, { slug, name: slug });
      const owner = { id: crypto.randomUUID(), email: `owner@${slug}.example`, role: 'owner' };
      await ensureStaff(db, id, owner);
      return { id, owner };
    };
    const delivery = async (endpointId: string) =>
      (await db.query<{ id: string; status: string; attempts: number; next_at: number | null; delivered_at: number | null; last_status_code: number | null; last_error: string | null }>(
        `select id::text, status, attempts, extract(epoch from next_attempt_at)::float8 as next_at, extract(epoch from delivered_at)::float8 as delivered_at,
                last_status_code, last_error
           from public.webhook_deliveries where endpoint_id = $1 order by id`,
        [endpointId],
      ));

    before(async () => {
      db = await target.open();
    });
    after(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await db?.close();
    });

    it('sends each person entering a saved segment once to each subscribed endpoint, signed, with the documented payload', async () => {
      const { id: ws, owner } = await workspace('hearth');
      const people = { [await addPerson(db, ws, ana)]: ana, [await addPerson(db, ws, bo)]: bo, [await addPerson(db, ws, cy)]: cy };
      const both = await receiver();
      const enteredOnly = await receiver();
      const all = await createEndpoint(db, owner, both.url, ['segment.entered', 'segment.exited']);
      const entries = await createEndpoint(db, owner, enteredOnly.url, ['segment.entered']);

      const segmentId = await saveSpendSegment(db, ws, 'Spent over $100', 100);
      const run = await createOutboundWorker(db).runOnce();
      assert.deepEqual(run, { attempted: 4, delivered: 4, retrying: 0, failed: 0 });

      const changes = await db.query<{ profile_id: string; changed_at: Date }>(
        `select profile_id, changed_at from public.segment_membership_changes where workspace_id = $1 and change = 'entered'`,
        [ws],
      );
      const enteredAt = new Map(changes.map((c) => [c.profile_id, new Date(c.changed_at).toISOString()]));
      const eventIds = new Map<string, string>();
      for (const [r, endpoint] of [[both, all], [enteredOnly, entries]] as const) {
        assert.equal(r.received.length, 2, 'Ana and Cyrille entered; Bo spent $29');
        const seen = new Set<string>();
        for (const request of r.received) {
          assert.equal(request.method, 'POST');
          assert.equal(request.path, '/hooks/tessera');
          assert.equal(request.headers['content-type'], 'application/json');
          assert.equal(await verifyTesseraSignature(request.headers['tessera-signature'] as string, request.body, endpoint.secret), true);
          const payload = JSON.parse(request.body);
          const person = people[payload.data.profile.id]!;
          assert.ok(person && person !== bo);
          assert.deepEqual(payload, {
            id: request.headers['tessera-event-id'] as string,
            type: 'segment.entered',
            created_at: enteredAt.get(payload.data.profile.id),
            data: {
              segment: { id: segmentId, name: 'Spent over $100' },
              profile: { id: payload.data.profile.id, email: person.email, display_name: `${person.first} ${person.last}` },
            },
          });
          assert.equal(request.headers['tessera-event-type'], 'segment.entered');
          assert.match(payload.id, /^evt_[0-9a-f]{32}$/);
          seen.add(payload.data.profile.id);
          // One event, one id, whichever endpoint hears of it.
          if (eventIds.has(payload.data.profile.id)) assert.equal(eventIds.get(payload.data.profile.id), payload.id);
          eventIds.set(payload.data.profile.id, payload.id);
        }
        assert.equal(seen.size, 2, 'one delivery per person');
      }
      // Each endpoint's secret is its own: the other's does not verify.
      const request = both.received[0]!;
      assert.equal(await verifyTesseraSignature(request.headers['tessera-signature'] as string, request.body, entries.secret), false);

      // Raising the bar makes Ana leave: only the endpoint subscribed to exits hears of it.
      await saveSpendSegment(db, ws, 'Spent over $100', 200);
      assert.deepEqual(await createOutboundWorker(db).runOnce(), { attempted: 1, delivered: 1, retrying: 0, failed: 0 });
      assert.equal(enteredOnly.received.length, 2);
      assert.equal(both.received.length, 3);
      const exit = JSON.parse(both.received[2]!.body);
      assert.equal(exit.type, 'segment.exited');
      assert.equal(exit.data.profile.email, ana.email);
      assert.notEqual(exit.id, eventIds.get(exit.data.profile.id), 'leaving is a new event');
      // Nothing is sent twice.
      assert.deepEqual(await createOutboundWorker(db).runOnce(), { attempted: 0, delivered: 0, retrying: 0, failed: 0 });
    });

    it('retries a receiver that answers 500 twice, on schedule, and delivers once', async () => {
      const { id: ws, owner } = await workspace('retries');
      await addPerson(db, ws, cy);
      const flaky = await receiver((n) => (n < 2 ? { status: 500, body: 'Internal Server Error' } : { status: 204 }));
      const endpoint = await createEndpoint(db, owner, flaky.url, ['segment.entered']);
      await saveSpendSegment(db, ws, 'Big spenders', 250);

      let clock = Date.now() + 1000;
      const worker = createOutboundWorker(db, { now: () => new Date(clock) });
      const sentAt: number[] = [];
      const attemptAt = async (at: number, expected: number) => {
        clock = at;
        const run = await worker.runOnce();
        assert.equal(run.attempted, expected, `attempts at +${(at - sentAt[0]!) / 1000} s`);
        if (expected) sentAt.push(at);
      };

      await attemptAt(clock, 1);
      let [row] = await delivery(endpoint.id);
      assert.deepEqual([row!.status, row!.attempts, row!.last_status_code, row!.last_error], ['pending', 1, 500, 'HTTP 500: Internal Server Error']);
      assert.equal(row!.next_at, (sentAt[0]! + RETRY_DELAYS_S[0]! * 1000) / 1000);
      await attemptAt(sentAt[0]! + RETRY_DELAYS_S[0]! * 1000 - 1, 0);
      await attemptAt(sentAt[0]! + RETRY_DELAYS_S[0]! * 1000, 1);
      [row] = await delivery(endpoint.id);
      assert.equal(row!.next_at, (sentAt[1]! + RETRY_DELAYS_S[1]! * 1000) / 1000);
      await attemptAt(sentAt[1]! + RETRY_DELAYS_S[1]! * 1000 - 1, 0);
      await attemptAt(sentAt[1]! + RETRY_DELAYS_S[1]! * 1000, 1);
      [row] = await delivery(endpoint.id);
      assert.deepEqual([row!.status, row!.attempts, row!.last_status_code, row!.last_error, row!.next_at], ['delivered', 3, 204, null, null]);
      assert.equal(row!.delivered_at, sentAt[2]! / 1000);
      await attemptAt(clock + DAY_MS, 0);

      // Three requests of the same event, identical bodies, each signed at the time it was sent.
      assert.equal(flaky.received.length, 3);
      assert.equal(new Set(flaky.received.map((r) => r.headers['tessera-event-id'])).size, 1);
      assert.equal(new Set(flaky.received.map((r) => r.body)).size, 1);
      for (const [i, request] of flaky.received.entries()) {
        const header = request.headers['tessera-signature'] as string;
        assert.equal(await verifyTesseraSignature(header, request.body, endpoint.secret, 0, new Date(Math.floor(sentAt[i]! / 1000) * 1000)), true);
      }
    });

    it('dead-letters after six failed attempts with the last error, keeps the endpoint, and sends again on retry', async () => {
      const { id: ws, owner } = await workspace('dead-letter');
      await addPerson(db, ws, ana);
      let down = true;
      const broken = await receiver(() => (down ? { status: 503, body: 'Down for\n maintenance' } : { status: 200 }));
      const endpoint = await createEndpoint(db, owner, broken.url, ['segment.entered']);
      await saveSpendSegment(db, ws, 'Customers', 0);

      let clock = Date.now() + 1000;
      const worker = createOutboundWorker(db, { now: () => new Date(clock) });
      const attemptTimes: number[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const run = await worker.runOnce();
        assert.equal(run.attempted, 1);
        attemptTimes.push(clock);
        const [row] = await delivery(endpoint.id);
        assert.equal(row!.attempts, attempt);
        if (attempt < MAX_ATTEMPTS) {
          assert.deepEqual(run, { attempted: 1, delivered: 0, retrying: 1, failed: 0 });
          assert.equal(row!.next_at, (clock + RETRY_DELAYS_S[attempt - 1]! * 1000) / 1000);
          clock += RETRY_DELAYS_S[attempt - 1]! * 1000;
        } else {
          assert.deepEqual(run, { attempted: 1, delivered: 0, retrying: 0, failed: 1 });
        }
      }
      const [dead] = await delivery(endpoint.id);
      assert.deepEqual([dead!.status, dead!.attempts, dead!.last_status_code, dead!.last_error, dead!.next_at], ['failed', 6, 503, 'HTTP 503: Down for maintenance', null]);
      assert.deepEqual(attemptTimes.slice(1).map((t, i) => (t - attemptTimes[i]!) / 1000), RETRY_DELAYS_S);
      clock += 30 * DAY_MS;
      assert.equal((await worker.runOnce()).attempted, 0, 'the dead-letter is not retried by itself');
      assert.equal(broken.received.length, 6);

      // Staff see it in the dead-letter, with the reason, and retry once the receiver is fixed.
      const failed = await asCaller(db, signedIn(owner), (tx) =>
        tx.query<{ list: { id: number; status: string; last_error: string }[] }>(`select public.list_webhook_deliveries($1, 'failed') as list`, [endpoint.id]),
      );
      assert.deepEqual(failed[0]!.list.map((d) => [String(d.id), d.status, d.last_error]), [[dead!.id, 'failed', 'HTTP 503: Down for maintenance']]);
      const [{ endpoints }] = (await asCaller(db, signedIn(owner), (tx) => tx.query<{ endpoints: { active: boolean }[] }>('select public.list_webhook_endpoints() as endpoints'))) as [
        { endpoints: { active: boolean }[] },
      ];
      assert.equal(endpoints[0]!.active, true, 'an endpoint created today is not disabled by one dead-letter');
      down = false;
      await asCaller(db, signedIn(owner), (tx) => tx.query('select public.retry_webhook_delivery($1)', [dead!.id]));
      assert.deepEqual(await worker.runOnce(), { attempted: 1, delivered: 1, retrying: 0, failed: 0 });
      assert.equal(broken.received.length, 7);
      assert.equal(broken.received[6]!.body, broken.received[0]!.body);
      const [resent] = await delivery(endpoint.id);
      assert.deepEqual([resent!.status, resent!.attempts], ['delivered', 1]);
    });

    it('records why an attempt failed: connection refused, no answer in time, a redirect (never followed), a long error page (cut)', async () => {
      const { id: ws, owner } = await workspace('failures');
      await addPerson(db, ws, bo);
      const closed = await startReceiver();
      await closed.close();
      const hanging = await receiver(() => 'hang');
      const elsewhere = await receiver();
      const redirecting = await receiver(() => ({ status: 302, headers: { location: elsewhere.url } }));
      const verbose = await receiver(() => ({ status: 500, body: `<html>${'Stack trace line\n'.repeat(70_000)}</html>` }));
      const endpoints = {
        refused: await createEndpoint(db, owner, closed.url, ['segment.entered']),
        hanging: await createEndpoint(db, owner, hanging.url, ['segment.entered']),
        redirecting: await createEndpoint(db, owner, redirecting.url, ['segment.entered']),
        verbose: await createEndpoint(db, owner, verbose.url, ['segment.entered']),
      };
      await saveSpendSegment(db, ws, 'Anyone who paid', 0);

      const started = Date.now();
      const run = await createOutboundWorker(db, { timeoutMs: 400 }).runOnce();
      assert.deepEqual(run, { attempted: 4, delivered: 0, retrying: 4, failed: 0 });
      assert.ok(Date.now() - started < 5000, 'the attempts ran side by side, bounded by the time-out');
      const [refused] = await delivery(endpoints.refused.id);
      assert.equal(refused!.last_status_code, null);
      assert.match(refused!.last_error!, /^Could not reach the endpoint: ECONNREFUSED/);
      const [hung] = await delivery(endpoints.hanging.id);
      assert.deepEqual([hung!.last_status_code, hung!.last_error], [null, 'No complete answer within 400 ms.']);
      const [redirected] = await delivery(endpoints.redirecting.id);
      assert.equal(redirected!.last_status_code, 302);
      assert.equal(redirected!.last_error, `HTTP 302 redirecting to ${elsewhere.url}: Tessera does not follow redirects; register the final URL.`);
      assert.equal(elsewhere.received.length, 0, 'the redirect was not followed');
      const [long] = await delivery(endpoints.verbose.id);
      assert.equal(long!.last_status_code, 500);
      assert.ok(long!.last_error!.startsWith('HTTP 500: <html>Stack trace line Stack trace line'));
      assert.ok(long!.last_error!.length <= 'HTTP 500: '.length + 1024, `kept ${long!.last_error!.length} characters`);
      for (const r of [hanging, redirecting, verbose]) assert.equal(r.received.length, 1);

      // Deleting the endpoints ends their retries.
      await asCaller(db, signedIn(owner), async (tx) => {
        for (const endpoint of Object.values(endpoints)) await tx.query('select public.delete_webhook_endpoint($1)', [endpoint.id]);
      });
      assert.equal((await createOutboundWorker(db, { now: () => new Date(Date.now() + DAY_MS) }).runOnce()).attempted, 0);
    });

    it('never sends the same delivery twice when two workers run at once', async () => {
      const { id: ws, owner } = await workspace('busy');
      for (let i = 0; i < 24; i++) await addPerson(db, ws, { id: 2000 + i, email: `buyer${i}@example.com`, first: 'Buyer', last: String(i), spent: 10 + i });
      const slow = await receiver(() => ({ status: 200, delayMs: 15 }));
      const endpoint = await createEndpoint(db, owner, slow.url, ['segment.entered']);
      await saveSpendSegment(db, ws, 'Buyers', 0);

      const [first, second] = await Promise.all([createOutboundWorker(db, { batchSize: 4 }).runOnce(), createOutboundWorker(db, { batchSize: 4 }).runOnce()]);
      assert.equal(first!.attempted + second!.attempted, 24);
      assert.ok(first!.attempted > 0 && second!.attempted > 0, `both workers took part (${first!.attempted} and ${second!.attempted})`);
      assert.equal(slow.received.length, 24);
      assert.equal(new Set(slow.received.map((r) => r.headers['tessera-event-id'])).size, 24);
      const rows = await delivery(endpoint.id);
      assert.deepEqual(new Set(rows.map((r) => `${r.status}/${r.attempts}`)), new Set(['delivered/1']));
    });
    it('runs on its own once started, and sends nothing after stop', async () => {
      const { id: ws, owner } = await workspace('scheduled');
      await addPerson(db, ws, ana);
      await addPerson(db, ws, cy);
      const partner = await receiver();
      await createEndpoint(db, owner, partner.url, ['segment.entered']);
      const worker = createOutboundWorker(db);
      worker.start(20);
      await saveSpendSegment(db, ws, 'Over 200', 200);
      for (const deadline = Date.now() + 5000; partner.received.length < 1 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      assert.equal(partner.received.length, 1, 'Cyrille, within a few intervals');
      await worker.stop();
      await saveSpendSegment(db, ws, 'Over 100', 100);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(partner.received.length, 1, 'stopped: both entering "Over 100" are not sent');
      assert.equal((await createOutboundWorker(db).runOnce()).delivered, 2, 'they wait for the next worker');
    });

    it('disables an endpoint that has delivered nothing for three days when a delivery dead-letters, until a retry', async () => {
      const { id: ws, owner } = await workspace('abandoned');
      await addPerson(db, ws, ana);
      await addPerson(db, ws, cy);
      const gone = await receiver(() => ({ status: 404, body: 'Not Found' }));
      const endpoint = await createEndpoint(db, owner, gone.url, ['segment.entered']);
      await saveSpendSegment(db, ws, 'Over 200', 200);

      // Four days after the endpoint was registered, the first delivery begins to fail.
      let clock = Date.now() + 4 * DAY_MS;
      const worker = createOutboundWorker(db, { now: () => new Date(clock) });
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        assert.equal((await worker.runOnce()).attempted, 1);
        clock += (RETRY_DELAYS_S[attempt - 1] ?? 0) * 1000;
      }
      const list = async () =>
        (await asCaller(db, signedIn(owner), (tx) => tx.query<{ endpoints: { active: boolean; disabled_reason: string | null }[] }>('select public.list_webhook_endpoints() as endpoints')))[0]!
          .endpoints[0]!;
      const disabled = await list();
      assert.equal(disabled.active, false);
      assert.match(disabled.disabled_reason!, /nothing delivered for 3 days, and delivery \d+ failed 6 times \(last: HTTP 404: Not Found\)/);

      // A disabled endpoint is sent nothing new.
      await saveSpendSegment(db, ws, 'Over 100', 100);
      const [{ count }] = (await db.query<{ count: number }>('select count(*)::int as count from public.webhook_deliveries where endpoint_id = $1', [endpoint.id])) as [{ count: number }];
      assert.equal(count, 1);

      const [dead] = await delivery(endpoint.id);
      await asCaller(db, signedIn(owner), (tx) => tx.query('select public.retry_webhook_delivery($1)', [dead!.id]));
      assert.deepEqual(await list(), { ...disabled, active: true, disabled_reason: null });
      assert.equal((await worker.runOnce()).attempted, 1);
      assert.equal(gone.received.length, 7);
    });

  });
}
