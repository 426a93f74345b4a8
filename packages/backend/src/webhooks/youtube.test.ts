import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseYouTube } from '../normalisers/youtube.ts';
import { connect, deliverer, fixtureText, processAccepted, profileOf, rawEvents, socialContext, type SocialTestContext } from './social-test-kit.ts';
import { handleYouTubeWebhook } from './youtube.ts';

const CHANNEL = 'UCq3R8dGx0n7bV2pLw5sKc1A';
const UNSIGNED_CHANNEL = 'UCz9Y8x7W6v5U4t3S2r1Q0pA';
const HUB_SECRET = 'websub-3f9c2a7e1b8d4c6f';
const TOPIC = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${CHANNEL}`;

// As Google's hub posts: the Atom body, Link headers naming hub and topic, X-Hub-Signature: sha1=<hex HMAC-SHA1>.
function notification(xml: string, options: { secret?: string; signature?: string | null; topic?: string } = {}): Request {
  const headers: Record<string, string> = {
    'content-type': 'application/atom+xml',
    link: `<https://pubsubhubbub.appspot.com/>; rel=hub, <${options.topic ?? TOPIC}>; rel=self`,
  };
  const signature = options.signature === undefined ? `sha1=${createHmac('sha1', options.secret ?? HUB_SECRET).update(xml).digest('hex')}` : options.signature;
  if (signature !== null) headers['x-hub-signature'] = signature;
  return new Request('https://tessera.example/webhooks/youtube', { method: 'POST', headers, body: xml });
}

const verify = (params: Record<string, string>) => new Request(`https://tessera.example/webhooks/youtube?${new URLSearchParams(params)}`);

