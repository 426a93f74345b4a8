import { NormaliseError } from '../normalisers/record.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { decodeBase64, verifyHmacSha256 } from './hmac.ts';
import { BodyTooLargeError, MAX_BODY_BYTES, answer, boundedKey, keptHeaders, readBody, refuse, sha256Hex, storeAndAnswer, type WebhookContext } from './delivery.ts';

/**
 * `POST /webhooks/shopify` — Shopify's webhook contract:
 * - `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, keyed with the app's secret;
 * - `X-Shopify-Topic`, `X-Shopify-Shop-Domain`;
 * - `X-Shopify-Event-Id`: the same on every retry of one event (fallback `X-Shopify-Webhook-Id`);
 * - `X-Shopify-Triggered-At`: when the event happened.
 * Shopify waits 5 s and retries 8 times over 4 hours on anything but 2xx, so
 * the answer comes as soon as the body is stored; processing follows.
 */
export async function handleShopifyWebhook(request: Request, context: WebhookContext): Promise<Response> {
  if (request.method !== 'POST') return answer(405, { error: 'Shopify webhooks are POST requests' });

  const headers = keptHeaders(request.headers);
  const topic = headers['x-shopify-topic'] ?? '';
  const shop = (headers['x-shopify-shop-domain'] ?? '').toLowerCase();
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readBody(request);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const reason = `Body larger than ${MAX_BODY_BYTES} bytes refused`;
    await context.log.recordUnrouted({ source: 'shopify', headers, body: new Uint8Array(), reason });
    return answer(413, { error: reason });
  }

  const connection = shop ? await context.findConnection('shopify', shop) : null;
  if (!connection) {
    const reason = shop
      ? `No Shopify connection for shop ${shop}: connect the shop to a workspace, or set SHOPIFY_WEBHOOK_SECRET for the local workspace`
      : 'X-Shopify-Shop-Domain header missing: Shopify sends it on every webhook';
    await context.log.recordUnrouted({ source: 'shopify', headers, body, reason });
    return answer(shop ? 401 : 400, { error: reason });
  }

  const eventId = headers['x-shopify-event-id'] ?? headers['x-shopify-webhook-id'];
  const entry = {
    workspaceId: connection.workspaceId,
    source: 'shopify',
    topic: topic || '(none)',
    idempotencyKey: eventId ? await boundedKey(`event:${eventId}`) : `sha256:${await sha256Hex(body)}`,
    headers,
    body,
    triggeredAt: parseTime(headers['x-shopify-triggered-at']),
  };

  const signature = decodeBase64(headers['x-shopify-hmac-sha256'] ?? '');
  if (!signature || !(await verifyHmacSha256(connection.secret, body, signature))) {
    const reason = headers['x-shopify-hmac-sha256']
      ? 'Shopify webhook rejected: X-Shopify-Hmac-Sha256 does not match the body signed with SHOPIFY_WEBHOOK_SECRET. Check that the secret is the app\'s client secret and that nothing re-encodes the body on the way.'
      : 'Shopify webhook rejected: X-Shopify-Hmac-Sha256 header missing. Shopify signs every webhook; unsigned requests are not accepted.';
    await context.log.record({ ...entry, status: 'rejected', error: reason });
    return answer(401, { error: reason });
  }

  if (!topic) return refuse(context, entry, 'X-Shopify-Topic header missing: cannot tell what this webhook is about');
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return refuse(context, entry, `Body is not valid JSON: ${(error as Error).message}`);
  }

  // Validated now so a bad payload gets its 400 while Shopify is still listening.
  let note: string | null = null;
  try {
    const normalised = normaliseShopify({
      source: 'shopify',
      topic,
      headers,
      body: payload,
      triggeredAt: entry.triggeredAt,
      receivedAt: new Date().toISOString(),
    });
    if (normalised.kind === 'ignored') note = normalised.reason;
  } catch (error) {
    // A normaliser is pure: whatever else it throws (a RangeError on a value nested 10,000 deep) is about this payload too.
    return refuse(context, entry, error instanceof NormaliseError ? error.message : `Payload could not be read: ${(error as Error).message}`);
  }

  return storeAndAnswer(context, entry, note);
}

function parseTime(value: string | undefined): string | null {
  if (!value) return null;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}
