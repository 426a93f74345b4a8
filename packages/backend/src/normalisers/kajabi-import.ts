import { toE164, toEmail } from './identity.ts';
import { addIdentity, countryCode, currencyCode, yesOrNo } from './export-cells.ts';
import { minorUnitDigits } from './kajabi-payload.ts';
import { isObject, text } from './payload.ts';
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
 * A Kajabi site's history from files → identities, traits, events: the
 * contacts export (People → Export) and the transactions export (Sales →
 * Transactions → Export). Pure, one stored row at a time.
 *
 * What it makes of a person or a payment is what the webhook normaliser
 * (kajabi.ts) makes of the same one: `email` and `kajabi_member` (the contact
 * id) identities, the same trait names, and the same `kajabi:payment:<id>`
 * event for the same transaction, so a payment imported from a file and
 * delivered again by webhook is one event and its money counts once. As with
 * webhooks, only money that moved carries revenue: a charge adds what was
 * paid, a refund takes back what was paid back, and a purchase (an offer
 * bought) carries none.
 *
 * Columns. Kajabi's help centre documents neither export (it documents the
 * contacts importer, the transaction details page and the API); the columns
 * below are the ones real exports have in public code:
 * - contacts: "Name, First Name, Last Name, Email, Products, Tags, ID, Member
 *   ID, External User ID, Created At, Member Created At, Sign In Count, Last
 *   Activity, Last Sign In At", then one column per contact field as "Label
 *   (field_key)": "Phone Number (phone_number), Mobile Phone Number
 *   (mobile_phone_number), Address (address_line_1), … City (address_city),
 *   State (address_state), Country (address_country), Zip Code (address_zip),
 *   Business Number (business_number)" and the site's custom fields
 *   "(custom_N)" (a public project's test copying the heading row of Kajabi's
 *   "Export contacts", September 2026; eburns009/starhouse-database-v2
 *   scripts/weekly_import_kajabi_simple.py, which reads `ID`, `Member ID`,
 *   `Products`, `Tags` and the bracketed fields); times as "2024-05-06
 *   18:01:32 -0700".
 * - transactions: "ID, Created At, Amount, Currency, Type (charge,
 *   subscription, payment plan, refund), Status (succeeded, failed), Payment
 *   Method, Provider, Offer ID, Offer Title, Customer ID, Customer Name,
 *   Customer Email, Phone, Address, Address 2, City, State, Zipcode, Country,
 *   Order No., Coupon Used, Tax Amount, Quantity, Card Brand, Card Funding,
 *   Charge Attempt, Failure Message" (starhouse-database-v2
 *   scripts/import_kajabi_transactions.py and weekly_import_kajabi_simple.py,
 *   run on real exports); amounts as decimals, refunds negative (as the API's
 *   `amount_in_cents`, developers.kajabi.com "Transaction details", which also
 *   lists the actions charge, refund, subscription_charge, dispute, test, …
 *   and the states initialized, succeeded, failed); times as "2025-11-08
 *   04:11:00 -0700".
 * Since neither is documented, headers are read tolerantly: any case and
 * spacing, a few other spellings ("Email Address", "Transaction ID"), and a
 * contact field by the key in its brackets, which survives a creator renaming
 * the label. The transactions export's ID is taken to be the id of the
 * transaction the API and webhooks name (`transactions` resources,
 * `payment_transaction.id`): both are Kajabi payment transactions. Every
 * column Tessera does not know is listed in `unrecognised`.
 */

export const KAJABI_IMPORT_TOPICS = {
  /** One row of the contacts export (body: the row, column name → cell). */
  peopleCsv: 'import/people-csv',
  /** One row of the transactions export (body: the row, column name → cell). */
  purchasesCsv: 'import/purchases-csv',
} as const;

// ─── Reading a row ────────────────────────────────────────────────────────────

/** A column as the export may name it (lower case), and the contact field key Kajabi writes in brackets after the label. */
interface Column {
  names: readonly string[];
  field?: string;
}

const column = (names: string[], field?: string): Column => (field ? { names, field } : { names });

