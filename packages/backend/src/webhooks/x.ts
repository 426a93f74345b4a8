import { normaliseX, xDeliveryItems } from '../normalisers/x.ts';
import { answer } from './delivery.ts';
import { receiveAppSignedBatch } from './app-signed-batch.ts';
import { decodeBase64, encodeBase64, signHmacSha256, verifyHmacSha256 } from './hmac.ts';
import type { SocialWebhookContext } from './platform-apps.ts';
import { readDelivery } from './social-delivery.ts';

/**
 * `GET|POST /webhooks/x` — the X Account Activity API webhook
 * (docs.x.com/x-api/webhooks/introduction, "Securing webhooks"):
 *
 * - `GET ?crc_token=…`: the challenge-response check X sends when the
 *   webhook is registered, about hourly, and on demand. The answer is
 *   `{"response_token": "sha256=<base64 HMAC-SHA256 of crc_token, keyed with
 *   the consumer secret>"}`; a webhook that fails it stops receiving events.
 * - `POST`: `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the
 *   raw body>` with the same consumer secret. `for_user_id` (the subscribed
 *   account) routes each event to a workspace through `findConnection('x', id)`.
 */
export async function handleXWebhook(request: Request, context: SocialWebhookContext): Promise<Response> {
  const secret = context.apps.x?.consumerSecret;
  if (request.method === 'GET') {
    const token = new URL(request.url).searchParams.get('crc_token');
    if (!token) return answer(400, { error: 'crc_token missing: X sends it with every challenge-response check' });
    if (!secret) return answer(503, { error: 'X_CONSUMER_SECRET is not set: the challenge cannot be answered' });
    return answer(200, { response_token: `sha256=${encodeBase64(await signHmacSha256(secret, token))}` });
  }
  if (request.method !== 'POST') return answer(405, { error: 'X webhooks are POST requests (GET for the challenge-response check)' });

  const read = await readDelivery(request, context, 'x');
  if (read instanceof Response) return read;
  const { headers, body } = read;
  return receiveAppSignedBatch(context, {
    source: 'x',
    headers,
    body,
    signatureProblem: await signatureProblem(secret, headers['x-twitter-webhooks-signature'], body),
    split: (payload) => xDeliveryItems(payload),
    normalise: normaliseX,
    noConnection: (account) => `No X connection for account ${account}: connect it to a workspace, or set X_CONSUMER_SECRET for the local workspace`,
  });
}

async function signatureProblem(secret: string | undefined, header: string | undefined, body: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (!secret) return 'X webhook rejected: X_CONSUMER_SECRET is not set, so no delivery can be verified';
  if (!header) return 'X webhook rejected: x-twitter-webhooks-signature header missing. X signs every delivery; unsigned requests are not accepted.';
  const signature = header.startsWith('sha256=') ? decodeBase64(header.slice(7)) : null;
  if (signature && (await verifyHmacSha256(secret, body, signature))) return null;
  return 'X webhook rejected: x-twitter-webhooks-signature does not match the body signed with X_CONSUMER_SECRET. Check that it is the consumer secret (API key secret) of the app the webhook is registered with.';
}
