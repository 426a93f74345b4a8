import type { Queryable } from '../db/database.ts';
import type { Connection } from '../webhooks/delivery.ts';
import { signHmacSha256, verifyHmacSha256 } from '../webhooks/hmac.ts';
import { signToken, type Claims } from './jwt.ts';

/**
 * Storefront sessions: a visitor of a Shopify storefront gets a short-lived
 * token that reads only their own profile. Shopify vouches for who they are
 * through its App Proxy: `GET https://{shop}/apps/tessera/session` reaches us
 * with `shop`, `logged_in_customer_id`, `path_prefix` and `timestamp` added to
 * the query and signed with the app's client secret (the secret that also
 * signs its webhooks), which never leaves Shopify and this server.
 */

/** How old a signed App Proxy request may be; beyond it a captured URL is a replay. */
export const APP_PROXY_MAX_AGE_SECONDS = 300;
/** How far ahead of our clock a timestamp may be (clock skew), before it reads as forged. */
export const APP_PROXY_MAX_SKEW_SECONDS = 60;
/** Lifetime of a storefront customer token. */
export const STOREFRONT_TOKEN_SECONDS = 15 * 60;

export type AppProxyRefusal = 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'not_logged_in';

export type AppProxyVerdict =
  | { ok: true; shop: string; customerId: string }
  | { ok: false; reason: AppProxyRefusal; message: string };

const encoder = new TextEncoder();
const MISSING_SIGNATURE =
  'Storefront session refused: the signature parameter is missing. Call this URL through the shop\'s App Proxy (https://{shop}/apps/…), which signs every request.';

/**
 * Shopify's App Proxy message: every query parameter but `signature`, as
 * `key=value` (several values of one key joined by `,`), sorted by key,
 * concatenated with no separator.
 */
export function appProxyMessage(query: URLSearchParams): string {
  const keys = [...new Set([...query.keys()])].filter((key) => key !== 'signature').sort();
  return keys.map((key) => `${key}=${query.getAll(key).join(',')}`).join('');
}

/** Signs a query as Shopify's App Proxy does (tests, and the demo's stand-in for Shopify). */
export async function signAppProxyQuery(query: URLSearchParams, secret: string): Promise<URLSearchParams> {
  const signed = new URLSearchParams(query);
  signed.delete('signature');
  const mac = await signHmacSha256(secret, appProxyMessage(signed));
  signed.set('signature', [...mac].map((byte) => byte.toString(16).padStart(2, '0')).join(''));
  return signed;
}

function decodeHex(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) return null;
  return Uint8Array.from(value.match(/../g)!, (byte) => parseInt(byte, 16));
}

/**
 * Checks an App Proxy request: its signature (constant time, through Web
 * Crypto's verify), its age (a replayed URL is refused after
 * APP_PROXY_MAX_AGE_SECONDS) and that a customer is logged in. Pure: the
 * caller supplies the shop's secret and the clock.
 *
 * @example
 * const verdict = await verifyAppProxy(new URL(request.url).searchParams, shopifySecret, Date.now());
 * if (!verdict.ok) return new Response(verdict.message, { status: 401 });
 */
export async function verifyAppProxy(query: URLSearchParams, secret: string, now: number): Promise<AppProxyVerdict> {
  const given = query.get('signature');
  if (!given) return { ok: false, reason: 'missing_signature', message: MISSING_SIGNATURE };
  const signature = decodeHex(given);
  if (!signature || !(await verifyHmacSha256(secret, encoder.encode(appProxyMessage(query)), signature))) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: 'Storefront session refused: the App Proxy signature does not match the query signed with the app\'s client secret (SHOPIFY_WEBHOOK_SECRET). Something changed the query, or it was not signed by Shopify.',
    };
  }
  const timestamp = Number(query.get('timestamp'));
  const age = now / 1000 - timestamp;
  if (!query.get('timestamp') || !Number.isFinite(timestamp) || age > APP_PROXY_MAX_AGE_SECONDS || age < -APP_PROXY_MAX_SKEW_SECONDS) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: `Storefront session refused: the App Proxy request was signed at ${query.get('timestamp') || '(no timestamp)'}, more than ${APP_PROXY_MAX_AGE_SECONDS} seconds from now. Signed URLs are single-use in spirit: reload the page to get a fresh one.`,
    };
  }
  const customerId = (query.get('logged_in_customer_id') ?? '').trim();
  if (!customerId) {
    return {
      ok: false,
      reason: 'not_logged_in',
      message: 'Storefront session refused: the visitor is not logged in to the shop. Show the card only to logged-in customers.',
    };
  }
  return { ok: true, shop: (query.get('shop') ?? '').toLowerCase(), customerId };
}

