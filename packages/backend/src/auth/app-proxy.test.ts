import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { appProxyMessage, handleStorefrontSession, mintStorefrontToken, signAppProxyQuery, verifyAppProxy } from './app-proxy.ts';
import { createTokenVerifier } from './jwt.ts';

// Shopify's own example (shopify.dev, "Authenticate app proxies"): secret `hush`.
const SHOPIFY_EXAMPLE =
  'extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb';
const EXAMPLE_TIME = 1317327555 * 1000;

describe('App Proxy verification', () => {
  it('builds the message Shopify signs: sorted keys, repeated values joined by commas, no separators', () => {
    assert.equal(
      appProxyMessage(new URLSearchParams(SHOPIFY_EXAMPLE)),
      'extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555',
    );
  });

  it("accepts Shopify's documented example and names the shop and customer", async () => {
    const verdict = await verifyAppProxy(new URLSearchParams(SHOPIFY_EXAMPLE), 'hush', EXAMPLE_TIME + 30_000);
    assert.deepEqual(verdict, { ok: true, shop: 'shop-name.myshopify.com', customerId: '1' });
  });

  it('signs exactly as Shopify does', async () => {
    const unsigned = new URLSearchParams(SHOPIFY_EXAMPLE);
    unsigned.delete('signature');
    const signed = await signAppProxyQuery(unsigned, 'hush');
    assert.equal(signed.get('signature'), new URLSearchParams(SHOPIFY_EXAMPLE).get('signature'));
  });

  it('refuses a query without a signature', async () => {
    const query = new URLSearchParams(SHOPIFY_EXAMPLE);
    query.delete('signature');
    const verdict = await verifyAppProxy(query, 'hush', EXAMPLE_TIME);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.reason, 'missing_signature');
  });

  it('refuses another secret, a tampered customer id, an added parameter and a malformed signature', async () => {
    const cases: [string, URLSearchParams, string][] = [
      ['wrong secret', new URLSearchParams(SHOPIFY_EXAMPLE), 'not-hush'],
      ['tampered customer', new URLSearchParams(SHOPIFY_EXAMPLE.replace('logged_in_customer_id=1', 'logged_in_customer_id=2')), 'hush'],
      ['added parameter', new URLSearchParams(`${SHOPIFY_EXAMPLE}&admin=1`), 'hush'],
      ['not hex', new URLSearchParams(SHOPIFY_EXAMPLE.replace(/signature=.*/, 'signature=zz')), 'hush'],
    ];
    for (const [name, query, secret] of cases) {
      const verdict = await verifyAppProxy(query, secret, EXAMPLE_TIME);
      assert.equal(!verdict.ok && verdict.reason, 'bad_signature', name);
      assert.match(!verdict.ok ? verdict.message : '', /signature does not match/, name);
    }
  });

  it('refuses a signed request older than five minutes, or from the future, as a replay', async () => {
    const query = new URLSearchParams(SHOPIFY_EXAMPLE);
    assert.equal((await verifyAppProxy(query, 'hush', EXAMPLE_TIME + 299_000)).ok, true);
    const stale = await verifyAppProxy(query, 'hush', EXAMPLE_TIME + 301_000);
    assert.equal(!stale.ok && stale.reason, 'stale_timestamp');
    const future = await verifyAppProxy(query, 'hush', EXAMPLE_TIME - 120_000);
    assert.equal(!future.ok && future.reason, 'stale_timestamp');
  });

  it('refuses a genuine request when nobody is logged in', async () => {
    const query = new URLSearchParams(SHOPIFY_EXAMPLE);
    query.set('logged_in_customer_id', '');
    const verdict = await verifyAppProxy(await signAppProxyQuery(query, 'hush'), 'hush', EXAMPLE_TIME);
    assert.equal(!verdict.ok && verdict.reason, 'not_logged_in');
    assert.match(!verdict.ok ? verdict.message : '', /not logged in/);
  });
});

describe('storefront session', () => {
  const jwtSecret = 'storefront-test-jwt-secret-32-characters';
  const workspaceId = '11111111-1111-4111-8111-111111111111';
  const profileId = '22222222-2222-4222-8222-222222222222';
  // Whole seconds, as Shopify signs them; the real clock, so the verifier below accepts the token.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const context = {
    findConnection: async (_source: string, shop: string) => (shop === 'hearth.myshopify.com' ? { workspaceId, secret: 'app-secret' } : null),
    findCustomer: async (_ws: string, customer: string) => (customer === '7001' ? profileId : null),
    jwtSecret,
    now: () => now,
  };
  const request = async (params: Record<string, string>, secret = 'app-secret') => {
    const query = await signAppProxyQuery(new URLSearchParams({ path_prefix: '/apps/tessera', timestamp: String(now / 1000), ...params }), secret);
    return handleStorefrontSession(new Request(`http://localhost/functions/v1/storefront-session?${query}`), context);
  };

  it('mints a 15-minute customer token naming the workspace and profile, never cached', async () => {
    const response = await request({ shop: 'hearth.myshopify.com', logged_in_customer_id: '7001' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = await response.json();
    assert.equal(body.profile_id, profileId);
    assert.equal(body.expires_at, now / 1000 + 900);
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.role, 'authenticated');
    assert.equal(claims.exp, now / 1000 + 900);
    assert.deepEqual(claims.tessera_customer, { workspace_id: workspaceId, profile_id: profileId, customer: 'shopify-customer:hearth.myshopify.com:7001' });
    // auth.uid() casts sub to uuid: it must be one, the same for the same customer, different for another.
    assert.match(String(claims.sub), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const again = await mintStorefrontToken(jwtSecret, { workspaceId, profileId, shop: 'hearth.myshopify.com', customerId: '7001' }, now);
    assert.equal(decodeJwt(again.access_token).sub, claims.sub);
    const other = await mintStorefrontToken(jwtSecret, { workspaceId, profileId, shop: 'hearth.myshopify.com', customerId: '7002' }, now);
    assert.notEqual(decodeJwt(other.access_token).sub, claims.sub);
    // Signed with the server's JWT secret, so the API accepts it (until it expires).
    assert.equal(typeof (await createTokenVerifier(jwtSecret)(body.access_token)).exp, 'number');
  });

  it('answers 401 for a forged or missing signature and for nobody logged in, 404 for an unknown shop or customer', async () => {
    const forged = await request({ shop: 'hearth.myshopify.com', logged_in_customer_id: '7001' }, 'guessed-secret');
    assert.equal(forged.status, 401);
    assert.equal((await forged.json()).code, 'bad_signature');
    const unsigned = await handleStorefrontSession(new Request('http://localhost/s?shop=hearth.myshopify.com&logged_in_customer_id=7001'), context);
    assert.equal(unsigned.status, 401);
    assert.equal((await unsigned.json()).code, 'missing_signature');
    const anonymous = await request({ shop: 'hearth.myshopify.com', logged_in_customer_id: '' });
    assert.equal(anonymous.status, 401);
    assert.match((await anonymous.json()).error, /not logged in/);
    const unknownShop = await request({ shop: 'elsewhere.myshopify.com', logged_in_customer_id: '7001' });
    assert.equal(unknownShop.status, 404);
    const noProfile = await request({ shop: 'hearth.myshopify.com', logged_in_customer_id: '9999' });
    assert.equal(noProfile.status, 404);
    assert.equal((await noProfile.json()).code, 'no_profile');
  });
});
