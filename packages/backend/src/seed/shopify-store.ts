import { createRandom, type Random } from './random.ts';

/**
 * A realistic Shopify store's webhook history, generated: customers signing
 * up, ordering at their own rhythm (some loyal, some lapsed, some never
 * buying), editing their details. The payloads have the fields and formats of
 * Shopify's REST webhooks, so the demo exercises the real normaliser.
 */

export const DEMO_SHOP = 'hearth-and-grain.myshopify.com';

export interface ShopifyDelivery {
  topic: 'customers/create' | 'customers/update' | 'orders/create' | 'refunds/create';
  eventId: string;
  triggeredAt: string;
  payload: Record<string, unknown>;
  /**
   * On customers/create: when this customer's relationship with the store
   * ended (null while it lasts). Not part of the payload: the creator's other
   * channels read it so that social activity fades before the orders stop.
   */
  lapsedAt?: string | null;
}

const FIRST_NAMES = [
  'Olivia', 'Liam', 'Amara', 'Noah', 'Sofia', 'Mateo', 'Priya', 'Ethan', 'Chloe', 'Hiroshi', 'Isabella', 'Lucas', 'Fatima', 'Oliver',
  'Mia', 'Santiago', 'Aisha', 'James', 'Zoe', 'Kai', 'Leila', 'Benjamin', 'Grace', 'Diego', 'Nora', 'Arjun', 'Emma', 'Tomás',
  'Hannah', 'Wei', 'Ava', 'Samuel', 'Layla', 'Elijah', 'Ingrid', 'Kwame', 'Charlotte', 'Rafael', 'Yuki', 'Daniel', 'Maya', 'Finn',
  'Lucía', 'Omar', 'Ruby', 'Jonas', 'Esther', 'Theo', 'Camila', 'Anders', 'Naledi', 'Felix', 'Rosa', 'Ibrahim', 'Clara', 'Mei',
  'Harper', 'Gabriel', 'Sienna', 'Matías', 'Beatriz', 'Connor', 'Imani', 'Lena', 'Marcus', 'Aurora', 'Tariq', 'Elena', 'Jack',
];
const LAST_NAMES = [
  'Smith', 'García', 'Okafor', 'Nguyen', 'Johansson', 'Patel', 'Müller', 'Rossi', 'Kim', 'Dubois', 'Williams', 'Hernández', 'Cohen',
  'Tanaka', 'Silva', 'Brown', 'Kowalski', 'Haddad', 'Murphy', 'Larsen', 'Chen', 'Moreau', 'Adeyemi', 'Schmidt', 'Ivanova', 'Lopez',
  'O’Brien', 'Fischer', 'Santos', 'Walker', 'Yamamoto', 'Novak', 'Mensah', 'Bianchi', 'Anderson', 'Ramírez', 'Lindqvist', 'Shah',
  'Wilson', 'Costa', 'Nakamura', 'Taylor', 'Van der Berg', 'Martin', 'Ali', 'Kelly', 'Sato', 'Becker', 'Thompson', 'Reyes',
];
const EMAIL_DOMAINS = ['gmail.com', 'gmail.com', 'gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me', 'hotmail.com', 'fastmail.com'];