const matches = (header: string, wanted: Column) => {
  const name = header.trim().toLowerCase();
  return wanted.names.includes(name) || (wanted.field !== undefined && name.endsWith(`(${wanted.field})`));
};

/** The header of a file names this column: by one of its names, or (failing that) by its field key. */
const headerHas = (header: string[], wanted: Column) => header.some((h) => matches(h, wanted));

/** A row read by column, whatever the header's case and spacing; a name wins over a bracketed key ("Name" over "First Name (name)"). */
function exportRow(body: unknown, what: string, known: readonly Column[]) {
  if (!isObject(body)) throw new NormaliseError(`A Kajabi ${what} must be a JSON object of column name → cell`);
  const cells = Object.entries(body).map(([header, cell]) => ({ header: header.trim().toLowerCase(), cell: typeof cell === 'string' ? cell : String(cell ?? '') }));
  const find = (wanted: Column) =>
    cells.find((c) => wanted.names.includes(c.header)) ?? (wanted.field ? cells.find((c) => c.header.endsWith(`(${wanted.field})`)) : undefined);
  return {
    /** Whether the file has the column at all. */
    has: (wanted: Column) => find(wanted) !== undefined,
    /** The trimmed cell; null when empty or absent. */
    text: (wanted: Column) => text(find(wanted)?.cell),
    unrecognised: () => cells.map((c) => c.header).filter((header) => !known.some((k) => matches(header, k))),
  };
}
type ExportRow = ReturnType<typeof exportRow>;

/** A Kajabi id from a cell; refuses one a spreadsheet rounded (3.01448E+08), which would name someone else. */
function kajabiId(cell: string | null, name: string): string | null {
  if (cell === null) return null;
  if (/^\d+$/.test(cell)) return cell;
  if (/^\d+(\.\d+)?E\+\d+$/i.test(cell)) {
    throw new NormaliseError(
      `${name} ${cell} was rounded by a spreadsheet (scientific notation), so it no longer names the right record: import the file as exported from Kajabi, or format the column as text before saving`,
    );
  }
  throw new NormaliseError(`${name} "${cell}" is not a Kajabi id (expected digits)`);
}

/** An email cell: empty is none; anything else must be an address, or the row is refused rather than linked on garbage. */
function emailOf(row: ExportRow, wanted: Column): string | null {
  const cell = row.text(wanted);
  if (cell === null) return null;
  const email = toEmail(cell);
  if (!email) throw new NormaliseError(`Email "${cell}" is not an email address`);
  return email;
}

/**
 * Kajabi writes times in its exports in the site's zone, "2026-04-02
 * 08:21:06 -0700"; ISO 8601 with an offset is accepted too. A time without
 * its offset (what a spreadsheet leaves after re-saving, "4/2/2026 8:21") is
 * refused: its day and zone are guesses.
 */
function exportTime(cell: string | null, name: string): string {
  const match = cell && /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})$/i.exec(cell);
  const offset = match?.[3]?.toUpperCase() === 'Z' ? 'Z' : match?.[3]?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const time = match ? new Date(`${match[1]}T${match[2]}${offset}`) : null;
  if (!time || Number.isNaN(time.getTime())) {
    throw new NormaliseError(`${name} ${cell === null ? 'is empty' : `"${cell}" is not a time in Kajabi's export format (2026-04-02 08:21:06 -0700)`}`);
  }
  return time.toISOString();
}

/**
 * An amount as the export writes it ("197.00", "-197.00", "$1,497.00") in the
 * currency's minor unit, as Kajabi counts money (`amount_in_cents`). A decimal
 * comma ("197,00", from a spreadsheet in another locale) is refused, not read
 * as 19700.
 */
function minorUnits(cell: string, name: string, currency: string | null): number {
  const match = /^(-?)\s*[$€£¥]?\s*(-?)(\d+|\d{1,3}(?:,\d{3})+)(\.\d+)?$/.exec(cell);
  const amount = match && !(match[1] && match[2]) ? Number(`${match[1] || match[2]}${match[3]!.replace(/,/g, '')}${match[4] ?? ''}`) : NaN;
  // Beyond this no payment is real (and events.revenue is numeric(14,2)): a spreadsheet mangled the cell.
  if (!Number.isFinite(amount) || Math.abs(amount) >= 1e11) throw new NormaliseError(`${name} "${cell}" is not an amount (expected one like 197.00)`);
  return Math.round(amount * 10 ** minorUnitDigits(currency));
}

