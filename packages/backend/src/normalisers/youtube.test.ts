import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NormaliseError, NormalisedRecord, type RawDelivery } from './record.ts';
import { normaliseYouTube } from './youtube.ts';
import { channelIdFrom, parseXml, parseYouTubeFeed } from './youtube-feed.ts';

const xml = (name: string) => readFileSync(new URL(`./fixtures/${name}.xml`, import.meta.url), 'utf8');
const delivery = (body: unknown): RawDelivery => ({ source: 'youtube', topic: 'feed', headers: {}, body, triggeredAt: null, receivedAt: '2026-01-09T15:00:00.000Z' });

describe('YouTube feed parser', () => {
  it('reads the notification Google documents, entities decoded, nanoseconds cut to milliseconds', () => {
    const feed = parseYouTubeFeed(xml('youtube-video-published'));
    assert.equal(feed.topic, 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCq3R8dGx0n7bV2pLw5sKc1A');
    assert.deepEqual(feed.videos, [
      {
        videoId: 'Qm4xT2vK9aE',
        channelId: 'UCq3R8dGx0n7bV2pLw5sKc1A',
        title: 'Rye starter from scratch: day 1 to day 7 & what went wrong',
        url: 'https://www.youtube.com/watch?v=Qm4xT2vK9aE',
        channelTitle: 'Hearth & Grain Bakery',
        published: '2026-01-09T14:00:03.000Z',
        updated: '2026-01-09T14:02:11.418Z',
      },
    ]);
    assert.deepEqual(feed.unrecognised, []);
  });

  it('reads a tombstone for a removed video', () => {
    assert.deepEqual(parseYouTubeFeed(xml('youtube-video-deleted')).deletions, [
      { videoId: 'Qm4xT2vK9aE', channelId: 'UCq3R8dGx0n7bV2pLw5sKc1A', deletedAt: '2026-01-10T08:15:42.905Z' },
    ]);
  });

  it('resolves namespaces by URI, not by prefix', () => {
    const renamed = xml('youtube-video-published').replaceAll('yt:', 'video:').replace('xmlns:yt=', 'xmlns:video=');
    assert.equal(parseYouTubeFeed(renamed).videos[0]?.videoId, 'Qm4xT2vK9aE');
    const wrongNamespace = xml('youtube-video-published').replace('http://www.youtube.com/xml/schemas/2015', 'urn:elsewhere');
    assert.throws(() => parseYouTubeFeed(wrongNamespace), /without <yt:videoId>/);
  });

  it('refuses DTDs and unknown entities (no entity expansion, no external fetches)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaa">]><feed xmlns="http://www.w3.org/2005/Atom"><title>&a;</title></feed>';
    assert.throws(() => parseXml(bomb), /DTDs and entity declarations are refused/);
    assert.throws(() => parseXml('<feed><title>&nbsp;</title></feed>'), /unknown entity/);
  });

  it('refuses XML that is not well-formed', () => {
    for (const broken of ['<feed><entry></feed>', '<feed>', 'text<feed/>', '<feed/><feed/>', '<feed a="1" a="2"/>', '<x:feed/>', '<feed>&</feed>']) {
      assert.throws(() => parseXml(broken), NormaliseError, broken);
    }
    assert.equal(parseXml('<feed><![CDATA[<not a tag> & fine]]></feed>').text, '<not a tag> & fine');
  });

  it('finds a channel id in feed topics and channel URLs only', () => {
    assert.equal(channelIdFrom('https://www.youtube.com/feeds/videos.xml?channel_id=UCq3R8dGx0n7bV2pLw5sKc1A'), 'UCq3R8dGx0n7bV2pLw5sKc1A');
    assert.equal(channelIdFrom('https://www.youtube.com/channel/UCq3R8dGx0n7bV2pLw5sKc1A'), 'UCq3R8dGx0n7bV2pLw5sKc1A');
    assert.equal(channelIdFrom('https://www.youtube.com/@hearthandgrain'), null);
  });
});

describe('YouTube normaliser', () => {
  it('models a notification as what it is: the channel published a video (no viewer is named)', () => {
    const result = normaliseYouTube(delivery(xml('youtube-video-published')));
    assert.equal(result.kind, 'record');
    const record = NormalisedRecord.parse((result as { record: unknown }).record);
    assert.deepEqual(record.identities, [{ kind: 'youtube_channel_id', value: 'UCq3R8dGx0n7bV2pLw5sKc1A' }]);
    assert.deepEqual(record.traits, [{ name: 'youtube_channel_title', value: 'Hearth & Grain Bakery' }]);
    assert.equal(record.events[0]?.type, 'video_published');
    assert.equal(record.events[0]?.external_id, 'youtube:video:Qm4xT2vK9aE:published');
    assert.equal(record.events[0]?.occurred_at, '2026-01-09T14:00:03.000Z');
    assert.equal(record.observed_at, '2026-01-09T14:02:11.418Z');
  });

  it('a removed video is video_deleted on the channel', () => {
    const result = normaliseYouTube(delivery(xml('youtube-video-deleted')));
    assert.equal((result as { record: NormalisedRecord }).record.events[0]?.type, 'video_deleted');
  });

  it('needs the XML text, and says so when given parsed JSON', () => {
    assert.throws(() => normaliseYouTube(delivery({ feed: {} })), /Atom XML text/);
    assert.equal(normaliseYouTube(delivery('<feed xmlns="http://www.w3.org/2005/Atom"><title>YouTube video feed</title></feed>')).kind, 'ignored');
  });
});
