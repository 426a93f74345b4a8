import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NormalisedRecord, type RawDelivery } from './record.ts';
import { normaliseTikTok, tiktokEventKey } from './tiktok.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const delivery = (body: unknown): RawDelivery => ({ source: 'tiktok', topic: 'x', headers: {}, body, triggeredAt: null, receivedAt: '2026-01-09T12:00:00.000Z' });

describe('TikTok normaliser', () => {
  it('reads the event details out of the JSON string in "content"', () => {
    const result = normaliseTikTok(delivery(fixture('tiktok-video-publish-completed')));
    assert.equal(result.kind, 'record');
    const record = NormalisedRecord.parse((result as { record: unknown }).record);
    assert.deepEqual(record.identities, [{ kind: 'tiktok_id', value: 'act.9f3KcQ2mT7xV1bN8pL4sD6hJ0wE5rY2uA3iO7kZ9gF1' }]);
    assert.equal(record.events[0]?.type, 'video_published');
    assert.equal(record.events[0]?.external_id, 'tiktok:video:video.7321048276510834437.Xq8JdLm2:published');
    assert.equal(record.events[0]?.occurred_at, new Date(1767962011 * 1000).toISOString());
  });

  it('a user disconnecting the app, with TikTok’s reason in words', () => {
    const result = normaliseTikTok(delivery(fixture('tiktok-authorization-removed')));
    assert.equal(result.kind, 'record');
    const event = (result as { record: NormalisedRecord }).record.events[0];
    assert.equal(event?.type, 'tiktok_disconnected');
    assert.equal(event?.properties?.reason, 'user_disconnected');
  });

  it('refuses a content field that is not the documented JSON string', () => {
    assert.throws(() => normaliseTikTok(delivery({ ...fixture('tiktok-authorization-removed'), content: '{reason: 1' })), /not the JSON string/);
    assert.throws(() => normaliseTikTok(delivery({ event: 'authorization.removed' })), /user_openid/);
  });

  it('keeps events it does not turn into facts raw, with the reason', () => {
    const result = normaliseTikTok(delivery({ ...fixture('tiktok-video-publish-completed'), event: 'portability.download.ready' }));
    assert.deepEqual(result, { kind: 'ignored', reason: 'TikTok portability.download.ready is stored, not processed' });
  });

  it('identifies a redelivery by TikTok’s own fields', () => {
    assert.equal(
      tiktokEventKey(fixture('tiktok-video-publish-completed')),
      'video.publish.completed:act.9f3KcQ2mT7xV1bN8pL4sD6hJ0wE5rY2uA3iO7kZ9gF1:1767962011:video.7321048276510834437.Xq8JdLm2',
    );
    assert.equal(tiktokEventKey({ event: 'x' }), null);
  });
});
