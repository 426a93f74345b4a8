import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { startServer, type RunningServer } from '../server/start.ts';
import { MAX_BODY_BYTES } from './delivery.ts';
import { contentType, damagedFixture, parsesAsJson, strangerBody, type HostileBody } from './fuzz-kit.ts';

/**
 * Every webhook endpoint, through HTTP on the real server, against thousands
 * of malformed, truncated, hostile and badly signed deliveries. For each one:
 * an answer that is not a 5xx, a reason in every refusal, the delivery
 * recorded (raw_events failed/rejected, or unrouted when it names no
 * account), nothing written to profiles, identities, events or traits by a
 * refused delivery, nothing left pending, and no prototype polluted. Every
 * CHECK_EVERY inputs, and at the end, a genuine delivery must still be
 * accepted and processed.
 *
 * Runs: FUZZ_RUNS, else 1,000 per endpoint on each database, so `npm test`
 * stays in minutes; the issue's bar of 10,000 is `FUZZ_RUNS=10000`. Measured (HTTP to the real server, every input checked against the
 * database): PGlite 17–58 inputs/s (it slows as the tables grow), so 10k
 * would take 3–10 min per endpoint; the PG server about 62/s (Shopify: 10,000
 * in 161 s). Each run prints its count, time and answers by status. FUZZ_SEED
 * replays a run; the seed is printed before each property and in any failure.
 */

