import type { KajabiTopic } from './kajabi-topic.ts';
import { NormaliseError } from './record.ts';

/**
 * Reads Kajabi's two webhook formats into one model of what happened, so the
 * normaliser decides what Tessera makes of a purchase once, whichever way it
 * arrived. Pure.
 *
 * Sources followed:
 * - Public API hooks: developers.kajabi.com/api-reference/webhooks (the
 *   `*_sample` endpoints and "Actual Payloads": `{ id, event, payload: [...] }`,
 *   payload = JSON:API resources) and the attribute schemas of the OpenAPI
 *   spec (openapi.yaml linked from developers.kajabi.com/api-reference/introduction).
 * - Admin outbound webhooks: help.kajabi.com / developers.kajabi.com "Outbound
 *   webhook data reference": Purchase Created sends `id` (the transaction),
 *   `offer { id, title }`, `member { id (the contact record), email, name,
 *   first_name, last_name }` and the extra contact information collected at
 *   checkout (address_*, ...); the older version of the page lists flat
 *   `member_*`, `contact_address_*`, `opt_in` fields next to `id` and `event`
 *   ("purchase.created"). Integrations in the wild read Payment Succeeded as
 *   `{ event: "payment.succeeded", payment_transaction: { amount_paid, ... },
 *   offer, member }`.
 * Where the documentation we could read stops (the field lists of Payment
 * Succeeded, Cart Purchase and Form Submission, whether `amount_paid` is in
 * cents) the reader is tolerant, says so where it guesses, and reports every
 * field it does not know in `unrecognised`.
 */

type Json = Record<string, unknown>;

export interface KajabiPerson {
  /** The contact (member) id: who the person is in Kajabi, the `kajabi_member` identity. */
  contactId: string | null;
  /** The customer id of API payloads: a different id space from contacts, kept in event properties only. */
  customerId: string | null;
  email: string | null;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  /** ISO 3166 alpha-2, when the payload gives one (Kajabi sometimes sends a country name instead). */
  countryCode: string | null;
  city: string | null;
  /** Whether they agreed to the creator's emails, when the payload says. */
  subscribed: boolean | null;
}

/** An amount in the currency's minor unit (cents), as Kajabi sends `*_in_cents`. */
export interface KajabiMoney {
  minor: number;
  currency: string | null;
}

/** An offer or a form: Kajabi's id and the title the creator gave it. */
export interface KajabiTitled {
  id: string | null;
  title: string | null;
}

/** One payment transaction: the money that actually moved. */
export interface KajabiPayment {
  id: string;
  at: string | null;
  amount: KajabiMoney | null;
  salesTaxMinor: number | null;
  state: string | null;
  action: string | null;
  paymentType: string | null;
  offer: KajabiTitled | null;
}

export type KajabiFact =
  | {
      kind: 'purchase';
      /** `purchase` ids come from API hooks, `transaction` ids from the admin's Purchase Created (its `id`). */
      id: { space: 'purchase' | 'transaction'; value: string };
      at: string | null;
      person: KajabiPerson;
      offer: KajabiTitled | null;
      price: KajabiMoney | null;
      details: Json;
    }
  | { kind: 'payment'; person: KajabiPerson; payment: KajabiPayment }
  | {
      kind: 'order';
      id: string;
      number: string | null;
      at: string | null;
      person: KajabiPerson;
      total: KajabiMoney | null;
      items: { title: string | null; quantity: number | null; itemType: string | null; itemId: string | null; totalMinor: number | null }[];
      payments: KajabiPayment[];
      details: Json;
    }
  | { kind: 'form_submission'; id: string | null; person: KajabiPerson; form: KajabiTitled | null; answers: Json }
  | { kind: 'tag'; change: 'added' | 'removed'; person: KajabiPerson; tag: { id: string | null; name: string }; deliveryId: string | null };

export interface KajabiReading {
  fact: KajabiFact;
  unrecognised: string[];
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);
const id = (value: unknown): string | null =>
  typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' && value.trim() ? value.trim() : null;
