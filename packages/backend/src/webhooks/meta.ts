import { metaDeliveryItems, normaliseMeta } from '../normalisers/meta.ts';
import { answer } from './delivery.ts';
import { receiveAppSignedBatch } from './app-signed-batch.ts';
import type { SocialWebhookContext } from './platform-apps.ts';
import { decodeHex, sameSecret } from './signatures.ts';
import { verifyHmacSha256 } from './hmac.ts';
import { readDelivery } from './social-delivery.ts';

/**
 * `GET|POST /webhooks/meta` — Meta's webhooks for Instagram professional
 * accounts and Facebook Pages (developers.facebook.com/docs/graph-api/webhooks/getting-started,
 * /docs/messenger-platform/webhook-reference):
 *
 * - `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the
 *   verification request when the callback URL is saved in the App
 *   Dashboard. The challenge is echoed (200, text/plain) only when the mode
 *   is `subscribe` and the token matches META_VERIFY_TOKEN; otherwise 403.
 * - `POST`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
 *   keyed with the app secret>`. Meta may batch several entries, for
 *   several accounts, in one delivery; each entry's `id` (the Instagram
 *   account or Page) routes its items to a workspace through
 *   `findConnection('meta', id)`. See app-signed-batch.ts for how batches
 *   are stored. Meta retries failed deliveries for up to 36 hours, so the
 *   answer comes as soon as the items are stored.
 */
export async function handleMetaWebhook(request: Request, context: SocialWebhookContext): Promise<Response> {
  if (request.method === 'GET') return answerVerification(request, context);
  if (request.method !== 'POST') return answer(405, { error: 'Meta webhooks are POST requests (GET for the verification request)' });

  const read = await readDelivery(request, context, 'meta');
  if (read instanceof Response) return read;
  const { headers, body } = read;
  return receiveAppSignedBatch(context, {
    source: 'meta',
    headers,
    body,
    signatureProblem: await signatureProblem(context, headers['x-hub-signature-256'], body),
    split: (payload) => metaDeliveryItems(payload),
    normalise: normaliseMeta,
    noConnection: (account) =>
      `No Meta connection for account ${account}: connect this Instagram account or Page to a workspace, or set META_APP_SECRET for the local workspace`,
  });
}

async function signatureProblem(context: SocialWebhookContext, header: string | undefined, body: Uint8Array<ArrayBuffer>): Promise<string | null> {
  const secret = context.apps.meta?.appSecret;
  if (!secret) return 'Meta webhook rejected: META_APP_SECRET is not set, so no delivery can be verified';
  if (!header) return 'Meta webhook rejected: X-Hub-Signature-256 header missing. Meta signs every delivery; unsigned requests are not accepted.';
  const signature = header.startsWith('sha256=') ? decodeHex(header.slice(7)) : null;
  if (signature && (await verifyHmacSha256(secret, body, signature))) return null;
  return "Meta webhook rejected: X-Hub-Signature-256 does not match the body signed with META_APP_SECRET. Check that it is the app secret of the app whose webhook this is (App Dashboard → Settings → Basic) and that nothing re-encodes the body on the way.";
}

/** Meta's verification request: echo the challenge for the right token, refuse everything else. */
async function answerVerification(request: Request, context: SocialWebhookContext): Promise<Response> {
  const query = new URL(request.url).searchParams;
  const expected = context.apps.meta?.verifyToken;
  const challenge = query.get('hub.challenge') ?? '';
  const refuse = (reason: string) => new Response(reason, { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (!expected) return refuse('META_VERIFY_TOKEN is not set: no verify token can match');
  if (query.get('hub.mode') !== 'subscribe') return refuse('hub.mode must be subscribe');
  if (!(await sameSecret(query.get('hub.verify_token') ?? '', expected))) return refuse('hub.verify_token does not match META_VERIFY_TOKEN');
  // Meta's challenge is a short token; anything else is not echoed into a response.
  if (!/^[\w.-]{1,256}$/.test(challenge)) return refuse('hub.challenge missing or not a plain token');
  return new Response(challenge, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
}
