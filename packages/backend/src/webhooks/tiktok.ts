import { epochTime, isObject, text } from '../normalisers/payload.ts';
import { normaliseTikTok, tiktokEventKey } from '../normalisers/tiktok.ts';
import { answer, type WebhookContext } from './delivery.ts';
import { verifyHmacSha256 } from './hmac.ts';
import { decodeHex, prefixed } from './signatures.ts';
import { answerOutcomes, readDelivery, rejectItem, storeItem, type ItemToStore } from './social-delivery.ts';

/**
 * `POST /webhooks/tiktok` — TikTok for Developers webhooks
 * (developers.tiktok.com/doc/webhooks-overview, /doc/webhooks-verification):
 *
 * - `TikTok-Signature: t=<Unix seconds>,s=<hex HMAC-SHA256 of "<t>.<raw body>",
 *   keyed with the app's client secret>`. The timestamp is inside the
 *   signature, so a captured delivery replayed later is refused: more than
 *   five minutes old, or that far in the future, is a 401.
 * - The body's `client_key` names the app, and each app has its own client
 *   secret: `findConnection('tiktok', client_key)` gives the workspace and
 *   the secret (locally, TIKTOK_CLIENT_SECRET maps every app to the local
 *   workspace).
 * - TikTok retries for 72 hours and delivers at least once: the answer comes
 *   once the body is stored, and duplicates are stored once.
 */

/** How far a signature's timestamp may be from now, either way. */
export const TIKTOK_TOLERANCE_SECONDS = 300;

export async function handleTikTokWebhook(request: Request, context: WebhookContext): Promise<Response> {
  if (request.method !== 'POST') return answer(405, { error: 'TikTok webhooks are POST requests' });
  const read = await readDelivery(request, context, 'tiktok');
  if (read instanceof Response) return read;
  const { headers, body } = read;

  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    const reason = `Body is not valid JSON (${(error as Error).message}), so it names no client_key to route by`;
    await context.log.recordUnrouted({ source: 'tiktok', headers, body, reason });
    return answer(400, { error: reason });
  }
  const clientKey = isObject(payload) ? text(payload.client_key) : null;
  const connection = clientKey ? await context.findConnection('tiktok', clientKey) : null;
  if (!connection) {
    const reason = clientKey
      ? `No TikTok connection for client_key ${clientKey}: connect the app to a workspace, or set TIKTOK_CLIENT_SECRET for the local workspace`
      : 'TikTok webhook without "client_key": TikTok sends it with every event';
    await context.log.recordUnrouted({ source: 'tiktok', headers, body, reason });
    return answer(clientKey ? 401 : 400, { error: reason });
  }

  const content = isObject(payload) ? payload : {};
  const item: ItemToStore = {
    workspaceId: connection.workspaceId,
    topic: text(content.event) ?? '(none)',
    key: tiktokEventKey(payload),
    body,
    payload,
    triggeredAt: epochTime(content.create_time),
  };
  const problem = await signatureProblem(connection.secret, headers['tiktok-signature'], body);
  if (problem) {
    await rejectItem(context, 'tiktok', headers, item, problem);
    return answer(401, { error: problem });
  }
  return answerOutcomes([await storeItem(context, 'tiktok', headers, item, normaliseTikTok)], 401);
}

async function signatureProblem(secret: string, header: string | undefined, body: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (!header) return 'TikTok webhook rejected: TikTok-Signature header missing. TikTok signs every event; unsigned requests are not accepted.';
  const parts = header.split(',').map((part) => part.trim().split('=') as [string, string?]);
  const timestamp = parts.find(([name]) => name === 't')?.[1];
  const signatures = parts.filter(([name]) => name === 's').map(([, value]) => decodeHex(value ?? ''));
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return 'TikTok webhook rejected: TikTok-Signature must read t=<unix seconds>,s=<hex signature>';
  }
  const skew = Math.floor(Date.now() / 1000) - Number(timestamp);
  if (Math.abs(skew) > TIKTOK_TOLERANCE_SECONDS) {
    return `TikTok webhook rejected: its signature timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'}, beyond the ${TIKTOK_TOLERANCE_SECONDS} s allowed (a replayed delivery, or a clock far off)`;
  }
  const signed = prefixed(`${timestamp}.`, body);
  for (const signature of signatures) {
    if (signature && (await verifyHmacSha256(secret, signed, signature))) return null;
  }
  return 'TikTok webhook rejected: TikTok-Signature does not match "t.body" signed with the client secret (TIKTOK_CLIENT_SECRET). Check that it is the client secret of the app named by client_key.';
}
