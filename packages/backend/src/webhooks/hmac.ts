import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

// node:crypto, which Deno (Supabase Edge Functions) provides too, rather than
// Web Crypto: a Web Crypto key is imported per call, and with the algorithm
// dictionaries it converts, that was ~11% of the CPU of the bench's webhook
// section, server and sender (node --cpu-prof), against a few microseconds here.

/**
 * Checks an HMAC-SHA256 signature of `body`, comparing in constant time so a
 * forger learns nothing from how long a rejection takes (only the length,
 * which is public: 32 bytes).
 */
export async function verifyHmacSha256(secret: string, body: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const expected = createHmac('sha256', secret).update(body).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

export async function signHmacSha256(secret: string, body: Uint8Array<ArrayBuffer> | string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(createHmac('sha256', secret).update(body).digest());
}

/** Strict base64 (standard alphabet, padded): anything else is not a signature. */
export function decodeBase64(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