const fixtureText = (name: string) => readFileSync(new URL(`../normalisers/fixtures/${name}`, import.meta.url), 'utf8');
const SHOPIFY_SECRET = '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';
const KAJABI_TOKEN = 'kj_wh_Xq82LmR4vN7pT1cZ9sB3dF6h';
const META_SECRET = '5c1e0f9a7b3d48e2a6f1c9d0b2e4a7f3';
const TIKTOK_SECRET = 'tk_cs_8Hq2Lm5Vx9Rb3Wn7Yc1Pd4Zf6Gj0Ks2T';
const X_SECRET = 'Rk3v9QpX2mTn7LbY4cWz8HdJ1sFg6AeU0oKi5VrN3tBq';
const HUB_SECRET = 'websub-3f9c2a7e1b8d4c6f';
const CHANNEL = 'UCq3R8dGx0n7bV2pLw5sKc1A';
const TOPIC = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${CHANNEL}`;
const SHOP = 'hearth-and-grain.myshopify.com';
const CHECK_EVERY = 500;

const hmac = (algorithm: string, secret: string, body: Uint8Array | string, encoding: 'hex' | 'base64') => createHmac(algorithm, secret).update(body).digest(encoding);

interface Delivery {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Signed as the platform signs (`good`), or not (`bad`), or a GET handshake. */
  signing: 'good' | 'bad' | 'handshake';
  kind: string;
}

type BadSignature = 'wrong-secret' | 'missing' | 'garbage' | 'stale';
interface Noise {
  contentType: string;
  /** Drop a header the platform always sends (Shopify's shop domain or topic; YouTube's Link). */
  dropHeader: boolean;
  garbageHeader: string;
}

interface Endpoint {
  name: string;
  fixtures: string[];
  json: boolean;
  deliver(body: HostileBody, signing: 'good' | BadSignature, noise: Noise, n: number): Delivery;
  /** Verification requests with random query strings (Meta, X, YouTube). */
  handshake?: fc.Arbitrary<Delivery>;
  /** A genuine delivery, new each time (`c`), that must be accepted and processed. */
  genuine(c: number): Delivery;
}

const shopifyTopics: Record<string, string> = {
  'shopify-customer.json': 'customers/create',
  'shopify-order.json': 'orders/create',
  'shopify-refund.json': 'refunds/create',
  'shopify-checkout.json': 'checkouts/create',
  'shopify-test-notification-customer.json': 'customers/update',
};

function shopifyDelivery(bytes: Uint8Array, signing: 'good' | BadSignature, noise: Noise, n: number, kind: string, topic = 'customers/create'): Delivery {
  const headers: Record<string, string> = {
    'content-type': noise.contentType,
    'x-shopify-topic': topic,
    'x-shopify-shop-domain': SHOP,
    // Now and then the sender's own garbage (up to 8 kB) as the event id: it becomes the idempotency key.
    'x-shopify-event-id': n % 7 === 0 && noise.garbageHeader ? noise.garbageHeader : `fuzz-${n}-${Date.now()}`,
    'x-shopify-triggered-at': noise.garbageHeader || new Date().toISOString(),
  };
  if (noise.dropHeader) delete headers[n % 2 ? 'x-shopify-topic' : 'x-shopify-shop-domain'];
  if (signing === 'good') headers['x-shopify-hmac-sha256'] = hmac('sha256', SHOPIFY_SECRET, bytes, 'base64');
  else if (signing === 'wrong-secret' || signing === 'stale') headers['x-shopify-hmac-sha256'] = hmac('sha256', 'not-the-secret', bytes, 'base64');
  else if (signing === 'garbage') headers['x-shopify-hmac-sha256'] = noise.garbageHeader || '%%%';
  return { method: 'POST', path: '/webhooks/shopify', headers, body: bytes, signing: signing === 'good' ? 'good' : 'bad', kind };
}

const queryString = fc.dictionary(
  fc.constantFrom('hub.mode', 'hub.verify_token', 'hub.challenge', 'hub.topic', 'hub.lease_seconds', 'hub.reason', 'crc_token', 'nonce', '__proto__', 'constructor'),
  fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('subscribe', 'unsubscribe', 'denied', TOPIC, '432000', '-1', '99999999999', 'x'.repeat(2000))),
  { maxKeys: 5 },
);
const handshake = (path: string) => queryString.map((query): Delivery => ({ method: 'GET', path: `${path}?${new URLSearchParams(query)}`, headers: {}, signing: 'handshake', kind: 'handshake' }));

const ENDPOINTS: Endpoint[] = [
  {
    name: 'shopify',
    fixtures: Object.keys(shopifyTopics).map(fixtureText),
    json: true,
    deliver: (body, signing, noise, n) => shopifyDelivery(body.bytes, signing, noise, n, body.kind, Object.values(shopifyTopics)[n % 4]),
    genuine: (c) => {
      const customer = { ...JSON.parse(fixtureText('shopify-customer.json')), id: 9_100_000_000 + c, email: `fuzz.check.${c}@example.com`, admin_graphql_api_id: `gid://shopify/Customer/${9_100_000_000 + c}` };
      return shopifyDelivery(new TextEncoder().encode(JSON.stringify(customer)), 'good', { contentType: 'application/json', dropHeader: false, garbageHeader: '' }, c, 'genuine');
    },
  },
  {
    name: 'kajabi',
    fixtures: ['kajabi-hook-purchase.json', 'kajabi-hook-payment-succeeded.json', 'kajabi-hook-form-submission.json', 'kajabi-hook-order-created.json', 'kajabi-hook-tag-added.json', 'kajabi-purchase-created.json', 'kajabi-payment-succeeded.json', 'kajabi-purchase-created-legacy.json'].map(fixtureText),
    json: true,
    deliver: (body, signing, noise, n) => {
      const token = signing === 'good' ? KAJABI_TOKEN : signing === 'garbage' ? encodeURIComponent(noise.garbageHeader || '%') || 'x' : signing === 'missing' ? 'site-1' : `site-1.${KAJABI_TOKEN}x`;
      const event = n % 5 === 0 ? `?event=${encodeURIComponent(noise.garbageHeader)}` : '';
      return { method: 'POST', path: `/webhooks/kajabi/${token}${event}`, headers: { 'content-type': noise.contentType }, body: body.bytes, signing: signing === 'good' ? 'good' : 'bad', kind: body.kind };
    },
    // Kajabi dedupes by the body's hash: trailing spaces make a new delivery of the same purchase.
    genuine: (c) => ({ method: 'POST', path: `/webhooks/kajabi/${KAJABI_TOKEN}`, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(fixtureText('kajabi-hook-purchase.json') + ' '.repeat(c + 1)), signing: 'good', kind: 'genuine' }),
  },
  {
    name: 'meta',
    fixtures: ['meta-instagram-comment.json', 'meta-instagram-mention.json', 'meta-instagram-message.json', 'meta-page-feed-comment.json', 'meta-page-like.json', 'meta-page-mention.json', 'meta-batch-two-accounts.json'].map(fixtureText),
    json: true,
    deliver: (body, signing, noise) => {
      const headers: Record<string, string> = { 'content-type': noise.contentType };
      if (signing === 'good') headers['x-hub-signature-256'] = `sha256=${hmac('sha256', META_SECRET, body.bytes, 'hex')}`;
      else if (signing === 'wrong-secret' || signing === 'stale') headers['x-hub-signature-256'] = `sha256=${hmac('sha256', 'wrong', body.bytes, 'hex')}`;
      else if (signing === 'garbage') headers['x-hub-signature-256'] = noise.garbageHeader || 'sha256=zz';
      return { method: 'POST', path: '/webhooks/meta', headers, body: body.bytes, signing: signing === 'good' ? 'good' : 'bad', kind: body.kind };
    },
    handshake: handshake('/webhooks/meta'),
    genuine: (c) => {
      const comment = JSON.parse(fixtureText('meta-instagram-comment.json'));
      comment.entry[0].changes[0].value.id = `9${String(c).padStart(16, '0')}`;
      const bytes = new TextEncoder().encode(JSON.stringify(comment));
      return { method: 'POST', path: '/webhooks/meta', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmac('sha256', META_SECRET, bytes, 'hex')}` }, body: bytes, signing: 'good', kind: 'genuine' };
    },
  },
  {
    name: 'tiktok',
    fixtures: ['tiktok-video-publish-completed.json', 'tiktok-authorization-removed.json'].map(fixtureText),
    json: true,
    deliver: (body, signing, noise) => {
      const now = Math.floor(Date.now() / 1000);
      const signed = (secret: string, t: number) => `t=${t},s=${hmac('sha256', secret, Buffer.concat([Buffer.from(`${t}.`), body.bytes]), 'hex')}`;
      const headers: Record<string, string> = { 'content-type': noise.contentType };
      if (signing === 'good') headers['tiktok-signature'] = signed(TIKTOK_SECRET, now);
      else if (signing === 'wrong-secret') headers['tiktok-signature'] = signed('wrong', now);
      else if (signing === 'stale') headers['tiktok-signature'] = signed(TIKTOK_SECRET, now - 3_600);
      else if (signing === 'garbage') headers['tiktok-signature'] = noise.garbageHeader || 't=,s=';
      return { method: 'POST', path: '/webhooks/tiktok', headers, body: body.bytes, signing: signing === 'good' ? 'good' : 'bad', kind: body.kind };
    },
    genuine: (c) => {
      const event = { ...JSON.parse(fixtureText('tiktok-video-publish-completed.json')), create_time: 1_767_962_011 + c };
      const bytes = new TextEncoder().encode(JSON.stringify(event));
      const t = Math.floor(Date.now() / 1000);
      return { method: 'POST', path: '/webhooks/tiktok', headers: { 'tiktok-signature': `t=${t},s=${hmac('sha256', TIKTOK_SECRET, Buffer.concat([Buffer.from(`${t}.`), bytes]), 'hex')}` }, body: bytes, signing: 'good', kind: 'genuine' };
    },
  },
  {
    name: 'x',
    fixtures: ['x-tweet-reply.json', 'x-direct-message.json', 'x-follow.json'].map(fixtureText),
    json: true,
    deliver: (body, signing, noise) => {
      const headers: Record<string, string> = { 'content-type': noise.contentType };
      if (signing === 'good') headers['x-twitter-webhooks-signature'] = `sha256=${hmac('sha256', X_SECRET, body.bytes, 'base64')}`;
      else if (signing === 'wrong-secret' || signing === 'stale') headers['x-twitter-webhooks-signature'] = `sha256=${hmac('sha256', 'wrong', body.bytes, 'base64')}`;
      else if (signing === 'garbage') headers['x-twitter-webhooks-signature'] = noise.garbageHeader || 'sha256=%%';
      return { method: 'POST', path: '/webhooks/x', headers, body: body.bytes, signing: signing === 'good' ? 'good' : 'bad', kind: body.kind };
    },
    handshake: handshake('/webhooks/x'),
    genuine: (c) => {
      const reply = JSON.parse(fixtureText('x-tweet-reply.json'));
      reply.tweet_create_events[0].id_str = `19${String(c).padStart(17, '0')}`;
      const bytes = new TextEncoder().encode(JSON.stringify(reply));
      return { method: 'POST', path: '/webhooks/x', headers: { 'x-twitter-webhooks-signature': `sha256=${hmac('sha256', X_SECRET, bytes, 'base64')}` }, body: bytes, signing: 'good', kind: 'genuine' };
    },
  },
  {
    name: 'youtube',
    fixtures: ['youtube-video-published.xml', 'youtube-video-deleted.xml'].map(fixtureText),
    json: false,
    deliver: (body, signing, noise) => {
      const headers: Record<string, string> = { 'content-type': noise.contentType };
      // Without a Link header, a body that names no channel cannot be routed: kept unrouted, answered 400.
      if (!noise.dropHeader) headers.link = `<https://pubsubhubbub.appspot.com/>; rel=hub, <${TOPIC}>; rel=self`;
      if (signing === 'good') headers['x-hub-signature'] = `sha1=${hmac('sha1', HUB_SECRET, body.bytes, 'hex')}`;
      else if (signing === 'wrong-secret' || signing === 'stale') headers['x-hub-signature'] = `sha1=${hmac('sha1', 'wrong', body.bytes, 'hex')}`;
      else if (signing === 'garbage') headers['x-hub-signature'] = noise.garbageHeader || 'md5=zz';
      return { method: 'POST', path: '/webhooks/youtube', headers, body: body.bytes, signing: signing === 'good' ? 'good' : 'bad', kind: body.kind };
    },
    handshake: handshake('/webhooks/youtube'),
    genuine: (c) => {
      const xml = fixtureText('youtube-video-published.xml').replaceAll('Qm4xT2vK9aE', `Fz${String(c).padStart(9, '0')}`);
      return { method: 'POST', path: '/webhooks/youtube', headers: { link: `<${TOPIC}>; rel=self`, 'x-hub-signature': `sha1=${hmac('sha1', HUB_SECRET, xml, 'hex')}` }, body: new TextEncoder().encode(xml), signing: 'good', kind: 'genuine' };
    },
  },
];

