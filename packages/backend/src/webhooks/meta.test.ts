import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseMeta } from '../normalisers/meta.ts';
import { handleMetaWebhook } from './meta.ts';
import { connect, deliverer, fixture, processAccepted, profileOf, rawEvents, socialContext, type SocialTestContext, unrouted } from './social-test-kit.ts';

const APP_SECRET = '5c1e0f9a7b3d48e2a6f1c9d0b2e4a7f3';
const VERIFY_TOKEN = 'hearth-and-grain-meta-verify-7Qk2';
const apps = { meta: { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN } };

// As Meta signs: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>.
function metaRequest(body: string | object, options: { secret?: string; signature?: string | null } = {}): Request {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' };
  const signature = options.signature === undefined ? `sha256=${createHmac('sha256', options.secret ?? APP_SECRET).update(raw).digest('hex')}` : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return new Request('https://tessera.example/webhooks/meta', { method: 'POST', headers, body: raw });
}

const verification = (query: string) => new Request(`https://tessera.example/webhooks/meta?${query}`);

for (const target of testDatabases()) {
  describe(`Meta webhooks (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    let otherWorkspaceId: string;
    let context: SocialTestContext;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
      otherWorkspaceId = await ensureWorkspace(db, { slug: 'lena-ferments', name: 'Lena Ferments' });
      // Locally, META_APP_SECRET routes every account to the local workspace; one account is connected elsewhere.
      context = socialContext(db, { workspaceId, secrets: { meta: APP_SECRET } }, apps);
      await connect(db, otherWorkspaceId, 'meta', '17841452071188320', APP_SECRET);
    });
    after(() => db?.close());

    const deliver = deliverer(handleMetaWebhook, () => context);

    it('answers the verification request with the challenge, as text, only for the right token', async () => {
      const ok = await handleMetaWebhook(verification(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`), context);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), '1158201444');
      assert.match(ok.headers.get('content-type') ?? '', /^text\/plain/);

      const wrong = await handleMetaWebhook(verification('hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444'), context);
      assert.equal(wrong.status, 403);
      assert.doesNotMatch(await wrong.text(), /1158201444/);
      const mode = await handleMetaWebhook(verification(`hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`), context);
      assert.equal(mode.status, 403);
      const unconfigured = await handleMetaWebhook(verification('hub.mode=subscribe&hub.verify_token=&hub.challenge=1'), { ...context, apps: {} });
      assert.equal(unconfigured.status, 403);
    });

    it('accepts a signed Instagram comment, stores it byte for byte, and it becomes the commenter’s profile', async () => {
      const raw = JSON.stringify(fixture('meta-instagram-comment'), null, 2);
      const { status, body } = await deliver(metaRequest(raw));
      assert.equal(status, 200);
      assert.equal(body.status, 'accepted');
      const [stored] = await rawEvents(db, 'meta', 'id = $2', [body.id]);
      assert.equal(Buffer.from(stored!.body).toString('utf8'), raw);
      assert.equal(stored!.status, 'pending');
      assert.equal(stored!.topic, 'instagram/comments');
      assert.equal(stored!.idempotency_key, 'instagram:comment:18066219823547391');
      assert.equal(stored!.workspace_id, workspaceId);

      const [profile] = await processAccepted(db, context, normaliseMeta);
      assert.equal(await profileOf(db, workspaceId, 'instagram', 'maya.bakes.sourdough'), profile);
      assert.equal(await profileOf(db, workspaceId, 'instagram_id', '6942315848201473'), profile);
      const [event] = await db.query<Record<string, any>>("select * from public.events where workspace_id = $1 and external_id = 'instagram:comment:18066219823547391'", [workspaceId]);
      assert.equal(event?.type, 'commented');
      assert.match(event?.properties.text, /<b>asap<\/b>$/);
    });

    it('a direct message from the same person lands on the same profile (IGSID links them)', async () => {
      const { body } = await deliver(metaRequest(fixture('meta-instagram-message')));
      assert.equal(body.status, 'accepted');
      const [profile] = await processAccepted(db, context, normaliseMeta);
      assert.equal(profile, await profileOf(db, workspaceId, 'instagram', 'maya.bakes.sourdough'));
    });

    it('refuses a wrong signature with 401 and a reason, stores it as rejected, and changes nothing', async () => {
      const forged = fixture('meta-instagram-comment');
      forged.entry[0].changes[0].value.id = '18066219823599999';
      forged.entry[0].changes[0].value.from = { id: '1111111111111111', username: 'mallory' };
      const { status, body } = await deliver(metaRequest(forged, { secret: 'not-the-app-secret' }));
      assert.equal(status, 401);
      assert.match(body.error, /X-Hub-Signature-256 does not match the body signed with META_APP_SECRET/);
      const [stored] = await rawEvents(db, 'meta', "idempotency_key = 'instagram:comment:18066219823599999'");
      assert.equal(stored?.status, 'rejected');
      assert.equal(context.accepted.length, 0);
      assert.equal(await profileOf(db, workspaceId, 'instagram', 'mallory'), undefined);
    });

    it('refuses a delivery without a signature, or with one that is not hex', async () => {
      const unsigned = await deliver(metaRequest(fixture('meta-instagram-comment'), { signature: null }));
      assert.equal(unsigned.status, 401);
      assert.match(unsigned.body.error, /header missing/);
      const garbage = await deliver(metaRequest(fixture('meta-instagram-comment'), { signature: 'sha256=zz' }));
      assert.equal(garbage.status, 401);
    });

    it('a forged delivery does not take the id of the genuine one', async () => {
      const comment = fixture('meta-instagram-comment');
      comment.entry[0].changes[0].value.id = '18066219823500001';
      assert.equal((await deliver(metaRequest(comment, { secret: 'wrong' }))).status, 401);
      const genuine = await deliver(metaRequest(comment));
      assert.equal(genuine.body.status, 'accepted');
      context.accepted.splice(0);
    });

    it('stores a replayed delivery once', async () => {
      const comment = fixture('meta-instagram-comment');
      comment.entry[0].changes[0].value.id = '18066219823500002';
      const first = await deliver(metaRequest(comment));
      const second = await deliver(metaRequest(comment));
      assert.equal(first.body.status, 'accepted');
      assert.equal(second.status, 200);
      assert.equal(second.body.status, 'duplicate');
      assert.equal(second.body.id, first.body.id);
      assert.equal((await rawEvents(db, 'meta', "idempotency_key = 'instagram:comment:18066219823500002'")).length, 1);
      assert.equal(context.accepted.length, 1);
      context.accepted.splice(0);
    });

    it('splits a batch per account and workspace: nobody stores another workspace’s entries', async () => {
      const raw = JSON.stringify(fixture('meta-batch-two-accounts'));
      const { status, body } = await deliver(metaRequest(raw));
      assert.equal(status, 200);
      assert.deepEqual(body.items.map((i: any) => i.status), ['accepted', 'ignored', 'accepted']);

      const ours = await rawEvents(db, 'meta', "workspace_id = $2 and headers ? 'x-tessera-batch'", [workspaceId]);
      const theirs = await rawEvents(db, 'meta', 'workspace_id = $2', [otherWorkspaceId]);
      assert.equal(ours.length, 2);
      assert.equal(theirs.length, 1);
      assert.doesNotMatch(Buffer.from(theirs[0]!.body).toString('utf8'), /tomasz/);
      assert.doesNotMatch(ours.map((r) => Buffer.from(r.body).toString('utf8')).join(''), /lena\.ferments/);
      assert.match(theirs[0]!.headers['x-tessera-batch'], /^3\/3 sha256:[0-9a-f]{64}$/);
      assert.equal(ours[1]!.status, 'ignored');
      assert.match(ours[1]!.error, /by the account itself/);

      await processAccepted(db, context, normaliseMeta);
      assert.ok(await profileOf(db, otherWorkspaceId, 'instagram', 'lena.ferments'));
      assert.equal(await profileOf(db, workspaceId, 'instagram', 'lena.ferments'), undefined);
      assert.ok(await profileOf(db, workspaceId, 'instagram', 'tomasz.crumb'));
    });

    it('keeps a forged batch once, whole, in the operator’s log: it writes nothing into any workspace', async () => {
      const batch = fixture('meta-batch-two-accounts');
      batch.entry[1].changes[0].value.id = '18342290717100000';
      const before = (await unrouted(db, 'meta')).length;
      const { status } = await deliver(metaRequest(batch, { secret: 'leaked-old-secret' }));
      assert.equal(status, 401);
      assert.equal((await rawEvents(db, 'meta', "idempotency_key = 'instagram:comment:18342290717100000'")).length, 0);
      const kept = await unrouted(db, 'meta');
      assert.equal(kept.length, before + 1);
      assert.match(kept.at(-1)!.reason, /does not match the body signed with META_APP_SECRET/);
    });

    it('keeps an authentic delivery for an account nobody connected, and acknowledges it', async () => {
      const hosted = socialContext(db, { workspaceId, secrets: {} }, apps);
      const comment = fixture('meta-instagram-comment');
      comment.entry[0].id = '17841400000000042';
      const response = await handleMetaWebhook(metaRequest(comment), hosted);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as any).status, 'unrouted');
      const [kept] = (await unrouted(db, 'meta')).filter((u) => /17841400000000042/.test(u.reason));
      assert.match(kept!.reason, /No Meta connection for account 17841400000000042/);
    });

    it('answers a malformed body with 400 and keeps it, byte for byte', async () => {
      const broken = '{"object":"instagram","entry":[{"id":"17841405309211844","time":1767954312,"changes":[{"field":"comm';
      const { status, body } = await deliver(metaRequest(broken));
      assert.equal(status, 400);
      assert.match(body.error, /not valid JSON/);
      const kept = (await unrouted(db, 'meta')).at(-1);
      assert.equal(Buffer.from(kept!.body).toString('utf8'), broken);
      assert.match(kept!.reason, /not valid JSON/);
    });

    it('answers a signed payload it cannot use with 400 and stores it in the dead-letter', async () => {
      const envelope = await deliver(metaRequest({ object: 'instagram', entry: 'none' }));
      assert.equal(envelope.status, 400);
      assert.match(envelope.body.error, /"entry" array/);
      const comment = fixture('meta-instagram-comment');
      delete comment.entry[0].changes[0].value.id;
      const { status, body } = await deliver(metaRequest(comment));
      assert.equal(status, 400);
      assert.match(body.error, /without a comment "value.id"/);
      const [stored] = await rawEvents(db, 'meta', 'id = $2', [body.id]);
      assert.equal(stored?.status, 'failed');
    });
  });
}
