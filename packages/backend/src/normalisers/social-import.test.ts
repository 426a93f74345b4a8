import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NormalisedRecord } from './record.ts';
import { normaliseSocialImport, socialImportRecord } from './social-import.ts';

const RECEIVED = '2026-01-12T09:00:00.000Z';
const row = (columns: Record<string, unknown>) => NormalisedRecord.parse(socialImportRecord(columns, RECEIVED));

describe('social import rows', () => {
  it('a CSV row with a handle and an email: both identities, so it links the social profile to the customer', () => {
    const record = row({ handle: '@Maya.Bakes.Sourdough ', display_name: 'Maya Lindqvist', email: ' Maya.Lindqvist@Example.com', event_type: 'follow', time: '2026-01-08 17:45', network: 'Instagram' });
    assert.deepEqual(record.identities, [
      { kind: 'instagram', value: 'maya.bakes.sourdough' },
      { kind: 'email', value: 'maya.lindqvist@example.com' },
    ]);
    assert.deepEqual(record.traits, [{ name: 'name', value: 'Maya Lindqvist' }]);
    assert.deepEqual(record.events, [
      {
        external_id: 'social_import:instagram:maya.bakes.sourdough:followed:2026-01-08T17:45:00.000Z',
        type: 'followed',
        occurred_at: '2026-01-08T17:45:00.000Z',
        properties: { network: 'instagram', handle: 'maya.bakes.sourdough' },
      },
    ]);
  });

  it('maps each network to its handle kind, twitter to x, and unknown networks to <network>_handle', () => {
    const kind = (network: string) => row({ handle: 'sam', network }).identities[0]?.kind;
    assert.deepEqual(['tiktok', 'twitter', 'x', 'youtube', 'threads'].map(kind), ['tiktok', 'x', 'x', 'youtube_handle', 'threads_handle']);
  });

  it('reads times with an offset, Unix seconds and milliseconds, and zone-less times as UTC', () => {
    const at = (time: unknown) => row({ handle: 'sam', network: 'x', event_type: 'mentioned', time }).events[0]?.occurred_at;
    assert.equal(at('2026-01-08T18:45:00+01:00'), '2026-01-08T17:45:00.000Z');
    assert.equal(at('1767894300'), '2026-01-08T17:45:00.000Z');
    assert.equal(at(1767894300000), '2026-01-08T17:45:00.000Z');
    assert.equal(at('2026-01-08'), '2026-01-08T00:00:00.000Z');
  });

  it('a row without an event still links (observed when received)', () => {
    const record = row({ handle: 'aiko_kneads', email: 'aiko@example.jp', network: 'x', event_type: '', time: '' });
    assert.deepEqual(record.events, []);
    assert.equal(record.observed_at, RECEIVED);
  });

  it('never links on a malformed email: it is reported, not used', () => {
    const record = row({ handle: 'sam', email: 'sam at example dot com', network: 'x', extra: 'x' });
    assert.deepEqual(record.identities, [{ kind: 'x', value: 'sam' }]);
    assert.deepEqual(record.unrecognised, ['extra', 'email']);
  });

  it('refuses unusable rows, naming the column to fix', () => {
    assert.throws(() => row({ handle: 'sam' }), /Column "network"/);
    assert.throws(() => row({ handle: '@', network: 'x' }), /Column "handle"/);
    assert.throws(() => row({ handle: 'sam', network: 'x', event_type: 'followed', time: 'yesterday' }), /Column "time"/);
    assert.throws(() => row({ handle: 'sam', network: 'x', event_type: 'followed' }), /"time" is needed/);
    assert.throws(() => row({ handle: 'sam', network: 'x', event_type: 'Bought!!', time: '2026-01-08' }), /Column "event_type"/);
  });

  it('is a normaliser over a stored row too', () => {
    const result = normaliseSocialImport({ source: 'social_import', topic: 'row', headers: {}, body: { handle: 'sam', network: 'tiktok' }, triggeredAt: null, receivedAt: RECEIVED });
    assert.equal(result.kind, 'record');
  });
});
