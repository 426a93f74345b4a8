import { NormaliseError, type Normalised, type Normaliser } from './record.ts';
import { epochTime, idString, isObject, text, unknownKeys } from './payload.ts';

/**
 * TikTok for Developers webhooks → facts about the TikTok user who
 * authorised the app (Login Kit, Content Posting). Pure.
 *
 * Shape followed: `{ client_key, event, create_time (Unix seconds), user_openid, content }` where
 * `content` is a JSON *string* — developers.tiktok.com/doc/webhooks-events. Events documented there:
 * `authorization.removed` (content `{ reason }`), `video.upload.failed` / `video.publish.completed`
 * (content `{ share_id }`), `portability.download.ready`, and the Content Posting `post.publish.*`
 * family (content `{ publish_id, publish_type, post_id? }`).
 *
 * What TikTok does not send: comments, follows, likes or messages from an
 * audience. Every event is about the one user who connected the app, known
 * only by an `open_id` that is scoped to the app (the same person has a
 * different open_id in another app).
 */

/**
 * TikTok's own identification of an event, for deduplicating redeliveries:
 * the event name with the user, time and (for videos) the share or publish
 * id. TikTok sends no event id.
 */
export function tiktokEventKey(body: unknown): string | null {
  if (!isObject(body) || !text(body.event) || !idString(body.user_openid) || typeof body.create_time !== 'number') return null;
  let reference: string | null = null;
  try {
    const content: unknown = typeof body.content === 'string' ? JSON.parse(body.content) : null;
    reference = isObject(content) ? (idString(content.publish_id) ?? idString(content.share_id)) : null;
  } catch {
    // an unreadable content string is the normaliser's to report
  }
  return [body.event, body.user_openid, body.create_time, reference].filter((part) => part !== null).join(':');
}

const FIELDS = new Set(['client_key', 'event', 'create_time', 'user_openid', 'content']);

const REMOVAL_REASONS: Record<number, string> = {
  0: 'unknown',
  1: 'user_disconnected',
  2: 'account_deleted',
  3: 'age_changed',
  4: 'account_banned',
  5: 'developer_revoked',
};

export const normaliseTikTok: Normaliser = (delivery) => {
  const body = delivery.body;
  if (!isObject(body)) throw new NormaliseError('TikTok webhook body must be a JSON object');
  const event = text(body.event);
  const openId = idString(body.user_openid);
  if (!event || !openId) throw new NormaliseError('TikTok webhook without "event" or "user_openid"');
  let content: Record<string, unknown> = {};
  if (body.content !== undefined && body.content !== '') {
    // TikTok serialises the event's details into a string inside the JSON body.
    let parsed: unknown;
    try {
      parsed = typeof body.content === 'string' ? JSON.parse(body.content) : body.content;
    } catch {
      throw new NormaliseError(`TikTok ${event} "content" is not the JSON string TikTok documents: ${JSON.stringify(body.content).slice(0, 80)}`);
    }
    if (!isObject(parsed)) throw new NormaliseError(`TikTok ${event} "content" must hold a JSON object`);
    content = parsed;
  }
  const occurredAt = epochTime(body.create_time) ?? delivery.receivedAt;
  // Every TikTok event is one fact about the user who connected the app.
  const fact = (externalId: string, type: string, properties: Record<string, unknown>): Normalised => ({
    kind: 'record',
    record: {
      observed_at: occurredAt,
      identities: [{ kind: 'tiktok_id', value: openId }],
      traits: [],
      events: [{ external_id: externalId, type, occurred_at: occurredAt, properties: { network: 'tiktok', ...properties } }],
      unrecognised: unknownKeys(body, FIELDS),
    },
  });

  if (event === 'authorization.removed') {
    const reason = typeof content.reason === 'number' ? (REMOVAL_REASONS[content.reason] ?? String(content.reason)) : 'unknown';
    return fact(`tiktok:authorization_removed:${openId}:${occurredAt}`, 'tiktok_disconnected', { reason });
  }
  if (event === 'video.publish.completed' || event === 'post.publish.complete') {
    const reference = idString(content.publish_id) ?? idString(content.share_id);
    if (!reference) throw new NormaliseError(`TikTok ${event} without "share_id" or "publish_id" in its content`);
    return fact(`tiktok:video:${reference}:published`, 'video_published', {
      share_id: idString(content.share_id),
      publish_id: idString(content.publish_id),
      publish_type: text(content.publish_type),
    });
  }
  return { kind: 'ignored', reason: `TikTok ${event} is stored, not processed` };
};
