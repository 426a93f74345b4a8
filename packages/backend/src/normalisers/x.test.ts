import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NormalisedRecord, type RawDelivery } from './record.ts';
import { normaliseX, xDeliveryItems } from './x.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const delivery = (body: unknown): RawDelivery => ({ source: 'x', topic: 'x', headers: {}, body, triggeredAt: null, receivedAt: '2026-01-09T12:00:00.000Z' });
const recordOf = (body: unknown) => {
  const result = normaliseX(delivery(body));
  assert.equal(result.kind, 'record', result.kind === 'ignored' ? result.reason : '');
  return NormalisedRecord.parse((result as { record: unknown }).record);
};

describe('X normaliser', () => {
  it('a reply to the account: the author by id_str and handle, commented, the full text', () => {
    const record = recordOf(fixture('x-tweet-reply'));
    assert.deepEqual(record.identities, [
      { kind: 'x_id', value: '2966204123' },
      { kind: 'x', value: 'sambakesleeds' },
    ]);
    assert.deepEqual(record.traits, [{ name: 'name', value: 'Sam Whitfield' }]);
    const [event] = record.events;
    assert.equal(event?.type, 'commented');
    assert.equal(event?.external_id, 'x:tweet:1877704163028914177');
    assert.equal(event?.occurred_at, '2026-01-09T12:41:07.000Z');
    assert.match(String(event?.properties?.text), /rye starter need feeding/);
  });

  it('uses id_str, never the numeric id JSON.parse has rounded', () => {
    const body = fixture('x-tweet-reply');
    assert.notEqual(String(body.tweet_create_events[0].id), '1877704163028914177');
    assert.equal(recordOf(body).events[0]?.properties?.tweet_id, '1877704163028914177');
  });

  it('reads the v1.1 created_at date when there is no timestamp_ms', () => {
    const body = fixture('x-tweet-reply');
    delete body.tweet_create_events[0].timestamp_ms;
    assert.equal(recordOf(body).events[0]?.occurred_at, '2026-01-09T12:41:07.000Z');
  });

  it('a mention that is not a reply is mentioned; the account’s own posts are ignored', () => {
    const mention = fixture('x-tweet-reply');
    mention.tweet_create_events[0].in_reply_to_user_id_str = null;
    assert.equal(recordOf(mention).events[0]?.type, 'mentioned');
    const own = fixture('x-tweet-reply');
    own.tweet_create_events[0].user = { id_str: '1480214693026521093', screen_name: 'hearthandgrain', name: 'Hearth & Grain' };
    assert.equal(normaliseX(delivery(own)).kind, 'ignored');
  });

  it('a follow of the account: the follower followed', () => {
    const record = recordOf(fixture('x-follow'));
    assert.deepEqual(record.identities, [
      { kind: 'x_id', value: '912043385027821568' },
      { kind: 'x', value: 'aiko_kneads' },
    ]);
    assert.equal(record.events[0]?.type, 'followed');
    assert.equal(record.events[0]?.occurred_at, '2026-01-09T12:50:01.442Z');
  });

  it('a direct message: the sender, named from the users map', () => {
    const record = recordOf(fixture('x-direct-message'));
    assert.deepEqual(record.identities, [
      { kind: 'x_id', value: '2966204123' },
      { kind: 'x', value: 'sambakesleeds' },
    ]);
    assert.equal(record.events[0]?.type, 'messaged');
    assert.equal(record.events[0]?.properties?.text, 'Order #1043 arrived but the jar lid cracked, can you help?');
  });

  it('splits events into items that carry only the users they name', () => {
    const body = fixture('x-direct-message');
    body.direct_message_events.push({ ...body.direct_message_events[0], id: '1877715309901697099' });
    const items = xDeliveryItems(body);
    assert.equal(items.length, 2);
    assert.deepEqual(items.map((i) => i.key), ['direct_message_events:1877715309901697028', 'direct_message_events:1877715309901697099']);
    assert.deepEqual(Object.keys((items[0]!.delivery as any).users).sort(), ['1480214693026521093', '2966204123']);
    assert.throws(() => normaliseX(delivery(body)), /exactly one event/);
  });

  it('keeps what it does not handle raw, with the reason', () => {
    const result = normaliseX(delivery({ for_user_id: '1480214693026521093', tweet_delete_events: [{ status: { id: '1', user_id: '2' }, timestamp_ms: '1767965123456' }] }));
    assert.equal(result.kind, 'ignored');
    assert.throws(() => normaliseX(delivery({ tweet_create_events: [] })), /for_user_id/);
  });
});