interface Place {
  country_code: string;
  country: string;
  cities: { city: string; province_code: string | null; zip: string }[];
  phone: (random: Random) => string;
}
// Fictional-range numbers (NANP 555-01xx, Ofcom's drama range, ACMA's 0491 570 range): realistic, never real people.
const PLACES: { weight: number; place: Place }[] = [
  {
    weight: 55,
    place: {
      country_code: 'US',
      country: 'United States',
      cities: [
        { city: 'Portland', province_code: 'OR', zip: '97205' },
        { city: 'Austin', province_code: 'TX', zip: '78704' },
        { city: 'Brooklyn', province_code: 'NY', zip: '11215' },
        { city: 'Denver', province_code: 'CO', zip: '80205' },
        { city: 'Seattle', province_code: 'WA', zip: '98103' },
        { city: 'Asheville', province_code: 'NC', zip: '28801' },
        { city: 'Madison', province_code: 'WI', zip: '53703' },
      ],
      phone: (r) => `(${r.pick(['503', '512', '718', '303', '206', '828', '608'])}) 555-01${String(r.int(0, 99)).padStart(2, '0')}`,
    },
  },
  {
    weight: 15,
    place: {
      country_code: 'CA',
      country: 'Canada',
      cities: [
        { city: 'Toronto', province_code: 'ON', zip: 'M5V 2T6' },
        { city: 'Montréal', province_code: 'QC', zip: 'H2X 1Y4' },
        { city: 'Vancouver', province_code: 'BC', zip: 'V6B 1A1' },
      ],
      phone: (r) => `${r.pick(['416', '514', '604'])}-555-01${String(r.int(0, 99)).padStart(2, '0')}`,
    },
  },
  {
    weight: 12,
    place: {
      country_code: 'GB',
      country: 'United Kingdom',
      cities: [
        { city: 'London', province_code: 'ENG', zip: 'E8 3PN' },
        { city: 'Bristol', province_code: 'ENG', zip: 'BS1 5TR' },
        { city: 'Edinburgh', province_code: 'SCT', zip: 'EH1 1YZ' },
      ],
      phone: (r) => `07700 900${String(r.int(0, 999)).padStart(3, '0')}`,
    },
  },
  {
    weight: 10,
    place: {
      country_code: 'AU',
      country: 'Australia',
      cities: [
        { city: 'Melbourne', province_code: 'VIC', zip: '3000' },
        { city: 'Sydney', province_code: 'NSW', zip: '2000' },
      ],
      phone: (r) => `0491 570 ${String(r.int(6, 159)).padStart(3, '0')}`,
    },
  },
  {
    weight: 8,
    place: {
      country_code: 'DE',
      country: 'Germany',
      cities: [
        { city: 'Berlin', province_code: 'BE', zip: '10115' },
        { city: 'Hamburg', province_code: 'HH', zip: '20095' },
      ],
      phone: (r) => `030 ${r.int(2000000, 9999999)}`,
    },
  },
];

const PRODUCTS = [
  { id: 8123450001, title: 'Sourdough Starter Kit', price: 34.0, sku: 'HG-KIT-SD' },
  { id: 8123450002, title: 'Rattan Proofing Basket (9")', price: 24.0, sku: 'HG-BAN-9' },
  { id: 8123450003, title: 'Stone-Ground Rye Flour, 2 kg', price: 12.5, sku: 'HG-FLR-RYE2' },
  { id: 8123450004, title: 'Heritage Wheat Flour, 5 kg', price: 21.0, sku: 'HG-FLR-HW5' },
  { id: 8123450005, title: 'Bread Lame with 5 Blades', price: 16.0, sku: 'HG-LAME' },
  { id: 8123450006, title: 'Cast-Iron Dutch Oven, 5 qt', price: 89.0, sku: 'HG-DO-5' },
  { id: 8123450007, title: 'Single-Origin Coffee, Huila (340 g)', price: 18.5, sku: 'HG-COF-HUI' },
  { id: 8123450008, title: 'Linen Bread Bag', price: 14.0, sku: 'HG-BAG-LIN' },
  { id: 8123450009, title: 'Digital Baker’s Scale', price: 39.0, sku: 'HG-SCALE' },
  { id: 8123450010, title: 'Gift Card', price: 50.0, sku: 'HG-GIFT-50' },
];

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const money = (n: number) => n.toFixed(2);

/**
 * How long a buyer stays, by persona: one-off buyers leave after the first
 * order, regulars after ~8 months on average, devoted ones after ~2.5 years.
 * Why they leave shows before they go: a refund on an order near the end
 * (a bad experience) and, for those who follow the creator, social activity
 * that stops weeks before the last order (see creator-audience.ts).
 */
const PERSONAS = [
  { weight: 10, name: 'browser', meanLifetimeDays: 0, orders: false },
  { weight: 32, name: 'one-off', meanLifetimeDays: 0, orders: true },
  { weight: 40, name: 'regular', meanLifetimeDays: 240, orders: true },
  { weight: 18, name: 'devoted', meanLifetimeDays: 900, orders: true },
];

