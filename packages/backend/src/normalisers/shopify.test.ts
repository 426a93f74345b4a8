import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NormaliseError, NormalisedRecord, type RawDelivery } from './record.ts';
import { normaliseShopify } from './shopify.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

const delivery = (topic: string, body: unknown, headers: Record<string, string> = {}): RawDelivery => ({
  source: 'shopify',
  topic,
  headers: { 'x-shopify-shop-domain': 'hearth-and-grain.myshopify.com', ...headers },
  body,
  triggeredAt: '2026-04-02T22:07:15.000Z',
  receivedAt: '2026-04-02T22:07:16.000Z',
});

const recordOf = (d: RawDelivery) => {
  const result = normaliseShopify(d);
  assert.equal(result.kind, 'record');
  // Whatever a normaliser returns must be what apply_record accepts.
  return NormalisedRecord.parse(result.kind === 'record' ? result.record : null);
};
const trait = (record: NormalisedRecord, name: string) => record.traits.find((t) => t.name === name)?.value;

describe('Shopify normaliser', () => {
  describe('customers/create', () => {
    const record = recordOf(delivery('customers/create', fixture('shopify-customer')));

    it('identifies the customer by Shopify id, normalised email and E.164 phone (country from the address)', () => {
      assert.deepEqual(
        record.identities.map((i) => `${i.kind}:${i.value}`).sort(),
        ['email:amara.okafor@example.com', 'phone:+14165550142', 'shopify_customer:7241900311752'],
      );
    });

    it('records what Shopify says about the person', () => {
      assert.equal(trait(record, 'first_name'), 'Amara');
      assert.equal(trait(record, 'last_name'), 'Okafor');
      assert.equal(trait(record, 'accepts_email_marketing'), true);
      assert.equal(trait(record, 'accepts_sms_marketing'), false);
      assert.deepEqual(trait(record, 'tags'), ['newsletter', 'wholesale-interest']);
      assert.equal(trait(record, 'city'), 'Toronto');
      assert.equal(trait(record, 'country_code'), 'CA');
    });

    it('is a customer_created event at the account creation time, in UTC', () => {
      assert.equal(record.events.length, 1);
      assert.equal(record.events[0]!.type, 'customer_created');
      assert.equal(record.events[0]!.occurred_at, '2026-03-14T14:22:41.000Z');
      assert.equal(record.events[0]!.external_id, 'shopify:customer:7241900311752:created');
    });

    it('takes the observation time from X-Shopify-Triggered-At, so older news never wins', () => {
      assert.equal(record.observed_at, '2026-04-02T22:07:15.000Z');
    });
  });

  it('keeps every digit of ids beyond 2^53 (Shopify test notifications use them)', () => {
    const record = recordOf(delivery('customers/create', fixture('shopify-test-notification-customer')));
    assert.deepEqual(record.identities.find((i) => i.kind === 'shopify_customer'), { kind: 'shopify_customer', value: '706405506930370084' });
  });

  it('customers/update carries traits but no event', () => {
    const record = recordOf(delivery('customers/update', { ...fixture('shopify-customer'), first_name: 'Mara' }));
    assert.equal(trait(record, 'first_name'), 'Mara');
    assert.deepEqual(record.events, []);
  });

  it('a field set to null clears it, a field left out says nothing', () => {
    const record = recordOf(delivery('customers/update', { id: 7241900311752, last_name: null, updated_at: '2026-05-01T00:00:00Z' }));
    assert.ok(record.traits.some((t) => t.name === 'last_name' && t.value === null));
    assert.ok(!record.traits.some((t) => t.name === 'first_name'));
  });

  describe('orders/create', () => {
    const record = recordOf(delivery('orders/create', fixture('shopify-order')));
    const order = record.events[0]!;

    it('is an order_placed event with the total paid, in the shop currency', () => {
      assert.equal(order.type, 'order_placed');
      assert.equal(order.revenue, 94.44);
      assert.equal(order.currency, 'CAD');
      assert.equal(order.occurred_at, '2026-04-02T22:07:12.000Z');
      assert.equal(order.external_id, 'shopify:order:5612004471496:placed');
    });

    it('summarises the items bought', () => {
      assert.equal(order.properties?.item_count, 4);
      assert.deepEqual((order.properties?.items as { title: string }[]).map((i) => i.title), [
        'Sourdough Starter Kit',
        'Rattan Proofing Basket (9")',
        'Sourdough Starter Kit — refill',
      ]);
      assert.deepEqual(order.properties?.discount_codes, ['WELCOME10']);
    });

    it('links the order to the customer by id, email and phone, and to its own id (refunds name only the order)', () => {
      assert.deepEqual(
        record.identities.map((i) => `${i.kind}:${i.value}`).sort(),
        ['email:amara.okafor@example.com', 'phone:+14165550142', 'shopify_customer:7241900311752', 'shopify_order:5612004471496'],
      );
    });

    it('reports fields it does not know instead of dropping them silently', () => {
      assert.deepEqual(record.unrecognised, ['loyalty_tier']);
    });

    it('a test order brings in no revenue', () => {
      const test = recordOf(delivery('orders/create', { ...fixture('shopify-order'), test: true }));
      assert.equal(test.events[0]!.revenue, null);
    });

    it('a guest checkout is tied to its email, named from the billing address', () => {
      const { customer: _, ...guest } = fixture('shopify-order');
      const record = recordOf(delivery('orders/create', guest));
      assert.deepEqual(record.identities, [
        { kind: 'email', value: 'amara.okafor@example.com' },
        { kind: 'phone', value: '+14165550142' },
        { kind: 'shopify_order', value: '5612004471496' },
      ]);
      assert.equal(trait(record, 'first_name'), 'Amara');
    });
  });

  describe('payloads it cannot use', () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['a customer without an id', 'customers/create', { email: 'a@b.co', created_at: '2026-01-01T00:00:00Z' }, /no usable id/],
      ['a customer with a non-timestamp created_at', 'customers/create', { id: 12, created_at: 'yesterday' }, /created_at is not a timestamp/],
      ['an array body', 'customers/update', [1, 2], /must be a JSON object/],
      ['an order with nobody to tie it to', 'orders/create', { id: 99, created_at: '2026-01-01T00:00:00Z', total_price: '5.00' }, /cannot be tied to a person/],
    ];
    for (const [what, topic, body, message] of cases) {
      it(`rejects ${what} with a reason`, () => {
        assert.throws(() => normaliseShopify(delivery(topic, body)), (error: unknown) => error instanceof NormaliseError && message.test(error.message));
      });
    }
  });

  it('keeps topics it does not handle yet as ignored, not failed', () => {
    assert.deepEqual(normaliseShopify(delivery('products/update', { id: 1 })).kind, 'ignored');
  });

  it('drops phone numbers that cannot be real instead of linking people on them', () => {
    const record = recordOf(delivery('customers/update', { id: 5, phone: '555', updated_at: '2026-01-01T00:00:00Z' }));
    assert.ok(!record.identities.some((i) => i.kind === 'phone'));
  });
});

