import { normaliseKajabi } from '../normalisers/kajabi.ts';
import { kajabiTopic } from '../normalisers/kajabi-topic.ts';
import { NormaliseError, type Normalised } from '../normalisers/record.ts';
import { BodyTooLargeError, MAX_BODY_BYTES, answer, keptHeaders, readBody, refuse, sha256Hex, storeAndAnswer, type WebhookContext } from './delivery.ts';
import { confirmWithKajabi, type KajabiApi } from './kajabi-api.ts';
import { kajabiTokenAccount, tokensMatch } from './kajabi-token.ts';

export interface KajabiWebhookContext extends WebhookContext {
  /**
   * Kajabi's API for a workspace that has configured API credentials, or
   * null when it has none: deliveries are then trusted on the URL secret alone.
   */
  kajabiApi?: (workspaceId: string) => KajabiApi | null;
}

/**
 * `POST /webhooks/kajabi/<token>`: Kajabi's admin outbound webhooks and the
 * public API's hooks. Kajabi sends no signature and no delivery id or event
 * header (developers.kajabi.com/api-reference/webhooks; help.kajabi.com
 * "Outbound webhook data reference"), so:
 * - the token in the URL authenticates the connection (kajabi-token.ts);
 * - the topic is read from the body (kajabi-topic.ts), or from an `event`
 *   query parameter the creator adds to the URL;
 * - deliveries are deduplicated by a hash of the body. Kajabi's envelope `id`
 *   is documented both as a "hash_id" and as the id of the resource that
 *   triggered the event; one contact fires many tag events, so keying on it
 *   could swallow a genuine second event. A retry resends the same bytes, and
 *   events are stored once per external id whatever the bytes.
 * Stored raw first, answered fast, processed after the response.
 */
export async function handleKajabiWebhook(request: Request, context: KajabiWebhookContext, token: string): Promise<Response> {
  if (request.method !== 'POST') return answer(405, { error: 'Kajabi webhooks are POST requests' });

  const headers = keptHeaders(request.headers);
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readBody(request);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const reason = `Body larger than ${MAX_BODY_BYTES} bytes refused`;
    await context.log.recordUnrouted({ source: 'kajabi', headers, body: new Uint8Array(), reason });
    return answer(413, { error: reason });
  }

  const account = kajabiTokenAccount(token);
  const connection = await context.findConnection('kajabi', account);
  if (!connection) {
    // The reason never repeats the token: it is the secret.
    const reason = account
      ? `Kajabi webhook rejected: no Kajabi connection for account ${account}. Use the webhook URL Tessera gave when the connection was made.`
      : 'Kajabi webhook rejected: no Kajabi connection. Set KAJABI_WEBHOOK_TOKEN for the local workspace and put it in the webhook URL.';
    await context.log.recordUnrouted({ source: 'kajabi', headers, body, reason });
    return answer(401, { error: reason });
  }

  const entry = {
    workspaceId: connection.workspaceId,
    source: 'kajabi',
    topic: '(unverified)',
    idempotencyKey: `sha256:${await sha256Hex(body)}`,
    headers,
    body,
    triggeredAt: null, // Kajabi says when nothing happened outside the payload; the normaliser reads it there
  };

  if (!(await tokensMatch(token, connection.secret))) {
    const reason =
      'Kajabi webhook rejected: the token in the URL does not match this connection\'s (KAJABI_WEBHOOK_TOKEN for the local workspace). ' +
      'Copy the webhook URL from Tessera again into Kajabi; if the token was rotated, every Kajabi webhook needs the new URL.';
    await context.log.record({ ...entry, status: 'rejected', error: reason });
    return answer(401, { error: reason });
  }

  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return refuse(context, entry, `Body is not valid JSON: ${(error as Error).message}`);
  }
  const verified = { ...entry, topic: kajabiTopic(payload, new URL(request.url).searchParams.get('event')) };

  // Normalised now so an unusable payload gets its 400 while Kajabi is still listening.
  let normalised: Normalised;
  try {
    normalised = normaliseKajabi({ source: 'kajabi', topic: verified.topic, headers, body: payload, triggeredAt: null, receivedAt: new Date().toISOString() });
  } catch (error) {
    // A normaliser is pure: whatever else it throws (a RangeError on a value nested 10,000 deep) is about this payload too.
    return refuse(context, verified, error instanceof NormaliseError ? error.message : `Payload could not be read: ${(error as Error).message}`);
  }

  const api = normalised.kind === 'record' ? context.kajabiApi?.(connection.workspaceId) : null;
  if (api && normalised.kind === 'record') {
    const confirmation = await confirmWithKajabi(normalised.record, api);
    if (confirmation.kind !== 'confirmed') {
      // Not trusted, never processed, and (rejected) not holding the idempotency key, so
      // Kajabi's retry of a genuine delivery is judged afresh.
      const reason = `Kajabi webhook not accepted: ${confirmation.reason}`;
      await context.log.record({ ...verified, status: 'rejected', error: reason });
      return answer(confirmation.kind === 'refuted' ? 403 : 503, { error: reason });
    }
  }

  return storeAndAnswer(context, verified, normalised.kind === 'ignored' ? normalised.reason : null);
}
