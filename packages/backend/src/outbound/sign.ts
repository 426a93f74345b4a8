/**
 * How Tessera signs the webhooks it sends, and how a receiver checks them.
 * Stripe's scheme: `Tessera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`,
 * where the MAC is of `"<t>.<raw body>"` keyed with the endpoint's secret
 * (the whole `whsec_…` string, as UTF-8). The timestamp is inside the MAC, so
 * a captured delivery replayed later is refused by its age. Web Crypto only,
 * so the same module runs in Node, Deno and a Supabase Edge Function.
 */
import { signHmacSha256, verifyHmacSha256 } from '../webhooks/hmac.ts';
import { decodeHex, prefixed } from '../webhooks/signatures.ts';

/** How old (or how far in the future) a signature's timestamp may be by default: five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

/** What one delivery sends: its event's id and type, and the exact body. */
export interface OutboundMessage {
  eventId: string;
  eventType: string;
  body: string;
}

/**
 * The `Tessera-Signature` value for `body` sent at `at`.
 *
 * @example
 * await signTesseraPayload('{"id":"evt_1"}', 'whsec_…', new Date()); // 't=1795000000,v1=5f0c…'
 */
export async function signTesseraPayload(body: string, secret: string, at: Date): Promise<string> {
  const t = Math.floor(at.getTime() / 1000);
  const mac = await signHmacSha256(secret, `${t}.${body}`);
  return `t=${t},v1=${Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Every header a delivery carries: JSON content, the event's id and type, and the signature. */
export async function outboundHeaders(message: OutboundMessage, secret: string, at: Date): Promise<Record<string, string>> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'Tessera-Webhooks/1',
    'Tessera-Event-Id': message.eventId,
    'Tessera-Event-Type': message.eventType,
    'Tessera-Signature': await signTesseraPayload(message.body, secret, at),
  };
}

/**
 * For receivers: whether `header` (the `Tessera-Signature` value) signs this
 * raw `body` with `secret`, at a time within `toleranceSeconds` of `now`.
 * Compares in constant time (Web Crypto's HMAC verify). Pass the body exactly
 * as received: re-serialised JSON will not match. Several `v1=` entries are
 * accepted (any one matching is enough), as during a secret rotation.
 *
 * @example
 * const body = await request.text();
 * if (!(await verifyTesseraSignature(request.headers.get('Tessera-Signature'), body, process.env.TESSERA_WEBHOOK_SECRET!))) {
 *   return new Response('bad signature', { status: 400 });
 * }
 */
export async function verifyTesseraSignature(
  header: string | null | undefined,
  body: string | Uint8Array,
  secret: string,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now: Date = new Date(),
): Promise<boolean> {
  if (!header) return false;
  let timestamp: string | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (name === 't' && timestamp === undefined) timestamp = value;
    if (name === 'v1') {
      const signature = decodeHex(value);
      if (signature?.byteLength === 32) signatures.push(signature);
    }
  }
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const signed = prefixed(`${timestamp}.`, typeof body === 'string' ? encoder.encode(body) : new Uint8Array(body));
  for (const signature of signatures) {
    if (await verifyHmacSha256(secret, signed, signature)) return true;
  }
  return false;
}