/** Minor units as currency units (19700 USD → 197, JPY has no minor unit), as the webhook counts them. */
function inUnits(minor: number, currency: string | null): number {
  const digits = minorUnitDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
}


/** Identities without repeats, in the order found. */
/** What the row says about the person: what it leaves out says nothing, as with the webhook's partial payloads. */
function put(traits: TraitClaim[], name: string, value: unknown) {
  if (value !== null && value !== undefined) traits.push({ name, value });
}

// ─── The contacts export ──────────────────────────────────────────────────────

const PEOPLE = {
  name: column(['name', 'full name'], 'name'),
  firstName: column(['first name']),
  lastName: column(['last name']),
  email: column(['email', 'email address'], 'email'),
  contactId: column(['id', 'contact id']),
  createdAt: column(['created at']),
  products: column(['products']),
  tags: column(['tags']),
  phone: column(['phone', 'phone number'], 'phone_number'),
  mobilePhone: column(['mobile phone number', 'mobile phone'], 'mobile_phone_number'),
  city: column(['city'], 'address_city'),
  country: column(['country'], 'address_country'),
  // Not in the exports we could see; read if a file has it.
  subscribed: column(['subscribed', 'email subscribed', 'accepts email marketing']),
};

/** Columns of the export Tessera knows and leaves in the raw event unused (not "unrecognised"). */
const PEOPLE_KNOWN: readonly Column[] = [
  ...Object.values(PEOPLE),
  // Member ID names the member account, another id space than the contact's ID: like the webhooks' customer ids, it links no one.
  column(['member id']),
  column(['external user id']),
  column(['member created at']),
  column(['sign in count']),
  column(['last activity']),
  column(['last sign in at']),
  column(['address', 'address line 1'], 'address_line_1'),
  column(['address 2', 'address line 2'], 'address_line_2'),
  column(['state'], 'address_state'),
  column(['zip', 'zip code', 'zipcode'], 'address_zip'),
  column(['business number'], 'business_number'),
];


/** Kajabi's tags in a cell ("Sourdough Club, Newsletter"). */
const tagsOf = (cell: string | null) => (cell ?? '').split(',').map((t) => t.trim()).filter(Boolean);

/**
 * The webhook's trait for one tag (kajabi.ts: `kajabi_tag_<tag id, else
 * name>` = `{ tag, tag_id, tagged }`). The export names tags but not their
 * ids, so the key is the name, as the webhook's is for a tag without an id.
 */
function tagTrait(tag: string): TraitClaim | null {
  const key = tag.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 52);
  return key ? { name: `kajabi_tag_${key}`, value: { tag, tag_id: null, tagged: true } } : null;
}

/** Whether a CSV header is Kajabi's contacts export: an email column and the columns only it has. */
export function isKajabiPeopleHeader(header: string[]): boolean {
  const kajabiOnly = [PEOPLE.tags, PEOPLE.products, column(['member id']), column(['last activity'])];
  return headerHas(header, PEOPLE.email) && kajabiOnly.some((c) => headerHas(header, c)) && !headerHas(header, PURCHASES.amount);
}

/** The idempotency key's id of a contacts row: the contact id, else the email. */
export function kajabiPersonKey(row: Record<string, unknown>): string | null {
  const cells = exportRow(row, 'contacts export row', PEOPLE_KNOWN);
  const id = cells.text(PEOPLE.contactId);
  if (id && /^\d+$/.test(id)) return `contact:${id}`;
  const email = toEmail(cells.text(PEOPLE.email));
  return email ? `email:${email}` : null;
}