/** A stable UUID for a storefront customer, derived from who Shopify says they are. */
async function customerUuid(subject: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(subject))).slice(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x80; // version 8: a custom, name-based UUID
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...hash].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The claims of a storefront customer token; `tessera_customer` is what row-level security reads (0017). */
export interface StorefrontClaims extends Claims {
  role: 'authenticated';
  tessera_customer: { workspace_id: string; profile_id: string; customer: string };
}

/**
 * Mints the customer's token: HS256 with the server's JWT secret, 15 minutes.
 * `sub` is a UUID because auth.uid() (Supabase's and ours) casts it to one;
 * the readable `shopify-customer:{shop}:{id}` is in `tessera_customer.customer`.
 * The customer is no member of any workspace, so nothing staff can read is
 * theirs; 0017's policies let them read their own person and nothing else.
 */
export async function mintStorefrontToken(
  jwtSecret: string,
  customer: { workspaceId: string; profileId: string; shop: string; customerId: string },
  now: number,
): Promise<{ access_token: string; expires_at: number; profile_id: string }> {
  const subject = `shopify-customer:${customer.shop}:${customer.customerId}`;
  const expiresAt = Math.floor(now / 1000) + STOREFRONT_TOKEN_SECONDS;
  const claims: StorefrontClaims = {
    role: 'authenticated',
    aud: 'authenticated',
    sub: await customerUuid(subject),
    tessera_customer: { workspace_id: customer.workspaceId, profile_id: customer.profileId, customer: subject },
  };
  return { access_token: await signToken(jwtSecret, claims, expiresAt), expires_at: expiresAt, profile_id: customer.profileId };
}

/** Finds the person a Shopify customer id belongs to (the root profile, following merges), or null. */
export function createCustomerDirectory(db: Queryable) {
  return async function findCustomer(workspaceId: string, customerId: string): Promise<string | null> {
    const [row] = await db.query<{ id: string }>(
      `select coalesce(p.merged_into, p.id)::text as id
         from public.identities i
         join public.profiles p on p.workspace_id = i.workspace_id and p.id = i.profile_id
        where i.workspace_id = $1 and i.kind = 'shopify_customer' and i.value = tessera.normalise_identity('shopify_customer', $2)
          and p.erased_at is null`,
      [workspaceId, customerId],
    );
    return row?.id ?? null;
  };
}

export interface StorefrontSessionContext {
  /** The workspace and app secret of a shop: the same registry webhooks use. */
  findConnection(source: string, account: string): Promise<Connection | null>;
  findCustomer(workspaceId: string, customerId: string): Promise<string | null>;
  jwtSecret: string;
  now?: () => number;
}

function reply(status: number, body: Record<string, unknown>): Response {
  // A token is personal: no shared cache (Shopify's, a CDN's) may keep it.
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

/**
 * `GET /functions/v1/storefront-session` (the App Proxy's target): verifies
 * the signed query and answers `{ access_token, expires_at, profile_id }` for
 * the logged-in customer. 401 for an unsigned, forged or stale request or
 * nobody logged in; 404 for an unknown shop or a customer with no profile yet.
 */
export async function handleStorefrontSession(request: Request, context: StorefrontSessionContext): Promise<Response> {
  if (request.method !== 'GET') return reply(405, { error: 'Storefront sessions are GET requests through the App Proxy' });
  const query = new URL(request.url).searchParams;
  const shop = (query.get('shop') ?? '').toLowerCase();
  // Unsigned requests are refused before the shop is looked up: they learn nothing about which shops are connected.
  if (!query.get('signature')) return reply(401, { error: MISSING_SIGNATURE, code: 'missing_signature' });
  const connection = shop ? await context.findConnection('shopify', shop) : null;
  if (!connection) {
    return reply(404, { error: shop ? `No Shopify connection for shop ${shop}: connect the shop to a workspace first` : 'The shop parameter is missing', code: 'unknown_shop' });
  }
  const now = context.now?.() ?? Date.now();
  const verdict = await verifyAppProxy(query, connection.secret, now);
  if (!verdict.ok) return reply(401, { error: verdict.message, code: verdict.reason });
  const profileId = await context.findCustomer(connection.workspaceId, verdict.customerId);
  if (!profileId) {
    return reply(404, { error: `Customer ${verdict.customerId} of ${shop} has no Tessera profile yet (their first webhook has not arrived)`, code: 'no_profile' });
  }
  return reply(200, await mintStorefrontToken(context.jwtSecret, { workspaceId: connection.workspaceId, profileId, shop, customerId: verdict.customerId }, now));
}
