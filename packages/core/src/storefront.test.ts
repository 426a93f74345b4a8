import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, ChannelLike } from './backend.ts';
import { createCache, perPersonCache, type ResponseCache } from './cache.ts';
import { createTessera } from './client.ts';
import { isTesseraError } from './errors.ts';
import { createStorefrontSession, storefrontBackend, type StorefrontSession } from './storefront.ts';

const AMARA = '3f1c8a52-9d0e-4b7a-8c21-6e5f4d3c2b1a';
const JON = '7a2b9c4d-1e3f-4a5b-8c6d-9e0f1a2b3c4d';
const seconds = () => Math.floor(Date.now() / 1000);

/** The HTTP edge: a session endpoint answering from a list, counting requests. */
function sessionEndpoint(...answers: (Partial<StorefrontSession> & { status?: number; code?: string; error?: string })[]) {
  const requests: RequestInit[] = [];
  const fetcher = (async (_url: string, init: RequestInit) => {
    requests.push(init);
    const { status = 200, ...body } = answers[Math.min(requests.length - 1, answers.length - 1)]!;
    await new Promise((resolve) => setTimeout(resolve, 1)); // a real fetch answers later, never synchronously
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetcher, requests };
}

describe('storefront session', () => {
  it('fetches once for concurrent callers, same-origin, and reuses the token while it has more than a minute left', async () => {
    const endpoint = sessionEndpoint({ access_token: 'token-1', expires_at: seconds() + 900, profile_id: AMARA });
    const session = createStorefrontSession({ sessionUrl: '/apps/tessera/session' }, endpoint.fetcher);
    const tokens = await Promise.all([session.token(), session.token(), session.current().then((s) => s.access_token)]);
    assert.deepEqual(tokens, ['token-1', 'token-1', 'token-1']);
    assert.equal(await session.token(), 'token-1');
    assert.equal(endpoint.requests.length, 1);
    assert.equal(endpoint.requests[0]!.credentials, 'same-origin');
  });

  it('fetches a new token once the current one has less than a minute left', async () => {
    const endpoint = sessionEndpoint(
      { access_token: 'token-1', expires_at: seconds() + 59, profile_id: AMARA },
      { access_token: 'token-2', expires_at: seconds() + 900, profile_id: AMARA },
    );
    const session = createStorefrontSession({ sessionUrl: '/apps/tessera/session' }, endpoint.fetcher);
    assert.equal(await session.token(), 'token-1');
    const [a, b] = await Promise.all([session.token(), session.token()]);
    assert.deepEqual([a, b], ['token-2', 'token-2']);
    assert.equal(await session.token(), 'token-2');
    assert.equal(endpoint.requests.length, 2);
  });

  it('a failed fetch is not remembered: the next call asks again', async () => {
    const endpoint = sessionEndpoint({ status: 502, error: 'Bad gateway' }, { access_token: 'token-1', expires_at: seconds() + 900, profile_id: AMARA });
    const session = createStorefrontSession({ sessionUrl: '/apps/tessera/session' }, endpoint.fetcher);
    await assert.rejects(session.token(), (error) => isTesseraError(error, 'server') && error.status === 502);
    assert.equal(await session.token(), 'token-1');
  });

  it('nobody logged in (401) is an unauthorized TesseraError saying so, from every "me" call', async () => {
    const endpoint = sessionEndpoint({ status: 401, code: 'not_logged_in', error: 'Storefront session refused: the visitor is not logged in to the shop.' });
    const tessera = createTessera({ url: 'https://shop.example', key: 'publishable', storefront: { sessionUrl: '/apps/tessera/session' }, fetch: endpoint.fetcher, cache: false });
    for (const call of [() => tessera.profiles.get('me'), () => tessera.churn.get('me'), () => tessera.journeys.get('me')]) {
      await assert.rejects(call(), (error) => isTesseraError(error, 'unauthorized') && error.status === 401 && /not logged in/.test(error.message));
    }
  });
});

describe("'me' in storefront mode", () => {
  it("becomes the session's profile id in RPC arguments and realtime filters, and nothing else changes", async () => {
    const calls: [string, Record<string, unknown>][] = [];
    const filters: (string | undefined)[] = [];
    const channel: ChannelLike = {
      on: (_type, filter) => (filters.push(filter.filter), channel),
      subscribe: () => channel,
      unsubscribe: async () => 'ok',
    };
    const inner: Backend = {
      rpc: async (fn, args) => (calls.push([fn, args]), { data: null, error: null, status: 200 }),
      channel: async () => channel,
    };
    const endpoint = sessionEndpoint({ access_token: 'token-1', expires_at: seconds() + 900, profile_id: AMARA });
    const backend = storefrontBackend(inner, createStorefrontSession({ sessionUrl: '/s' }, endpoint.fetcher));
    await backend.rpc('get_profile', { profile_id: 'me' });
    await backend.rpc('get_journey', { profile_id: 'me', limit: 20 });
    await backend.rpc('get_profile', { profile_id: JON });
    await backend.rpc('search_profiles', { query: 'me' });
    assert.deepEqual(calls, [
      ['get_profile', { profile_id: AMARA }],
      ['get_journey', { profile_id: AMARA, limit: 20 }],
      ['get_profile', { profile_id: JON }],
      ['search_profiles', { query: 'me' }],
    ]);
    (await backend.channel('profile:me')).on('postgres_changes', { event: '*', schema: 'public', table: 'profiles', filter: 'id=eq.me' }, () => {});
    (await backend.channel(`profile:${JON}`)).on('postgres_changes', { event: '*', schema: 'public', table: 'profiles', filter: `id=eq.${JON}` }, () => {});
    assert.deepEqual(filters, [`id=eq.${AMARA}`, `id=eq.${JON}`]);
  });

  it('the cache is per person: the next customer on this browser never sees the last one\'s card', async () => {
    let current: StorefrontSession = { access_token: 'a', expires_at: seconds() + 900, profile_id: AMARA };
    const handle = { current: async () => current, token: async () => current.access_token, last: () => current };
    const scopes: string[] = [];
    const shared = new Map<string, unknown>(); // one store for every scope, as IndexedDB is
    const cache = perPersonCache(async () => `customer:${handle.last().profile_id}`, (scope): ResponseCache => {
      scopes.push(scope);
      const memory = createCache({ scope });
      return { ...memory, get: async (key) => shared.get(`${scope}|${key}`) as any, put: async (key, value) => void shared.set(`${scope}|${key}`, { value, fetchedAt: 1 }) };
    });
    await cache.put('profile:me', { display_name: 'Amara Okafor' });
    assert.deepEqual((await cache.get('profile:me'))?.value, { display_name: 'Amara Okafor' });
    current = { access_token: 'j', expires_at: seconds() + 900, profile_id: JON };
    assert.equal(await cache.get('profile:me'), undefined);
    assert.deepEqual(scopes, [`customer:${AMARA}`, `customer:${JON}`]);
  });
});
