import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { normaliseKajabi } from './kajabi.ts';
import { kajabiTopic } from './kajabi-topic.ts';
import { NormaliseError, NormalisedRecord, type Normalised } from './record.ts';

// Fixtures follow Kajabi's documented shapes: kajabi-hook-*.json the public API's hook
// envelope and `*_sample` payloads (developers.kajabi.com/api-reference/webhooks),
// kajabi-purchase-created*.json and kajabi-payment-succeeded.json the admin's outbound
// webhooks (help.kajabi.com "Outbound webhook data reference"; see kajabi-payload.ts).
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const RECEIVED = '2026-04-05T10:00:00.000Z';

function normalise(body: unknown, topic = kajabiTopic(body)): Normalised {
  return normaliseKajabi({ source: 'kajabi', topic, headers: {}, body, triggeredAt: null, receivedAt: RECEIVED });
}

function record(body: unknown, topic?: string) {
  const result = normalise(body, topic);
  assert.equal(result.kind, 'record');
  // Whatever the normaliser makes must be what apply_record accepts.
  return NormalisedRecord.parse((result as { record: unknown }).record);
}

const identities = (body: unknown) => Object.fromEntries(record(body).identities.map((i) => [i.kind, i.value]));
const traits = (body: unknown) => Object.fromEntries(record(body).traits.map((t) => [t.name, t.value]));

describe('Kajabi topic: recognised from the delivery itself', () => {
  it('takes the event Kajabi names, in either format\'s spelling', () => {
    assert.equal(kajabiTopic(fixture('kajabi-hook-purchase')), 'purchase');
    assert.equal(kajabiTopic(fixture('kajabi-hook-tag-added')), 'tag_added');
    assert.equal(kajabiTopic({ ...fixture('kajabi-hook-tag-added'), event: 'tag_removed' }), 'tag_removed');
    assert.equal(kajabiTopic(fixture('kajabi-payment-succeeded')), 'payment_succeeded'); // "payment.succeeded"
    assert.equal(kajabiTopic(fixture('kajabi-purchase-created-legacy')), 'purchase'); // "purchase.created"
  });

  it('falls back to the URL\'s event parameter, then to the shape of the body', () => {
    const { event: _, ...unnamed } = fixture('kajabi-payment-succeeded');
    assert.equal(kajabiTopic(unnamed), 'payment_succeeded');
    assert.equal(kajabiTopic(fixture('kajabi-purchase-created')), 'purchase');
    assert.equal(kajabiTopic(fixture('kajabi-hook-order-created').payload), 'order_created');
    assert.equal(kajabiTopic(fixture('kajabi-hook-form-submission').payload), 'form_submission');
    assert.equal(kajabiTopic({ email: 'x@example.com' }, 'Form Submission'), 'form_submission');
    // contacts + a tag could be an addition or a removal: the shape alone does not say
    assert.equal(kajabiTopic(fixture('kajabi-hook-tag-added').payload), '(unknown)');
  });

  it('keeps an event name it does not know as it was sent', () => {
    assert.equal(kajabiTopic({ id: 'x', event: 'course_completed', payload: [] }), 'course_completed');
  });
});

