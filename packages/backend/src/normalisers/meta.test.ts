import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { metaDeliveryItems, normaliseMeta } from './meta.ts';
import { NormaliseError, NormalisedRecord, type RawDelivery } from './record.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const delivery = (body: unknown): RawDelivery => ({ source: 'meta', topic: 'x', headers: {}, body, triggeredAt: null, receivedAt: '2026-01-09T12:00:00.000Z' });
const recordOf = (body: unknown) => {
  const result = normaliseMeta(delivery(body));
  assert.equal(result.kind, 'record', result.kind === 'ignored' ? result.reason : '');
  return NormalisedRecord.parse((result as { record: unknown }).record);
};

describe('Meta normaliser', () => {
  it('an Instagram comment: the commenter by IGSID and username, the text kept exactly as written', () => {
    const record = recordOf(fixture('meta-instagram-comment'));
    assert.deepEqual(record.identities, [
      { kind: 'instagram_id', value: '6942315848201473' },
      { kind: 'instagram', value: 'maya.bakes.sourdough' },
    ]);
    const [event] = record.events;
    assert.equal(event?.type, 'commented');
    assert.equal(event?.external_id, 'instagram:comment:18066219823547391');
    assert.equal(event?.occurred_at, '2026-01-09T10:25:12.000Z');
    assert.equal(event?.properties?.text, 'Is the 10" banneton back in stock? Need one before Saturday\'s bake 🙏 <b>asap</b>');
    assert.equal(event?.properties?.media_id, '18012854417322954');
    assert.equal(event?.properties?.account_id, '17841405309211844');
    assert.deepEqual(record.unrecognised, []);
  });

  it('an Instagram direct message: the sender by IGSID, timestamp in milliseconds', () => {
    const record = recordOf(fixture('meta-instagram-message'));
    assert.deepEqual(record.identities, [{ kind: 'instagram_id', value: '6942315848201473' }]);
    assert.equal(record.events[0]?.type, 'messaged');
    assert.equal(record.events[0]?.occurred_at, '2026-01-09T10:26:39.871Z');
    assert.match(String(record.events[0]?.properties?.text), /ship the starter kit to Canada/);
    // An email typed into a message is the person's words, not a verified identity: it links nobody.
    assert.equal(record.identities.some((i) => i.kind === 'email'), false);
  });

  it('a Facebook Page comment: the commenter as facebook_id, with the name they show', () => {
    const record = recordOf(fixture('meta-page-feed-comment'));
    assert.deepEqual(record.identities, [{ kind: 'facebook_id', value: '7139842210447625' }]);
    assert.deepEqual(record.traits, [{ name: 'name', value: 'Daniel Okafor' }]);
    assert.equal(record.events[0]?.external_id, 'facebook:comment:946129311237762_1174320517459023');
    assert.equal(record.events[0]?.occurred_at, new Date(1767956000 * 1000).toISOString());
  });

  it('a Facebook Page mention: the sender mentioned the Page', () => {
    const record = recordOf(fixture('meta-page-mention'));
    assert.deepEqual(record.identities, [{ kind: 'facebook_id', value: '100087412239034' }]);
    assert.equal(record.events[0]?.type, 'mentioned');
    assert.deepEqual(record.traits, [{ name: 'name', value: 'Priya Raman' }]);
  });

  it('says honestly what names nobody: Instagram mentions and anonymous Page likes are kept raw, not guessed', () => {
    const mention = normaliseMeta(delivery(fixture('meta-instagram-mention')));
    assert.equal(mention.kind, 'ignored');
    assert.match((mention as { reason: string }).reason, /not who mentioned/);
    const like = normaliseMeta(delivery(fixture('meta-page-like')));
    assert.equal(like.kind, 'ignored');
    assert.match((like as { reason: string }).reason, /did not say who/);
  });

  it('a Page like that does name the person is a follow', () => {
    const body = fixture('meta-page-like');
    body.entry[0].changes[0].value = { item: 'like', verb: 'add', from: { id: '7139842210447625', name: 'Daniel Okafor' }, created_time: 1767957100 };
    const record = recordOf(body);
    assert.equal(record.events[0]?.type, 'followed');
    assert.deepEqual(record.identities, [{ kind: 'facebook_id', value: '7139842210447625' }]);
  });

  it("ignores the account's own replies and messages (echoes): they are not its audience", () => {
    const [, ownReply] = metaDeliveryItems(fixture('meta-batch-two-accounts'));
    assert.match((normaliseMeta(delivery(ownReply!.delivery)) as { reason: string }).reason, /by the account itself/);
    const echo = fixture('meta-instagram-message');
    echo.entry[0].messaging[0].message.is_echo = true;
    assert.equal(normaliseMeta(delivery(echo)).kind, 'ignored');
  });

  it('splits a batch into one item per change, each with the account it routes to and its own id', () => {
    const items = metaDeliveryItems(fixture('meta-batch-two-accounts'));
    assert.deepEqual(
      items.map((i) => [i.account, i.topic, i.key]),
      [
        ['17841405309211844', 'instagram/comments', 'instagram:comment:18070032154429886'],
        ['17841405309211844', 'instagram/comments', 'instagram:comment:18070032154429912'],
        ['17841452071188320', 'instagram/comments', 'instagram:comment:18342290717104573'],
      ],
    );
    // Each item is a delivery of its own holding only that change.
    assert.equal(recordOf(items[2]!.delivery).identities[1]?.value, 'lena.ferments');
    assert.equal((items[0]!.delivery as any).entry[0].changes.length, 1);
  });

  it('refuses a stored batch (the handler splits them) and an envelope without entries', () => {
    assert.throws(() => normaliseMeta(delivery(fixture('meta-batch-two-accounts'))), /exactly one change/);
    assert.throws(() => normaliseMeta(delivery({ object: 'instagram' })), NormaliseError);
    assert.throws(() => metaDeliveryItems({ object: 'page', entry: [{ time: 1 }] }), /without an "id"/);
  });

  it('reports fields it does not know instead of dropping them silently', () => {
    const body = fixture('meta-instagram-comment');
    body.entry[0].changes[0].value.sentiment = 'positive';
    assert.deepEqual(recordOf(body).unrecognised, ['value.sentiment']);
  });
});