const integer = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) ? value : null);
const country = (value: unknown): string | null => {
  const code = text(value);
  return code && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
};
const time = (value: unknown): string | null => {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : null;
};
const currencyCode = (value: unknown): string | null => {
  const code = text(value);
  return code && /^[A-Za-z]{3}$/.test(code) ? code.toUpperCase() : null;
};

/** How many decimals the currency's minor unit has (USD 2, JPY 0, KWD 3), from the runtime's ICU data. */
export function minorUnitDigits(currency: string | null): number {
  if (!currency) return 2;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** A decimal amount ("197.00" or 197) in minor units. */
function decimalToMinor(value: unknown, currency: string | null): number | null {
  const amount = typeof value === 'string' && value.trim() ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(amount) ? Math.round(amount * 10 ** minorUnitDigits(currency)) : null;
}

const money = (minor: number | null, currency: string | null): KajabiMoney | null => (minor === null ? null : { minor, currency });

function unknownKeys(object: Json, known: ReadonlySet<string>, prefix: string): string[] {
  return Object.keys(object).filter((key) => !known.has(key)).map((key) => prefix + key);
}

const emptyPerson = (): KajabiPerson => ({
  contactId: null, customerId: null, email: null, name: null, firstName: null, lastName: null, phone: null, countryCode: null, city: null, subscribed: null,
});

// ---------------------------------------------------------------------------
// Public API hooks: { id, event, payload: [JSON:API resources] }

const RESOURCE_KEYS = new Set(['id', 'type', 'attributes', 'relationships', 'links']);
const ENVELOPE_KEYS = new Set(['id', 'event', 'payload']);
const CONTACT_ADDRESS = ['address_line_1', 'address_line_2', 'address_city', 'address_country', 'address_state', 'address_zip'];
/** Attributes per resource type, from the samples and schemas of the webhooks, purchases and forms APIs. */
const ATTRIBUTES: Record<string, ReadonlySet<string>> = {
  purchases: new Set([
    'amount_in_cents', 'payment_type', 'multipay_payments_made', 'opt_in', 'raw_extra_contact_information', 'currency', 'effective_start_at',
    'cardholder_name', 'billing_address_zip', 'deactivated_at', 'deactivation_reason', 'coupon_code', 'source', 'referrer', 'quantity',
    'created_at', 'updated_at', 'trial', 'trial_end_at', 'payment_plan_total_payments', 'status',
  ]),
  offers: new Set([
    'title', 'description', 'internal_title', 'currency', 'price_in_cents', 'payment_type', 'token', 'image_url', 'payment_method',
    'price_description', 'checkout_url', 'recurring_offer', 'subscription', 'one_time', 'single', 'free',
  ]),
  customers: new Set([
    'name', 'email', 'avatar', 'external_user_id', 'public_bio', 'public_location', 'public_website', 'socials', 'net_revenue',
    'sign_in_count', 'last_request_at', 'bounced_at', 'created_at', 'updated_at',
  ]),
  transactions: new Set(['action', 'state', 'payment_type', 'amount_in_cents', 'sales_tax_in_cents', 'currency', 'currency_symbol', 'formatted_amount', 'created_at']),
  orders: new Set([
    'order_number', 'currency_code', 'fulfilled_at', 'created_at', 'total_price_in_cents', 'subtotal_in_cents', 'sales_tax_amount_in_cents',
    'discount_amount_in_cents', 'formatted_total_price', 'formatted_subtotal', 'currency_symbol',
  ]),
  order_items: new Set([
    'quantity', 'currency_code', 'item_type', 'item_id', 'title', 'fulfilled_at', 'created_at', 'total_price_in_cents', 'subtotal_in_cents',
    'sales_tax_amount_in_cents', 'discount_amount_in_cents', 'formatted_total_price', 'formatted_subtotal', 'currency_symbol',
  ]),
  form_submissions: new Set(['name', 'email', ...CONTACT_ADDRESS, 'phone_number', 'business_number', 'mobile_phone_number', 'custom_1', 'custom_2', 'custom_3']),
  forms: new Set(['url', 'title', 'default', 'webhook_url', 'created_at', 'updated_at']),
  contacts: new Set([
    'name', 'email', ...CONTACT_ADDRESS, 'phone_number', 'business_number', 'subscribed', 'external_user_id', 'created_at', 'updated_at',
    'custom_1', 'custom_2', 'custom_3',
  ]),
  contact_tags: new Set(['name']),
  sites: new Set([]),
};

/** The resources of one hook payload, and lookups over them. */
function hookResources(list: Json[], topic: KajabiTopic) {
  const all = (type: string) => list.filter((resource) => resource.type === type);
  const one = (type: string): Json | null => all(type)[0] ?? null;
  return {
    all,
    one,
    required(type: string): Json {
      const found = one(type);
      if (!found) throw new NormaliseError(`Kajabi ${topic} hook payload has no "${type}" resource, so there is nothing to record`);
      return found;
    },
    /** The resource a relationship points at (`relationships.<name>.data`), falling back to the only one of its type. */
    related(resource: Json, name: string, type: string): Json | null {
      const wanted = relatedId(resource, name);
      return all(type).find((candidate) => id(candidate.id) === wanted) ?? one(type);
    },
    unrecognised(): string[] {
      return list.flatMap((resource) => {
        const type = String(resource.type);
        const known = ATTRIBUTES[type];
        if (!known) return [`payload.${type}`];
        return [
          ...unknownKeys(resource, RESOURCE_KEYS, `payload.${type}.`),
          ...(isObject(resource.attributes) ? unknownKeys(resource.attributes, known, `payload.${type}.attributes.`) : []),
        ];
      });
    },
  };
}

const attr = (object: unknown, key: string): unknown => (isObject(object) ? object[key] : undefined);
const attrs = (resource: Json | null): Json => (resource && isObject(resource.attributes) ? resource.attributes : {});

function relatedId(resource: Json, name: string): string | null {
  const data = attr(attr(resource.relationships, name), 'data');
  return isObject(data) ? id(data.id) : null;
}

/** A person from a `customers`, `contacts` or `form_submissions` resource. */
function resourcePerson(resource: Json | null): KajabiPerson {
  const person = emptyPerson();
  if (!resource) return person;
  const a = attrs(resource);
  if (resource.type === 'customers') {
    person.customerId = id(resource.id);
    person.contactId = relatedId(resource, 'contact');
  }
  if (resource.type === 'contacts') {
    person.contactId = id(resource.id);
    if (typeof a.subscribed === 'boolean') person.subscribed = a.subscribed;
  }
  person.email = text(a.email);
  person.name = text(a.name);
  person.phone = text(a.phone_number) ?? text(a.mobile_phone_number);
  person.countryCode = country(a.address_country);
  person.city = text(a.address_city);
  return person;
}

function titled(resource: Json | null): KajabiTitled | null {
  return resource ? { id: id(resource.id), title: text(attrs(resource).title) } : null;
}

function resourcePayment(transaction: Json, offer: KajabiTitled | null, topic: KajabiTopic): KajabiPayment {
  const a = attrs(transaction);
  const transactionId = id(transaction.id);
  if (!transactionId) throw new NormaliseError(`Kajabi ${topic} hook payload has a transaction without an id`);
  const currency = currencyCode(a.currency);
  return {
    id: transactionId,
    at: time(a.created_at),
    amount: money(integer(a.amount_in_cents), currency),
    salesTaxMinor: integer(a.sales_tax_in_cents),
    state: text(a.state),
    action: text(a.action),
    paymentType: text(a.payment_type),
    offer,
  };
}

function readHook(topic: KajabiTopic, envelope: Json | null, list: unknown[]): KajabiReading {
  const resources = hookResources(list.filter(isObject), topic);
  const unrecognised = [...(envelope ? unknownKeys(envelope, ENVELOPE_KEYS, '') : []), ...resources.unrecognised()];

  switch (topic) {
    case 'purchase': {
      const purchase = resources.required('purchases');
      const a = attrs(purchase);
      const purchaseId = id(purchase.id);
      if (!purchaseId) throw new NormaliseError('Kajabi purchase hook payload has a purchase without an id');
      const person = resourcePerson(resources.related(purchase, 'customer', 'customers'));
      // Extra contact information collected at checkout, when the offer asks for it (its keys are not documented).
      const extra = isObject(a.raw_extra_contact_information) ? a.raw_extra_contact_information : {};
      person.phone ??= text(extra.phone_number) ?? text(extra.phone);
      person.countryCode ??= country(extra.address_country);
      person.city ??= text(extra.address_city);
      if (a.opt_in === true) person.subscribed = true;
      return {
        fact: {
          kind: 'purchase',
          id: { space: 'purchase', value: purchaseId },
          at: time(a.created_at),
          person,
          offer: titled(resources.related(purchase, 'offer', 'offers')),
          price: money(integer(a.amount_in_cents), currencyCode(a.currency)),
          details: {
            payment_type: text(a.payment_type),
            quantity: integer(a.quantity),
            coupon_code: text(a.coupon_code),
            source: text(a.source),
            referrer: text(a.referrer),
            multipay_payments_made: integer(a.multipay_payments_made),
          },
        },
        unrecognised,
      };
    }
    case 'payment_succeeded': {
      const transaction = resources.required('transactions');
      const offer = titled(resources.related(transaction, 'offer', 'offers'));
      return {
        fact: {
          kind: 'payment',
          person: resourcePerson(resources.related(transaction, 'customer', 'customers')),
          payment: resourcePayment(transaction, relatedId(transaction, 'offer') ? offer : null, topic),
        },
        unrecognised,
      };
    }
    case 'order_created': {
      const order = resources.required('orders');
      const a = attrs(order);
      const orderId = id(order.id);
      if (!orderId) throw new NormaliseError('Kajabi order_created hook payload has an order without an id');
      const currency = currencyCode(a.currency_code);
      return {
        fact: {
          kind: 'order',
          id: orderId,
          number: id(a.order_number),
          at: time(a.created_at),
          person: resourcePerson(resources.related(order, 'customer', 'customers')),
          total: money(integer(a.total_price_in_cents), currency),
          items: resources.all('order_items').map((item) => {
            const i = attrs(item);
            return { title: text(i.title), quantity: integer(i.quantity), itemType: text(i.item_type), itemId: id(i.item_id), totalMinor: integer(i.total_price_in_cents) };
          }),
          payments: resources.all('transactions').map((transaction) => resourcePayment(transaction, null, topic)),
          details: {
            subtotal_in_cents: integer(a.subtotal_in_cents),
            sales_tax_in_cents: integer(a.sales_tax_amount_in_cents),
            discount_in_cents: integer(a.discount_amount_in_cents),
          },
        },
        unrecognised,
      };
    }
    case 'form_submission': {
      const submission = resources.required('form_submissions');
      const a = attrs(submission);
      return {
        fact: {
          kind: 'form_submission',
          id: id(submission.id),
          person: resourcePerson(submission),
          form: titled(resources.related(submission, 'form', 'forms')),
          answers: Object.fromEntries(['custom_1', 'custom_2', 'custom_3', 'business_number'].filter((key) => text(a[key])).map((key) => [key, text(a[key])])),
        },
        unrecognised,
      };
    }
    case 'tag_added':
    case 'tag_removed': {
      const contact = resources.required('contacts');
      const tag = resources.required('contact_tags');
      const name = text(attrs(tag).name);
      if (!name) throw new NormaliseError(`Kajabi ${topic} hook payload has a contact tag without a name`);
      return {
        fact: {
          kind: 'tag',
          change: topic === 'tag_added' ? 'added' : 'removed',
          person: resourcePerson(contact),
          tag: { id: id(tag.id), name },
          deliveryId: envelope ? id(envelope.id) : null,
        },
        unrecognised,
      };
    }
  }
}

// ---------------------------------------------------------------------------
// Admin outbound webhooks: flat objects

const ADMIN_KEYS = new Set([
  'id', 'event', 'payload', 'created_at', 'currency', 'member', 'offer', 'extra_contact_information', 'payment_transaction', 'order', 'cart',
  'form', 'submission', 'contact', 'opt_in', 'email', 'name', 'first_name', 'last_name', 'phone_number', ...CONTACT_ADDRESS,
  // the older page's flat checkout fields
  'member_id', 'member_email', 'member_name', 'member_first_name', 'member_last_name', 'offer_id', 'offer_title', 'form_id', 'form_title',
  'contact_phone_number', 'contact_address_country_name', ...CONTACT_ADDRESS.map((key) => `contact_${key}`),
]);
const MEMBER_KEYS = new Set(['id', 'email', 'name', 'first_name', 'last_name', 'phone_number']);
const OFFER_KEYS = new Set(['id', 'title']);
const TRANSACTION_KEYS = new Set([
  'id', 'amount_paid', 'amount_paid_decimal', 'amount_in_cents', 'currency', 'sales_tax_paid', 'sales_tax_paid_decimal', 'created_at',
  'payment_type', 'state', 'action',
]);

/** The fields of an admin webhook: the body itself, or (older format) its `payload` object beside the envelope's id and event. */
function adminFields(body: Json): Json {
  if (!isObject(body.payload)) return body;
  const { payload, ...envelope } = body;
  return { ...payload, ...envelope };
}

function adminPerson(fields: Json): KajabiPerson {
  // The person sits in `member` (Purchase Created, Payment Succeeded), possibly `contact` or
  // `submission` (Form Submission: not documented), or flat `member_*` fields (older format).
  // Only a member's or contact's id is a contact id: a submission's id is the submission's.
  const people = [fields.member, fields.contact].filter(isObject);
  const holders = [...people, fields.submission].filter(isObject);
  const extra = isObject(fields.extra_contact_information) ? fields.extra_contact_information : {};
  const pick = (key: string, ...flat: string[]) => {
    for (const holder of holders) if (text(holder[key])) return holder[key];
    for (const name of flat) if (text(fields[name])) return fields[name];
    return undefined;
  };
  return {
    contactId: people.map((holder) => id(holder.id)).find(Boolean) ?? id(fields.member_id),
    customerId: null,
    email: text(pick('email', 'member_email', 'email')),
    name: text(pick('name', 'member_name', 'name')),
    firstName: text(pick('first_name', 'member_first_name', 'first_name')),
    lastName: text(pick('last_name', 'member_last_name', 'last_name')),
    phone: text(extra.phone_number) ?? text(pick('phone_number', 'contact_phone_number', 'phone_number')),
    countryCode: country(extra.address_country) ?? country(fields.contact_address_country) ?? country(fields.address_country),
    city: text(extra.address_city) ?? text(fields.contact_address_city) ?? text(fields.address_city),
    subscribed: fields.opt_in === true ? true : null,
  };
}

function adminOffer(fields: Json): KajabiTitled | null {
  const offer = isObject(fields.offer) ? fields.offer : { id: fields.offer_id, title: fields.offer_title };
  const found = { id: id(offer.id), title: text(offer.title) };
  return found.id || found.title ? found : null;
}

/**
 * `payment_transaction` of Payment Succeeded. Its field list is not in the
 * documentation we could read: `amount_paid_decimal` (a decimal) wins when
 * present; otherwise `amount_paid` is taken as minor units, because Kajabi
 * sends it beside a `_decimal` twin.
 */
function adminPayment(transaction: Json, fields: Json, offer: KajabiTitled | null): KajabiPayment {
  const paymentId = id(transaction.id) ?? id(fields.id);
  if (!paymentId) throw new NormaliseError('Kajabi Payment Succeeded webhook has no transaction id (payment_transaction.id or id)');
  const currency = currencyCode(transaction.currency) ?? currencyCode(fields.currency);
  const minor =
    transaction.amount_paid_decimal !== undefined
      ? decimalToMinor(transaction.amount_paid_decimal, currency)
      : integer(transaction.amount_in_cents) ?? integer(transaction.amount_paid);
  const tax = transaction.sales_tax_paid_decimal !== undefined ? decimalToMinor(transaction.sales_tax_paid_decimal, currency) : integer(transaction.sales_tax_paid);
  return {
    id: paymentId,
    at: time(transaction.created_at) ?? time(fields.created_at),
    amount: money(minor, currency),
    salesTaxMinor: tax,
    state: text(transaction.state),
    action: text(transaction.action),
    paymentType: text(transaction.payment_type),
    offer,
  };
}

function readAdmin(topic: KajabiTopic, body: Json): KajabiReading {
  const fields = adminFields(body);
  const nested = (key: string, known: ReadonlySet<string>) => (isObject(fields[key]) ? unknownKeys(fields[key] as Json, known, `${key}.`) : []);
  const unrecognised = [
    ...unknownKeys(fields, ADMIN_KEYS, ''),
    ...nested('member', MEMBER_KEYS),
    ...nested('offer', OFFER_KEYS),
    ...nested('payment_transaction', TRANSACTION_KEYS),
  ];
  const person = adminPerson(fields);
  const offer = adminOffer(fields);

  switch (topic) {
    case 'purchase': {
      const transactionId = id(fields.id);
      if (!transactionId) throw new NormaliseError('Kajabi Purchase Created webhook has no id (Kajabi documents it as the transaction\'s id)');
      return {
        fact: { kind: 'purchase', id: { space: 'transaction', value: transactionId }, at: time(fields.created_at), person, offer, price: null, details: {} },
        unrecognised,
      };
    }
    case 'payment_succeeded': {
      const transaction = isObject(fields.payment_transaction) ? fields.payment_transaction : {};
      return { fact: { kind: 'payment', person, payment: adminPayment(transaction, fields, offer) }, unrecognised };
    }
    case 'order_created': {
      // Cart Purchase: not in the documentation we could read. An `order` (or `cart`) object is
      // looked for, with the body's own id as the fallback.
      const order = isObject(fields.order) ? fields.order : isObject(fields.cart) ? fields.cart : fields;
      const orderId = id(order.id) ?? id(fields.id);
      if (!orderId) throw new NormaliseError('Kajabi Cart Purchase webhook has no order id (order.id or id)');
      const currency = currencyCode(order.currency_code) ?? currencyCode(order.currency) ?? currencyCode(fields.currency);
      const rawItems = [order.order_items, order.items, order.line_items, order.offers].find(Array.isArray) ?? [];
      return {
        fact: {
          kind: 'order',
          id: orderId,
          number: id(order.order_number),
          at: time(order.created_at) ?? time(fields.created_at),
          person,
          total: money(integer(order.total_price_in_cents), currency),
          items: rawItems.filter(isObject).map((item) => ({
            title: text(item.title) ?? text(item.name),
            quantity: integer(item.quantity),
            itemType: text(item.item_type),
            itemId: id(item.item_id) ?? id(item.offer_id) ?? id(item.id),
            totalMinor: integer(item.total_price_in_cents),
          })),
          payments: isObject(fields.payment_transaction) ? [adminPayment(fields.payment_transaction, fields, null)] : [],
          details: {},
        },
        unrecognised,
      };
    }
    case 'form_submission': {
      // Form Submission: not in the documentation we could read; the API hook's field names are assumed.
      const submission = isObject(fields.submission) ? fields.submission : fields;
      const form = isObject(fields.form) ? fields.form : { id: fields.form_id, title: fields.form_title };
      const answers = Object.fromEntries(
        Object.entries(submission).filter(([key, value]) => /^custom_\d+$/.test(key) && text(value)).map(([key, value]) => [key, text(value)]),
      );
      const formId = id(form.id);
      const formTitle = text(form.title);
      return {
        fact: { kind: 'form_submission', id: id(submission.id) ?? id(fields.id), person, form: formId || formTitle ? { id: formId, title: formTitle } : null, answers },
        unrecognised,
      };
    }
    case 'tag_added':
    case 'tag_removed':
      throw new NormaliseError(`Kajabi ${topic} arrives only as a public API hook ({ id, event, payload: [...] }); this body is not one`);
  }
}

/** Reads one Kajabi delivery of a known topic; throws NormaliseError when it cannot be understood. */
export function readKajabi(topic: KajabiTopic, body: unknown): KajabiReading {
  if (Array.isArray(body)) return readHook(topic, null, body);
  if (!isObject(body)) throw new NormaliseError(`Kajabi ${topic} body must be a JSON object (a webhook) or a hook envelope { id, event, payload }`);
  if (Array.isArray(body.payload)) return readHook(topic, body, body.payload);
  return readAdmin(topic, body);
}
