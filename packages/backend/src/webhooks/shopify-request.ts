import { encodeBase64, signHmacSha256 } from './hmac.ts';

export interface ShopifyDeliveryToSend {
  topic: string;
  shop: string;
  /** The exact body: the signature covers these bytes. */
  body: string;
  /** Shopify's id for the event; a retry sends the same one. */
  eventId: string;
  triggeredAt?: string;
}

/**
 * A webhook request as Shopify sends one: its headers, and the body signed
 * with the app's secret (base64 HMAC-SHA256 of the exact bytes). The CLI's
 * `tessera webhook shopify` and every test or bench that plays Shopify use it.
 */
export async function shopifyWebhookRequest(secret: string, delivery: ShopifyDeliveryToSend): Promise<RequestInit & { headers: Record<string, string> }> {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': delivery.topic,
      'x-shopify-shop-domain': delivery.shop,
      'x-shopify-api-version': '2025-10',
      'x-shopify-event-id': delivery.eventId,
      'x-shopify-webhook-id': `wh-${delivery.eventId}`,
      'x-shopify-triggered-at': delivery.triggeredAt ?? new Date().toISOString(),
      'x-shopify-hmac-sha256': encodeBase64(await signHmacSha256(secret, delivery.body)),
    },
    body: delivery.body,
  };
}
