import { toE164, toEmail } from './identity.ts';
import {
  NormaliseError,
  type EventClaim,
  type IdentityClaim,
  type Normalised,
  type Normaliser,
  type RawDelivery,
  type TraitClaim,
} from './record.ts';

/**
 * Shopify webhooks (REST-shaped JSON payloads) → identities, traits, events.
 * Pure: no I/O, the same delivery always gives the same record.
 */

type Json = Record<string, unknown>;

// Fields of the payloads that are known, whether used or deliberately left
// alone; anything else is reported as unrecognised (a field Shopify added).
const CUSTOMER_FIELDS = new Set([
  'id', 'admin_graphql_api_id', 'email', 'created_at', 'updated_at', 'first_name', 'last_name', 'orders_count', 'state',
  'total_spent', 'last_order_id', 'note', 'verified_email', 'multipass_identifier', 'tax_exempt', 'tags', 'last_order_name',
  'currency', 'phone', 'addresses', 'default_address', 'tax_exemptions', 'email_marketing_consent', 'sms_marketing_consent',
  'accepts_marketing', 'accepts_marketing_updated_at', 'marketing_opt_in_level',
]);
const ORDER_FIELDS = new Set([
  'id', 'admin_graphql_api_id', 'app_id', 'browser_ip', 'buyer_accepts_marketing', 'cancel_reason', 'cancelled_at', 'cart_token',
  'checkout_id', 'checkout_token', 'client_details', 'closed_at', 'company', 'confirmation_number', 'confirmed', 'contact_email',
  'created_at', 'currency', 'current_subtotal_price', 'current_subtotal_price_set', 'current_total_additional_fees_set',
  'current_total_discounts', 'current_total_discounts_set', 'current_total_duties_set', 'current_total_price',
  'current_total_price_set', 'current_total_tax', 'current_total_tax_set', 'customer_locale', 'device_id', 'discount_codes',
  'duties_included', 'email', 'estimated_taxes', 'financial_status', 'fulfillment_status', 'landing_site', 'landing_site_ref',
  'location_id', 'merchant_business_entity_id', 'merchant_of_record_app_id', 'name', 'note', 'note_attributes', 'number',
  'order_number', 'order_status_url', 'original_total_additional_fees_set', 'original_total_duties_set', 'payment_gateway_names',
  'phone', 'po_number', 'presentment_currency', 'processed_at', 'reference', 'referring_site', 'source_identifier', 'source_name',
  'source_url', 'subtotal_price', 'subtotal_price_set', 'tags', 'tax_exempt', 'tax_lines', 'taxes_included', 'test', 'token',
  'total_cash_rounding_payment_adjustment_set', 'total_cash_rounding_refund_adjustment_set', 'total_discounts',
  'total_discounts_set', 'total_line_items_price', 'total_line_items_price_set', 'total_outstanding', 'total_price',
  'total_price_set', 'total_shipping_price_set', 'total_tax', 'total_tax_set', 'total_tip_received', 'total_weight', 'updated_at',
  'user_id', 'billing_address', 'customer', 'discount_applications', 'fulfillments', 'line_items', 'payment_terms', 'refunds',
  'shipping_address', 'shipping_lines', 'returns', 'line_item_groups',
]);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/** Shopify ids can exceed 2^53 in test payloads: the GraphQL id keeps every digit, so it wins over the number. */
function shopifyId(resource: Json, what: string): string {
  const gid = typeof resource.admin_graphql_api_id === 'string' ? /\/(\d+)$/.exec(resource.admin_graphql_api_id)?.[1] : undefined;
  if (gid) return gid;
  if (typeof resource.id === 'number' && Number.isSafeInteger(resource.id) && resource.id > 0) return String(resource.id);
  if (typeof resource.id === 'string' && /^\d+$/.test(resource.id)) return resource.id;
  throw new NormaliseError(`Shopify ${what} has no usable id (expected a positive integer "id" or "admin_graphql_api_id")`);
}

