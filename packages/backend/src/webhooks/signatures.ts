import { signHmacSha256, verifyHmacSha256 } from './hmac.ts';

/**
 * What the social platforms' signatures need beyond hmac.ts: hex digests,
 * HMAC-SHA1 (WebSub hubs, Google's among them, sign with it) and comparing a
 * shared token without a timing leak. Web Crypto only, so the handlers run on
 * Deno as well.
 */

const encoder = new TextEncoder();

/** Strict hex (either case, even length): anything else is not a signature. */
export function decodeHex(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(value)) return null;
  return Uint8Array.from(value.match(/../g)!, (byte) => parseInt(byte, 16));
}

export async function verifyHmacSha1(secret: string, body: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['verify']);
  return crypto.subtle.verify('HMAC', key, signature, body);
}

/**
 * Whether `given` equals `expected`, in time that does not depend on where
 * they differ: both are MACed under a throwaway key and Web Crypto's verify
 * compares the MACs in constant time. For verify tokens typed into a
 * platform's dashboard.
 */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const key = crypto.getRandomValues(new Uint8Array(32)).join(',');
  return verifyHmacSha256(key, encoder.encode(given), await signHmacSha256(key, expected));
}

/** The bytes a signature covers when a platform signs `prefix` followed by the raw body (TikTok's "t.body"). */
export function prefixed(prefix: string, body: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(prefix);
  const joined = new Uint8Array(head.byteLength + body.byteLength);
  joined.set(head);
  joined.set(body, head.byteLength);
  return joined;
}
