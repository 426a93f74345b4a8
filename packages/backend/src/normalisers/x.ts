import { NormaliseError, type EventClaim, type IdentityClaim, type Normalised, type Normaliser, type TraitClaim } from './record.ts';
import { epochTime, idString, isObject, isoTime, text, toHandle, unknownKeys, type Json } from './payload.ts';

/**
 * X Account Activity API deliveries → who replied to, mentioned, reposted,
 * liked, followed or messaged the subscribed account. Pure.
 *
 * Payload shape followed: `{ for_user_id, tweet_create_events | favorite_events | follow_events |
 * direct_message_events | …: [...], users? }` — developer.x.com "Account Activity data objects"
 * (account-activity-api/guides/account-activity-data-objects); tweets are v1.1 Tweet objects
 * (`id_str`, `text`/`extended_tweet.full_text`, `user { id_str, screen_name, name }`,
 * `in_reply_to_user_id_str`, `timestamp_ms`); direct messages are `message_create` events
 * (`id`, `created_timestamp`, `message_create { sender_id, target { recipient_id }, message_data { text } }`)
 * with the people in the delivery's `users` map — developer.x.com "Message Create Object".
 *
 * Numeric ids beyond 2^53 lose digits in JSON.parse, so only the `_str`
 * twins (and the string ids of DMs and follows) are used.
 */

const EVENT_ARRAYS = [
  'tweet_create_events', 'favorite_events', 'follow_events', 'unfollow_events', 'block_events', 'unblock_events',
  'mute_events', 'unmute_events', 'user_event', 'direct_message_events', 'direct_message_indicate_typing_events',
  'direct_message_mark_read_events', 'tweet_delete_events',
];

/** One person-sized piece of an Account Activity delivery, to be stored as its own raw event. */
export interface XItem {
  /** The subscribed account (`for_user_id`): routes the item to a workspace. */
  account: string;
  topic: string;
  key: string | null;
  triggeredAt: string | null;
  /** A delivery of the same shape holding only this item (and only the users it names). */
  delivery: Json;
}

/** Splits a delivery into one item per event; throws NormaliseError when the envelope is unusable. */
export function xDeliveryItems(payload: unknown): XItem[] {
  const account = isObject(payload) ? idString(payload.for_user_id) : null;
  if (!isObject(payload) || !account) throw new NormaliseError('X Account Activity body must be an object with "for_user_id"');
  const rest = Object.fromEntries(Object.entries(payload).filter(([key]) => !EVENT_ARRAYS.includes(key) && key !== 'users'));
  const users = isObject(payload.users) ? payload.users : {};
  const items: XItem[] = [];
  for (const kind of EVENT_ARRAYS) {
    const list = payload[kind];
    if (!Array.isArray(list)) continue;
    for (const event of list) {
      if (!isObject(event)) continue;
      const named = [dmSender(event), dmRecipient(event)].filter((id): id is string => !!id && isObject(users[id]));
      items.push({
        account,
        topic: kind,
        key: itemKey(kind, event),
        triggeredAt: eventTime(event),
        delivery: { ...rest, [kind]: [event], ...(named.length ? { users: Object.fromEntries(named.map((id) => [id, users[id]])) } : {}) },
      });
    }
  }
  return items;
}

function itemKey(kind: string, event: Json): string | null {
  if (kind === 'tweet_create_events') return idString(event.id_str) && `tweet:${event.id_str}`;
  if (kind === 'direct_message_events' || kind === 'favorite_events') return idString(event.id) && `${kind}:${event.id}`;
  if (kind === 'follow_events') {
    const source = isObject(event.source) ? idString(event.source.id) : null;
    const target = isObject(event.target) ? idString(event.target.id) : null;
    return source && target ? `${text(event.type) ?? 'follow'}:${source}:${target}:${text(event.created_timestamp) ?? ''}` : null;
  }
  return null;
}

const eventTime = (event: Json): string | null =>
  epochTime(event.timestamp_ms) ?? epochTime(event.created_timestamp) ?? (typeof event.created_at === 'string' ? xDate(event.created_at) : null);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** X's v1.1 dates, "Wed Oct 10 20:19:24 +0000 2018", rewritten as ISO 8601 rather than left to a lenient Date parser. */