/** Header values a sender might put anywhere: empty, huge, control characters, injection attempts. */
const garbageHeader = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')) },
  { weight: 1, arbitrary: fc.constantFrom('sha256=', 'sha1=', 't=1,s=', 't=99999999999999999999,s=00', 'null', '../../etc/passwd', 'x'.repeat(8_000), '2026-13-45T99:99:99Z', 'sha256=' + 'ab'.repeat(32), '__proto__') },
);
const noise: fc.Arbitrary<Noise> = fc.record({ contentType, dropHeader: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))), garbageHeader });
const signing: fc.Arbitrary<'good' | BadSignature> = fc.oneof({ weight: 8, arbitrary: fc.constant('good' as const) }, { weight: 2, arbitrary: fc.constantFrom<BadSignature>('wrong-secret', 'missing', 'garbage', 'stale') });

function deliveries(endpoint: Endpoint): fc.Arbitrary<(n: number) => Delivery> {
  const body = fc.oneof({ weight: 3, arbitrary: damagedFixture(endpoint.fixtures, { json: endpoint.json }) }, { weight: 2, arbitrary: strangerBody });
  // Printed by fast-check in a counterexample: what was sent, not the closure's source.
  const described = (make: (n: number) => Delivery, what: () => string) => Object.assign(make, { [fc.toStringMethod]: what });
  const post = fc.tuple(body, signing, noise).map(([b, s, h]) =>
    described((n) => endpoint.deliver(b, s, h, n), () => `${b.kind} body ${JSON.stringify(new TextDecoder().decode(b.bytes.subarray(0, 400)))} (${b.bytes.length} bytes), signing ${s}, ${JSON.stringify(h).slice(0, 200)}`),
  );
  if (!endpoint.handshake) return post;
  return fc.oneof({ weight: 9, arbitrary: post }, { weight: 1, arbitrary: endpoint.handshake.map((d) => described(() => d, () => `GET ${d.path.slice(0, 300)}`)) });
}

