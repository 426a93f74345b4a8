import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { normaliseKajabi } from './kajabi.ts';
import { isKajabiPeopleHeader, isKajabiPurchasesHeader, KAJABI_IMPORT_TOPICS, normaliseKajabiImport } from './kajabi-import.ts';
import { kajabiTopic } from './kajabi-topic.ts';
import { NormaliseError, NormalisedRecord, type RawDelivery } from './record.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const EXPORTED_AT = '2026-05-20T08:00:00.000Z';

const delivery = (topic: string, body: unknown): RawDelivery => ({
  source: 'kajabi',
  topic,
  headers: { 'x-tessera-import': 'export.csv', 'x-tessera-line': '2' },
  body,
  triggeredAt: EXPORTED_AT,
  receivedAt: '2026-05-21T10:00:00.000Z',
});
const recordOf = (topic: string, row: unknown) => {
  const result = normaliseKajabiImport(delivery(topic, row));
  assert.equal(result.kind, 'record');
  return NormalisedRecord.parse(result.kind === 'record' ? result.record : null);
};
const person = (row: unknown) => recordOf(KAJABI_IMPORT_TOPICS.peopleCsv, row);
const payment = (row: unknown) => recordOf(KAJABI_IMPORT_TOPICS.purchasesCsv, row);
const webhook = (name: string) => {
  const body = fixture(name);
  const result = normaliseKajabi({ source: 'kajabi', topic: kajabiTopic(body), headers: {}, body, triggeredAt: null, receivedAt: '2026-04-05T10:00:00.000Z' });
  assert.equal(result.kind, 'record');
  return NormalisedRecord.parse(result.kind === 'record' ? result.record : null);
};
const identities = (record: NormalisedRecord) => record.identities.map((i) => `${i.kind}:${i.value}`).sort();
const trait = (record: NormalisedRecord, name: string) => record.traits.find((t) => t.name === name)?.value;
const refuses = (topic: string, row: unknown, reason: RegExp) =>
  assert.throws(() => normaliseKajabiImport(delivery(topic, row)), (e: unknown) => e instanceof NormaliseError && reason.test(e.message));

// Amara as Kajabi's contacts export writes her: the contact of the webhook
// fixtures (contact 301447782), her contact fields as "Label (field_key)".
const amaraContact = {
  Name: 'Amara Okafor', 'First Name': 'Amara', 'Last Name': 'Okafor', Email: 'amara.okafor@example.com', Products: 'Sourdough Fundamentals',
  Tags: 'Sourdough Club, Newsletter', ID: '301447782', 'Member ID': '88213467', 'External User ID': '', 'Created At': '2026-03-28 09:12:44 -0700',
  'Member Created At': '2026-04-02 08:21:07 -0700', 'Sign In Count': '14', 'Last Activity': '2026-05-18 19:40:02 -0700',
  'Last Sign In At': '2026-05-18 19:38:51 -0700', 'First Name (name)': 'Amara Okafor', 'Email (email)': 'amara.okafor@example.com',
  'Phone Number (phone_number)': '(416) 555-0142', 'Mobile Phone Number (mobile_phone_number)': '', 'Address (address_line_1)': '88 Harbour Street',
  'Address Line 2 (address_line_2)': 'Unit 1204', 'City (address_city)': 'Toronto', 'State (address_state)': 'ON', 'Country (address_country)': 'CA',
  'Zip Code (address_zip)': 'M5J 2G2', 'What are you baking this month? (custom_1)': 'Focaccia, then a rye starter',
};

// Her $197 payment of the webhook fixtures (transaction 5530981274) as the transactions export writes it.
const amaraPayment = {
  ID: '5530981274', 'Created At': '2026-04-02 08:21:06 -0700', Amount: '197.00', Currency: 'USD', Type: 'charge', Status: 'succeeded',
  'Payment Method': 'card', Provider: 'kajabi_payments', 'Offer ID': '1873402', 'Offer Title': 'Sourdough Fundamentals', 'Customer ID': '88213467',
  'Customer Name': 'Amara Okafor', 'Customer Email': 'amara.okafor@example.com', Phone: '', Address: '88 Harbour Street', 'Address 2': 'Unit 1204',
  City: 'Toronto', State: 'ON', Zipcode: 'M5J 2G2', Country: 'CA', 'Order No.': '1042', 'Coupon Used': '', 'Tax Amount': '0.00', Quantity: '1',
  'Card Brand': 'visa', 'Card Funding': 'credit', 'Charge Attempt': '1', 'Failure Message': '',
};