/** Shopify-style payloads for `customers` of a store that opened two years before `now`. */
export function generateShopifyStore(options: { customers: number; seed?: number; now?: number }): ShopifyDelivery[] {
  const random = createRandom(options.seed ?? 20261124);
  const now = options.now ?? Date.now();
  const opened = now - 730 * DAY;
  const deliveries: ShopifyDelivery[] = [];
  let eventCounter = 0;
  let orderCounter = 0;
  const eventId = () => `seed-${(++eventCounter).toString().padStart(7, '0')}`;
  const usedEmails = new Set<string>();

  for (let n = 0; n < options.customers; n++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const { place } = weighted(random, PLACES);
    const home = random.pick(place.cities);
    const local = `${first}.${last}`.normalize('NFD').replace(/[^\p{L}.]/gu, '').replace(/\p{M}/gu, '').toLowerCase();
    let email = `${random.pick([local, local.replace('.', ''), `${local[0]}.${last.toLowerCase()}`, `${local}${random.int(1, 99)}`])}@${random.pick(EMAIL_DOMAINS)}`
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .replace(/[^a-z0-9.@_-]/g, '');
    while (usedEmails.has(email)) email = email.replace('@', `${random.int(1, 9)}@`);
    usedEmails.add(email);
    const phone = random.chance(0.55) ? place.phone(random) : null;
    const id = 7_241_000_000_000 + n * 7919;
    const signedUp = opened + random.next() * (now - opened - 2 * DAY);
    const address = {
      first_name: first, last_name: last, company: null, address1: `${random.int(2, 980)} ${random.pick(['Oak', 'Mill', 'Baker', 'Harbour', 'Linden', 'Station'])} ${random.pick(['Street', 'Road', 'Avenue', 'Lane'])}`,
      address2: null, city: home.city, province: null, country: place.country, zip: home.zip, phone,
      name: `${first} ${last}`, province_code: home.province_code, country_code: place.country_code, country_name: place.country, default: true,
    };
    const subscribed = random.chance(0.6);
    // Some people update their details later (a new phone): later payloads carry the new value.
    const change = random.chance(0.15) ? { at: signedUp + random.next() * (now - signedUp), phone: place.phone(random) } : null;
    const phoneAt = (at: number) => (change && at >= change.at ? change.phone : phone);
    const customer = (at: number, extra: Record<string, unknown> = {}) => ({
      id,
      email,
      created_at: iso(signedUp),
      updated_at: iso(at),
      first_name: first,
      last_name: last,
      state: 'enabled',
      note: null,
      verified_email: true,
      multipass_identifier: null,
      tax_exempt: false,
      tags: subscribed ? 'newsletter' : '',
      currency: 'USD',
      phone: phoneAt(at),
      addresses: [{ id: id + 1, customer_id: id, ...address, phone: phoneAt(at) }],
      default_address: { id: id + 1, customer_id: id, ...address, phone: phoneAt(at) },
      tax_exemptions: [],
      email_marketing_consent: { state: subscribed ? 'subscribed' : 'not_subscribed', opt_in_level: 'single_opt_in', consent_updated_at: iso(signedUp) },
      sms_marketing_consent: phoneAt(at) ? { state: 'not_subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null, consent_collected_from: 'OTHER' } : null,
      admin_graphql_api_id: `gid://shopify/Customer/${id}`,
      ...extra,
    });
    const created: ShopifyDelivery = { topic: 'customers/create', eventId: eventId(), triggeredAt: iso(signedUp), payload: customer(signedUp) };
    deliveries.push(created);

    // Orders at the customer's own rhythm until the relationship ends (or now).
    const persona = weighted(random, PERSONAS);
    const meanGap = random.pick([30, 45, 60, 90, 120]);
    const firstOrder = signedUp + random.exponential(3) * DAY;
    const endsAt = firstOrder + random.exponential(persona.meanLifetimeDays) * DAY;
    const orders: { id: number; at: number; total: number }[] = [];
    for (let at = firstOrder, k = 0; persona.orders && at < now - DAY && (k === 0 || at < endsAt) && k < 40; k++) {
      const items = Array.from({ length: random.int(1, 3) }, () => random.pick(PRODUCTS));
      const lines = [...new Set(items)].map((p) => ({ product: p, quantity: random.chance(0.2) ? 2 : 1 }));
      const subtotal = lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0);
      const discount = k === 0 && random.chance(0.3) ? Math.round(subtotal * 10) / 100 : 0;
      const shipping = subtotal - discount >= 75 ? 0 : 8.95;
      const tax = Math.round((subtotal - discount) * (place.country_code === 'US' ? 0.07 : 0) * 100) / 100;
      const total = subtotal - discount + shipping + tax;
      const orderId = 5_612_000_000_000 + ++orderCounter * 131;
      orders.push({ id: orderId, at, total });
      const number = 1000 + orderCounter;
      deliveries.push({
        topic: 'orders/create',
        eventId: eventId(),
        triggeredAt: iso(at),
        payload: {
          id: orderId,
          admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
          name: `#${number}`,
          number: orderCounter,
          order_number: number,
          email,
          contact_email: email,
          phone: null,
          created_at: iso(at),
          processed_at: iso(at),
          updated_at: iso(at),
          currency: 'USD',
          presentment_currency: 'USD',
          subtotal_price: money(subtotal - discount),
          total_discounts: money(discount),
          total_tax: money(tax),
          total_price: money(total),
          current_total_price: money(total),
          financial_status: 'paid',
          fulfillment_status: null,
          source_name: random.pick(['web', 'web', 'web', 'shopify_draft_order', 'pos']),
          discount_codes: discount ? [{ code: 'WELCOME10', amount: money(discount), type: 'percentage' }] : [],
          buyer_accepts_marketing: subscribed,
          test: false,
          tags: '',
          line_items: lines.map((l, i) => ({
            id: orderId * 10 + i,
            product_id: l.product.id,
            variant_id: l.product.id * 10 + 1,
            title: l.product.title,
            name: l.product.title,
            sku: l.product.sku,
            quantity: l.quantity,
            price: money(l.product.price),
            vendor: 'Hearth & Grain',
            requires_shipping: l.product.sku !== 'HG-GIFT-50',
            taxable: true,
          })),
          billing_address: address,
          shipping_address: address,
          customer: customer(at, { orders_count: k + 1 }),
        },
      });
      at += (2 + random.exponential(meanGap)) * DAY;
    }
    // A relationship that ended before now is a lapse; a bad experience (a refund) often comes just before it.
    const lapsed = orders.length > 0 && endsAt < now - DAY;
    if (orders.length && random.chance(lapsed && orders.length > 1 ? 0.4 : 0.04)) {
      const refunded = lapsed ? orders[orders.length - 1]! : random.pick(orders);
      const at = Math.min(now - DAY, refunded.at + (3 + random.exponential(5)) * DAY);
      const refundId = 983_040_000_000 + ++orderCounter * 7;
      deliveries.push({ topic: 'refunds/create', eventId: eventId(), triggeredAt: iso(at), payload: refund(refundId, refunded.id, refunded.total, at, random) });
    }
    created.lapsedAt = lapsed ? iso(Math.max(orders[orders.length - 1]!.at, Math.min(endsAt, now - DAY))) : null;

    if (change) {
      deliveries.push({ topic: 'customers/update', eventId: eventId(), triggeredAt: iso(change.at), payload: customer(change.at) });
    }
  }
  return deliveries.sort((a, b) => a.triggeredAt.localeCompare(b.triggeredAt) || a.eventId.localeCompare(b.eventId));
}

const REFUND_NOTES = ['Arrived damaged', 'Wrong size', 'Not as described', 'Late delivery', 'Changed my mind'];

/** A refunds/create payload: part or all of the order paid back. */
function refund(id: number, orderId: number, total: number, at: number, random: Random): Record<string, unknown> {
  const amount = money(random.chance(0.5) ? total : Math.round(total * 50) / 100);
  return {
    id,
    order_id: orderId,
    created_at: iso(at),
    processed_at: iso(at),
    note: random.pick(REFUND_NOTES),
    restock: false,
    admin_graphql_api_id: `gid://shopify/Refund/${id}`,
    refund_line_items: [],
    transactions: [{ id: id + 1, order_id: orderId, kind: 'refund', gateway: 'shopify_payments', status: 'success', created_at: iso(at), processed_at: iso(at), amount, currency: 'USD', test: false }],
    order_adjustments: [],
  };
}

function weighted<T extends { weight: number }>(random: Random, items: T[]): T {
  let roll = random.next() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) if ((roll -= item.weight) < 0) return item;
  return items[items.length - 1]!;
}