function normalisePersonRow(delivery: RawDelivery): Normalised {
  const row = exportRow(delivery.body, 'contacts export row', PEOPLE_KNOWN);
  const contactId = kajabiId(row.text(PEOPLE.contactId), 'ID');
  const email = emailOf(row, PEOPLE.email);
  const country = countryCode(row.text(PEOPLE.country));
  const phone = toE164(row.text(PEOPLE.phone) ?? row.text(PEOPLE.mobilePhone), country);

  const identities: IdentityClaim[] = [];
  addIdentity(identities, 'email', email);
  addIdentity(identities, 'kajabi_member', contactId);
  addIdentity(identities, 'phone', phone);
  if (identities.length === 0) throw new NormaliseError('The row has no ID, email or phone, so it cannot be tied to a person');

  const traits: TraitClaim[] = [];
  put(traits, 'name', row.text(PEOPLE.name));
  put(traits, 'first_name', row.text(PEOPLE.firstName));
  put(traits, 'last_name', row.text(PEOPLE.lastName));
  put(traits, 'email', email);
  put(traits, 'phone', phone);
  put(traits, 'city', row.text(PEOPLE.city));
  put(traits, 'country_code', country);
  put(traits, 'accepts_email_marketing', yesOrNo(row.text(PEOPLE.subscribed)));
  // The export lists every product the contact can open: as of the export, an empty cell means none.
  if (row.has(PEOPLE.products)) put(traits, 'kajabi_products', tagsOf(row.text(PEOPLE.products)));
  for (const tag of tagsOf(row.text(PEOPLE.tags))) {
    const trait = tagTrait(tag);
    if (trait && !traits.some((t) => t.name === trait.name)) traits.push(trait);
  }

  const events: EventClaim[] = [];
  const createdAt = row.text(PEOPLE.createdAt);
  if (createdAt !== null) {
    events.push({
      // Keyed by the contact, so another export of the same contact is the same event.
      external_id: `kajabi:contact:${contactId ?? email ?? phone}:created`,
      type: 'contact_created',
      occurred_at: exportTime(createdAt, 'Created At'),
      properties: { contact_id: contactId },
    });
  }

  return {
    kind: 'record',
    record: {
      // The export has no time of its own: the importer passes when the file was exported.
      observed_at: delivery.triggeredAt ?? delivery.receivedAt,
      identities,
      traits,
      events,
      unrecognised: row.unrecognised(),
    },
  };
}

// ─── The transactions export ──────────────────────────────────────────────────

const PURCHASES = {
  transactionId: column(['id', 'transaction id']),
  // Not in the exports we could see: a file of purchases (one row per offer bought) is read by it.
  purchaseId: column(['purchase id']),
  createdAt: column(['created at', 'date', 'transaction date']),
  amount: column(['amount', 'amount paid']),
  currency: column(['currency']),
  type: column(['type', 'transaction type']),
  status: column(['status', 'state']),
  offerId: column(['offer id']),
  offerTitle: column(['offer title', 'offer']),
  // A customer id is not a contact id (kajabi.ts): kept in properties, it links no one.
  customerId: column(['customer id']),
  contactId: column(['contact id']),
  name: column(['customer name', 'name']),
  email: column(['customer email', 'email', 'email address']),
  phone: column(['phone', 'phone number', 'customer phone']),
  city: column(['city']),
  country: column(['country']),
  tax: column(['tax amount', 'sales tax']),
  orderNumber: column(['order no.', 'order number']),
  coupon: column(['coupon used', 'coupon code']),
  paymentMethod: column(['payment method']),
  provider: column(['provider']),
  quantity: column(['quantity']),
  failure: column(['failure message']),
};

const PURCHASES_KNOWN: readonly Column[] = [
  ...Object.values(PURCHASES),
  column(['address']),
  column(['address 2']),
  column(['state']),
  column(['zipcode', 'zip', 'zip code']),
  column(['card brand']),
  column(['card funding']),
  column(['charge attempt']),
];

/** Whether a CSV header is Kajabi's transactions export: an amount, a customer's email, and an offer or transaction. */
export function isKajabiPurchasesHeader(header: string[]): boolean {
  return (
    headerHas(header, PURCHASES.amount) &&
    headerHas(header, PURCHASES.email) &&
    [PURCHASES.offerTitle, PURCHASES.offerId, PURCHASES.transactionId, PURCHASES.purchaseId].some((c) => headerHas(header, c))
  );
}

