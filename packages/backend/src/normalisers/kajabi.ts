import { toE164, toEmail } from './identity.ts';
import { minorUnitDigits, readKajabi, type KajabiFact, type KajabiMoney, type KajabiPayment, type KajabiPerson } from './kajabi-payload.ts';
import { isKajabiTopic, KAJABI_TOPICS } from './kajabi-topic.ts';
import { NormaliseError, type EventClaim, type IdentityClaim, type Normaliser, type RawDelivery, type TraitClaim } from './record.ts';

/**
 * Kajabi deliveries (public API hooks and admin outbound webhooks, read by
 * kajabi-payload.ts) → identities, traits, events. Pure.
 *
 * Revenue: only payments carry it. Kajabi fires Purchase Created (`purchase`)
 * for a one-time offer, for the FIRST payment of a subscription and for a
 * payment plan, and Payment Succeeded (`payment_succeeded`) for every payment
 * received, that first one included (outbound webhook data reference). If
 * both carried money, every purchase would be counted twice; if only
 * purchases did, renewals and later instalments would be missed. So
 * `payment_succeeded` holds the revenue, keyed by the transaction id
 * (`kajabi:payment:<id>`), and `offer_purchased` records the offer and its
 * price in properties with no revenue. An `order_created` hook embeds its
 * payment transaction: it becomes the same `kajabi:payment:<id>` event, so
 * whichever of the two deliveries arrives first records the money, once.
 *
 * Tags: a `tag_added` delivery names one tag, not the contact's whole set, and
 * traits are newest-wins per name, so one `kajabi_tags` list could not be
 * kept right from single changes arriving in any order. Each tag is its own
 * trait instead, `kajabi_tag_<tag id>` = `{ tag, tag_id, tagged }`, a
 * last-writer-wins register per tag: the contact's tags are the
 * `kajabi_tag_*` traits whose value has `tagged: true`, and a removal that
 * arrives after an older addition wins as it should. `tag_added` /
 * `tag_removed` events keep the history.
 */

type Json = Record<string, unknown>;

/** An amount in minor units as currency units (1999 USD cents → 19.99; JPY has no minor unit). */
function inUnits(amount: KajabiMoney): number {
  const digits = minorUnitDigits(amount.currency);
  return Number((amount.minor / 10 ** digits).toFixed(digits));
}

function identitiesOf(person: KajabiPerson, what: string): IdentityClaim[] {
  const identities: IdentityClaim[] = [];
  const email = toEmail(person.email);
  if (email) identities.push({ kind: 'email', value: email });
  if (person.contactId) identities.push({ kind: 'kajabi_member', value: person.contactId });
  const phone = toE164(person.phone, person.countryCode);
  if (phone) identities.push({ kind: 'phone', value: phone });
  if (identities.length === 0) throw new NormaliseError(`Kajabi ${what} names no contact id, email or phone, so it cannot be tied to a person`);
  return identities;
}

/** What the payload says about the person; what it leaves out says nothing (Kajabi payloads are partial). */
function traitsOf(person: KajabiPerson): TraitClaim[] {
  const traits: TraitClaim[] = [];
  const put = (name: string, value: unknown) => {
    if (value !== null && value !== undefined) traits.push({ name, value });
  };
  put('name', person.name);
  put('first_name', person.firstName);
  put('last_name', person.lastName);
  put('email', toEmail(person.email));
  put('phone', toE164(person.phone, person.countryCode));
  put('city', person.city);
  put('country_code', person.countryCode);
  put('accepts_email_marketing', person.subscribed);
  return traits;
}

/** A trait name for one tag: Kajabi's tag id when it has one (names can be renamed), else the name. */
function tagTraitName(tag: { id: string | null; name: string }): string {
  const key = (tag.id ?? tag.name).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 52);
  if (!key) throw new NormaliseError(`Kajabi tag ${JSON.stringify(tag.name)} has neither an id nor a name Tessera can key it by`);
  return `kajabi_tag_${key}`;
}

function paymentEvent(payment: KajabiPayment, person: KajabiPerson, receivedAt: string): EventClaim {
  // A payment_succeeded delivery is a charge that went through; a state or action saying
  // otherwise (not documented for this event) keeps the record but brings in no money.
  const counts = payment.amount !== null && (payment.state ?? 'succeeded') === 'succeeded' && payment.action !== 'refund';
  return {
    external_id: `kajabi:payment:${payment.id}`,
    type: 'payment_succeeded',
    occurred_at: payment.at ?? receivedAt,
    revenue: counts ? inUnits(payment.amount!) : null,
    currency: counts ? payment.amount!.currency : null,
    properties: {
      transaction_id: payment.id,
      amount_in_cents: payment.amount?.minor ?? null,
      currency: payment.amount?.currency ?? null,
      sales_tax_in_cents: payment.salesTaxMinor,
      state: payment.state,
      action: payment.action,
      payment_type: payment.paymentType,
      offer_id: payment.offer?.id ?? null,
      offer_title: payment.offer?.title ?? null,
      customer_id: person.customerId,
    },
  };
}

interface Facts {
  at: string | null;
  events: EventClaim[];
  traits: TraitClaim[];
}

