import { NormaliseError, type EventClaim, type IdentityClaim, type Normalised, type Normaliser, type RawDelivery, type TraitClaim } from './record.ts';
import { epochTime, idString, isObject, text, toHandle, unknownKeys, type Json } from './payload.ts';

/**
 * Meta webhooks (Instagram professional accounts and Facebook Pages) → who
 * interacted with the account, and how. Pure.
 *
 * Payload shapes followed (Graph API webhooks, as documented by Meta):
 * - envelope `{ object: "instagram" | "page", entry: [{ id, time, changes: [{ field, value }] | messaging: [...] }] }`
 *   — developers.facebook.com/documentation/instagram-platform/webhooks/examples
 * - Instagram `comments` / `live_comments`: `value { id, text, from { id (IGSID), username }, media { id, media_product_type }, parent_id }`
 *   — Graph API changelog, out-of-cycle changes of 2021-10-20; webhooks reference /graph-api/webhooks/reference/instagram
 * - Instagram `mentions`: `value { media_id, comment_id }` only (restfb/restfb#859 quotes Meta's samples)
 * - messaging (Instagram and Messenger): `{ sender { id }, recipient { id }, timestamp (ms), message { mid, text, is_echo, attachments } }`
 *   — /docs/messenger-platform/webhook-reference, /webhooks/webhook-events/message-echoes
 * - Page `feed`: `value { item: comment|reaction|like|…, verb: add|edited|remove, from { id, name }, post_id, comment_id,
 *   message, created_time }`; a Page like is `{ item: "like", verb: "add" }`, which often names nobody
 *   (/docs/pages-api/webhooks-for-pages; Yoctol/bottender FacebookTypes.ts `FeedPageLike`)
 * - Page `mention`: `value { post_id, comment_id?, sender_id, sender_name, item, verb }`
 *
 * One raw event holds one item (one change or one messaging event), because
 * a record is about one person: the webhook handler splits batched
 * deliveries with `metaDeliveryItems` and stores each item on its own.
 */

type Kind = 'changes' | 'messaging' | 'standby';
const ITEM_KINDS: Kind[] = ['changes', 'messaging', 'standby'];

/** One person-sized piece of a Meta delivery, to be stored as its own raw event. */
export interface MetaItem {
  /** The Instagram account or Page the entry is for: routes the item to a workspace. */
  account: string;
  /** `instagram/comments`, `page/feed`, `instagram/messaging`, … */
  topic: string;
  /** Meta's own id for what happened (comment id, message id), when there is one. */
  key: string | null;
  triggeredAt: string | null;
  /** A delivery of the same shape holding only this item. */
  delivery: Json;
}

/**
 * Splits a delivery into one item per change or messaging event; entries
 * for several accounts (Meta batches them) each keep their own account.
 * Throws NormaliseError when the envelope itself is unusable.
 */
export function metaDeliveryItems(payload: unknown): MetaItem[] {
  if (!isObject(payload) || typeof payload.object !== 'string' || !Array.isArray(payload.entry)) {
    throw new NormaliseError('Meta webhook body must be an object with "object" and an "entry" array');
  }
  const object = payload.object;
  const items: MetaItem[] = [];
  for (const entry of payload.entry) {
    const account = isObject(entry) ? idString(entry.id) : null;
    if (!isObject(entry) || !account) throw new NormaliseError('Meta webhook entry without an "id" (the account it is for)');
    const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !(ITEM_KINDS as string[]).includes(key)));
    for (const kind of ITEM_KINDS) {
      const list = entry[kind];
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        if (!isObject(item)) continue;
        const field = kind === 'changes' ? (text(item.field) ?? 'unknown') : kind;
        items.push({
          account,
          topic: `${object}/${field}`,
          key: itemKey(object, kind, item),
          triggeredAt: epochTime(entry.time),
          delivery: { ...payload, entry: [{ ...rest, [kind]: [item] }] },
        });
      }
    }
  }
  return items;
}

