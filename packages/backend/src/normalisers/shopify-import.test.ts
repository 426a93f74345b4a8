import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NormaliseError, NormalisedRecord, type RawDelivery } from './record.ts';
import { normaliseShopify } from './shopify.ts';
import { normaliseShopifyImport, SHOPIFY_IMPORT_TOPICS } from './shopify-import.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const SHOP = 'hearth-and-grain.myshopify.com';
const EXPORTED_AT = '2026-05-20T08:00:00.000Z';

const delivery = (topic: string, body: unknown): RawDelivery => ({
  source: 'shopify',
  topic,
  headers: { 'x-tessera-import': 'export.csv', 'x-tessera-line': '2', 'x-shopify-shop-domain': SHOP },
  body,
  triggeredAt: EXPORTED_AT,
  receivedAt: '2026-05-21T10:00:00.000Z',
});
const recordOf = (d: RawDelivery) => {
  const result = normaliseShopifyImport(d);
  assert.equal(result.kind, 'record');
  return NormalisedRecord.parse(result.kind === 'record' ? result.record : null);
};
const webhookRecord = (topic: string, body: unknown) => {
  const result = normaliseShopify({ ...delivery(topic, body), headers: { 'x-shopify-shop-domain': SHOP } });
  assert.equal(result.kind, 'record');
  return result.kind === 'record' ? result.record : (null as never);
};
const identities = (record: NormalisedRecord) => record.identities.map((i) => `${i.kind}:${i.value}`).sort();
const trait = (record: NormalisedRecord, name: string) => record.traits.find((t) => t.name === name)?.value;
const refuses = (d: RawDelivery, reason: RegExp) => assert.throws(() => normaliseShopifyImport(d), (e: unknown) => e instanceof NormaliseError && reason.test(e.message));

// Amara as Shopify admin's customer export writes her (the customer of the
// webhook fixture): ids and phones behind an apostrophe, booleans as yes/no.
const amaraRow = {
  'Customer ID': "'7241900311752", 'First Name': 'Amara', 'Last Name': 'Okafor', Email: 'Amara.Okafor@Example.com ',
  'Accepts Email Marketing': 'yes', 'Default Address Company': '', 'Default Address Address1': '88 Harbour Street',
  'Default Address Address2': 'Unit 1204', 'Default Address City': 'Toronto', 'Default Address Province Code': 'ON',
  'Default Address Country Code': 'CA', 'Default Address Zip': 'M5J 2G2', 'Default Address Phone': "'(416) 555-0142",
  Phone: '(416) 555-0142', 'Accepts SMS Marketing': 'no', 'Total Spent': '94.44', 'Total Orders': '1',
  Note: 'Prefers text over email', 'Tax Exempt': 'no', Tags: 'newsletter, wholesale-interest',
};