function factsOf(fact: KajabiFact, delivery: RawDelivery): Facts {
  const receivedAt = delivery.receivedAt;
  switch (fact.kind) {
    case 'purchase': {
      const idProperty = fact.id.space === 'purchase' ? 'purchase_id' : 'purchase_transaction_id';
      return {
        at: fact.at,
        traits: fact.offer?.title ? [{ name: 'kajabi_last_offer', value: fact.offer.title }] : [],
        events: [
          {
            external_id: fact.id.space === 'purchase' ? `kajabi:purchase:${fact.id.value}` : `kajabi:purchase_created:${fact.id.value}`,
            type: 'offer_purchased',
            occurred_at: fact.at ?? receivedAt,
            revenue: null, // the money is on payment_succeeded: see the note at the top
            properties: {
              [idProperty]: fact.id.value,
              offer_id: fact.offer?.id ?? null,
              offer_title: fact.offer?.title ?? null,
              amount_in_cents: fact.price?.minor ?? null,
              amount: fact.price ? inUnits(fact.price) : null,
              currency: fact.price?.currency ?? null,
              customer_id: fact.person.customerId,
              ...fact.details,
            },
          },
        ],
      };
    }
    case 'payment':
      return { at: fact.payment.at, traits: [], events: [paymentEvent(fact.payment, fact.person, receivedAt)] };
    case 'order': {
      const offerTitle = fact.items.find((item) => (item.itemType ?? 'Offer') === 'Offer' && item.title)?.title;
      return {
        at: fact.at,
        traits: offerTitle ? [{ name: 'kajabi_last_offer', value: offerTitle }] : [],
        events: [
          {
            external_id: `kajabi:order:${fact.id}`,
            type: 'order_placed',
            occurred_at: fact.at ?? receivedAt,
            revenue: null, // counted from its payment transaction(s) below
            properties: {
              order_id: fact.id,
              order_number: fact.number,
              total_in_cents: fact.total?.minor ?? null,
              total: fact.total ? inUnits(fact.total) : null,
              currency: fact.total?.currency ?? null,
              item_count: fact.items.reduce((sum, item) => sum + (item.quantity ?? 1), 0),
              items: fact.items.slice(0, 50).map((item) => ({
                title: item.title,
                quantity: item.quantity,
                item_type: item.itemType,
                item_id: item.itemId,
                total_in_cents: item.totalMinor,
              })),
              customer_id: fact.person.customerId,
              ...fact.details,
            },
          },
          ...fact.payments.map((payment) => paymentEvent(payment, fact.person, receivedAt)),
        ],
      };
    }
    case 'form_submission':
      return {
        at: null,
        traits: [],
        events: [
          {
            // Kajabi's submission id when it sends one; else one event per stored delivery.
            external_id: fact.id ? `kajabi:form_submission:${fact.id}` : `kajabi:form_submission:${fact.form?.id ?? 'form'}:${receivedAt}`,
            type: 'form_submitted',
            occurred_at: receivedAt, // the payload carries no submission time
            properties: { submission_id: fact.id, form_id: fact.form?.id ?? null, form_title: fact.form?.title ?? null, answers: fact.answers },
          },
        ],
      };
    case 'tag': {
      const type = fact.change === 'added' ? 'tag_added' : 'tag_removed';
      const who = fact.person.contactId ?? toEmail(fact.person.email) ?? 'unknown';
      const tagKey = tagTraitName(fact.tag);
      return {
        at: null, // no change time in the payload: the time Tessera received it orders the changes
        traits: [{ name: tagKey, value: { tag: fact.tag.name, tag_id: fact.tag.id, tagged: fact.change === 'added' } satisfies Json }],
        events: [
          {
            external_id: `kajabi:${type}:${who}:${tagKey.slice('kajabi_tag_'.length)}:${fact.deliveryId ?? receivedAt}`,
            type,
            occurred_at: receivedAt,
            properties: { tag_id: fact.tag.id, tag_name: fact.tag.name, contact_id: fact.person.contactId },
          },
        ],
      };
    }
  }
}

/** The Kajabi normaliser: events Tessera does not handle are kept raw and reported as ignored. */
export const normaliseKajabi: Normaliser = (delivery) => {
  if (delivery.topic === '(unknown)') {
    return { kind: 'ignored', reason: 'Kajabi delivery names no event and its shape is not one Tessera knows: add ?event=<name> to the webhook URL in Kajabi' };
  }
  if (!isKajabiTopic(delivery.topic)) {
    return { kind: 'ignored', reason: `Kajabi event ${delivery.topic} is stored but not processed: Tessera reads ${KAJABI_TOPICS.join(', ')}` };
  }
  const { fact, unrecognised } = readKajabi(delivery.topic, delivery.body);
  const facts = factsOf(fact, delivery);
  return {
    kind: 'record',
    record: {
      observed_at: delivery.triggeredAt ?? facts.at ?? delivery.receivedAt,
      identities: identitiesOf(fact.person, delivery.topic),
      traits: [...traitsOf(fact.person), ...facts.traits],
      events: facts.events,
      unrecognised,
    },
  };
};