function xDate(value: string): string | null {
  const match = /^\w{3} (\w{3}) (\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2}) (\d{4})$/.exec(value);
  const month = match ? MONTHS.indexOf(match[1]!) + 1 : 0;
  if (!match || month === 0) return null;
  return isoTime(`${match[6]}-${String(month).padStart(2, '0')}-${match[2]}T${match[3]}${match[4]}:${match[5]}`);
}

const dmSender = (event: Json) => (isObject(event.message_create) ? idString(event.message_create.sender_id) : null);
const dmRecipient = (event: Json) =>
  isObject(event.message_create) && isObject(event.message_create.target) ? idString(event.message_create.target.recipient_id) : null;

/** An X user object → identities (id and @handle) and their display name. */
function person(user: Json): { identities: IdentityClaim[]; traits: TraitClaim[] } {
  const id = idString(user.id_str) ?? (typeof user.id === 'string' ? idString(user.id) : null);
  if (!id) throw new NormaliseError('X user object without "id_str"');
  const identities: IdentityClaim[] = [{ kind: 'x_id', value: id }];
  const handle = toHandle(user.screen_name);
  if (handle) identities.push({ kind: 'x', value: handle });
  const name = text(user.name);
  return { identities, traits: name ? [{ name: 'name', value: name }] : [] };
}

const record = (at: string, who: ReturnType<typeof person>, event: EventClaim, unrecognised: string[]): Normalised => ({
  kind: 'record',
  record: { observed_at: at, identities: who.identities, traits: who.traits, events: [event], unrecognised },
});

const TWEET_FIELDS = new Set([
  'created_at', 'id', 'id_str', 'text', 'full_text', 'source', 'truncated', 'in_reply_to_status_id', 'in_reply_to_status_id_str',
  'in_reply_to_user_id', 'in_reply_to_user_id_str', 'in_reply_to_screen_name', 'user', 'geo', 'coordinates', 'place',
  'contributors', 'is_quote_status', 'quoted_status_id', 'quoted_status_id_str', 'quoted_status', 'quoted_status_permalink',
  'retweeted_status', 'quote_count', 'reply_count', 'retweet_count', 'favorite_count', 'entities', 'extended_entities',
  'extended_tweet', 'display_text_range', 'favorited', 'retweeted', 'possibly_sensitive', 'filter_level', 'lang',
  'timestamp_ms', 'edit_history', 'edit_controls', 'editable',
]);

/** Replies, mentions, reposts and quotes of the subscribed account, by someone else. */
function tweet(account: string, event: Json, fallback: string): Normalised {
  const id = idString(event.id_str);
  const author = isObject(event.user) ? event.user : null;
  if (!id || !author) throw new NormaliseError('X tweet_create_events item without "id_str" or "user"');
  const who = person(author);
  if (who.identities[0]!.value === account) return { kind: 'ignored', reason: 'A post by the subscribed account itself' };
  const ownerOf = (status: unknown) => (isObject(status) && isObject(status.user) ? idString(status.user.id_str) : null);
  const mentions = isObject(event.entities) && Array.isArray(event.entities.user_mentions) ? event.entities.user_mentions.filter(isObject) : [];
  const kind =
    idString(event.in_reply_to_user_id_str) === account ? 'reply'
    : ownerOf(event.retweeted_status) === account ? 'repost'
    : ownerOf(event.quoted_status) === account ? 'quote'
    : mentions.some((m) => idString(m.id_str) === account) ? 'mention'
    : null;
  if (!kind) return { kind: 'ignored', reason: 'A post that neither replies to, mentions nor reposts the subscribed account' };
  const occurredAt = eventTime(event) ?? fallback;
  const full = isObject(event.extended_tweet) && typeof event.extended_tweet.full_text === 'string' ? event.extended_tweet.full_text : null;
  return record(occurredAt, who, {
    external_id: `x:tweet:${id}`,
    type: kind === 'reply' ? 'commented' : kind === 'mention' ? 'mentioned' : 'reposted',
    occurred_at: occurredAt,
    properties: {
      network: 'x',
      kind,
      text: full ?? (typeof event.text === 'string' ? event.text : null),
      tweet_id: id,
      in_reply_to_tweet_id: idString(event.in_reply_to_status_id_str),
      account_id: account,
    },
  }, unknownKeys(event, TWEET_FIELDS));
}