function itemKey(object: string, kind: Kind, item: Json): string | null {
  if (kind !== 'changes') {
    const mid = isObject(item.message) ? text(item.message.mid) : null;
    return mid ? `${object}:message:${mid}` : null;
  }
  const value = isObject(item.value) ? item.value : {};
  const id = item.field === 'comments' || item.field === 'live_comments' ? idString(value.id) : null;
  if (id) return `${object}:comment:${id}`;
  const comment = idString(value.comment_id);
  if (comment && value.verb === 'add') return `${object}:${text(item.field)}:${text(value.item) ?? 'item'}:${comment}`;
  return null;
}

const COMMENT_FIELDS = new Set(['id', 'text', 'from', 'media', 'parent_id', 'ad_id', 'ad_title', 'original_media_id']);
const MESSAGING_FIELDS = new Set(['sender', 'recipient', 'timestamp', 'message']);
const MESSAGE_FIELDS = new Set([
  'mid', 'text', 'attachments', 'is_echo', 'is_deleted', 'is_unsupported', 'reply_to', 'quick_reply', 'referral', 'app_id', 'metadata',
]);
const FEED_FIELDS = new Set([
  'item', 'verb', 'from', 'post_id', 'comment_id', 'parent_id', 'message', 'created_time', 'reaction_type', 'post', 'photo', 'video',
  'published', 'user_id', 'sender_id', 'sender_name', 'recipient_id',
]);

interface Item {
  object: string;
  account: string;
  entryTime: string | null;
  kind: Kind;
  item: Json;
}

/** The single item a stored Meta delivery holds (see metaDeliveryItems). */
function onlyItem(delivery: RawDelivery): Item {
  const items = metaDeliveryItems(delivery.body);
  if (items.length !== 1) {
    throw new NormaliseError(`A stored Meta delivery must hold exactly one change or messaging event; this one holds ${items.length}`);
  }
  const [only] = items as [MetaItem];
  const entry = (only.delivery.entry as Json[])[0]!;
  const kind = ITEM_KINDS.find((k) => Array.isArray(entry[k]))!;
  return { object: only.delivery.object as string, account: only.account, entryTime: only.triggeredAt, kind, item: (entry[kind] as Json[])[0]! };
}

/** User content (comments, messages), kept exactly as written: it is rendered as text. */
const words = (value: unknown) => (typeof value === 'string' ? value : null);

const record = (observedAt: string, identities: IdentityClaim[], events: EventClaim[], traits: TraitClaim[], unrecognised: string[]): Normalised => ({
  kind: 'record',
  record: { observed_at: observedAt, identities, traits, events, unrecognised },
});

/** Instagram comments and live comments: the commenter (IGSID and username) commented. */
function instagramComment({ account, entryTime, item }: Item, delivery: RawDelivery): Normalised {
  const value = isObject(item.value) ? item.value : null;
  const commentId = value ? idString(value.id) : null;
  if (!value || !commentId) throw new NormaliseError('Instagram comment notification without a comment "value.id"');
  const from = isObject(value.from) ? value.from : null;
  const author = from ? idString(from.id) : null;
  if (!author) {
    return { kind: 'ignored', reason: 'Instagram comment names no author ("value.from" is missing): nothing to tie it to a person' };
  }
  if (author === account) return { kind: 'ignored', reason: 'A comment by the account itself (a reply), not by someone in its audience' };
  const identities: IdentityClaim[] = [{ kind: 'instagram_id', value: author }];
  const username = toHandle(from?.username);
  if (username) identities.push({ kind: 'instagram', value: username });
  const media = isObject(value.media) ? value.media : {};
  const occurredAt = entryTime ?? delivery.receivedAt;
  return record(
    occurredAt,
    identities,
    [
      {
        external_id: `instagram:comment:${commentId}`,
        type: 'commented',
        occurred_at: occurredAt,
        properties: {
          network: 'instagram',
          text: words(value.text),
          comment_id: commentId,
          media_id: idString(media.id),
          media_product_type: text(media.media_product_type),
          parent_id: idString(value.parent_id),
          ad_id: idString(value.ad_id),
          live: item.field === 'live_comments',
          account_id: account,
        },
      },
    ],
    [],
    [...unknownKeys(value, COMMENT_FIELDS, 'value.'), ...(from ? unknownKeys(from, new Set(['id', 'username', 'self_ig_scoped_id']), 'value.from.') : [])],
  );
}

