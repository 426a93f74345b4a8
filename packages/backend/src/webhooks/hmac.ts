const encoder = new TextEncoder();

/**
 * Checks an HMAC-SHA256 signature of `body` with Web Crypto's `verify`, which
 * compares in constant time (Node and Deno both use a timing-safe comparison),
 * so a forger learns nothing from how long a rejection takes.
 */
export async function verifyHmacSha256(secret: string, body: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return crypto.subtle.verify('HMAC', key, signature, body);
}

export async function signHmacSha256(secret: string, body: Uint8Array<ArrayBuffer> | string): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, typeof body === 'string' ? encoder.encode(body) : body));
}

/** Strict base64 (standard alphabet, padded): anything else is not a signature. */
export function decodeBase64(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
