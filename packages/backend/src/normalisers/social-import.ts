import { toEmail } from './identity.ts';
import { NormaliseError, type EventClaim, type IdentityClaim, type Normaliser, type NormalisedRecord } from './record.ts';
import { epochTime, isObject, text, toHandle, unknownKeys } from './payload.ts';

/**
 * One row of a social export, from any network, as a CSV line or a JSONL
 * object: `handle, display_name, email (optional), event_type, time, network`.
 * Pure. This is how audiences the platforms' webhooks do not describe
 * (followers lists, giveaway entries, a community's member export) come in,
 * and the row that carries both a handle and an email is what ties a
 * social profile to a customer.
 */

const COLUMNS = new Set(['handle', 'display_name', 'email', 'event_type', 'time', 'network']);

const NETWORK_ALIASES: Record<string, string> = { twitter: 'x', ig: 'instagram', fb: 'facebook', yt: 'youtube' };

/** The identity kind of a handle on each network; handle kinds are canonicalised in SQL the same way. */
const HANDLE_KINDS: Record<string, string> = { instagram: 'instagram', tiktok: 'tiktok', x: 'x', youtube: 'youtube_handle' };

/** What people write in an export's "event" column, in Tessera's past-tense event names. */
const EVENT_ALIASES: Record<string, string> = {
  follow: 'followed', comment: 'commented', mention: 'mentioned', message: 'messaged', dm: 'messaged',
  like: 'liked', share: 'shared', repost: 'reposted', subscribe: 'subscribed', reply: 'commented',
};

/**
 * A row's time: ISO 8601 with an offset, Unix seconds or milliseconds, or a
 * date or "YYYY-MM-DD HH:MM[:SS]" without a zone, read as UTC (exports that
 * omit the zone almost always mean UTC; a guess in the reader's zone would
 * differ per machine).
 */
function rowTime(value: unknown): string | null {
  const raw = typeof value === 'number' ? String(value) : text(value);
  if (!raw) return null;
  if (/^\d{10}(\d{3})?$/.test(raw)) return epochTime(raw);
  const naive = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$/.exec(raw);
  const iso = naive ? `${naive[1]}T${naive[2] ?? '00:00'}Z` : raw;
  if (!naive && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) return null;
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/** The record one export row stands for. Throws NormaliseError, naming the column, when the row cannot be used. */
export function socialImportRecord(row: unknown, receivedAt: string): NormalisedRecord {
  if (!isObject(row)) throw new NormaliseError('A social import row must be an object of columns');
  const rawNetwork = text(row.network)?.toLowerCase();
  const network = rawNetwork ? (NETWORK_ALIASES[rawNetwork] ?? rawNetwork) : null;
  if (!network || !/^[a-z][a-z0-9]{0,30}$/.test(network)) {
    throw new NormaliseError(`Column "network" must name the network (instagram, tiktok, x, youtube, …), not ${JSON.stringify(row.network ?? null)}`);
  }
  const handle = toHandle(row.handle);
  if (!handle) throw new NormaliseError(`Column "handle" must be the person's ${network} handle, not ${JSON.stringify(row.handle ?? null)}`);

  const unrecognised = unknownKeys(row, COLUMNS);
  const identities: IdentityClaim[] = [{ kind: HANDLE_KINDS[network] ?? `${network}_handle`, value: handle }];
  const email = toEmail(row.email);
  if (email) identities.push({ kind: 'email', value: email });
  // A malformed address must never link two people; the column is reported instead.
  else if (text(row.email)) unrecognised.push('email');

  const time = rowTime(row.time);
  if (text(row.time) && !time) throw new NormaliseError(`Column "time" is not a date and time: ${JSON.stringify(row.time)}`);

  const events: EventClaim[] = [];
  const rawType = text(row.event_type)?.toLowerCase().replace(/[\s-]+/g, '_');
  if (rawType) {
    const type = EVENT_ALIASES[rawType] ?? rawType;
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(type)) throw new NormaliseError(`Column "event_type" must be a word like followed or commented, not ${JSON.stringify(row.event_type)}`);
    if (!time) throw new NormaliseError(`Column "time" is needed to record "${type}": when did it happen?`);
    events.push({ external_id: `social_import:${network}:${handle}:${type}:${time}`, type, occurred_at: time, properties: { network, handle } });
  }
  const name = text(row.display_name);
  return {
    observed_at: time ?? receivedAt,
    identities,
    traits: name ? [{ name: 'name', value: name }] : [],
    events,
    unrecognised,
  };
}

/** The import's rows stored as raw events (source `social_import`, body = the row as JSON) normalise here. */
export const normaliseSocialImport: Normaliser = (delivery) => ({ kind: 'record', record: socialImportRecord(delivery.body, delivery.receivedAt) });
