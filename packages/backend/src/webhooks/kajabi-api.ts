import type { NormalisedRecord } from '../normalisers/record.ts';

/**
 * Confirming a Kajabi delivery with Kajabi's own API before it is trusted.
 * The URL secret proves only that the sender knows the URL; where a workspace
 * has configured API credentials, the money-bearing records a delivery claims
 * (a payment transaction, a purchase) are fetched from Kajabi and must exist
 * and agree on amount, currency and customer. Forms and tags are not
 * re-fetched: anyone may submit a Kajabi form, and no money rides on tags.
 *
 * API: developers.kajabi.com/api-reference. `POST /v1/oauth/token` with
 * grant_type=client_credentials gives a bearer token; `GET /v1/transactions/{id}`
 * and `GET /v1/purchases/{id}` answer JSON:API documents `{ data: { id, type,
 * attributes, relationships } }`.
 */

export interface KajabiResource {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, unknown>;
}

/** Kajabi's API as far as trust needs it. Each method answers null when Kajabi has no such record, and throws when Kajabi cannot be asked. */
export interface KajabiApi {
  fetchPurchase(id: string): Promise<KajabiResource | null>;
  fetchTransaction(id: string): Promise<KajabiResource | null>;
}

export type Confirmation =
  | { kind: 'confirmed'; checked: number }
  /** Kajabi does not have, or disagrees with, what the delivery claims. */
  | { kind: 'refuted'; reason: string }
  /** Kajabi could not be asked (network, credentials, outage): neither trusted nor refuted. */
  | { kind: 'unavailable'; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function relatedId(resource: KajabiResource, name: string): string | null {
  const relation = resource.relationships?.[name];
  const data = isObject(relation) ? relation.data : null;
  return isObject(data) && data.id != null ? String(data.id) : null;
}

/** Where Kajabi's record differs from the delivery's claim, in words; null when they agree. */
function disagreement(what: string, claim: Record<string, unknown>, found: KajabiResource): string | null {
  const amount = found.attributes.amount_in_cents;
  if (typeof claim.amount_in_cents === 'number' && typeof amount === 'number' && claim.amount_in_cents !== amount) {
    return `${what}: the delivery says amount_in_cents ${claim.amount_in_cents}, Kajabi's API says ${amount}`;
  }
  const currency = typeof found.attributes.currency === 'string' ? found.attributes.currency.toUpperCase() : null;
  if (typeof claim.currency === 'string' && currency && claim.currency !== currency) {
    return `${what}: the delivery says currency ${claim.currency}, Kajabi's API says ${currency}`;
  }
  const customer = relatedId(found, 'customer');
  if (typeof claim.customer_id === 'string' && customer && claim.customer_id !== customer) {
    return `${what}: the delivery names customer ${claim.customer_id}, Kajabi's API names ${customer}`;
  }
  return null;
}

/** Checks every payment and purchase a normalised Kajabi record claims against Kajabi's API. */
export async function confirmWithKajabi(record: NormalisedRecord, api: KajabiApi): Promise<Confirmation> {
  let checked = 0;
  for (const event of record.events) {
    const claim = event.properties ?? {};
    const lookup =
      event.type === 'payment_succeeded' && typeof claim.transaction_id === 'string'
        ? { what: `transaction ${claim.transaction_id}`, fetch: () => api.fetchTransaction(claim.transaction_id as string) }
        : event.type === 'offer_purchased' && typeof claim.purchase_id === 'string'
          ? { what: `purchase ${claim.purchase_id}`, fetch: () => api.fetchPurchase(claim.purchase_id as string) }
          : null;
    if (!lookup) continue;
    let found: KajabiResource | null;
    try {
      found = await lookup.fetch();
    } catch (error) {
      return { kind: 'unavailable', reason: `Kajabi's API could not confirm ${lookup.what}: ${(error as Error).message}` };
    }
    if (!found) return { kind: 'refuted', reason: `Kajabi's API has no ${lookup.what}` };
    const differs = disagreement(lookup.what, claim, found);
    if (differs) return { kind: 'refuted', reason: differs };
    checked += 1;
  }
  return { kind: 'confirmed', checked };
}

export interface KajabiApiOptions {
  clientId: string;
  clientSecret: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per request: Kajabi waits for our answer while we ask, so this stays short. */
  timeoutMs?: number;
}

/**
 * A KajabiApi over HTTP with client credentials (a "User API Key" from the
 * Kajabi admin, Settings → Public API). The access token is reused until
 * shortly before it expires.
 */
export function createKajabiApi({ clientId, clientSecret, baseUrl = 'https://api.kajabi.com', fetch: fetcher = fetch, timeoutMs = 5000 }: KajabiApiOptions): KajabiApi {
  let token: { value: string; expiresAt: number } | null = null;

  async function accessToken(): Promise<string> {
    if (token && token.expiresAt > Date.now()) return token.value;
    const response = await fetcher(`${baseUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`POST /v1/oauth/token answered ${response.status}: check the Kajabi API client id and secret`);
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('POST /v1/oauth/token answered without an access_token');
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetime - 60) * 1000 };
    return token.value;
  }

  async function get(path: string): Promise<KajabiResource | null> {
    const response = await fetcher(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${await accessToken()}`, accept: 'application/vnd.api+json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 404) return null;
    if (response.status === 401) token = null; // revoked or rotated: ask for a new one next time
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    const document = (await response.json()) as { data?: unknown };
    if (!isObject(document.data) || !isObject(document.data.attributes)) throw new Error(`GET ${path} answered without a JSON:API resource`);
    return document.data as unknown as KajabiResource;
  }

  return {
    fetchPurchase: (id) => get(`/v1/purchases/${encodeURIComponent(id)}`),
    fetchTransaction: (id) => get(`/v1/transactions/${encodeURIComponent(id)}`),
  };
}