describe('Kajabi import normaliser', () => {
  describe('contacts export rows', () => {
    const record = person(amaraContact);
    // The API's tag_added hook carries the whole contact: the fullest webhook picture of her.
    const tagged = webhook('kajabi-hook-tag-added');

    it('names the person exactly as the webhooks do: email, kajabi_member (the contact ID), E.164 phone', () => {
      assert.deepEqual(identities(record), ['email:amara.okafor@example.com', 'kajabi_member:301447782', 'phone:+14165550142']);
      assert.deepEqual(identities(record), identities(tagged));
      // Member ID is another id space: it links no one.
      assert.equal(record.identities.some((i) => i.value === '88213467'), false);
    });

    it('says what the webhooks say about her, under the same trait names', () => {
      for (const name of ['name', 'email', 'phone', 'city', 'country_code']) assert.deepEqual(trait(record, name), trait(tagged, name), name);
      const admin = webhook('kajabi-payment-succeeded');
      for (const name of ['first_name', 'last_name']) assert.deepEqual(trait(record, name), trait(admin, name), name);
    });

    it('keeps each tag as the webhook\'s per-tag register, keyed by name since the export has no tag ids', () => {
      const fromWebhook = tagged.traits.find((t) => t.name.startsWith('kajabi_tag_'))!;
      assert.deepEqual(trait(record, 'kajabi_tag_sourdough_club'), { tag: 'Sourdough Club', tag_id: null, tagged: true });
      assert.deepEqual(Object.keys(trait(record, 'kajabi_tag_sourdough_club') as object), Object.keys(fromWebhook.value as object));
      assert.deepEqual(trait(record, 'kajabi_tag_newsletter'), { tag: 'Newsletter', tag_id: null, tagged: true });
      assert.deepEqual(trait(record, 'kajabi_products'), ['Sourdough Fundamentals']);
    });

    it('is observed when the file was exported, and dates the contact from its Created At', () => {
      assert.equal(record.observed_at, EXPORTED_AT);
      assert.deepEqual(record.events, [
        { external_id: 'kajabi:contact:301447782:created', type: 'contact_created', occurred_at: '2026-03-28T16:12:44.000Z', properties: { contact_id: '301447782' } },
      ]);
    });

    it('reports the site\'s custom fields instead of dropping them silently, and nothing it knows', () => {
      assert.deepEqual(record.unrecognised, ['what are you baking this month? (custom_1)']);
    });

    it('reads a contact field by the key in its brackets when the creator renamed its label, and headers in any case', () => {
      const renamed = person({ EMAIL: 'Liam.Smith@Gmail.com ', id: '301447790', TAGS: '', 'Telephone (phone_number)': '(503) 555-0101', 'Home town (address_city)': 'Portland', 'Land (address_country)': 'us' });
      assert.deepEqual(identities(renamed), ['email:liam.smith@gmail.com', 'kajabi_member:301447790', 'phone:+15035550101']);
      assert.equal(trait(renamed, 'city'), 'Portland');
      assert.equal(trait(renamed, 'country_code'), 'US');
      assert.deepEqual(renamed.unrecognised, []);
    });

    it('takes a country only as a two-letter code, and a name from "First Name (name)" when there is no Name column', () => {
      const { Name: _, ...rest } = amaraContact;
      const row = person({ ...rest, 'Country (address_country)': 'Canada' });
      assert.equal(trait(row, 'name'), 'Amara Okafor');
      assert.equal(trait(row, 'country_code'), undefined);
    });

    for (const [what, row, reason] of [
      ['an email that is not an address', { ...amaraContact, Email: 'noah.williams@@gmail' }, /Email "noah.williams@@gmail" is not an email address/],
      ['an ID a spreadsheet rounded', { ...amaraContact, ID: '3.01448E+08' }, /ID 3.01448E\+08 was rounded by a spreadsheet/],
      ['a row naming nobody', { Name: 'Workshop Guest', Email: '', ID: '', 'Phone Number (phone_number)': '' }, /no ID, email or phone/],
      ['a time a spreadsheet stripped of its zone', { ...amaraContact, 'Created At': '3/28/2026 9:12' }, /Created At "3\/28\/2026 9:12" is not a time in Kajabi's export format/],
    ] as const) {
      it(`refuses ${what}, saying why`, () => refuses(KAJABI_IMPORT_TOPICS.peopleCsv, row, reason));
    }
  });

  describe('transactions export rows', () => {
    const record = payment(amaraPayment);
    const charge = record.events[0]!;

    it('is the webhooks\' own payment event (same external id, same money), whichever of them delivers it', () => {
      for (const name of ['kajabi-hook-payment-succeeded', 'kajabi-payment-succeeded']) {
        const delivered = webhook(name).events.find((e) => e.type === 'payment_succeeded')!;
        assert.equal(charge.external_id, delivered.external_id, name);
        assert.equal(charge.type, delivered.type);
        assert.equal(charge.revenue, delivered.revenue);
        assert.equal(charge.currency, delivered.currency);
        assert.equal(charge.properties?.amount_in_cents, delivered.properties?.amount_in_cents);
        assert.equal(charge.properties?.offer_id, delivered.properties?.offer_id);
      }
      assert.equal(charge.external_id, 'kajabi:payment:5530981274');
      assert.equal(charge.occurred_at, '2026-04-02T15:21:06.000Z');
      assert.equal(record.events.length, 1); // no purchase event: the export has no purchase id, and purchases carry no money anyway
    });

    it('ties the payment to the buyer by email (the Customer ID is another id space) and is observed when they paid', () => {
      assert.deepEqual(identities(record), ['email:amara.okafor@example.com']);
      assert.equal(trait(record, 'name'), 'Amara Okafor');
      assert.equal(trait(record, 'kajabi_last_offer'), 'Sourdough Fundamentals');
      assert.equal(record.observed_at, '2026-04-02T15:21:06.000Z');
      assert.equal(charge.properties?.customer_id, '88213467');
      assert.deepEqual(record.unrecognised, []);
    });

    it('takes back what a refund paid back, under the refund\'s own transaction', () => {
      const refund = payment({ ...amaraPayment, ID: '5530982288', Type: 'refund', Amount: '-197.00' }).events[0]!;
      assert.deepEqual([refund.external_id, refund.type, refund.revenue, refund.currency], ['kajabi:refund:5530982288', 'refund_issued', -197, 'USD']);
      // A refund exported as a positive amount is still money going out.
      assert.equal(payment({ ...amaraPayment, ID: '5530982288', Type: 'Refund', Amount: '197.00' }).events[0]!.revenue, -197);
    });

    it('counts no money for a charge that failed, is pending, is a test or a dispute', () => {
      const failed = payment({ ...amaraPayment, Status: 'failed', 'Failure Message': 'Your card was declined.' });
      assert.deepEqual([failed.events[0]!.type, failed.events[0]!.revenue], ['payment_failed', null]);
      assert.equal(failed.events[0]!.properties?.failure_message, 'Your card was declined.');
      assert.deepEqual(failed.traits.some((t) => t.name === 'kajabi_last_offer'), false);
      assert.deepEqual(payment({ ...amaraPayment, Status: 'initialized' }).events.map((e) => [e.type, e.revenue]), [['payment_pending', null]]);
      assert.deepEqual(payment({ ...amaraPayment, Type: 'test' }).events.map((e) => [e.type, e.revenue]), [['payment_succeeded', null]]);
      assert.deepEqual(payment({ ...amaraPayment, Type: 'dispute' }).events.map((e) => [e.external_id, e.revenue]), [['kajabi:dispute:5530981274', null]]);
    });

    it('reads amounts as the export writes them, in the currency\'s own unit', () => {
      assert.equal(payment({ ...amaraPayment, Amount: '1,497.00' }).events[0]!.revenue, 1497);
      assert.equal(payment({ ...amaraPayment, Amount: '$1,497.00' }).events[0]!.revenue, 1497);
      const yen = payment({ ...amaraPayment, Amount: '12000', Currency: 'JPY', 'Tax Amount': '0' }).events[0]!;
      assert.deepEqual([yen.revenue, yen.currency, yen.properties?.amount_in_cents], [12000, 'JPY', 12000]);
      const pounds = payment({ ...amaraPayment, Amount: '149.00', Currency: 'gbp', 'Tax Amount': '24.83' }).events[0]!;
      assert.deepEqual([pounds.revenue, pounds.currency, pounds.properties?.amount_in_cents, pounds.properties?.sales_tax_in_cents], [149, 'GBP', 14900, 2483]);
    });

    it('reads a file of purchases: the API purchase hook\'s own event, with no revenue', () => {
      const hook = webhook('kajabi-hook-purchase').events.find((e) => e.type === 'offer_purchased')!;
      const row = { 'Purchase ID': '2150094312', 'Created At': '2026-04-02 08:21:07 -0700', Amount: '197.00', Currency: 'USD', 'Offer ID': '1873402', 'Offer Title': 'Sourdough Fundamentals', 'Customer Email': 'amara.okafor@example.com' };
      const purchase = payment(row).events;
      assert.deepEqual(purchase.map((e) => [e.external_id, e.type, e.revenue]), [[hook.external_id, 'offer_purchased', null]]);
      assert.equal(purchase[0]!.properties?.amount_in_cents, hook.properties?.amount_in_cents);
    });

    it('takes the phone with the buyer\'s country, and a Contact ID as the contact', () => {
      const ingrid = payment({ ...amaraPayment, 'Customer Email': 'ingrid.johansson@gmail.com', Phone: '020 7946 0321', Country: 'GB', 'Contact ID': '301447833' });
      assert.deepEqual(identities(ingrid), ['email:ingrid.johansson@gmail.com', 'kajabi_member:301447833', 'phone:+442079460321']);
    });

    for (const [what, row, reason] of [
      ['an email that is not an address', { ...amaraPayment, 'Customer Email': 'sofia.garcia@outlook' }, /Email "sofia.garcia@outlook" is not an email address/],
      ['a row without its transaction ID', { ...amaraPayment, ID: '' }, /no transaction ID/],
      ['a time a spreadsheet stripped of its zone', { ...amaraPayment, 'Created At': '4/24/2026 14:03' }, /Created At "4\/24\/2026 14:03" is not a time/],
      ['an amount with a decimal comma', { ...amaraPayment, Amount: '197,00' }, /Amount "197,00" is not an amount/],
      ['a charge without its amount', { ...amaraPayment, Amount: '' }, /Transaction 5530981274 has no Amount/],
      ['a transaction ID a spreadsheet rounded', { ...amaraPayment, ID: '5.53098E+09' }, /rounded by a spreadsheet/],
    ] as const) {
      it(`refuses ${what}, saying why`, () => refuses(KAJABI_IMPORT_TOPICS.purchasesCsv, row, reason));
    }
  });

  describe('recognising the exports by their header', () => {
    it('knows the contacts export, and the transactions export, in any case', () => {
      assert.equal(isKajabiPeopleHeader(Object.keys(amaraContact)), true);
      assert.equal(isKajabiPeopleHeader(['EMAIL ADDRESS', 'name', 'tags']), true);
      assert.equal(isKajabiPurchasesHeader(Object.keys(amaraPayment)), true);
      assert.equal(isKajabiPurchasesHeader(['Transaction ID', 'amount', 'EMAIL', 'Offer Title']), true);
    });

    it('never takes one for the other, nor a list that is neither', () => {
      assert.equal(isKajabiPeopleHeader(Object.keys(amaraPayment)), false);
      assert.equal(isKajabiPurchasesHeader(Object.keys(amaraContact)), false);
      assert.equal(isKajabiPeopleHeader(['Email', 'Name']), false);
      assert.equal(isKajabiPurchasesHeader(['Amount', 'Offer Title']), false);
    });
  });

  it('keeps a topic it does not know, as ignored', () => {
    assert.equal(normaliseKajabiImport(delivery('import/subscriptions-csv', {})).kind, 'ignored');
  });
});