describe('Shopify import normaliser', () => {
  describe('customer export rows', () => {
    const record = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.customersCsv, amaraRow));
    const webhook = webhookRecord('customers/create', fixture('shopify-customer'));

    it('names the person exactly as the webhook does: Shopify id (apostrophe dropped), email, E.164 phone', () => {
      assert.deepEqual(identities(record), ['email:amara.okafor@example.com', 'phone:+14165550142', 'shopify_customer:7241900311752']);
      assert.deepEqual(identities(record), identities(webhook));
    });

    it('says what the webhook says about her, under the same trait names', () => {
      for (const name of ['first_name', 'last_name', 'email', 'phone', 'note', 'tags', 'accepts_email_marketing', 'accepts_sms_marketing', 'city', 'province_code', 'country_code']) {
        assert.deepEqual(trait(record, name), trait(webhook, name), name);
      }
    });

    it('is observed when the file was exported, so an old export never overwrites newer webhooks', () => {
      assert.equal(record.observed_at, EXPORTED_AT);
      assert.deepEqual(record.events, []);
    });

    it('reads the older layout (no Customer ID; Company, Address1, City, Country Code …) by email', () => {
      const legacy = recordOf(
        delivery(SHOPIFY_IMPORT_TOPICS.customersCsv, {
          'First Name': 'Grace', 'Last Name': 'Murphy', Email: 'grace.murphy@fastmail.com', 'Accepts Email Marketing': 'no', Company: '',
          Address1: '12 Rose St', Address2: '', City: 'Asheville', Province: 'North Carolina', 'Province Code': 'NC', Country: 'United States',
          'Country Code': 'US', Zip: '28801', Phone: '828-555-0104', 'Accepts SMS Marketing': 'no', 'Total Spent': '0.00', 'Total Orders': '0',
          Tags: '', Note: '', 'Tax Exempt': 'no',
        }),
      );
      assert.deepEqual(identities(legacy), ['email:grace.murphy@fastmail.com', 'phone:+18285550104']);
      assert.equal(trait(legacy, 'city'), 'Asheville');
      assert.equal(trait(legacy, 'country_code'), 'US');
      assert.deepEqual(legacy.unrecognised, []);
    });

    it('an empty cell says the customer has no value; a column the file lacks says nothing', () => {
      const sparse = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.customersCsv, { 'Customer ID': '7241900311799', Email: 'kai@example.com', Note: '' }));
      assert.equal(sparse.traits.find((t) => t.name === 'note')?.value, null);
      assert.equal(sparse.traits.some((t) => t.name === 'first_name'), false);
    });

    it('reports columns it does not know instead of dropping them silently', () => {
      const extra = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.customersCsv, { ...amaraRow, 'Accepts WhatsApp Marketing': 'no' }));
      assert.deepEqual(extra.unrecognised, ['accepts whatsapp marketing']);
    });

    for (const [what, row, reason] of [
      ['an email that is not an address', { ...amaraRow, Email: 'noah.williams@@gmail' }, /Email "noah.williams@@gmail" is not an email address/],
      ['an id a spreadsheet rounded', { ...amaraRow, 'Customer ID': '7.2419E+12' }, /rounded by a spreadsheet/],
      ['a row naming nobody', { 'Customer ID': '', 'First Name': 'Walk-in', Email: '', Phone: '' }, /no Customer ID, email or phone/],
    ] as const) {
      it(`refuses ${what}, saying why`, () => refuses(delivery(SHOPIFY_IMPORT_TOPICS.customersCsv, row), reason));
    }
  });

  describe('order export rows', () => {
    // Order #1042 of the webhook fixture as Shopify admin exports it: three rows, one per line item.
    const first = {
      Name: '#1042', Email: 'amara.okafor@example.com', 'Financial Status': 'paid', 'Paid at': '2026-04-02 18:07:13 -0400',
      'Fulfillment Status': 'unfulfilled', 'Fulfilled at': '', 'Accepts Marketing': 'yes', Currency: 'CAD', Subtotal: '76.50', Shipping: '8.00',
      Taxes: '9.94', Total: '94.44', 'Discount Code': 'WELCOME10', 'Discount Amount': '8.50', 'Created at': '2026-04-02 18:07:13 -0400',
      'Lineitem quantity': '1', 'Lineitem name': 'Sourdough Starter Kit', 'Lineitem price': '34.00', 'Lineitem sku': 'HG-KIT-SD',
      'Billing Name': 'Amara Okafor', 'Billing Country': 'CA', 'Billing Phone': '(416) 555-0142', 'Cancelled at': '', 'Refunded Amount': '0.00',
      Id: '5612004471496', Source: 'web', Phone: '',
    };
    const line = (quantity: string, name: string, price: string, sku: string) => ({
      ...Object.fromEntries(Object.keys(first).map((k) => [k, ''])), Name: '#1042', 'Lineitem quantity': quantity, 'Lineitem name': name, 'Lineitem price': price, 'Lineitem sku': sku,
    });
    const rows = [first, line('2', 'Rattan Proofing Basket (9")', '24.00', 'HG-BAN-9'), line('1', 'Sourdough Starter Kit — refill', '3.00', '')];
    const record = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.ordersCsv, rows));
    const webhook = webhookRecord('orders/create', fixture('shopify-order'));
    const placed = record.events.find((e) => e.type === 'order_placed')!;

    it('is the webhook\'s own order_placed event (same external id), so the order counts once whichever comes first', () => {
      assert.equal(placed.external_id, 'shopify:order:5612004471496:placed');
      assert.equal(placed.external_id, webhook.events[0]!.external_id);
      assert.equal(placed.revenue, 94.44);
      assert.equal(placed.currency, 'CAD');
      assert.equal(placed.occurred_at, '2026-04-02T22:07:13.000Z');
    });

    it('gathers the items of every row of the order', () => {
      assert.equal(placed.properties?.item_count, 4);
      assert.deepEqual(
        (placed.properties?.items as { title: string }[]).map((i) => i.title),
        ['Sourdough Starter Kit', 'Rattan Proofing Basket (9")', 'Sourdough Starter Kit — refill'],
      );
      assert.deepEqual(placed.properties?.discount_codes, ['WELCOME10']);
      assert.equal(placed.properties?.shop_domain, SHOP);
      assert.equal(placed.properties?.fulfillment_status, null); // "unfulfilled", as the webhook's null
    });

    it('links the buyer as the webhook does: email, phone (from the billing address), and the order id refunds name', () => {
      assert.deepEqual(identities(record), ['email:amara.okafor@example.com', 'phone:+14165550142', 'shopify_order:5612004471496']);
      for (const claim of ['email:amara.okafor@example.com', 'shopify_order:5612004471496']) assert.ok(identities(webhook).includes(claim));
    });

    it('keeps when it was paid, and is observed when it was placed', () => {
      const paid = record.events.find((e) => e.type === 'order_paid')!;
      assert.equal(paid.external_id, 'shopify:order:5612004471496:paid');
      assert.equal(paid.revenue, null);
      assert.equal(record.observed_at, '2026-04-02T22:07:13.000Z');
      assert.equal(trait(record, 'name'), 'Amara Okafor');
    });

    it('counts revenue once when placed; the refunded amount is taken back as a refund', () => {
      const refunded = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.ordersCsv, [{ ...first, 'Financial Status': 'partially_refunded', 'Refunded Amount': '12.00' }]));
      assert.equal(refunded.events.find((e) => e.type === 'order_placed')!.revenue, 94.44);
      const refund = refunded.events.find((e) => e.type === 'refund_issued')!;
      assert.equal(refund.revenue, -12);
      assert.equal(refund.external_id, 'shopify:order:5612004471496:refunded');
    });

    it('reads amounts with thousands separators, as exports write large orders', () => {
      const large = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.ordersCsv, [{ ...first, Total: '1,094.44' }]));
      assert.equal(large.events.find((e) => e.type === 'order_placed')!.revenue, 1094.44);
    });

    it('a cancelled order whose money was never collected brings in nothing (as orders/cancelled)', () => {
      const voided = recordOf(
        delivery(SHOPIFY_IMPORT_TOPICS.ordersCsv, [{ ...first, 'Financial Status': 'voided', 'Paid at': '', 'Cancelled at': '2026-04-03 09:00:00 -0400' }]),
      );
      const cancelled = voided.events.find((e) => e.type === 'order_cancelled')!;
      assert.equal(cancelled.external_id, 'shopify:order:5612004471496:cancelled');
      assert.equal(voided.events.reduce((sum, e) => sum + (e.revenue ?? 0), 0), 0);
    });

    for (const [what, body, reason] of [
      ['an order without its Id', [{ ...first, Id: '' }], /Order #1042 has no Id/],
      ['a time a spreadsheet re-wrote', [{ ...first, 'Created at': '4/2/2026 18:07' }], /Created at "4\/2\/2026 18:07" is not a time in Shopify's export format/],
      ['an order naming nobody', [{ ...first, Email: '', 'Billing Phone': '' }], /names no email or phone/],
      ['a total that is not an amount', [{ ...first, Total: 'ninety' }], /Total "ninety" is not an amount/],
      ['a total with a decimal comma (never read as 9444)', [{ ...first, Total: '94,44' }], /Total "94,44" is not an amount/],
    ] as const) {
      it(`refuses ${what}, saying why`, () => refuses(delivery(SHOPIFY_IMPORT_TOPICS.ordersCsv, body), reason));
    }
  });

  describe('bulk operation JSONL', () => {
    const money = (amount: string) => ({ shopMoney: { amount, currencyCode: 'CAD' } });
    const order = {
      id: 'gid://shopify/Order/5612004471496', name: '#1042', email: 'amara.okafor@example.com', createdAt: '2026-04-02T22:07:13Z',
      processedAt: '2026-04-02T22:07:12Z', updatedAt: '2026-04-02T22:08:01Z', test: false, currencyCode: 'CAD', totalPriceSet: money('94.44'),
      currentTotalPriceSet: money('67.32'), displayFinancialStatus: 'PARTIALLY_REFUNDED', displayFulfillmentStatus: 'FULFILLED', sourceName: 'web',
      discountCodes: ['WELCOME10'], customer: { id: 'gid://shopify/Customer/7241900311752', defaultEmailAddress: { emailAddress: 'amara.okafor@example.com' } },
      refunds: [{ id: 'gid://shopify/Refund/983040019147', createdAt: '2026-04-10T15:00:00Z', totalRefundedSet: money('27.12') }],
    };
    const lineItems = [
      { id: 'gid://shopify/LineItem/1', title: 'Sourdough Starter Kit', quantity: 1, sku: 'HG-KIT-SD', originalUnitPriceSet: money('34.0'), product: { id: 'gid://shopify/Product/8123450001' }, __parentId: order.id },
      { id: 'gid://shopify/LineItem/2', title: 'Rattan Proofing Basket (9")', quantity: 2, sku: 'HG-BAN-9', originalUnitPriceSet: money('24.0'), product: { id: 'gid://shopify/Product/8123450002' }, __parentId: order.id },
    ];
    const record = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.bulkJsonl, [order, ...lineItems]));
    const event = (type: string) => record.events.find((e) => e.type === type)!;

    it('is the same order, person and refund the webhooks describe', () => {
      assert.equal(event('order_placed').external_id, 'shopify:order:5612004471496:placed');
      assert.equal(event('order_placed').revenue, 94.44);
      assert.deepEqual(identities(record), ['email:amara.okafor@example.com', 'shopify_customer:7241900311752', 'shopify_order:5612004471496']);
      // The refunds/create webhook's external id, so a refund both imported and delivered is taken off once.
      assert.equal(event('refund_issued').external_id, `shopify:refund:${fixture('shopify-refund').id}`);
      assert.equal(event('refund_issued').revenue, -27.12);
    });

    it('gathers its line items from their own lines, by __parentId', () => {
      assert.deepEqual(event('order_placed').properties?.items, [
        { title: 'Sourdough Starter Kit', quantity: 1, price: 34, sku: 'HG-KIT-SD', product_id: '8123450001' },
        { title: 'Rattan Proofing Basket (9")', quantity: 2, price: 24, sku: 'HG-BAN-9', product_id: '8123450002' },
      ]);
      assert.equal(event('order_placed').properties?.financial_status, 'partially_refunded');
      assert.equal(event('order_placed').properties?.fulfillment_status, 'fulfilled');
    });

    it('a test order brings in no money', () => {
      const test = recordOf(delivery(SHOPIFY_IMPORT_TOPICS.bulkJsonl, [{ ...order, test: true, refunds: [] }]));
      assert.equal(test.events.find((e) => e.type === 'order_placed')!.revenue, null);
    });

    it('a customer with nested orders is the person, when they joined, and what they bought', () => {
      const customer = recordOf(
        delivery(SHOPIFY_IMPORT_TOPICS.bulkJsonl, [
          {
            id: 'gid://shopify/Customer/7241900311770', firstName: 'Naledi', lastName: 'Mensah', createdAt: '2025-11-02T14:11:09Z', updatedAt: '2026-05-01T08:00:00Z',
            defaultEmailAddress: { emailAddress: 'naledi.mensah@gmail.com', marketingState: 'SUBSCRIBED' }, defaultPhoneNumber: { phoneNumber: '+14165550160', marketingState: 'NOT_SUBSCRIBED' },
            tags: ['newsletter'], state: 'ENABLED', defaultAddress: { city: 'Toronto', provinceCode: 'ON', countryCodeV2: 'CA' },
          },
          { id: 'gid://shopify/Order/5612004471401', name: '#1001', createdAt: '2025-11-02T14:20:41Z', currencyCode: 'CAD', totalPriceSet: money('46.0'), __parentId: 'gid://shopify/Customer/7241900311770' },
          { id: 'gid://shopify/LineItem/9', title: 'Sourdough Starter Kit', quantity: 1, __parentId: 'gid://shopify/Order/5612004471401' },
        ]),
      );
      assert.deepEqual(customer.events.map((e) => e.external_id), ['shopify:customer:7241900311770:created', 'shopify:order:5612004471401:placed']);
      assert.equal(customer.events[1]!.properties?.item_count, 1);
      assert.deepEqual(identities(customer), ['email:naledi.mensah@gmail.com', 'phone:+14165550160', 'shopify_customer:7241900311770', 'shopify_order:5612004471401']);
      assert.equal(trait(customer, 'accepts_email_marketing'), true);
      assert.equal(trait(customer, 'accepts_sms_marketing'), false);
      assert.equal(trait(customer, 'shopify_account_state'), 'enabled');
      assert.equal(customer.observed_at, '2026-05-01T08:00:00.000Z');
    });

    it('keeps objects other than customers and orders as ignored, not failed', () => {
      const product = normaliseShopifyImport(delivery(SHOPIFY_IMPORT_TOPICS.bulkJsonl, [{ id: 'gid://shopify/Product/8123450001', title: 'Sourdough Starter Kit' }]));
      assert.deepEqual(product, { kind: 'ignored', reason: 'Shopify Product objects are stored but not imported: Tessera imports customers and orders' });
    });
  });
});
