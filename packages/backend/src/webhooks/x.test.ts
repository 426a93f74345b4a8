import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseX } from '../normalisers/x.ts';
import { deliverer, fixture, processAccepted, profileOf, rawEvents, socialContext, type SocialTestContext, unrouted } from './social-test-kit.ts';
import { handleXWebhook } from './x.ts';

const CONSUMER_SECRET = 'Rk3v9QpX2mTn7LbY4cWz8HdJ1sFg6AeU0oKi5VrN3tBq';

// As X signs: x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the raw body with the consumer secret>.
function xRequest(body: string | object, options: { secret?: string; signature?: string | null } = {}): Request {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const signature = options.signature === undefined ? `sha256=${createHmac('sha256', options.secret ?? CONSUMER_SECRET).update(raw).digest('base64')}` : options.signature;
  if (signature !== null) headers['x-twitter-webhooks-signature'] = signature;
  return new Request('https://tessera.example/webhooks/x', { method: 'POST', headers, body: raw });
}

for (const target of testDatabases()) {
  describe(`X webhooks (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    let context: SocialTestContext;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      context = socialContext(db, { workspaceId, secrets: { x: CONSUMER_SECRET } }, { x: { consumerSecret: CONSUMER_SECRET } });
    });
    after(() => db?.close());

    const deliver = deliverer(handleXWebhook, () => context);

    it('answers the challenge-response check with the base64 HMAC of crc_token', async () => {
      const crc = 'Zm9vYmFyLWNyYy10b2tlbi0xNzY3OTYy';
      const { status, body } = await deliver(new Request(`https://tessera.example/webhooks/x?crc_token=${crc}&nonce=NzY3OTYy`));
      assert.equal(status, 200);
      assert.deepEqual(body, { response_token: `sha256=${createHmac('sha256', CONSUMER_SECRET).update(crc).digest('base64')}` });
      assert.equal((await deliver(new Request('https://tessera.example/webhooks/x'))).status, 400);
      const unconfigured = await handleXWebhook(new Request(`https://tessera.example/webhooks/x?crc_token=${crc}`), { ...context, apps: {} });
      assert.equal(unconfigured.status, 503);
    });

    it('accepts a signed reply, and it becomes the author’s profile with their handle', async () => {
      const { status, body } = await deliver(xRequest(fixture('x-tweet-reply')));
      assert.equal(status, 200);
      assert.equal(body.status, 'accepted');
      const [stored] = await rawEvents(db, 'x', 'id = $2', [body.id]);
      assert.equal(stored?.idempotency_key, 'tweet:1877704163028914177');
      assert.equal(stored?.topic, 'tweet_create_events');
      const [profile] = await processAccepted(db, context, normaliseX);
      assert.equal(await profileOf(db, workspaceId, 'x', 'sambakesleeds'), profile);
      const [person] = await db.query<{ display_name: string }>('select display_name from public.profiles where id = $1', [profile]);
      assert.equal(person?.display_name, 'Sam Whitfield');
    });

    it('a DM from the same account links by x_id to the same profile', async () => {
      assert.equal((await deliver(xRequest(fixture('x-direct-message')))).body.status, 'accepted');
      const [profile] = await processAccepted(db, context, normaliseX);
      assert.equal(profile, await profileOf(db, workspaceId, 'x_id', '2966204123'));
      const types = await db.query<{ type: string }>("select type from public.events where workspace_id = $1 and source = 'x' order by occurred_at", [workspaceId]);
      assert.deepEqual(types.map((t) => t.type), ['commented', 'messaged']);
    });

    it('refuses a wrong or missing signature with 401 and stores it as rejected', async () => {
      const forged = fixture('x-follow');
      forged.follow_events[0].source = { id: '666', screen_name: 'mallory', name: 'Mallory' };
      const wrong = await deliver(xRequest(forged, { secret: 'another-apps-secret' }));
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error, /does not match the body signed with X_CONSUMER_SECRET/);
      const [stored] = await rawEvents(db, 'x', "idempotency_key like 'follow:666:%'");
      assert.equal(stored?.status, 'rejected');
      const missing = await deliver(xRequest(fixture('x-follow'), { signature: null }));
      assert.equal(missing.status, 401);
      assert.match(missing.body.error, /header missing/);
      assert.equal(context.accepted.length, 0);
      assert.equal(await profileOf(db, workspaceId, 'x', 'mallory'), undefined);
    });

    it('stores a replayed delivery once', async () => {
      const first = await deliver(xRequest(fixture('x-follow')));
      const second = await deliver(xRequest(fixture('x-follow')));
      assert.equal(first.body.status, 'accepted');
      assert.equal(second.body.status, 'duplicate');
      assert.equal(second.body.id, first.body.id);
      assert.equal((await rawEvents(db, 'x', "topic = 'follow_events' and status <> 'rejected'")).length, 1);
      await processAccepted(db, context, normaliseX);
      assert.ok(await profileOf(db, workspaceId, 'x', 'aiko_kneads'));
    });

    it('answers a malformed body with 400 and keeps it', async () => {
      const broken = '{"for_user_id":"1480214693026521093","follow_events":[{"type":"follow",';
      const { status, body } = await deliver(xRequest(broken));
      assert.equal(status, 400);
      assert.match(body.error, /not valid JSON/);
      assert.equal(Buffer.from((await unrouted(db, 'x')).at(-1)!.body).toString('utf8'), broken);
    });
  });
}