describe('Kajabi normaliser: public API hooks', () => {
  it('purchase: the offer and its price, tied to the contact, bringing in no revenue', () => {
    const result = record(fixture('kajabi-hook-purchase'));
    assert.deepEqual(result.identities, [
      { kind: 'email', value: 'amara.okafor@example.com' },
      // the contact id, not the customer id (88213467): contacts are who people are in Kajabi
      { kind: 'kajabi_member', value: '301447782' },
    ]);
    assert.equal(result.observed_at, '2026-04-02T15:21:07.412Z');
    const [event] = result.events;
    assert.equal(event?.external_id, 'kajabi:purchase:2150094312');
    assert.equal(event?.type, 'offer_purchased');
    assert.equal(event?.revenue, null, 'the money is counted from payment_succeeded, never twice');
    assert.equal(event?.properties?.amount, 197);
    assert.equal(event?.properties?.amount_in_cents, 19700);
    assert.equal(event?.properties?.offer_title, 'Sourdough Fundamentals');
    assert.equal(event?.properties?.customer_id, '88213467');
    const t = traits(fixture('kajabi-hook-purchase'));
    assert.equal(t.name, 'Amara Okafor');
    assert.equal(t.kajabi_last_offer, 'Sourdough Fundamentals');
    assert.equal(t.accepts_email_marketing, true); // opt_in at checkout
  });

  it('payment_succeeded: revenue in currency units from amount_in_cents, keyed by the transaction', () => {
    const [event] = record(fixture('kajabi-hook-payment-succeeded')).events;
    assert.equal(event?.external_id, 'kajabi:payment:5530981274');
    assert.equal(event?.type, 'payment_succeeded');
    assert.equal(event?.revenue, 197);
    assert.equal(event?.currency, 'USD');
    assert.equal(event?.occurred_at, '2026-04-02T15:21:06.980Z');
    assert.equal(event?.properties?.offer_title, 'Sourdough Fundamentals');
  });

  it('payment_succeeded: a zero-decimal currency is not divided by 100, and the code is upper-cased', () => {
    const body = fixture('kajabi-hook-payment-succeeded');
    Object.assign(body.payload[0].attributes, { amount_in_cents: 24000, currency: 'jpy' });
    const [event] = record(body).events;
    assert.equal(event?.revenue, 24000);
    assert.equal(event?.currency, 'JPY');
  });

  it('payment_succeeded: a transaction that did not succeed is kept but brings in no money', () => {
    const body = fixture('kajabi-hook-payment-succeeded');
    body.payload[0].attributes.state = 'failed';
    const [event] = record(body).events;
    assert.equal(event?.revenue, null);
    assert.equal(event?.properties?.state, 'failed');
  });

  it('order_created: the order without revenue, and its payment as the same event payment_succeeded makes', () => {
    const result = record(fixture('kajabi-hook-order-created'));
    const [order, payment] = result.events;
    assert.equal(order?.external_id, 'kajabi:order:77120045');
    assert.equal(order?.type, 'order_placed');
    assert.equal(order?.revenue, null);
    assert.equal(order?.properties?.total, 264);
    assert.deepEqual((order?.properties?.items as { title: string }[]).map((item) => item.title), ['Laminated Dough Masterclass', "Baker's Schedule Planner"]);
    assert.equal(payment?.external_id, 'kajabi:payment:5531004477');
    assert.equal(payment?.revenue, 264);
    assert.deepEqual(result.identities, [
      { kind: 'email', value: 'tomas.ruiz@example.com' },
      { kind: 'kajabi_member', value: '301452210' },
    ]);
  });

  it('form_submission: email and E.164 phone (read with the form\'s country), the form and its answers', () => {
    const result = record(fixture('kajabi-hook-form-submission'));
    assert.deepEqual(result.identities, [
      { kind: 'email', value: 'priya.raman@example.co.uk' },
      { kind: 'phone', value: '+442079460958' },
    ]);
    const [event] = result.events;
    assert.equal(event?.external_id, 'kajabi:form_submission:66120954');
    assert.equal(event?.type, 'form_submitted');
    assert.equal(event?.occurred_at, RECEIVED);
    assert.equal(event?.properties?.form_title, 'Free Starter Guide');
    assert.deepEqual(event?.properties?.answers, { custom_1: 'Weekend classes' });
    assert.equal(traits(fixture('kajabi-hook-form-submission')).country_code, 'GB');
  });

  it('tag_added: one trait per tag that says it is on, and an event', () => {
    const result = record(fixture('kajabi-hook-tag-added'));
    assert.deepEqual(result.identities, [
      { kind: 'email', value: 'amara.okafor@example.com' },
      { kind: 'kajabi_member', value: '301447782' },
      { kind: 'phone', value: '+14165550142' },
    ]);
    const t = traits(fixture('kajabi-hook-tag-added'));
    assert.deepEqual(t.kajabi_tag_2104331, { tag: 'Sourdough Club', tag_id: '2104331', tagged: true });
    assert.equal(t.accepts_email_marketing, true);
    assert.equal(t.kajabi_tags, undefined, 'no whole-set trait: one change cannot say what the whole set is');
    const [event] = result.events;
    assert.equal(event?.type, 'tag_added');
    assert.equal(event?.external_id, 'kajabi:tag_added:301447782:2104331:tA9k2Lm4');
    assert.equal(result.observed_at, RECEIVED, 'no change time in the payload: receipt orders the changes');
  });

  it('tag_removed: the same trait, now saying the tag is off', () => {
    const body = { ...fixture('kajabi-hook-tag-added'), id: 'rM2p8Qz5', event: 'tag_removed' };
    assert.deepEqual(traits(body).kajabi_tag_2104331, { tag: 'Sourdough Club', tag_id: '2104331', tagged: false });
    assert.equal(record(body).events[0]?.type, 'tag_removed');
  });

  it('reports fields it does not know, and never fails because of them', () => {
    const body = fixture('kajabi-hook-purchase');
    body.payload[0].attributes.affiliate_code = 'BAKEWITHME';
    body.payload.push({ id: '640118', type: 'products', attributes: { title: 'Sourdough Fundamentals' } });
    body.delivered_at = '2026-04-02T15:21:08Z';
    assert.deepEqual(record(body).unrecognised, ['delivered_at', 'payload.purchases.attributes.affiliate_code', 'payload.products']);
    assert.deepEqual(record(fixture('kajabi-hook-order-created')).unrecognised, []);
  });
});

