/**
 * The secret in a Kajabi webhook URL. Kajabi signs nothing (neither its
 * outbound webhooks nor its API hooks carry a signature), so the only thing a
 * delivery can prove is that its sender knows the URL:
 * `POST /webhooks/kajabi/<account>.<secret>`.
 *
 * - `<account>` is not secret: it names the connection, so a hosted server
 *   finds the workspace (`findConnection('kajabi', account)`) before anything
 *   is compared.
 * - The whole token is compared with the connection's stored secret, which
 *   is the whole token too; for the local workspace that is
 *   KAJABI_WEBHOOK_TOKEN, with or without an account part.
 * Web Crypto only: this runs in `tessera serve` and as an Edge Function.
 */

const encoder = new TextEncoder();

/** The connection a token names: the part before the first `.`, or '' (the local workspace's token need not have one). */
export function kajabiTokenAccount(token: string): string {
  const dot = token.indexOf('.');
  return dot > 0 ? token.slice(0, dot) : '';
}

/**
 * Whether the presented token is the expected one, in constant time by
 * construction: both are HMAC'd with a key made for this comparison, and
 * `crypto.subtle.verify` compares the two 32-byte MACs with the runtime's
 * timing-safe comparison. The time taken depends on neither the position of
 * the first wrong character nor the presented token's length, so timing
 * tells a guesser nothing; the fresh key means no MAC can be precomputed.
 */
export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  if (!expected) return false; // an unset secret must never match an empty token
  const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const expectedMac = await crypto.subtle.sign('HMAC', key, encoder.encode(expected));
  return crypto.subtle.verify('HMAC', key, expectedMac, encoder.encode(presented));
}

/** A new token for a connection: its account, a dot, and 256 random bits in base64url (which has no dot). */
export function newKajabiWebhookToken(account: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(account)) throw new Error(`A Kajabi connection account is 1-64 letters, digits, _ or -, not ${JSON.stringify(account)}`);
  const random = crypto.getRandomValues(new Uint8Array(32));
  const secret = btoa(String.fromCharCode(...random)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${account}.${secret}`;
}