/** Direct messages to an Instagram account (IGSID) or a Page (PSID): the sender messaged. */
function message({ object, account, item }: Item, delivery: RawDelivery): Normalised {
  const network = object === 'instagram' ? 'instagram' : 'facebook';
  const message = isObject(item.message) ? item.message : null;
  if (!message) {
    const what = Object.keys(item).filter((key) => !MESSAGING_FIELDS.has(key)).join(', ') || 'nothing';
    return { kind: 'ignored', reason: `Meta messaging event without a message (${what}): read receipts, reactions and postbacks are stored, not processed` };
  }
  if (message.is_echo === true) return { kind: 'ignored', reason: 'A message the account sent (an echo), not one from its audience' };
  if (message.is_deleted === true) return { kind: 'ignored', reason: 'A deleted message: the person took it back' };
  const sender = isObject(item.sender) ? idString(item.sender.id) : null;
  const mid = text(message.mid);
  if (!sender || !mid) throw new NormaliseError('Meta message without "sender.id" or "message.mid"');
  if (sender === account) return { kind: 'ignored', reason: 'A message sent by the account itself' };
  const occurredAt = epochTime(item.timestamp) ?? delivery.receivedAt;
  const attachments = Array.isArray(message.attachments) ? message.attachments.filter(isObject) : [];
  return record(
    occurredAt,
    [{ kind: network === 'instagram' ? 'instagram_id' : 'facebook_id', value: sender }],
    [
      {
        external_id: `${network}:message:${mid}`,
        type: 'messaged',
        occurred_at: occurredAt,
        properties: {
          network,
          text: words(message.text),
          message_id: mid,
          attachment_types: attachments.map((a) => text(a.type)).filter(Boolean),
          account_id: account,
        },
      },
    ],
    [],
    [...unknownKeys(item, MESSAGING_FIELDS), ...unknownKeys(message, MESSAGE_FIELDS, 'message.')],
  );
}

/** Who a Page feed or mention change is from: `from { id, name }`, or `sender_id`/`user_id` in older shapes. */
function pageActor(value: Json): { id: string | null; name: string | null } {
  const from = isObject(value.from) ? value.from : {};
  return { id: idString(from.id) ?? idString(value.sender_id) ?? idString(value.user_id), name: text(from.name) ?? text(value.sender_name) };
}

/** One interaction of a person with a Page: their Page-scoped id, the name they show, what they did. */
function pageRecord(actor: { id: string; name: string | null }, event: EventClaim, value: Json): Normalised {
  return record(
    event.occurred_at,
    [{ kind: 'facebook_id', value: actor.id }],
    [event],
    actor.name ? [{ name: 'name', value: actor.name }] : [],
    unknownKeys(value, FEED_FIELDS, 'value.'),
  );
}


