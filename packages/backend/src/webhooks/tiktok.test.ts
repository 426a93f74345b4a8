import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseTikTok } from '../normalisers/tiktok.ts';
import { deliverer, fixture, processAccepted, profileOf, rawEvents, socialContext, type SocialTestContext, unrouted } from './social-test-kit.ts';
import { handleTikTokWebhook } from './tiktok.ts';

const CLIENT_SECRET = 'tk_cs_8Hq2Lm5Vx9Rb3Wn7Yc1Pd4Zf6Gj0Ks2T';
const OPEN_ID = 'act.9f3KcQ2mT7xV1bN8pL4sD6hJ0wE5rY2uA3iO7kZ9gF1';
const now = () => Math.floor(Date.now() / 1000);

// As TikTok signs: TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256 of "t.body" with the client secret>.
function tiktokRequest(body: string | object, options: { secret?: string; t?: number; signature?: string | null } = {}): Request {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const t = options.t ?? now();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? `t=${t},s=${createHmac('sha256', options.secret ?? CLIENT_SECRET).update(`${t}.${raw}`).digest('hex')}` : options.signature;
  if (signature !== null) headers['tiktok-signature'] = signature;
  return new Request('https://tessera.example/webhooks/tiktok', { method: 'POST', headers, body: raw });
}

for (const target of testDatabases()) {
  describe(`TikTok webhooks (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    let context: SocialTestContext;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      context = socialContext(db, { workspaceId, secrets: { tiktok: CLIENT_SECRET } });
    });
    after(() => db?.close());

    const deliver = deliverer(handleTikTokWebhook, () => context);

    it('accepts a signed event; the TikTok user becomes a profile with what they published', async () => {
      const raw = JSON.stringify(fixture('tiktok-video-publish-completed'));
      const { status, body } = await deliver(tiktokRequest(raw));
      assert.equal(status, 200);
      assert.equal(body.status, 'accepted');
      const [stored] = await rawEvents(db, 'tiktok', 'id = $2', [body.id]);
      assert.equal(Buffer.from(stored!.body).toString('utf8'), raw);
      assert.equal(stored!.topic, 'video.publish.completed');
      assert.equal(new Date(stored!.triggered_at).toISOString(), new Date(1767962011 * 1000).toISOString());
      const [profile] = await processAccepted(db, context, normaliseTikTok);
      assert.equal(await profileOf(db, workspaceId, 'tiktok_id', OPEN_ID), profile);
    });

    it('refuses a wrong or missing signature with 401 and stores it as rejected', async () => {
      const forged = { ...fixture('tiktok-authorization-removed'), user_openid: 'act.mallory' };
      const wrong = await deliver(tiktokRequest(forged, { secret: 'not-the-client-secret' }));
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error, /does not match "t.body" signed with the client secret/);
      const [stored] = await rawEvents(db, 'tiktok', 'idempotency_key = $2', ['authorization.removed:act.mallory:1767961200']);
      assert.equal(stored?.status, 'rejected');
      const missing = await deliver(tiktokRequest(forged, { signature: null }));
      assert.equal(missing.status, 401);
      assert.match(missing.body.error, /header missing/);
      const malformed = await deliver(tiktokRequest(forged, { signature: 'v1=abc' }));
      assert.equal(malformed.status, 401);
      assert.equal(context.accepted.length, 0);
      assert.equal(await profileOf(db, workspaceId, 'tiktok_id', 'act.mallory'), undefined);
    });

    it('refuses a correctly signed delivery whose timestamp is over five minutes old, or ahead', async () => {
      const old = await deliver(tiktokRequest(fixture('tiktok-authorization-removed'), { t: now() - 301 }));
      assert.equal(old.status, 401);
      assert.match(old.body.error, /30\d s old, beyond the 300 s allowed/);
      const ahead = await deliver(tiktokRequest(fixture('tiktok-authorization-removed'), { t: now() + 600 }));
      assert.equal(ahead.status, 401);
      assert.match(ahead.body.error, /in the future/);
      const recent = await deliver(tiktokRequest(fixture('tiktok-authorization-removed'), { t: now() - 240 }));
      assert.equal(recent.status, 200);
      context.accepted.splice(0);
    });

    it('stores a redelivery once, though TikTok signs it anew', async () => {
      const event = { ...fixture('tiktok-authorization-removed'), create_time: 1767961999 };
      const first = await deliver(tiktokRequest(event, { t: now() - 5 }));
      const second = await deliver(tiktokRequest(event));
      assert.equal(first.body.status, 'accepted');
      assert.equal(second.body.status, 'duplicate');
      assert.equal(second.body.id, first.body.id);
      assert.equal((await rawEvents(db, 'tiktok', "idempotency_key = $2", [`authorization.removed:${OPEN_ID}:1767961999`])).length, 1);
      context.accepted.splice(0);
    });

    it('answers a malformed body with 400 and keeps it', async () => {
      const broken = '{"client_key":"aw7k2m9qxv3hd8fe","event":"authorization.removed","create_time":17679';
      const { status, body } = await deliver(tiktokRequest(broken));
      assert.equal(status, 400);
      assert.match(body.error, /not valid JSON/);
      assert.equal(Buffer.from((await unrouted(db, 'tiktok')).at(-1)!.body).toString('utf8'), broken);
    });

    it('answers a content string that is not JSON with 400 and stores it in the dead-letter', async () => {
      const { status, body } = await deliver(tiktokRequest({ ...fixture('tiktok-authorization-removed'), create_time: 1767961777, content: '{"reason": ' }));
      assert.equal(status, 400);
      assert.match(body.error, /"content" is not the JSON string/);
      assert.equal((await rawEvents(db, 'tiktok', 'id = $2', [body.id]))[0]?.status, 'failed');
    });
  });
}