// npm test runs 1,000 per endpoint on each database (about 1 min each); the issue's 10,000 run with FUZZ_RUNS=10000.
const numRuns = (_target: string) => Number(process.env.FUZZ_RUNS ?? 1_000);
// A fixed seed by default, so a red CI can be replayed exactly and is never a matter of luck; set FUZZ_SEED to explore others.
const seed = Number(process.env.FUZZ_SEED ?? 284_206_205);

for (const target of testDatabases()) {
  describe(`webhook endpoints under fuzzing (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    let server: RunningServer;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      await db.query('insert into tessera.connections (workspace_id, source, account, secret) values ($1, $2, $3, $4)', [workspaceId, 'youtube', CHANNEL, HUB_SECRET]);
      server = await startServer({
        db,
        jwtSecret: 'fuzz-jwt-secret-0123456789abcdef0123456789',
        port: 0,
        localWorkspaceId: workspaceId,
        secrets: { shopify: SHOPIFY_SECRET, kajabi: KAJABI_TOKEN, meta: META_SECRET, tiktok: TIKTOK_SECRET, x: X_SECRET },
        apps: { meta: { appSecret: META_SECRET, verifyToken: 'meta-verify-token' }, x: { consumerSecret: X_SECRET } },
      });
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    const send = async (delivery: Delivery) => {
      const response = await fetch(server.url + delivery.path, {
        method: delivery.method,
        headers: delivery.headers,
        ...(delivery.body ? { body: delivery.body as Uint8Array<ArrayBuffer> } : {}),
      });
      const text = await response.text();
      let json: Record<string, any> | null = null;
      try {
        json = JSON.parse(text);
      } catch {
        // GET handshakes answer in text/plain
      }
      await server.idle();
      return { status: response.status, text, json };
    };

    /** What the database holds now: the counts a refused delivery must not change, and the high-water marks of the logs. */
    const snapshot = async () => {
      const [row] = await db.query<{ people: number; identities: number; events: number; traits: number; raw: string; unrouted: string }>(
        `select (select count(*) from public.profiles where workspace_id = $1)::int as people,
                (select count(*) from public.identities where workspace_id = $1)::int as identities,
                (select count(*) from public.events where workspace_id = $1)::int as events,
                (select count(*) from public.traits where workspace_id = $1)::int as traits,
                (select coalesce(max(id), 0) from public.raw_events where workspace_id = $1)::text as raw,
                (select coalesce(max(id), 0) from tessera.unrouted_deliveries)::text as unrouted`,
        [workspaceId],
      );
      return row!;
    };
    const rawSince = (id: string) => db.query<{ id: string; status: string; error: string | null }>('select id::text, status, error from public.raw_events where workspace_id = $1 and id > $2 order by id', [workspaceId, id]);
    const unroutedSince = (id: string) => db.query<{ reason: string }>('select reason from tessera.unrouted_deliveries where id > $1', [id]);

    async function assertGenuineAccepted(endpoint: Endpoint, c: number) {
      const answer = await send(endpoint.genuine(c));
      assert.equal(answer.status, 200, `a genuine ${endpoint.name} delivery after fuzzing: ${answer.text}`);
      assert.equal(answer.json?.status, 'accepted', answer.text);
      const [row] = await db.query<{ status: string; error: string | null }>('select status, error from public.raw_events where workspace_id = $1 and id = $2', [workspaceId, answer.json!.id]);
      assert.equal(row?.status, 'processed', `genuine ${endpoint.name} delivery ${answer.json!.id}: ${row?.status} ${row?.error ?? ''}`);
    }

    for (const endpoint of ENDPOINTS) {
      it(`${endpoint.name}: every hostile delivery gets a reasoned 4xx (or the 2xx its platform requires), is recorded, and writes nothing`, { timeout: 60 * 60_000 }, async () => {
        const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length;
        let n = 0;
        let genuine = 0;
        const tally = new Map<string, number>();
        const started = performance.now();
        let before = await snapshot();
        const property = fc.asyncProperty(deliveries(endpoint), async (make) => {
          const delivery = make(++n);
          const answer = await send(delivery);
          const after = await snapshot();
          const [raws, unrouted] = await Promise.all([rawSince(before.raw), unroutedSince(before.unrouted)]);
          const context = `${delivery.kind} ${delivery.signing} → ${answer.status} ${answer.text.slice(0, 300)}; raw ${JSON.stringify(raws).slice(0, 300)}`;
          const wrote = after.people !== before.people || after.identities !== before.identities || after.events !== before.events || after.traits !== before.traits;
          before = after;
          tally.set(`${answer.status}`, (tally.get(`${answer.status}`) ?? 0) + 1);

          assert.ok(answer.status < 500, `no 5xx: ${context}`);
          // Node's HTTP parser refuses more than 16 kB of headers before the app sees the request: nothing to record.
          if (answer.status === 431) return assert.ok(!wrote && raws.length === 0, context);
          assert.equal(raws.filter((r) => r.status === 'pending').length, 0, `nothing left pending: ${context}`);
          if (delivery.signing === 'handshake') {
            assert.ok([200, 400, 403, 404].includes(answer.status), context);
            if (answer.status >= 400) assert.ok(answer.text.trim().length > 0, `a refused handshake says why: ${context}`);
            assert.ok(!wrote && raws.every((r) => r.status === 'ignored'), `a handshake stores at most its verification: ${context}`);
            return;
          }
          if (answer.status >= 400) {
            assert.equal(typeof answer.json?.error, 'string', `a refusal is JSON with an error: ${context}`);
            assert.ok(answer.json!.error.trim().length > 0, `a refusal says why: ${context}`);
            assert.ok(!wrote, `a refused delivery writes no profile, identity, event or trait: ${context}`);
            assert.ok(raws.every((r) => r.status === 'failed' || r.status === 'rejected'), `a refused delivery is stored only as failed or rejected: ${context}`);
            const earlier = answer.json!.id ? (await db.query<{ status: string }>('select status from public.raw_events where workspace_id = $1 and id = $2', [workspaceId, answer.json!.id]))[0] : undefined;
            // (or it repeats an earlier delivery's idempotency key: that one is stored, and this one adds nothing, by design)
            assert.ok(raws.length > 0 || unrouted.length > 0 || earlier !== undefined, `a refused delivery is recorded: ${context}`);
          }
          if (delivery.signing === 'bad') {
            // A bad signature is a 401 — except YouTube, whose hub must get a 202 (PubSubHubbub 0.4), and
            // bodies that name no account to verify against (TikTok routes by the body's client_key; Shopify by its shop header).
            const unroutable = (endpoint.name === 'tiktok' && (!parsesAsJson(delivery.body!) || !/"client_key"\s*:\s*"[^"]/.test(new TextDecoder().decode(delivery.body!)))) || (endpoint.name === 'shopify' && !delivery.headers['x-shopify-shop-domain']);
            const expected = endpoint.name === 'youtube' && delivery.headers.link ? 202 : unroutable ? 400 : 401;
            if (endpoint.name === 'youtube' && !delivery.headers.link) assert.ok([202, 400].includes(answer.status), context);
            else if (endpoint.name === 'tiktok' && unroutable) assert.ok([400, 401].includes(answer.status), context);
            else assert.equal(answer.status, expected, context);
            assert.ok(!wrote, `a badly signed delivery writes nothing: ${context}`);
            assert.ok(raws.every((r) => r.status === 'rejected'), `a badly signed delivery is stored only as rejected: ${context}`);
            if (answer.status === 202) assert.equal(answer.json?.status, 'received', context);
            assert.ok(raws.length > 0 || unrouted.length > 0, `a badly signed delivery is recorded: ${context}`);
            return;
          }
          // Signed as the platform signs: usable (200: accepted, ignored, duplicate, or empty/unrouted for Meta and X) or refused with a reason (400).
          assert.ok([200, 400].includes(answer.status), context);
          if (answer.status === 200) {
            assert.ok(['accepted', 'ignored', 'duplicate', 'empty', 'unrouted'].includes(answer.json?.status), context);
            if (!raws.some((r) => r.status === 'processed')) assert.ok(!wrote, `only a processed delivery writes to profiles: ${context}`);
            assert.ok(raws.length > 0 || unrouted.length > 0 || answer.json?.status === 'duplicate' || answer.json?.items?.every((i: { status: string }) => i.status === 'duplicate'), `an acknowledged delivery is recorded: ${context}`);
          }
          if (n % CHECK_EVERY === 0) {
            await assertGenuineAccepted(endpoint, ++genuine);
            before = await snapshot(); // the genuine delivery's writes are not the next input's
          }
        });
        const runs = numRuns(target.name);
        console.log(`# ${endpoint.name} (${target.name}): ${runs} runs, seed ${seed}`);
        await fc.assert(property, { numRuns: runs, seed, verbose: 1, includeErrorInReport: true });
        await assertGenuineAccepted(endpoint, ++genuine);
        assert.equal(Object.getOwnPropertyNames(Object.prototype).length, prototypeKeys, 'Object.prototype is untouched');
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        // Whatever landed came from processed deliveries only.
        const [orphans] = await db.query<{ n: number }>(
          `select (select count(*) from public.events e join public.raw_events r on r.workspace_id = e.workspace_id and r.id = e.raw_event_id where e.workspace_id = $1 and r.status <> 'processed')
                + (select count(*) from public.traits t join public.raw_events r on r.workspace_id = t.workspace_id and r.id = t.raw_event_id where t.workspace_id = $1 and r.status <> 'processed') as n`,
          [workspaceId],
        );
        assert.equal(Number(orphans!.n), 0, 'no event or trait comes from a delivery that was not processed');
        const seconds = (performance.now() - started) / 1000;
        console.log(`# ${endpoint.name} (${target.name}): ${n} inputs in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)}/s); answers ${JSON.stringify(Object.fromEntries(tally))}`);
      });
    }

    for (const endpoint of ENDPOINTS) {
      it(`${endpoint.name}: a body over ${MAX_BODY_BYTES} bytes is refused with 413 before it is read to the end`, async () => {
        const path = endpoint.genuine(0).path;
        const head = await snapshot();
        // Declared: a Content-Length over the cap is answered without waiting for a byte of the body.
        const declared = await oversized(server.url, path, { declared: MAX_BODY_BYTES + 1 + 1_000_000 });
        assert.equal(declared.status, 413);
        assert.match(declared.text, /Body larger than 5242880 bytes refused/);
        assert.ok(declared.written <= 64 * 1024, `answered after ${declared.written} bytes`);
        // Streamed (chunked, no length): read up to the cap, then refused while the sender is still sending.
        const streamed = await oversized(server.url, path, { declared: null });
        assert.equal(streamed.status, 413);
        assert.match(streamed.text, /Body larger than/);
        assert.ok(streamed.written < 64 * 1024 * 1024, `answered after ${streamed.written} bytes of an endless body`);
        const tail = await snapshot();
        assert.equal(tail.raw, head.raw, 'nothing stored in raw_events');
        const unrouted = await unroutedSince(head.unrouted);
        assert.deepEqual(unrouted.map((u) => u.reason), [`Body larger than ${MAX_BODY_BYTES} bytes refused`, `Body larger than ${MAX_BODY_BYTES} bytes refused`]);
        await assertGenuineAccepted(endpoint, 100_000);
      });
    }
  });
}

/**
 * Sends a body bigger than the cap over a raw socket: with a Content-Length
 * it sends only the first chunk, without one it keeps sending until the
 * answer comes. Returns the answer and how many bytes were sent by then.
 */
function oversized(base: string, path: string, options: { declared: number | null }): Promise<{ status: number; text: string; written: number }> {
  const url = new URL(path, base);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.declared !== null ? { 'content-length': String(options.declared) } : { 'transfer-encoding': 'chunked' }) },
    });
    request.on('response', (response) => {
      answered = true;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part) => (text += part));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, text, written });
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && written < 1024 * 1024 * 1024) {
        if (options.declared !== null && written >= chunk.length) return; // never finishes: the answer must not wait for it
        written += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
    };
    pump();
  });
}
