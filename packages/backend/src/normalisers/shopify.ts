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
    put('postcode', text(address.zip));
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

/**
 * Who an order (or a checkout) is about: its customer, email and phone, and
 * the order id itself, so that a refund (which names only its order) finds
 * the same person whatever order the webhooks arrive in.
 */
function orderIdentities(order: Json, orderId: string | null): IdentityClaim[] {
  const customer = isObject(order.customer) ? order.customer : null;
  const country = countryOf(order.billing_address, order.shipping_address, customer?.default_address);
  const identities: IdentityClaim[] = customer ? customerIdentities(customer, country) : [];
  const add = (kind: string, value: string | null) => {
    if (value && !identities.some((i) => i.kind === kind && i.value === value)) identities.push({ kind, value });
  };
  add('email', toEmail(order.email) ?? toEmail(order.contact_email));
  add('phone', toE164(order.phone, country) ?? toE164(isObject(order.billing_address) ? order.billing_address.phone : null, country));
  if (orderId) add('shopify_order', orderId);
  return identities;
}

function normaliseOrder(delivery: RawDelivery): Normalised {
  const order = requirePayload(delivery, 'order');
  const id = shopifyId(order, 'order');
  const customer = isObject(order.customer) ? order.customer : null;
  const country = countryOf(order.billing_address, order.shipping_address, customer?.default_address);

  const identities = orderIdentities(order, id);
  if (identities.length === 1) {
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

/** Money never collected: cancelling such an order takes its total back out of lifetime revenue. */
const UNCOLLECTED = new Set(['pending', 'authorized', 'voided', 'expired']);

/** orders/paid, orders/fulfilled, orders/cancelled: what happened to an order after it was placed. */
function normaliseOrderChange(type: 'order_paid' | 'order_fulfilled' | 'order_cancelled', at: string) {
  return (delivery: RawDelivery): Normalised => {
    const order = requirePayload(delivery, 'order');
    const id = shopifyId(order, 'order');
    const total = money(order.current_total_price ?? order.total_price);
    // Revenue is counted once, when the order is placed; refunds subtract what
    // was paid back. A cancelled order whose money was never collected is the
    // one case that must also come back out.
    const revenue =
      type === 'order_cancelled' && UNCOLLECTED.has(String(order.financial_status)) && total !== null && order.test !== true ? -total : null;
    const currency = text(order.currency);
    return {
      kind: 'record',
      record: {
        observed_at: observedAt(delivery, order),
        identities: orderIdentities(order, id),
        traits: [],
        events: [
          {
            external_id: `shopify:order:${id}:${type.slice('order_'.length)}`,
            type,
            occurred_at: optionalTimestamp(order[at]) ?? optionalTimestamp(order.updated_at) ?? delivery.triggeredAt ?? delivery.receivedAt,
            revenue,
            currency: currency && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : null,
            properties: {
              order_id: id,
              name: text(order.name),
              financial_status: text(order.financial_status),
              fulfillment_status: text(order.fulfillment_status),
              ...(type === 'order_cancelled' ? { cancel_reason: text(order.cancel_reason) } : {}),
            },
          },
        ],
        unrecognised: unrecognised(order, ORDER_FIELDS),
      },
    };
  };
}

/** refunds/create names only its order: the order id identifies the person. */
function normaliseRefund(delivery: RawDelivery): Normalised {
  const refund = requirePayload(delivery, 'refund');
  const id = shopifyId(refund, 'refund');
  const orderId = refund.order_id == null ? null : String(refund.order_id);
  if (!orderId || !/^\d+$/.test(orderId)) throw new NormaliseError(`Shopify refund ${id} has no order_id, so it cannot be tied to an order`);
  const transactions = Array.isArray(refund.transactions) ? refund.transactions.filter(isObject) : [];
  const paidBack = transactions.filter((t) => t.kind === 'refund' && t.status === 'success');
  const amount = paidBack.reduce((sum, t) => sum + (money(t.amount) ?? 0), 0);
  const currency = text(paidBack[0]?.currency);
  return {
    kind: 'record',
    record: {
      observed_at: delivery.triggeredAt ?? optionalTimestamp(refund.created_at) ?? delivery.receivedAt,
      identities: [{ kind: 'shopify_order', value: orderId }],
      traits: [],
      events: [
        {
          external_id: `shopify:refund:${id}`,
          type: 'refund_issued',
          occurred_at: timestamp(refund.processed_at ?? refund.created_at, refund.processed_at ? 'processed_at' : 'created_at'),
          revenue: paidBack.length ? -Math.round(amount * 100) / 100 : null,
          currency: currency && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : null,
          properties: {
            order_id: orderId,
            note: text(refund.note),
            items: (Array.isArray(refund.refund_line_items) ? refund.refund_line_items.filter(isObject) : []).map((line) => ({
              title: isObject(line.line_item) ? text(line.line_item.title) : null,
              quantity: typeof line.quantity === 'number' ? line.quantity : null,
              restocked: line.restock_type != null && line.restock_type !== 'no_restock',
            })),
          },
        },
      ],
      unrecognised: [],
    },
  };
}

/**
 * checkouts/create and checkouts/update: a cart someone started paying for.
 * An abandoned cart is a started checkout never completed; completion is its
 * own event. A checkout with no email, phone or customer is nobody yet.
 */
function normaliseCheckout(delivery: RawDelivery): Normalised {
  const checkout = requirePayload(delivery, 'checkout');
  const token = text(checkout.token) ?? (checkout.id == null ? null : String(checkout.id));
  if (!token) throw new NormaliseError('Shopify checkout has neither token nor id');
  const identities = orderIdentities(checkout, null);
  if (identities.length === 0) return { kind: 'ignored', reason: `Shopify checkout ${token} has no email, phone or customer yet` };
  const currency = text(checkout.currency) ?? text(checkout.presentment_currency);
  const lineItems = Array.isArray(checkout.line_items) ? checkout.line_items.filter(isObject) : [];
  const properties = {
    checkout_token: token,
    value: money(checkout.total_price),
    currency: currency?.toUpperCase() ?? null,
    items: lineItems.slice(0, 50).map((item) => ({ title: text(item.title), quantity: typeof item.quantity === 'number' ? item.quantity : null, price: money(item.price) })),
    recovery_url: text(checkout.abandoned_checkout_url),
  };
  const events: EventClaim[] = [
    { external_id: `shopify:checkout:${token}:started`, type: 'checkout_started', occurred_at: timestamp(checkout.created_at, 'created_at'), properties },
  ];
  const completed = optionalTimestamp(checkout.completed_at);
  if (completed) events.push({ external_id: `shopify:checkout:${token}:completed`, type: 'checkout_completed', occurred_at: completed, properties });
  const customer = isObject(checkout.customer) ? checkout.customer : null;
  return {
    kind: 'record',
    record: {
      observed_at: observedAt(delivery, checkout),
      identities,
      traits: customer ? customerTraits(customer, countryOf(checkout.billing_address, checkout.shipping_address)) : [],
      events,
      unrecognised: [],
    },
  };
}

/** customers/delete: the shop deleted its customer record (not a privacy erasure: that is customers/redact). */
function normaliseCustomerDeleted(delivery: RawDelivery): Normalised {
  const customer = requirePayload(delivery, 'customer');
  const id = shopifyId(customer, 'customer');
  const at = delivery.triggeredAt ?? delivery.receivedAt;
  return {
    kind: 'record',
    record: {
      observed_at: at,
      identities: [{ kind: 'shopify_customer', value: id }],
      traits: [{ name: 'shopify_account_state', value: 'deleted' }],
      events: [{ external_id: `shopify:customer:${id}:deleted`, type: 'customer_deleted', occurred_at: at, properties: { shopify_customer_id: id } }],
      unrecognised: [],
    },
  };
}

/** customers/merge: Shopify fused two of its customers; the deleted id is now an alias of the kept one. */
function normaliseCustomerMerge(delivery: RawDelivery): Normalised {
  const payload = requirePayload(delivery, 'customer merge');
  const idOf = (field: string) => {
    const gid = typeof payload[field] === 'string' ? /\/Customer\/(\d+)$/.exec(payload[field] as string)?.[1] : undefined;
    if (!gid) throw new NormaliseError(`Shopify customers/merge field ${field} is not a customer GID`);
    return gid;
  };
  const kept = idOf('admin_graphql_api_customer_kept_id');
  const deleted = idOf('admin_graphql_api_customer_deleted_id');
  if (String(payload.status).toLowerCase() !== 'completed') {
    return { kind: 'ignored', reason: `Shopify merge of customer ${deleted} into ${kept} is ${String(payload.status)}, not completed` };
  }
  return {
    kind: 'merge',
    merge: {
      kept: { kind: 'shopify_customer', value: kept },
      merged: { kind: 'shopify_customer', value: deleted },
      reason: `Shopify merged customer ${deleted} into ${kept}`,
    },
  };
}

/** The customer a privacy webhook is about, as every identity Shopify gives for them. */
function privacySubject(payload: Json): IdentityClaim[] {
  const customer = isObject(payload.customer) ? payload.customer : {};
  const identities: IdentityClaim[] = [];
  if (customer.id != null && /^\d+$/.test(String(customer.id))) identities.push({ kind: 'shopify_customer', value: String(customer.id) });
  const email = toEmail(customer.email);
  if (email) identities.push({ kind: 'email', value: email });
  const phone = toE164(customer.phone);
  if (phone) identities.push({ kind: 'phone', value: phone });
  const orders = [payload.orders_to_redact, payload.orders_requested].find(Array.isArray) ?? [];
  for (const order of orders) if (/^\d+$/.test(String(order))) identities.push({ kind: 'shopify_order', value: String(order) });
  return identities;
}

/** The mandatory privacy webhooks: customers/data_request, customers/redact, shop/redact. */
function normalisePrivacy(action: 'erase' | 'export' | 'erase_account') {
  return (delivery: RawDelivery): Normalised => {
    const payload = requirePayload(delivery, 'privacy request');
    const shop = text(payload.shop_domain) ?? delivery.headers['x-shopify-shop-domain'] ?? null;
    if (action === 'erase_account') {
      if (!shop) throw new NormaliseError('Shopify shop/redact names no shop_domain');
      return { kind: 'privacy', request: { action, identities: [], reference: payload.shop_id == null ? null : String(payload.shop_id), account: shop } };
    }
    const identities = privacySubject(payload);
    if (identities.length === 0) throw new NormaliseError(`Shopify ${delivery.topic} names no customer id, email, phone or order`);
    const request = isObject(payload.data_request) && payload.data_request.id != null ? String(payload.data_request.id) : null;
    const customerId = identities.find((i) => i.kind === 'shopify_customer')?.value ?? null;
    return { kind: 'privacy', request: { action, identities, reference: request ?? customerId, account: shop } };
  };
}

const TOPICS: Record<string, Normaliser> = {
  'customers/create': normaliseCustomer,
  'customers/update': normaliseCustomer,
  'customers/delete': normaliseCustomerDeleted,
  'customers/merge': normaliseCustomerMerge,
  'orders/create': normaliseOrder,
  'orders/paid': normaliseOrderChange('order_paid', 'processed_at'),
  'orders/fulfilled': normaliseOrderChange('order_fulfilled', 'updated_at'),
  'orders/cancelled': normaliseOrderChange('order_cancelled', 'cancelled_at'),
  'refunds/create': normaliseRefund,
  'checkouts/create': normaliseCheckout,
  'checkouts/update': normaliseCheckout,
  'customers/data_request': normalisePrivacy('export'),
  'customers/redact': normalisePrivacy('erase'),
  'shop/redact': normalisePrivacy('erase_account'),
};

/** The Shopify normaliser: topics it does not handle yet are kept raw and reported as ignored. */
export const normaliseShopify: Normaliser = (delivery) => {
  const normalise = TOPICS[delivery.topic];
  if (!normalise) return { kind: 'ignored', reason: `Shopify topic ${delivery.topic} is stored but not processed yet` };
  return normalise(delivery);
};

export const SHOPIFY_TOPICS = Object.keys(TOPICS);