describe('Kajabi normaliser: admin outbound webhooks', () => {
  it('Purchase Created (current format): member and offer objects, extra contact information', () => {
    const result = record(fixture('kajabi-purchase-created'));
    assert.deepEqual(result.identities, [
      { kind: 'email', value: 'amara.okafor@example.com' },
      { kind: 'kajabi_member', value: '301447782' },
      { kind: 'phone', value: '+14165550142' },
    ]);
    const [event] = result.events;
    assert.equal(event?.external_id, 'kajabi:purchase_created:5530981274');
    assert.equal(event?.type, 'offer_purchased');
    assert.equal(event?.revenue, null);
    assert.equal(event?.occurred_at, RECEIVED, 'no time in the payload');
    const t = traits(fixture('kajabi-purchase-created'));
    assert.equal(t.first_name, 'Amara');
    assert.equal(t.last_name, 'Okafor');
    assert.equal(t.city, 'Toronto');
    assert.equal(t.kajabi_last_offer, 'Sourdough Fundamentals');
  });

  it('Purchase Created (older format): flat member_* fields in `payload` read the same', () => {
    const current = record(fixture('kajabi-purchase-created'));
    const legacy = record(fixture('kajabi-purchase-created-legacy'));
    assert.deepEqual(legacy.identities, current.identities.filter((i) => i.kind !== 'phone'));
    assert.deepEqual(legacy.events.map((e) => e.external_id), current.events.map((e) => e.external_id));
    assert.equal(traits(fixture('kajabi-purchase-created-legacy')).accepts_email_marketing, true);
    assert.deepEqual(legacy.unrecognised, []);
  });

  it('Payment Succeeded: revenue from payment_transaction, the same key as the API\'s transaction', () => {
    const [event] = record(fixture('kajabi-payment-succeeded')).events;
    assert.equal(event?.external_id, 'kajabi:payment:5530981274');
    assert.equal(event?.revenue, 197);
    assert.equal(event?.currency, 'USD');
    assert.equal(event?.properties?.amount_in_cents, 19700);
  });

  it('Payment Succeeded: amount_paid alone is read as cents', () => {
    const body = fixture('kajabi-payment-succeeded');
    delete body.payment_transaction.amount_paid_decimal;
    body.payment_transaction.amount_paid = 4900;
    assert.equal(record(body).events[0]?.revenue, 49);
  });

  it('Cart Purchase and Form Submission (shapes not in the docs we could read): read tolerantly', () => {
    const cart = record(
      {
        id: 77120045,
        order: { id: 77120045, order_number: 1042, currency_code: 'USD', total_price_in_cents: 26400, order_items: [{ title: 'Laminated Dough Masterclass', quantity: 1 }] },
        member: { id: 301452210, email: 'tomas.ruiz@example.com', name: 'Tomás Ruiz' },
      },
      'order_created',
    );
    assert.equal(cart.events[0]?.external_id, 'kajabi:order:77120045');
    assert.equal(cart.events[0]?.revenue, null);
    assert.equal(cart.events.length, 1, 'no payment transaction in it, so no money: Payment Succeeded brings it');
    const form = record({ id: 66120977, form: { id: 418220, title: 'Free Starter Guide' }, email: 'li.wei@example.com', name: 'Wei Li', custom_1: 'Evenings' }, 'form_submission');
    assert.deepEqual(form.identities, [{ kind: 'email', value: 'li.wei@example.com' }]);
    assert.equal(form.events[0]?.external_id, 'kajabi:form_submission:66120977');
    assert.deepEqual(form.events[0]?.properties?.answers, { custom_1: 'Evenings' });
  });
});

describe('Kajabi normaliser: what it refuses and what it ignores', () => {
  it('ignores events it does not handle (kept raw)', () => {
    const result = normalise({ id: 'x', event: 'course_completed', payload: [] });
    assert.equal(result.kind, 'ignored');
    assert.match((result as { reason: string }).reason, /course_completed is stored but not processed/);
    const unnamed = normalise(fixture('kajabi-hook-tag-added').payload);
    assert.equal(unnamed.kind, 'ignored');
    assert.match((unnamed as { reason: string }).reason, /add \?event=<name> to the webhook URL/);
  });

  it('refuses a delivery that names nobody, with a reason a person can act on', () => {
    const body = fixture('kajabi-hook-payment-succeeded');
    body.payload = body.payload.filter((resource: { type: string }) => resource.type !== 'customers');
    assert.throws(() => normalise(body), (error: unknown) => error instanceof NormaliseError && /names no contact id, email or phone/.test(error.message));
  });

  it('refuses a hook whose main resource is missing, and a body that is not JSON:API or an object', () => {
    assert.throws(() => normalise({ id: 'x', event: 'purchase', payload: [] }), /no "purchases" resource/);
    assert.throws(() => normalise('purchase', 'purchase'), NormaliseError);
    assert.throws(() => normalise({ member: { email: 'a@example.com' } }, 'tag_added'), /arrives only as a public API hook/);
  });

  it('drops a phone it cannot read in E.164 rather than link people on it', () => {
    const body = fixture('kajabi-hook-tag-added');
    Object.assign(body.payload[0].attributes, { phone_number: '5555555555', address_country: 'United Sites of Kajabi' });
    assert.equal(identities(body).phone, undefined);
  });
});