/** The idempotency key's id of a transactions row: the transaction id, else the purchase id. */
export function kajabiPaymentKey(row: Record<string, unknown>): string | null {
  const cells = exportRow(row, 'transactions export row', PURCHASES_KNOWN);
  const transaction = cells.text(PURCHASES.transactionId);
  if (transaction && /^\d+$/.test(transaction)) return `transaction:${transaction}`;
  const purchase = cells.text(PURCHASES.purchaseId);
  return purchase && /^\d+$/.test(purchase) ? `purchase:${purchase}` : null;
}

/** What happened to the money, from the Status column: an empty status is a charge that went through (as the webhook reads a missing state). */
function outcomeOf(status: string | null): 'collected' | 'failed' | 'pending' {
  const word = status?.toLowerCase().replace(/[\s-]+/g, '_') ?? 'succeeded';
  // A charge later refunded or disputed still brought its money in; the refund is a row of its own.
  if (['succeeded', 'success', 'successful', 'completed', 'complete', 'paid', 'refunded', 'partially_refunded', 'disputed'].includes(word)) return 'collected';
  if (['failed', 'failure', 'declined'].includes(word)) return 'failed';
  return 'pending'; // pending, initialized, or a status Tessera does not know: no money until it says so
}

/** What the transaction is, from the Type column (charge, subscription, payment plan, refund, …). */
function kindOf(type: string | null): 'charge' | 'refund' | 'dispute' | 'test' {
  const word = type?.toLowerCase().replace(/[\s-]+/g, '_') ?? '';
  if (word === 'refund' || word === 'refunded') return 'refund';
  if (word === 'dispute' || word === 'chargeback') return 'dispute';
  if (word === 'test') return 'test';
  return 'charge';
}

/**
 * Each kind of transaction and what became of it, as an event type. A charge
 * is the webhook's `kajabi:payment:<id>` (the same event whichever arrives
 * first); a refund and a dispute are facts of their own under their own
 * transaction's id, so a webhook that delivers the same refund as a payment
 * with no revenue (kajabi.ts) never cancels the money taken back.
 */
const TRANSACTIONS = {
  charge: { prefix: 'payment', collected: 'payment_succeeded', failed: 'payment_failed', pending: 'payment_pending' },
  test: { prefix: 'payment', collected: 'payment_succeeded', failed: 'payment_failed', pending: 'payment_pending' },
  refund: { prefix: 'refund', collected: 'refund_issued', failed: 'refund_failed', pending: 'refund_pending' },
  dispute: { prefix: 'dispute', collected: 'payment_disputed', failed: 'payment_disputed', pending: 'payment_disputed' },
} as const;