function favorite(account: string, event: Json, fallback: string): Normalised {
  const id = idString(event.id);
  const user = isObject(event.user) ? event.user : null;
  if (!id || !user) throw new NormaliseError('X favorite_events item without "id" or "user"');
  const who = person(user);
  if (who.identities[0]!.value === account) return { kind: 'ignored', reason: 'A like by the subscribed account itself' };
  const liked = isObject(event.favorited_status) ? idString(event.favorited_status.id_str) : null;
  const occurredAt = eventTime(event) ?? fallback;
  return record(occurredAt, who, { external_id: `x:favorite:${id}`, type: 'liked', occurred_at: occurredAt, properties: { network: 'x', tweet_id: liked, account_id: account } },
    unknownKeys(event, new Set(['id', 'created_at', 'timestamp_ms', 'favorited_status', 'user'])));
}

function follow(account: string, event: Json, fallback: string): Normalised {
  const source = isObject(event.source) ? event.source : null;
  const target = isObject(event.target) ? idString(event.target.id) : null;
  if (!source || !target) throw new NormaliseError('X follow_events item without "source" or "target"');
  if (text(event.type) !== 'follow' || target !== account) {
    return { kind: 'ignored', reason: 'A follow or unfollow by the subscribed account itself, not of it' };
  }
  // Follow events carry v2-style users: `id` (a string) and `screen_name`.
  const who = person({ ...source, id_str: source.id_str ?? source.id });
  const occurredAt = eventTime(event) ?? fallback;
  return record(occurredAt, who, {
    external_id: `x:follow:${who.identities[0]!.value}:${account}:${text(event.created_timestamp) ?? occurredAt}`,
    type: 'followed',
    occurred_at: occurredAt,
    properties: { network: 'x', account_id: account },
  }, unknownKeys(event, new Set(['type', 'created_timestamp', 'source', 'target'])));
}

function directMessage(account: string, event: Json, users: Json, fallback: string): Normalised {
  const id = idString(event.id);
  const sender = dmSender(event);
  if (text(event.type) !== 'message_create') return { kind: 'ignored', reason: `X direct message event "${text(event.type) ?? '?'}" is stored, not processed` };
  if (!id || !sender) throw new NormaliseError('X direct_message_events item without "id" or "message_create.sender_id"');
  if (sender === account) return { kind: 'ignored', reason: 'A direct message the subscribed account sent' };
  const profile = isObject(users[sender]) ? users[sender] : {};
  const who = person({ ...profile, id_str: sender });
  const data = isObject(event.message_create) && isObject(event.message_create.message_data) ? event.message_create.message_data : {};
  const occurredAt = eventTime(event) ?? fallback;
  return record(occurredAt, who, {
    external_id: `x:dm:${id}`,
    type: 'messaged',
    occurred_at: occurredAt,
    properties: { network: 'x', text: typeof data.text === 'string' ? data.text : null, message_id: id, account_id: account },
  }, unknownKeys(event, new Set(['type', 'id', 'created_timestamp', 'message_create', 'initiated_via'])));
}

/** The X normaliser: one stored item → one person's interaction with the subscribed account. */
export const normaliseX: Normaliser = (delivery) => {
  const items = xDeliveryItems(delivery.body);
  if (items.length !== 1) throw new NormaliseError(`A stored X delivery must hold exactly one event; this one holds ${items.length}`);
  const [{ account, topic, delivery: body }] = items as [XItem];
  const event = (body[topic] as Json[])[0]!;
  switch (topic) {
    case 'tweet_create_events':
      return tweet(account, event, delivery.receivedAt);
    case 'favorite_events':
      return favorite(account, event, delivery.receivedAt);
    case 'follow_events':
      return follow(account, event, delivery.receivedAt);
    case 'direct_message_events':
      return directMessage(account, event, isObject(body.users) ? body.users : {}, delivery.receivedAt);
    default:
      return { kind: 'ignored', reason: `X ${topic} is stored, not processed` };
  }
};