function timestamp(value: unknown, field: string): string {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  if (!parsed || Number.isNaN(parsed.getTime())) throw new NormaliseError(`Shopify payload field ${field} is not a timestamp: ${JSON.stringify(value)}`);
  return parsed.toISOString();
}

const optionalTimestamp = (value: unknown): string | null => {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : null;
};

function money(value: unknown): number | null {
  const amount = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(amount) ? Math.round(amount * 100) / 100 : null;
}

const unrecognised = (payload: Json, known: Set<string>, prefix = '') =>
  Object.keys(payload).filter((key) => !known.has(key)).map((key) => prefix + key);

function countryOf(...addresses: unknown[]): string | null {
  for (const address of addresses) if (isObject(address) && text(address.country_code)) return text(address.country_code);
  return null;
}

/** Who a customer object is: their Shopify id, email and phone. */
function customerIdentities(customer: Json, country: string | null): IdentityClaim[] {
  const identities: IdentityClaim[] = [{ kind: 'shopify_customer', value: shopifyId(customer, 'customer') }];
  const email = toEmail(customer.email);
  if (email) identities.push({ kind: 'email', value: email });
  const phone = toE164(customer.phone, country);
  if (phone) identities.push({ kind: 'phone', value: phone });
  return identities;
}

/** What a customer object says about the person; absent fields say nothing, null ones clear the value. */
function customerTraits(customer: Json, country: string | null): TraitClaim[] {
  const traits: TraitClaim[] = [];
  const put = (name: string, value: unknown) => {
    if (value !== undefined) traits.push({ name, value });
  };
  put('first_name', customer.first_name === undefined ? undefined : text(customer.first_name));
  put('last_name', customer.last_name === undefined ? undefined : text(customer.last_name));
  put('email', customer.email === undefined ? undefined : toEmail(customer.email));
  put('phone', customer.phone === undefined ? undefined : toE164(customer.phone, country));
  if (customer.note !== undefined) put('note', text(customer.note));
  if (typeof customer.tags === 'string') put('tags', customer.tags.split(',').map((t) => t.trim()).filter(Boolean));
  if (typeof customer.verified_email === 'boolean') put('verified_email', customer.verified_email);
  if (typeof customer.state === 'string') put('shopify_account_state', customer.state);
  const emailConsent = isObject(customer.email_marketing_consent) ? customer.email_marketing_consent.state : undefined;
  if (typeof emailConsent === 'string') put('accepts_email_marketing', emailConsent === 'subscribed');
  else if (typeof customer.accepts_marketing === 'boolean') put('accepts_email_marketing', customer.accepts_marketing);
  const smsConsent = isObject(customer.sms_marketing_consent) ? customer.sms_marketing_consent.state : undefined;
  if (typeof smsConsent === 'string') put('accepts_sms_marketing', smsConsent === 'subscribed');
  const address = isObject(customer.default_address) ? customer.default_address : undefined;
  if (address) {
    put('city', text(address.city));
    put('province_code', text(address.province_code));
    put('country_code', text(address.country_code) ?? country);
  }
  return traits;
}

function requirePayload(delivery: RawDelivery, what: string): Json {
  if (!isObject(delivery.body)) throw new NormaliseError(`Shopify ${delivery.topic} body must be a JSON object (a ${what})`);
  return delivery.body;
}

function observedAt(delivery: RawDelivery, payload: Json): string {
  return delivery.triggeredAt ?? optionalTimestamp(payload.updated_at) ?? delivery.receivedAt;
}

function normaliseCustomer(delivery: RawDelivery): Normalised {
  const customer = requirePayload(delivery, 'customer');
  const country = countryOf(customer.default_address, ...(Array.isArray(customer.addresses) ? customer.addresses : []));
  const id = shopifyId(customer, 'customer');
  const events: EventClaim[] = [];
  if (delivery.topic === 'customers/create') {
    events.push({
      external_id: `shopify:customer:${id}:created`,
      type: 'customer_created',
      occurred_at: timestamp(customer.created_at, 'created_at'),
      properties: { shopify_customer_id: id, shop_domain: delivery.headers['x-shopify-shop-domain'] ?? null },
    });
  }
  return {
    kind: 'record',
    record: {
      observed_at: observedAt(delivery, customer),
      identities: customerIdentities(customer, country),
      traits: customerTraits(customer, country),
      events,
      unrecognised: unrecognised(customer, CUSTOMER_FIELDS),
    },
  };
}