function normalisePurchaseRow(delivery: RawDelivery): Normalised {
  const row = exportRow(delivery.body, 'transactions export row', PURCHASES_KNOWN);
  const transactionId = kajabiId(row.text(PURCHASES.transactionId), 'ID');
  const purchaseId = kajabiId(row.text(PURCHASES.purchaseId), 'Purchase ID');
  if (!transactionId && !purchaseId) {
    throw new NormaliseError('The row has no transaction ID, so the payment could not be recognised when Kajabi sends it again: export the transactions with their ID column');
  }
  const at = exportTime(row.text(PURCHASES.createdAt), 'Created At');
  const currency = currencyCode(row.text(PURCHASES.currency));
  const amountCell = row.text(PURCHASES.amount);
  const amount = amountCell === null ? null : minorUnits(amountCell, 'Amount', currency);
  const taxCell = row.text(PURCHASES.tax);

  const email = emailOf(row, PURCHASES.email);
  const country = countryCode(row.text(PURCHASES.country));
  const phone = toE164(row.text(PURCHASES.phone), country);
  const identities: IdentityClaim[] = [];
  addIdentity(identities, 'email', email);
  addIdentity(identities, 'kajabi_member', kajabiId(row.text(PURCHASES.contactId), 'Contact ID'));
  addIdentity(identities, 'phone', phone);
  if (identities.length === 0) throw new NormaliseError('The row has no customer email, contact ID or phone, so it cannot be tied to a person');

  const offer = { offer_id: row.text(PURCHASES.offerId), offer_title: row.text(PURCHASES.offerTitle) };
  const customerId = row.text(PURCHASES.customerId);
  const events: EventClaim[] = [];
  if (purchaseId) {
    // The API purchase hook's own event: the offer and its price, no revenue (the money is on the payments).
    events.push({
      external_id: `kajabi:purchase:${purchaseId}`,
      type: 'offer_purchased',
      occurred_at: at,
      revenue: null,
      properties: { purchase_id: purchaseId, ...offer, amount_in_cents: amount, amount: amount === null ? null : inUnits(amount, currency), currency, customer_id: customerId },
    });
  }
  const kind = kindOf(row.text(PURCHASES.type));
  const outcome = outcomeOf(row.text(PURCHASES.status));
  if (transactionId) {
    if (amount === null && outcome === 'collected' && kind !== 'dispute') {
      throw new NormaliseError(`Transaction ${transactionId} has no Amount, so the money it moved is unknown`);
    }
    const revenue = outcome !== 'collected' || amount === null || kind === 'test' || kind === 'dispute' ? null : kind === 'refund' ? -Math.abs(inUnits(amount, currency)) : inUnits(amount, currency);
    const transaction = TRANSACTIONS[kind];
    events.push({
      external_id: `kajabi:${transaction.prefix}:${transactionId}`,
      type: transaction[outcome],
      occurred_at: at,
      revenue,
      currency: revenue === null ? null : currency,
      // The webhook's payment properties, and what else the export says about it.
      properties: {
        transaction_id: transactionId,
        amount_in_cents: amount,
        currency,
        sales_tax_in_cents: taxCell === null ? null : minorUnits(taxCell, 'Tax Amount', currency),
        state: row.text(PURCHASES.status)?.toLowerCase() ?? null,
        action: row.text(PURCHASES.type)?.toLowerCase() ?? null,
        ...offer,
        customer_id: customerId,
        order_number: row.text(PURCHASES.orderNumber),
        coupon_code: row.text(PURCHASES.coupon),
        payment_method: row.text(PURCHASES.paymentMethod),
        provider: row.text(PURCHASES.provider),
        quantity: Number(row.text(PURCHASES.quantity)) || null,
        failure_message: row.text(PURCHASES.failure),
        ...(kind === 'test' ? { test: true } : {}),
      },
    });
  }

  const traits: TraitClaim[] = [];
  put(traits, 'name', row.text(PURCHASES.name));
  put(traits, 'email', email);
  put(traits, 'phone', phone);
  put(traits, 'city', row.text(PURCHASES.city));
  put(traits, 'country_code', country);
  // The offer of their latest purchase or charge: newest-wins by when they paid.
  if ((purchaseId || (kind === 'charge' && outcome === 'collected')) && offer.offer_title) put(traits, 'kajabi_last_offer', offer.offer_title);

  return {
    kind: 'record',
    record: {
      // What a payment row says about the buyer was true when they paid (as the webhook dates it), not when the file was exported.
      observed_at: at,
      identities,
      traits,
      events,
      unrecognised: row.unrecognised(),
    },
  };
}

// ─── Dispatch ─────────────────────────────────────────────────────────────────

const TOPICS: Record<string, Normaliser> = {
  [KAJABI_IMPORT_TOPICS.peopleCsv]: normalisePersonRow,
  [KAJABI_IMPORT_TOPICS.purchasesCsv]: normalisePurchaseRow,
};

/** Kajabi history imported from files: one stored row of an export (`import/*` topics) → identities, traits, events. */
export const normaliseKajabiImport: Normaliser = (delivery) => {
  const normalise = TOPICS[delivery.topic];
  if (!normalise) return { kind: 'ignored', reason: `Kajabi import topic ${delivery.topic} is stored but not processed yet` };
  return normalise(delivery);
};