for (const target of testDatabases()) {
  describe(`YouTube WebSub (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    let context: SocialTestContext;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      // Subscriptions are connections: one channel with a hub.secret, one without. No environment fallback.
      context = socialContext(db, { workspaceId, secrets: {} });
      await connect(db, workspaceId, 'youtube', CHANNEL, HUB_SECRET);
      await connect(db, workspaceId, 'youtube', UNSIGNED_CHANNEL, '');
    });
    after(() => db?.close());

    const deliver = deliverer(handleYouTubeWebhook, () => context);

    it('confirms a subscription to a connected channel with the challenge, and records the lease', async () => {
      const response = await handleYouTubeWebhook(verify({ 'hub.mode': 'subscribe', 'hub.topic': TOPIC, 'hub.challenge': '14327729351786390913', 'hub.lease_seconds': '432000' }), context);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), '14327729351786390913');
      const [lease] = await rawEvents(db, 'youtube', "topic = 'hub/subscribe'");
      assert.equal(lease?.status, 'ignored');
      assert.match(lease?.error, new RegExp(`channel ${CHANNEL} confirmed for 432000 s: renew before \\d{4}-`));
      const renewBy = new Date(/renew before (\S+)/.exec(lease!.error)![1]!).getTime();
      assert.ok(Math.abs(renewBy - (Date.now() + 432000 * 1000)) < 60_000);
      const unsubscribe = await handleYouTubeWebhook(verify({ 'hub.mode': 'unsubscribe', 'hub.topic': TOPIC, 'hub.challenge': 'bye-1' }), context);
      assert.equal(await unsubscribe.text(), 'bye-1');
    });

    it('refuses (404) to confirm topics nobody here subscribed to, and malformed requests', async () => {
      const stranger = await handleYouTubeWebhook(verify({ 'hub.mode': 'subscribe', 'hub.topic': 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCaaaaaaaaaaaaaaaaaaaaaa', 'hub.challenge': 'c' }), context);
      assert.equal(stranger.status, 404);
      assert.doesNotMatch(await stranger.text(), /^c$/);
      const notAFeed = await handleYouTubeWebhook(verify({ 'hub.mode': 'subscribe', 'hub.topic': `https://evil.example/?channel_id=${CHANNEL}`, 'hub.challenge': 'c' }), context);
      assert.equal(notAFeed.status, 404);
      const badLease = await handleYouTubeWebhook(verify({ 'hub.mode': 'subscribe', 'hub.topic': TOPIC, 'hub.challenge': 'c', 'hub.lease_seconds': 'forever' }), context);
      assert.equal(badLease.status, 404);
      const badMode = await handleYouTubeWebhook(verify({ 'hub.mode': 'publish', 'hub.topic': TOPIC, 'hub.challenge': 'c' }), context);
      assert.equal(badMode.status, 404);
    });

    it('accepts a signed notification: the channel published a video', async () => {
      const xml = fixtureText('youtube-video-published.xml');
      const { status, body } = await deliver(notification(xml));
      assert.equal(status, 200);
      assert.equal(body.status, 'accepted');
      const [stored] = await rawEvents(db, 'youtube', 'id = $2', [body.id]);
      assert.equal(Buffer.from(stored!.body).toString('utf8'), xml);
      assert.equal(stored!.idempotency_key, 'video:Qm4xT2vK9aE:2026-01-09T14:02:11.418Z');
      const [profile] = await processAccepted(db, context, normaliseYouTube);
      assert.equal(await profileOf(db, workspaceId, 'youtube_channel_id', CHANNEL), profile);
      const [event] = await db.query<Record<string, any>>("select * from public.events where external_id = 'youtube:video:Qm4xT2vK9aE:published'");
      assert.equal(event?.type, 'video_published');
    });

    it('a wrong or missing signature is acknowledged (202, as PubSubHubbub requires) but stored as rejected and never processed', async () => {
      const forged = fixtureText('youtube-video-published.xml').replaceAll('Qm4xT2vK9aE', 'ForgedVid01');
      const wrong = await deliver(notification(forged, { secret: 'guessed' }));
      assert.equal(wrong.status, 202);
      const missing = await deliver(notification(forged, { signature: null }));
      assert.equal(missing.status, 202);
      const rejected = await rawEvents(db, 'youtube', "idempotency_key like 'video:ForgedVid01:%'");
      assert.deepEqual(rejected.map((r) => r.status), ['rejected', 'rejected']);
      assert.match(rejected[0]!.error, /does not match the body signed with the subscription's hub.secret/);
      assert.match(rejected[1]!.error, /X-Hub-Signature missing/);
      assert.equal(context.accepted.length, 0);
      assert.equal((await db.query("select 1 from public.events where external_id like 'youtube:video:ForgedVid01%'")).length, 0);
    });

    it('a subscription made without a hub.secret accepts unsigned notifications', async () => {
      const xml = fixtureText('youtube-video-published.xml').replaceAll(CHANNEL, UNSIGNED_CHANNEL).replaceAll('Qm4xT2vK9aE', 'Unsigned001');
      const { body } = await deliver(notification(xml, { signature: null, topic: `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${UNSIGNED_CHANNEL}` }));
      assert.equal(body.status, 'accepted');
      context.accepted.splice(0);
    });

    it('stores a replayed notification once', async () => {
      const xml = fixtureText('youtube-video-deleted.xml');
      const first = await deliver(notification(xml));
      const second = await deliver(notification(xml));
      assert.equal(first.body.status, 'accepted');
      assert.equal(second.body.status, 'duplicate');
      assert.equal((await rawEvents(db, 'youtube', "idempotency_key = 'deleted:Qm4xT2vK9aE'")).length, 1);
      context.accepted.splice(0);
    });

    it('answers malformed XML with 400 and keeps it in the dead-letter, routed by the Link header', async () => {
      const broken = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>cut off';
      const { status, body } = await deliver(notification(broken));
      assert.equal(status, 400);
      assert.match(body.error, /XML: <title> is never closed/);
      const [stored] = await rawEvents(db, 'youtube', 'id = $2', [body.id]);
      assert.equal(stored?.status, 'failed');
      assert.equal(Buffer.from(stored!.body).toString('utf8'), broken);
    });
  });
}
