import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { normaliseKajabi } from '../normalisers/kajabi.ts';
import type { NormalisedRecord } from '../normalisers/record.ts';
import { confirmWithKajabi, createKajabiApi, type KajabiApi, type KajabiResource } from './kajabi-api.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

function recordOf(name: string, topic: string): NormalisedRecord {
  const result = normaliseKajabi({ source: 'kajabi', topic, headers: {}, body: fixture(name), triggeredAt: null, receivedAt: '2026-04-05T10:00:00.000Z' });
  assert.equal(result.kind, 'record');
  return (result as { record: NormalisedRecord }).record;
}

// Kajabi's GET /v1/transactions/{id} answer for the fixture's payment (attributes as in its OpenAPI spec).
const transaction: KajabiResource = {
  id: '5530981274',
  type: 'transactions',
  attributes: { action: 'charge', state: 'succeeded', payment_type: 'charge', amount_in_cents: 19700, sales_tax_in_cents: 0, currency: 'USD' },
  relationships: { customer: { data: { id: '88213467', type: 'customers' } }, purchases: { data: [{ id: '2150094312', type: 'purchases' }] } },
};

const apiWith = (found: Partial<Record<'purchase' | 'transaction', KajabiResource | null | Error>>): KajabiApi & { asked: string[] } => {
  const asked: string[] = [];
  const answer = (value: KajabiResource | null | Error | undefined) => (value instanceof Error ? Promise.reject(value) : Promise.resolve(value ?? null));
  return {
    asked,
    fetchPurchase: (id) => (asked.push(`purchase ${id}`), answer(found.purchase)),
    fetchTransaction: (id) => (asked.push(`transaction ${id}`), answer(found.transaction)),
  };
};

describe('confirming a Kajabi delivery with Kajabi\'s API', () => {
  const payment = recordOf('kajabi-hook-payment-succeeded', 'payment_succeeded');

  it('confirms a payment Kajabi has, with the same amount, currency and customer', async () => {
    const api = apiWith({ transaction });
    assert.deepEqual(await confirmWithKajabi(payment, api), { kind: 'confirmed', checked: 1 });
    assert.deepEqual(api.asked, ['transaction 5530981274']);
  });

  it('refutes a payment Kajabi does not have, or whose amount, currency or customer differ', async () => {
    assert.deepEqual(await confirmWithKajabi(payment, apiWith({ transaction: null })), { kind: 'refuted', reason: "Kajabi's API has no transaction 5530981274" });
    const cheaper = { ...transaction, attributes: { ...transaction.attributes, amount_in_cents: 1970 } };
    assert.match((await confirmWithKajabi(payment, apiWith({ transaction: cheaper })) as { reason: string }).reason, /says amount_in_cents 19700, Kajabi's API says 1970/);
    const euros = { ...transaction, attributes: { ...transaction.attributes, currency: 'eur' } };
    assert.match((await confirmWithKajabi(payment, apiWith({ transaction: euros })) as { reason: string }).reason, /currency USD, Kajabi's API says EUR/);
    const someoneElse = { ...transaction, relationships: { customer: { data: { id: '99', type: 'customers' } } } };
    assert.match((await confirmWithKajabi(payment, apiWith({ transaction: someoneElse })) as { reason: string }).reason, /names customer 88213467, Kajabi's API names 99/);
  });

  it('says so when Kajabi cannot be asked, rather than trusting or refuting', async () => {
    const result = await confirmWithKajabi(payment, apiWith({ transaction: new Error('GET /v1/transactions/5530981274 answered 502') }));
    assert.equal(result.kind, 'unavailable');
  });

  it('checks purchases by purchase id, and leaves forms and tags alone', async () => {
    const purchase = recordOf('kajabi-hook-purchase', 'purchase');
    const api = apiWith({ purchase: { id: '2150094312', type: 'purchases', attributes: { amount_in_cents: 19700, currency: 'USD' } } });
    assert.deepEqual(await confirmWithKajabi(purchase, api), { kind: 'confirmed', checked: 1 });
    assert.deepEqual(api.asked, ['purchase 2150094312']);
    const quiet = apiWith({});
    assert.deepEqual(await confirmWithKajabi(recordOf('kajabi-hook-tag-added', 'tag_added'), quiet), { kind: 'confirmed', checked: 0 });
    assert.deepEqual(await confirmWithKajabi(recordOf('kajabi-hook-form-submission', 'form_submission'), quiet), { kind: 'confirmed', checked: 0 });
    assert.deepEqual(quiet.asked, []);
  });
});

describe('Kajabi API client', () => {
  function fakeKajabi(routes: Record<string, () => Response>) {
    const calls: { url: string; init: RequestInit | undefined }[] = [];
    const fetcher = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      calls.push({ url, init });
      const route = routes[`${init?.method ?? 'GET'} ${new URL(url).pathname}`];
      return route ? route() : new Response('{"errors":[{"status":"404","title":"Not Found"}]}', { status: 404 });
    }) as typeof fetch;
    return { fetcher, calls };
  }
  const tokenRoute = () => Response.json({ access_token: 'eyJ.kajabi.access', refresh_token: 'eyJ.kajabi.refresh', token_type: 'Bearer', expires_in: 7200 });

  it('asks for a client-credentials token once, then reads records with it as a bearer', async () => {
    const kajabi = fakeKajabi({
      'POST /v1/oauth/token': tokenRoute,
      'GET /v1/transactions/5530981274': () => Response.json({ data: transaction }, { headers: { 'content-type': 'application/vnd.api+json' } }),
    });
    const api = createKajabiApi({ clientId: 'ck_live_41a9', clientSecret: 'cs_live_7f3e', fetch: kajabi.fetcher });
    assert.deepEqual(await api.fetchTransaction('5530981274'), transaction);
    assert.equal(await api.fetchPurchase('404404'), null);
    const [tokenCall, ...reads] = kajabi.calls;
    assert.equal(tokenCall?.url, 'https://api.kajabi.com/v1/oauth/token');
    assert.equal(String(tokenCall?.init?.body), 'grant_type=client_credentials&client_id=ck_live_41a9&client_secret=cs_live_7f3e');
    assert.equal(reads.length, 2, 'the token is reused');
    assert.equal(new Headers(reads[0]?.init?.headers).get('authorization'), 'Bearer eyJ.kajabi.access');
  });

  it('fails with what to check when the credentials are refused', async () => {
    const api = createKajabiApi({ clientId: 'ck', clientSecret: 'wrong', fetch: fakeKajabi({ 'POST /v1/oauth/token': () => new Response('', { status: 401 }) }).fetcher });
    await assert.rejects(api.fetchTransaction('1'), /answered 401: check the Kajabi API client id and secret/);
  });
});
