import { NormaliseError } from '../normalisers/record.ts';
import { normaliseYouTube } from '../normalisers/youtube.ts';
import { channelIdFrom, parseYouTubeFeed, type YouTubeFeed } from '../normalisers/youtube-feed.ts';
import { answer, keptHeaders, sha256Hex, type WebhookContext } from './delivery.ts';
import { verifyHmacSha256 } from './hmac.ts';
import { decodeHex, verifyHmacSha1 } from './signatures.ts';
import { answerOutcomes, readDelivery, rejectItem, storeItem, type ItemToStore } from './social-delivery.ts';

/**
 * `GET|POST /webhooks/youtube` — the WebSub (PubSubHubbub) callback for
 * YouTube's push notifications (developers.google.com/youtube/v3/guides/push_notifications;
 * W3C WebSub §5.3 and §7; PubSubHubbub 0.4, which Google's hub implements):
 *
 * - `GET ?hub.mode=subscribe|unsubscribe&hub.topic=…&hub.challenge=…&hub.lease_seconds=…`:
 *   the hub checks that we asked. We agree (200, the challenge as
 *   text/plain) only for a channel feed connected to a workspace
 *   (`findConnection('youtube', channel id)`), and refuse with 404 as the
 *   spec says. The verification and its lease are stored (as an ignored
 *   raw event) so the subscription can be renewed before the lease ends.
 *   `hub.mode=denied` (the hub refused us) is stored and acknowledged.
 * - `POST`: an Atom feed. When the subscription was made with a
 *   `hub.secret` (the connection's secret), `X-Hub-Signature: sha1=<hex HMAC>`
 *   (Google's hub signs with SHA-1; sha256 is also accepted) must match. A
 *   mismatch is stored as rejected and never processed, but answered 202:
 *   PubSubHubbub 0.4 says a subscriber MUST still acknowledge it, so the
 *   hub cannot probe signatures. Without a secret anyone who knows the
 *   callback URL can post: always subscribe with one.
 */
export async function handleYouTubeWebhook(request: Request, context: WebhookContext): Promise<Response> {
  if (request.method === 'GET') return answerVerification(request, context);
  if (request.method !== 'POST') return answer(405, { error: 'YouTube notifications are POST requests (GET for subscription verification)' });

  const read = await readDelivery(request, context, 'youtube');
  if (read instanceof Response) return read;
  const { headers, body } = read;
  let xml: string | null = null;
  let feed: YouTubeFeed | null = null;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(body);
    feed = parseYouTubeFeed(xml);
  } catch (error) {
    if (!(error instanceof NormaliseError) && !(error instanceof TypeError)) throw error;
  }

  // The channel: from the feed itself, else from the Link header the hub adds (rel="self" is the topic).
  const channel =
    channelIdFrom(feed?.topic) ?? feed?.videos[0]?.channelId ?? feed?.deletions[0]?.channelId ?? channelIdFrom(selfLink(headers.link));
  const connection = channel ? await context.findConnection('youtube', channel) : null;
  if (!connection) {
    const reason = channel
      ? `No YouTube subscription for channel ${channel}: connect the channel to a workspace before subscribing to its feed`
      : 'YouTube notification that names no channel (neither the feed nor a Link rel="self" header)';
    await context.log.recordUnrouted({ source: 'youtube', headers, body, reason });
    return answer(channel ? 401 : 400, { error: reason });
  }

  const only = feed && feed.videos.length + feed.deletions.length === 1 ? (feed.videos[0] ?? feed.deletions[0]) : null;
  const item: ItemToStore = {
    workspaceId: connection.workspaceId,
    topic: 'feed',
    key: only && feed ? (feed.videos[0] ? `video:${only.videoId}:${feed.videos[0].updated}` : `deleted:${only.videoId}`) : null,
    body,
    // The normaliser reads the XML text itself (and reports why, if it cannot).
    payload: xml ?? '',
    triggeredAt: feed?.videos[0]?.updated ?? feed?.deletions[0]?.deletedAt ?? null,
  };
  if (connection.secret) {
    const problem = await signatureProblem(connection.secret, headers['x-hub-signature'], body);
    if (problem) {
      await rejectItem(context, 'youtube', headers, item, problem);
      return answer(202, { status: 'received' });
    }
  }
  return answerOutcomes([await storeItem(context, 'youtube', headers, item, normaliseYouTube)], 401);
}