/** Facebook Page `feed`: comments, reactions and Page likes (follows) by people, when Meta says who. */
function pageFeed({ account, entryTime, item }: Item, delivery: RawDelivery): Normalised {
  const value = isObject(item.value) ? item.value : null;
  if (!value) throw new NormaliseError('Facebook Page feed change without a "value" object');
  const what = text(value.item) ?? 'change';
  const verb = text(value.verb);
  if (verb !== 'add') {
    return { kind: 'ignored', reason: `Facebook Page feed ${what} ${verb ?? ''} is stored, not processed (only additions are facts about a person)` };
  }
  const { id, name } = pageActor(value);
  const at = epochTime(value.created_time) ?? entryTime ?? delivery.receivedAt;
  const postId = idString(value.post_id);
  const commentId = idString(value.comment_id);
  if (what === 'like' && !postId) {
    // A like of the Page itself: Facebook's follow signal. Meta usually sends it without the person.
    if (!id) return { kind: 'ignored', reason: 'Facebook Page like without the person who liked it: Meta did not say who, so no profile can be told' };
    const properties = { network: 'facebook', page_id: account };
    return pageRecord({ id, name }, { external_id: `facebook:page_like:${account}:${id}:${at}`, type: 'followed', occurred_at: at, properties }, value);
  }
  if (!id) return { kind: 'ignored', reason: `Facebook Page feed ${what} names nobody (no "from.id")` };
  if (id === account) return { kind: 'ignored', reason: 'Activity by the Page itself, not by someone in its audience' };
  if (what === 'comment') {
    if (!commentId) throw new NormaliseError('Facebook Page comment without "value.comment_id"');
    const properties = { network: 'facebook', text: words(value.message), comment_id: commentId, post_id: postId, parent_id: idString(value.parent_id), page_id: account };
    return pageRecord({ id, name }, { external_id: `facebook:comment:${commentId}`, type: 'commented', occurred_at: at, properties }, value);
  }
  if (what === 'reaction' || what === 'like') {
    const reaction = text(value.reaction_type) ?? 'like';
    const properties = { network: 'facebook', reaction, post_id: postId, comment_id: commentId, page_id: account };
    const externalId = `facebook:reaction:${commentId ?? postId ?? account}:${id}:${reaction}`;
    return pageRecord({ id, name }, { external_id: externalId, type: 'reacted', occurred_at: at, properties }, value);
  }
  return { kind: 'ignored', reason: `Facebook Page feed item "${what}" is stored, not processed` };
}

/** Facebook Page `mention`: someone mentioned the Page in a post or comment. */
function pageMention({ account, entryTime, item }: Item, delivery: RawDelivery): Normalised {
  const value = isObject(item.value) ? item.value : {};
  const { id, name } = pageActor(value);
  const postId = idString(value.post_id);
  const commentId = idString(value.comment_id);
  if (!id || !(commentId ?? postId)) return { kind: 'ignored', reason: 'Facebook Page mention without "sender_id" and a post or comment id' };
  if (text(value.verb) !== 'add') return { kind: 'ignored', reason: `Facebook Page mention ${text(value.verb) ?? ''} is stored, not processed` };
  const at = epochTime(value.created_time) ?? entryTime ?? delivery.receivedAt;
  const properties = { network: 'facebook', post_id: postId, comment_id: commentId, text: words(value.message), page_id: account };
  return pageRecord({ id, name }, { external_id: `facebook:mention:${commentId ?? postId}`, type: 'mentioned', occurred_at: at, properties }, value);
}

/** The Meta normaliser: one stored item → one person's interaction, or a reason it is kept raw. */
export const normaliseMeta: Normaliser = (delivery) => {
  const only = onlyItem(delivery);
  if (only.kind !== 'changes') return message(only, delivery);
  const field = text(only.item.field);
  if (only.object === 'instagram' && (field === 'comments' || field === 'live_comments')) return instagramComment(only, delivery);
  if (only.object === 'instagram' && field === 'mentions') {
    const reason = 'Instagram @mention notifications carry only media_id and comment_id, not who mentioned the account: kept raw until an enrichment step looks the comment up';
    return { kind: 'ignored', reason };
  }
  if (only.object === 'page' && field === 'feed') return pageFeed(only, delivery);
  if (only.object === 'page' && field === 'mention') return pageMention(only, delivery);
  return { kind: 'ignored', reason: `Meta ${only.object} field "${field ?? '?'}" is stored, not processed` };
};
