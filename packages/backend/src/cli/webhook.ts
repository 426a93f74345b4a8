import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../local/config.ts';
import { shopifyWebhookRequest } from '../webhooks/shopify-request.ts';

export interface WebhookOptions {
  topic: string;
  url: string;
  dataDir: string;
  shop: string;
  file?: string;
  id?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
}

/**
 * `tessera webhook shopify <topic>`: sends a webhook signed exactly as Shopify
 * signs them (base64 HMAC-SHA256 of the body with the webhook secret), from a
 * file or from a few flags, and prints the answer.
 */
export async function sendShopifyWebhook(options: WebhookOptions) {
  const secret = loadConfig(options.dataDir).secrets.shopify;
  if (!secret) throw new Error('No Shopify webhook secret: set SHOPIFY_WEBHOOK_SECRET, or point --data-dir at the server\'s data directory.');
  const body = options.file ? readFileSync(options.file, 'utf8') : JSON.stringify(customerPayload(options));
  const sentAt = performance.now();
  const request = await shopifyWebhookRequest(secret, { topic: options.topic, shop: options.shop, body, eventId: randomUUID() });
  const response = await fetch(`${options.url.replace(/\/$/, '')}/webhooks/shopify`, request);
  console.log(`${response.status} ${response.statusText} in ${(performance.now() - sentAt).toFixed(1)} ms: ${await response.text()}`);
  if (!response.ok) process.exitCode = 1;
}

/** A customer payload with only the fields given: fields left out say nothing, so they change nothing. */
function customerPayload(options: WebhookOptions) {
  if (!options.id) throw new Error('Give --file payload.json, or at least --id <shopify customer id> (and --email, --first-name, …)');
  const now = new Date().toISOString();
  const given = { email: options.email, first_name: options.firstName, last_name: options.lastName, phone: options.phone };
  return {
    id: Number(options.id),
    admin_graphql_api_id: `gid://shopify/Customer/${options.id}`,
    ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
    updated_at: now,
    ...(options.topic === 'customers/create' ? { created_at: now } : {}),
  };
}