function normaliseOrder(delivery: RawDelivery): Normalised {
  const order = requirePayload(delivery, 'order');
  const id = shopifyId(order, 'order');
  const customer = isObject(order.customer) ? order.customer : null;
  const country = countryOf(order.billing_address, order.shipping_address, customer?.default_address);

  const identities: IdentityClaim[] = customer ? customerIdentities(customer, country) : [];
  const email = toEmail(order.email) ?? toEmail(order.contact_email);
  if (email && !identities.some((i) => i.kind === 'email' && i.value === email)) identities.push({ kind: 'email', value: email });
  const phone = toE164(order.phone, country);
  if (phone && !identities.some((i) => i.kind === 'phone' && i.value === phone)) identities.push({ kind: 'phone', value: phone });
  if (identities.length === 0) {
    throw new NormaliseError(`Shopify order ${id} names no customer, email or phone, so it cannot be tied to a person`);
  }

  const traits = customer ? customerTraits(customer, country) : [];
  const billing = isObject(order.billing_address) ? order.billing_address : null;
  if (!customer && billing) {
    if (text(billing.first_name)) traits.push({ name: 'first_name', value: text(billing.first_name) });
    if (text(billing.last_name)) traits.push({ name: 'last_name', value: text(billing.last_name) });
  }

  const lineItems = Array.isArray(order.line_items) ? order.line_items.filter(isObject) : [];
  const isTest = order.test === true;
  const currency = text(order.currency);
  const event: EventClaim = {
    external_id: `shopify:order:${id}:placed`,
    type: 'order_placed',
    occurred_at: timestamp(order.processed_at ?? order.created_at, order.processed_at ? 'processed_at' : 'created_at'),
    // Test orders are kept for the record but bring in no money.
    revenue: isTest ? null : money(order.current_total_price ?? order.total_price),
    currency: currency && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : null,
    properties: {
      order_id: id,
      name: text(order.name),
      item_count: lineItems.reduce((sum, item) => sum + (typeof item.quantity === 'number' ? item.quantity : 0), 0),
      items: lineItems.slice(0, 50).map((item) => ({
        title: text(item.title) ?? text(item.name),
        quantity: typeof item.quantity === 'number' ? item.quantity : null,
        price: money(item.price),
        sku: text(item.sku),
        product_id: item.product_id == null ? null : String(item.product_id),
      })),
      financial_status: text(order.financial_status),
      fulfillment_status: text(order.fulfillment_status),
      source_name: text(order.source_name),
      discount_codes: Array.isArray(order.discount_codes)
        ? order.discount_codes.filter(isObject).map((d) => text(d.code)).filter(Boolean)
        : [],
      shop_domain: delivery.headers['x-shopify-shop-domain'] ?? null,
      test: isTest,
    },
  };
  return {
    kind: 'record',
    record: {
      observed_at: observedAt(delivery, order),
      identities,
      traits,
      events: [event],
      unrecognised: [...unrecognised(order, ORDER_FIELDS), ...(customer ? unrecognised(customer, CUSTOMER_FIELDS, 'customer.') : [])],
    },
  };
}

const TOPICS: Record<string, Normaliser> = {
  'customers/create': normaliseCustomer,
  'customers/update': normaliseCustomer,
  'orders/create': normaliseOrder,
};

/** The Shopify normaliser: topics it does not handle yet are kept raw and reported as ignored. */
export const normaliseShopify: Normaliser = (delivery) => {
  const normalise = TOPICS[delivery.topic];
  if (!normalise) return { kind: 'ignored', reason: `Shopify topic ${delivery.topic} is stored but not processed yet` };
  return normalise(delivery);
};

export const SHOPIFY_TOPICS = Object.keys(TOPICS);