describe('Shopify normaliser: the rest of an order’s life, carts, merges and privacy', () => {
  const order = fixture('shopify-order');

  it('orders/paid and orders/fulfilled are events of the same person that bring no new revenue', () => {
    for (const [topic, type] of [['orders/paid', 'order_paid'], ['orders/fulfilled', 'order_fulfilled']]) {
      const record = recordOf(delivery(topic!, { ...order, financial_status: 'paid', fulfillment_status: 'fulfilled' }));
      assert.equal(record.events[0]!.type, type);
      assert.equal(record.events[0]!.revenue, null);
      assert.equal(record.events[0]!.external_id, `shopify:order:5612004471496:${type!.slice(6)}`);
      assert.ok(record.identities.some((i) => i.kind === 'shopify_order' && i.value === '5612004471496'));
    }
  });

  it('a cancelled order takes its total back only when the money was never collected', () => {
    const voided = recordOf(delivery('orders/cancelled', { ...order, financial_status: 'voided', cancelled_at: '2026-04-03T09:00:00Z', cancel_reason: 'customer' }));
    assert.equal(voided.events[0]!.type, 'order_cancelled');
    assert.equal(voided.events[0]!.revenue, -94.44);
    assert.equal(voided.events[0]!.occurred_at, '2026-04-03T09:00:00.000Z');
    // Paid and then cancelled: the refund (refunds/create) gives the money back, not the cancellation.
    const refunded = recordOf(delivery('orders/cancelled', { ...order, financial_status: 'refunded', cancelled_at: '2026-04-03T09:00:00Z' }));
    assert.equal(refunded.events[0]!.revenue, null);
  });

  it('refunds/create subtracts what was paid back, found through the order id alone', () => {
    const record = recordOf(delivery('refunds/create', fixture('shopify-refund')));
    assert.deepEqual(record.identities, [{ kind: 'shopify_order', value: '5612004471496' }]);
    const refund = record.events[0]!;
    assert.equal(refund.type, 'refund_issued');
    assert.equal(refund.revenue, -27.12);
    assert.equal(refund.currency, 'CAD');
    assert.equal(refund.external_id, 'shopify:refund:983040019147');
    assert.deepEqual(refund.properties?.items, [{ title: 'Rattan Proofing Basket (9")', quantity: 1, restocked: false }]);
  });

  it('a refund whose transaction failed gives no money back', () => {
    const failed = fixture('shopify-refund');
    failed.transactions[0].status = 'failure';
    assert.equal(recordOf(delivery('refunds/create', failed)).events[0]!.revenue, null);
  });

  it('checkouts become checkout_started (an abandoned cart until completed), with the recovery link', () => {
    const record = recordOf(delivery('checkouts/update', fixture('shopify-checkout')));
    assert.deepEqual(record.events.map((e) => e.type), ['checkout_started']);
    assert.equal(record.events[0]!.properties?.value, 89);
    assert.match(String(record.events[0]!.properties?.recovery_url), /\/recover\?key=/);
    assert.deepEqual(record.identities.map((i) => `${i.kind}:${i.value}`), ['email:noor.haddad@example.com', 'phone:+17185550163']);
    const completed = recordOf(delivery('checkouts/update', { ...fixture('shopify-checkout'), completed_at: '2026-05-03T21:30:00-04:00' }));
    assert.deepEqual(completed.events.map((e) => e.type), ['checkout_started', 'checkout_completed']);
  });

  it('a checkout with nobody on it yet is kept raw, not failed', () => {
    const anonymous = { ...fixture('shopify-checkout'), email: null, phone: null, billing_address: null, shipping_address: null };
    assert.equal(normaliseShopify(delivery('checkouts/create', anonymous)).kind, 'ignored');
  });

  it('customers/delete marks the Shopify account deleted', () => {
    const record = recordOf(delivery('customers/delete', { id: 7241900311752, phone: null, addresses: [], tax_exemptions: [], email_marketing_consent: null, sms_marketing_consent: null, admin_graphql_api_id: 'gid://shopify/Customer/7241900311752' }));
    assert.equal(trait(record, 'shopify_account_state'), 'deleted');
    assert.equal(record.events[0]!.type, 'customer_deleted');
  });

  it('customers/merge (completed) says the deleted id is the kept one’s alias; other statuses are kept raw', () => {
    const payload = { admin_graphql_api_customer_kept_id: 'gid://shopify/Customer/1001', admin_graphql_api_customer_deleted_id: 'gid://shopify/Customer/1002', admin_graphql_api_job_id: null, status: 'completed', errors: [] };
    const merged = normaliseShopify(delivery('customers/merge', payload));
    assert.deepEqual(merged, {
      kind: 'merge',
      merge: { kept: { kind: 'shopify_customer', value: '1001' }, merged: { kind: 'shopify_customer', value: '1002' }, reason: 'Shopify merged customer 1002 into 1001' },
    });
    assert.equal(normaliseShopify(delivery('customers/merge', { ...payload, status: 'failed' })).kind, 'ignored');
  });

  it('the mandatory privacy webhooks become privacy requests naming every identity Shopify gives', () => {
    // Payloads as in Shopify's privacy law compliance documentation.
    const redact = normaliseShopify(delivery('customers/redact', { shop_id: 954889, shop_domain: 'hearth-and-grain.myshopify.com', customer: { id: 191167, email: 'John@Example.com', phone: '+1 613-555-0111' }, orders_to_redact: [299938, 280263] }));
    assert.deepEqual(redact, {
      kind: 'privacy',
      request: {
        action: 'erase',
        identities: [
          { kind: 'shopify_customer', value: '191167' },
          { kind: 'email', value: 'john@example.com' },
          { kind: 'phone', value: '+16135550111' },
          { kind: 'shopify_order', value: '299938' },
          { kind: 'shopify_order', value: '280263' },
        ],
        reference: '191167',
        account: 'hearth-and-grain.myshopify.com',
      },
    });
    const request = normaliseShopify(delivery('customers/data_request', { shop_id: 954889, shop_domain: 'hearth-and-grain.myshopify.com', orders_requested: [299938], customer: { id: 191167, email: 'john@example.com', phone: null }, data_request: { id: 9999 } }));
    assert.equal(request.kind === 'privacy' && request.request.action, 'export');
    assert.equal(request.kind === 'privacy' && request.request.reference, '9999');
    const shop = normaliseShopify(delivery('shop/redact', { shop_id: 954889, shop_domain: 'hearth-and-grain.myshopify.com' }));
    assert.deepEqual(shop, { kind: 'privacy', request: { action: 'erase_account', identities: [], reference: '954889', account: 'hearth-and-grain.myshopify.com' } });
  });
});