/** The `rel="self"` target of a Link header: the topic a WebSub hub delivers for. */
function selfLink(header: string | undefined): string | null {
  return header ? (/<([^>]+)>\s*;\s*rel="?self"?/i.exec(header)?.[1] ?? null) : null;
}

async function signatureProblem(secret: string, header: string | undefined, body: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (!header) return 'YouTube notification rejected: X-Hub-Signature missing although the subscription has a hub.secret';
  const [method, hex] = header.split('=', 2) as [string, string?];
  const signature = decodeHex(hex ?? '');
  const verified =
    signature && method === 'sha1' ? await verifyHmacSha1(secret, body, signature)
    : signature && method === 'sha256' ? await verifyHmacSha256(secret, body, signature)
    : false;
  return verified
    ? null
    : `YouTube notification rejected: X-Hub-Signature (${method}) does not match the body signed with the subscription's hub.secret`;
}

const TOPIC = /^https:\/\/www\.youtube\.com\/(?:xml\/)?feeds\/videos\.xml\?channel_id=(UC[\w-]{22})$/;

async function answerVerification(request: Request, context: WebhookContext): Promise<Response> {
  const query = new URL(request.url).searchParams;
  const mode = query.get('hub.mode');
  const topic = query.get('hub.topic') ?? '';
  const text = (status: number, message: string) => new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
  if (mode !== 'subscribe' && mode !== 'unsubscribe' && mode !== 'denied') return text(404, 'hub.mode must be subscribe, unsubscribe or denied');
  const channel = TOPIC.exec(topic)?.[1];
  const connection = channel ? await context.findConnection('youtube', channel) : null;
  if (!channel || !connection) return text(404, `Not subscribed to ${topic || 'that topic'}: only YouTube channel feeds connected to a workspace are confirmed`);

  const challenge = query.get('hub.challenge') ?? '';
  const leaseText = query.get('hub.lease_seconds');
  if (mode !== 'denied' && (!challenge || challenge.length > 1024)) return text(404, 'hub.challenge missing or too long');
  if (leaseText !== null && !/^\d{1,10}$/.test(leaseText)) return text(404, 'hub.lease_seconds must be a whole number of seconds');
  const lease = leaseText === null ? null : Number(leaseText);
  const now = new Date();
  const note =
    mode === 'denied' ? `The hub denied the subscription to channel ${channel}: ${query.get('hub.reason') ?? 'no reason given'}`
    : mode === 'unsubscribe' ? `Unsubscription from channel ${channel} confirmed`
    : lease === null ? `Subscription to channel ${channel} confirmed; the hub gave no lease`
    : `Subscription to channel ${channel} confirmed for ${lease} s: renew before ${new Date(now.getTime() + lease * 1000).toISOString()}`;
  // Kept like any delivery, so a renewal job can find when each lease ends.
  await context.log.record({
    workspaceId: connection.workspaceId,
    source: 'youtube',
    topic: `hub/${mode}`,
    idempotencyKey: `hub:${mode}:${channel}:${await sha256Hex(new TextEncoder().encode(challenge || now.toISOString()))}`,
    headers: keptHeaders(request.headers),
    body: new TextEncoder().encode(new URL(request.url).search),
    triggeredAt: now.toISOString(),
    status: 'ignored',
    error: note,
  });
  return mode === 'denied' ? new Response(null, { status: 200 }) : text(200, challenge);
}
