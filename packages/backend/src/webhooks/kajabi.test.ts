import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseKajabi } from '../normalisers/kajabi.ts';
import { NormalisedRecord } from '../normalisers/record.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import type { KajabiApi, KajabiResource } from './kajabi-api.ts';
import { handleKajabiWebhook, type KajabiWebhookContext } from './kajabi.ts';

// The local workspace's KAJABI_WEBHOOK_TOKEN (no account part needed), and a hosted
// connection's `<account>.<secret>` token stored in tessera.connections.
const LOCAL_TOKEN = 'Yb7Qm2Vx9Lr4Tn8Kc1Wd6Hs3Jf0Pg5Za2Ue7Ri4Oy9M';
const HOSTED_ACCOUNT = 'site-412077';
const HOSTED_TOKEN = `${HOSTED_ACCOUNT}.Nw3Ep8Rk1Cz6Vb0Xq5Ty2Hm7Lu4Jd9Fs1Ga6Ki3Oe8P`;

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

const kajabiRequest = (token: string, body: string | object, query = '') =>
  new Request(`http://localhost/webhooks/kajabi/${token}${query}`, {
    method: 'POST',
    // Kajabi's hooks are posted as JSON with no signature or event headers.
    headers: { 'content-type': 'application/json', 'user-agent': 'Kajabi-Webhooks' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

for (const target of testDatabases()) {
  describe(`Kajabi webhooks → profiles (${target.name})`, () => {
    let db: Database;
    let local: string;
    let hosted: string;
    const apis = new Map<string, KajabiApi>();
    let context: KajabiWebhookContext;

    before(async () => {
      db = await target.open();
      local = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      hosted = await ensureWorkspace(db, { slug: 'crumb-academy', name: 'Crumb Academy' });
      await db.query(`insert into tessera.connections (workspace_id, source, account, secret) values ($1, 'kajabi', $2, $3)`, [hosted, HOSTED_ACCOUNT, HOSTED_TOKEN]);
      context = {
        findConnection: createConnectionRegistry(db, { workspaceId: local, secrets: { kajabi: LOCAL_TOKEN } }),
        log: createRawEventLog(db),
        onAccepted: () => {},
        kajabiApi: (workspaceId) => apis.get(workspaceId) ?? null,
      };
    });
    after(() => db?.close());

    /**
     * What the processor does once normalisers/index.ts knows Kajabi: every pending
     * Kajabi raw event through normaliseKajabi and ingest_raw_event (or settled).
     */
    async function processPending() {
      const rows = await db.query<Record<string, any>>(
        `select workspace_id, id, topic, headers, body,
                to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as received_at
           from public.raw_events where source = 'kajabi' and status = 'pending' order by id`,
      );
      for (const row of rows) {
        const body = JSON.parse(Buffer.from(row.body).toString('utf8'));
        const result = normaliseKajabi({ source: 'kajabi', topic: row.topic, headers: row.headers, body, triggeredAt: null, receivedAt: row.received_at });
        if (result.kind === 'ignored') {
          await db.query('select public.settle_raw_event($1, $2, $3, $4)', [row.workspace_id, row.id, 'ignored', result.reason]);
        } else {
          assert.equal(result.kind, 'record');
          const outcome = { kind: 'record', record: NormalisedRecord.parse((result as { record: unknown }).record) };
          await db.query('select public.ingest_raw_event($1, $2, $3::jsonb)', [row.workspace_id, row.id, JSON.stringify(outcome)]);
        }
      }
    }

    const deliver = async (token: string, body: string | object, query = '') => {
      const response = await handleKajabiWebhook(kajabiRequest(token, body, query), context, token);
      await processPending();
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    /** The person an identity belongs to: the root of its profile's cluster, which holds the projection. */
    const profileBy = async (kind: string, value: string, workspaceId = local) =>
      (
        await db.query<Record<string, any>>(
          `select p.* from public.identities i join public.profiles p on p.workspace_id = i.workspace_id and p.id = tessera.root_of(i.workspace_id, i.profile_id)
            where i.workspace_id = $1 and i.kind = $2 and i.value = $3`,
          [workspaceId, kind, value],
        )
      )[0];
    const lastRawEvent = async () => (await db.query<Record<string, any>>(`select * from public.raw_events where source = 'kajabi' order by id desc limit 1`))[0];
    const kajabiEvents = (person: Record<string, any>) =>
      db.query<{ type: string; external_id: string; revenue: string | null }>(
        `select type, external_id, revenue::text from public.events
          where workspace_id = $1 and profile_id in (select tessera.cluster($1, $2)) and source = 'kajabi' order by occurred_at, external_id`,
        [person.workspace_id, person.id],
      );

    it('accepts a purchase and its payment with the right token, and counts the money once', async () => {
      const purchase = await deliver(LOCAL_TOKEN, fixture('kajabi-hook-purchase'));
      assert.equal(purchase.status, 200);
      assert.equal(purchase.body.status, 'accepted');
      const payment = await deliver(LOCAL_TOKEN, fixture('kajabi-hook-payment-succeeded'));
      assert.equal(payment.body.status, 'accepted');

      const profile = await profileBy('kajabi_member', '301447782');
      assert.equal(profile?.display_name, 'Amara Okafor');
      assert.equal(profile?.email, 'amara.okafor@example.com');
      assert.equal(Number(profile?.lifetime_revenue), 197, 'the purchase and its payment are the same $197');
      assert.equal(profile?.currency, 'USD');
      assert.deepEqual(await kajabiEvents(profile!), [
        { type: 'payment_succeeded', external_id: 'kajabi:payment:5530981274', revenue: '197.00' },
        { type: 'offer_purchased', external_id: 'kajabi:purchase:2150094312', revenue: null },
      ]);
      const [raw] = await db.query<Record<string, any>>(
        `select status, topic, tessera.root_of(workspace_id, profile_id) as person from public.raw_events where id = $1`,
        [payment.body.id],
      );
      assert.deepEqual(raw, { status: 'processed', topic: 'payment_succeeded', person: profile!.id });
    });

    it('the same payment told by the admin\'s Payment Succeeded webhook adds nothing', async () => {
      const admin = await deliver(LOCAL_TOKEN, fixture('kajabi-payment-succeeded'));
      assert.equal(admin.body.status, 'accepted');
      assert.equal(Number((await profileBy('kajabi_member', '301447782'))?.lifetime_revenue), 197);
    });

    it('an order and the payment_succeeded of its transaction count the money once', async () => {
      const order = fixture('kajabi-hook-order-created');
      await deliver(LOCAL_TOKEN, order);
      const payment = { id: 'Wc5rNa8d', event: 'payment_succeeded', payload: order.payload.filter((r: { type: string }) => ['transactions', 'customers'].includes(r.type)) };
      await deliver(LOCAL_TOKEN, payment);
      const profile = await profileBy('email', 'tomas.ruiz@example.com');
      assert.equal(Number(profile?.lifetime_revenue), 264);
      assert.equal(profile?.orders_count, 1);
    });

    it('refuses a wrong token, whatever its length, with 401 and a reason, and records it as rejected', async () => {
      const profilesBefore = await db.query('select count(*)::int as n from public.profiles');
      const forged = { ...fixture('kajabi-hook-tag-added'), id: 'fg1' };
      forged.payload[0] = { ...forged.payload[0], id: '999001', attributes: { ...forged.payload[0].attributes, email: 'mallory@example.com' } };
      for (const wrong of [LOCAL_TOKEN.slice(0, -1), `${LOCAL_TOKEN.slice(0, -1)}N`, `${LOCAL_TOKEN}0`]) {
        assert.equal(wrong === LOCAL_TOKEN, false);
        const { status, body } = await deliver(wrong, forged);
        assert.equal(status, 401, `token ${wrong.length} long`);
        assert.match(body.error, /the token in the URL does not match this connection's \(KAJABI_WEBHOOK_TOKEN/);
        assert.equal(body.error.includes(LOCAL_TOKEN.slice(8, 30)), false, 'the answer never repeats a secret');
        const raw = await lastRawEvent();
        assert.equal(raw?.status, 'rejected');
        assert.equal(raw?.workspace_id, local);
      }
      assert.equal(await profileBy('email', 'mallory@example.com'), undefined);
      assert.deepEqual(await db.query('select count(*)::int as n from public.profiles'), profilesBefore);
    });

    it('a rejected forgery does not block the genuine delivery with the same bytes', async () => {
      const body = JSON.stringify({ ...fixture('kajabi-hook-form-submission'), id: 'Fm9zQk2w' });
      assert.equal((await deliver(`${LOCAL_TOKEN}x`, body)).status, 401);
      const genuine = await deliver(LOCAL_TOKEN, body);
      assert.equal(genuine.body.status, 'accepted');
      assert.equal((await profileBy('phone', '+442079460958'))?.email, 'priya.raman@example.co.uk');
    });

    it('routes a hosted connection by the account in its token, and compares the whole token', async () => {
      const accepted = await deliver(HOSTED_TOKEN, fixture('kajabi-hook-purchase'));
      assert.equal(accepted.body.status, 'accepted');
      assert.ok(await profileBy('kajabi_member', '301447782', hosted), 'written to the hosted workspace');
      // the right account with another connection's secret, and an account nobody connected
      const [, secret] = HOSTED_TOKEN.split('.');
      assert.equal((await deliver(`${HOSTED_ACCOUNT}.${LOCAL_TOKEN}`, fixture('kajabi-hook-purchase'))).status, 401);
      // On a local server an account nobody connected falls back to KAJABI_WEBHOOK_TOKEN (and fails it);
      // on a hosted one, with no local token, it is unrouted.
      assert.equal((await deliver(`site-999.${secret}`, fixture('kajabi-hook-purchase'))).status, 401);
      const hostedOnly = { ...context, findConnection: createConnectionRegistry(db) };
      const unknown = await handleKajabiWebhook(kajabiRequest(`site-999.${secret}`, fixture('kajabi-hook-purchase')), hostedOnly, `site-999.${secret}`);
      assert.equal(unknown.status, 401);
      assert.match(((await unknown.json()) as { error: string }).error, /no Kajabi connection for account site-999/);
      const [unrouted] = await db.query<{ reason: string }>(`select reason from tessera.unrouted_deliveries where source = 'kajabi' order by id desc limit 1`);
      assert.match(unrouted!.reason, /site-999/);
    });

    it('processes a replayed delivery (the same bytes) once', async () => {
      const body = JSON.stringify({ ...fixture('kajabi-hook-payment-succeeded'), id: 'Rp4kLm7x' }).replace(/5530981274/g, '5530981999');
      const first = await deliver(LOCAL_TOKEN, body);
      const revenue = (await profileBy('kajabi_member', '301447782'))?.lifetime_revenue;
      assert.equal(Number(revenue), 394, 'a second, different payment');
      const second = await deliver(LOCAL_TOKEN, body);
      assert.equal(second.status, 200);
      assert.deepEqual(second.body, { status: 'duplicate', id: first.body.id });
      assert.equal((await db.query(`select 1 from public.raw_events where idempotency_key = (select idempotency_key from public.raw_events where id = $1)`, [first.body.id])).length, 1);
      assert.equal((await profileBy('kajabi_member', '301447782'))?.lifetime_revenue, revenue);
    });

    it('answers malformed JSON with 400 and keeps the bytes in the dead-letter', async () => {
      const broken = '{"id":"Tz4mWq9c","event":"payment_succeeded","payload":[{"id":"55309';
      const { status, body } = await deliver(LOCAL_TOKEN, broken);
      assert.equal(status, 400);
      assert.match(body.error, /not valid JSON/);
      const [raw] = await db.query<Record<string, any>>('select status, error, body from public.raw_events where id = $1', [body.id]);
      assert.equal(raw?.status, 'failed');
      assert.match(raw?.error, /not valid JSON/);
      assert.equal(Buffer.from(raw!.body).toString('utf8'), broken);
    });

    it('answers a payload it cannot use with 400 and the reason', async () => {
      const nobody = { id: 'Nb0dy', event: 'purchase', payload: fixture('kajabi-hook-purchase').payload.filter((r: { type: string }) => r.type !== 'customers') };
      const { status, body } = await deliver(LOCAL_TOKEN, nobody);
      assert.equal(status, 400);
      assert.match(body.error, /names no contact id, email or phone/);
      assert.equal((await lastRawEvent())?.status, 'failed');
    });

    it('stores an event it does not handle as ignored, under the name Kajabi gave it', async () => {
      const { status, body } = await deliver(LOCAL_TOKEN, { id: 'Cc3mPl9t', event: 'course_completed', payload: [{ id: '301447782', type: 'contacts', attributes: { email: 'amara.okafor@example.com' } }] });
      assert.equal(status, 200);
      assert.equal(body.status, 'ignored');
      const [raw] = await db.query<Record<string, any>>('select status, topic, error from public.raw_events where id = $1', [body.id]);
      assert.equal(raw?.status, 'ignored');
      assert.equal(raw?.topic, 'course_completed');
    });

    it('reads the topic of an admin webhook from its shape, or from the URL\'s event parameter', async () => {
      const purchase = await deliver(LOCAL_TOKEN, fixture('kajabi-purchase-created'));
      assert.equal((await db.query<{ topic: string }>('select topic from public.raw_events where id = $1', [purchase.body.id]))[0]?.topic, 'purchase');
      const form = await deliver(LOCAL_TOKEN, { id: 66120990, email: 'li.wei@example.com', name: 'Wei Li' }, '?event=form_submission');
      assert.equal(form.body.status, 'accepted');
      assert.ok(await profileBy('email', 'li.wei@example.com'));
    });

    it('keeps each tag as its own newest-wins trait, so the set survives adds and removes', async () => {
      const added = fixture('kajabi-hook-tag-added');
      const starterKit = { ...added, id: 'tB3n7Qw1', payload: [added.payload[0], { ...added.payload[1], id: '2104390', attributes: { name: 'Starter Kit Buyers' } }] };
      await deliver(LOCAL_TOKEN, added);
      await deliver(LOCAL_TOKEN, starterKit);
      await deliver(LOCAL_TOKEN, { ...added, id: 'rM2p8Qz5', event: 'tag_removed' });
      const profile = await profileBy('kajabi_member', '301447782');
      const tags = await db.query<{ tag: string }>(
        `select value ->> 'tag' as tag from public.traits
          where workspace_id = $1 and profile_id in (select tessera.cluster($1, $2)) and source = 'kajabi'
            and name like 'kajabi\\_tag\\_%' and (value ->> 'tagged')::boolean order by 1`,
        [local, profile!.id],
      );
      assert.deepEqual(tags.map((t) => t.tag), ['Starter Kit Buyers']);
      const history = (await kajabiEvents(profile!)).filter((e) => e.type.startsWith('tag_')).map((e) => e.type);
      assert.deepEqual(history.sort(), ['tag_added', 'tag_added', 'tag_removed']);
      assert.equal(profile?.phone, '+14165550142');
    });

    it('the same email from Shopify and from Kajabi ends in one profile with both identities', async () => {
      const shopify = normaliseShopify({ source: 'shopify', topic: 'customers/create', headers: {}, body: fixture('shopify-customer'), triggeredAt: null, receivedAt: new Date().toISOString() });
      assert.equal(shopify.kind, 'record');
      const [applied] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [
        local,
        JSON.stringify((shopify as { record: unknown }).record),
      ]);
      const profile = await profileBy('kajabi_member', '301447782');
      const [shopifyPerson] = await db.query<{ root: string }>('select tessera.root_of($1, $2) as root', [local, applied!.id]);
      assert.equal(shopifyPerson?.root, profile?.id, 'Shopify\'s Amara.Okafor@Example.com is Kajabi\'s amara.okafor@example.com');
      const kinds = await db.query<{ kind: string; source: string }>(
        `select kind, source from public.identities
          where workspace_id = $1 and profile_id in (select tessera.cluster($1, $2)) and kind in ('shopify_customer', 'kajabi_member') order by kind`,
        [local, profile!.id],
      );
      assert.deepEqual(kinds, [
        { kind: 'kajabi_member', source: 'kajabi' },
        { kind: 'shopify_customer', source: 'shopify' },
      ]);
      assert.equal(profile?.display_name, 'Amara Okafor');
      assert.equal(Number(profile?.lifetime_revenue), 394, 'Kajabi\'s payments are on the one person');
    });

    describe('with Kajabi API credentials configured', () => {
      // GET /v1/transactions/{id} as Kajabi answers it for the transactions below.
      const kajabiHas = new Map<string, KajabiResource>();
      let reachable = true;
      before(() => {
        apis.set(hosted, {
          fetchPurchase: async () => null,
          fetchTransaction: async (id) => {
            if (!reachable) throw new Error('connect ETIMEDOUT api.kajabi.com:443');
            return kajabiHas.get(id) ?? null;
          },
        });
      });
      after(() => apis.delete(hosted));

      const payment = (transactionId: string, cents: number) => {
        const body = fixture('kajabi-hook-payment-succeeded');
        body.id = `h-${transactionId}`;
        Object.assign(body.payload[0], { id: transactionId });
        body.payload[0].attributes.amount_in_cents = cents;
        return body;
      };
      const genuine = (transactionId: string, cents: number): KajabiResource => ({
        id: transactionId,
        type: 'transactions',
        attributes: { action: 'charge', state: 'succeeded', amount_in_cents: cents, currency: 'USD' },
        relationships: { customer: { data: { id: '88213467', type: 'customers' } } },
      });
      const hostedRevenue = async () => Number((await profileBy('kajabi_member', '301447782', hosted))?.lifetime_revenue ?? 0);

      it('accepts a payment Kajabi confirms', async () => {
        kajabiHas.set('5530982001', genuine('5530982001', 4900));
        const before = await hostedRevenue();
        const { body } = await deliver(HOSTED_TOKEN, payment('5530982001', 4900));
        assert.equal(body.status, 'accepted');
        assert.equal(await hostedRevenue(), before + 49);
      });

      it('refuses a payment Kajabi does not have, or with another amount: 403, rejected, no money', async () => {
        kajabiHas.set('5530982002', genuine('5530982002', 4900));
        const before = await hostedRevenue();
        const inflated = await deliver(HOSTED_TOKEN, payment('5530982002', 490000));
        assert.equal(inflated.status, 403);
        assert.match(inflated.body.error, /amount_in_cents 490000, Kajabi's API says 4900/);
        const invented = await deliver(HOSTED_TOKEN, payment('5530989999', 9900));
        assert.equal(invented.status, 403);
        assert.match(invented.body.error, /has no transaction 5530989999/);
        assert.equal((await lastRawEvent())?.status, 'rejected');
        assert.equal(await hostedRevenue(), before);
      });

      it('answers 503 while Kajabi cannot be asked, and takes the retry once it can', async () => {
        kajabiHas.set('5530982003', genuine('5530982003', 2500));
        const body = JSON.stringify(payment('5530982003', 2500));
        reachable = false;
        const during = await deliver(HOSTED_TOKEN, body);
        assert.equal(during.status, 503);
        assert.match(during.body.error, /could not confirm transaction 5530982003: connect ETIMEDOUT/);
        reachable = true;
        const retry = await deliver(HOSTED_TOKEN, body);
        assert.equal(retry.body.status, 'accepted', 'the unconfirmed attempt did not take the idempotency key');
      });

      it('does not ask Kajabi about workspaces without credentials', async () => {
        const { body } = await deliver(LOCAL_TOKEN, payment('5530982004', 1500));
        assert.equal(body.status, 'accepted');
      });
    });
  });
}
