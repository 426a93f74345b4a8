import { toE164, toEmail } from './identity.ts';
import { addIdentity, countryCode, currencyCode, yesOrNo } from './export-cells.ts';
import { isObject, isoTime, text, unknownKeys, type Json } from './payload.ts';
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
 * A Shopify store's history from files → identities, traits, events: the
 * customer and order CSV exports of Shopify admin, and the JSONL of Admin API
 * bulk operations. Pure, one stored import record at a time.
 *
 * What it makes of a person or an order is what the webhook normaliser
 * (shopify.ts) makes of the same one: the same `shopify_customer` id, the same
 * trait names, the same `shopify:order:<id>:placed` event with the same
 * properties. So an order imported from a file and delivered again by webhook
 * is one event, and a customer row and that customer's orders are one person.
 */

export const SHOPIFY_IMPORT_TOPICS = {
  /** One row of Shopify admin's customer export (body: the row, column name → cell). */
  customersCsv: 'import/customers-csv',
  /** One order of Shopify admin's order export (body: its rows, one per line item, in file order). */
  ordersCsv: 'import/orders-csv',
  /** One root object of a bulk operation's JSONL and its descendants (body: the lines, root first). */
  bulkJsonl: 'import/bulk-jsonl',
} as const;

/**
 * An amount as Shopify writes it ("94.44", "1,094.44"). A decimal comma
 * ("94,44", from a spreadsheet in another locale) is refused, not read as
 * 9444.
 */
function money(value: unknown): number | null {
  const cell = typeof value === 'string' ? value.trim() : '';
  const amount = /^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$/.test(cell) ? Number(cell.replace(/,/g, '')) : typeof value === 'number' ? value : NaN;
  // Beyond this no order is real (and events.revenue is numeric(14,2)): a spreadsheet mangled the cell.
  return Number.isFinite(amount) && Math.abs(amount) < 1e11 ? Math.round(amount * 100) / 100 : null;
}


/** The numeric id at the end of a GraphQL id (`gid://shopify/Customer/123` → 123), which is the REST and webhook id. */
const gidNumber = (gid: unknown): string | null => (typeof gid === 'string' ? /^gid:\/\/shopify\/\w+\/(\d+)$/.exec(gid)?.[1] ?? null : null);
const gidType = (gid: unknown): string | null => (typeof gid === 'string' ? /^gid:\/\/shopify\/(\w+)\//.exec(gid)?.[1] ?? null : null);

// ─── An order's history, shared by every form an order arrives in ─────────────

/** What an export says about one order, whatever its form. */
interface OrderFacts {
  id: string;
  name: string | null;
  placedAt: string;
  /** What it was placed for (Shopify's Total), in the shop's currency. */
  total: number | null;
  currency: string | null;
  items: { title: string | null; quantity: number | null; price: number | null; sku: string | null; product_id: string | null }[];
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  sourceName: string | null;
  discountCodes: string[];
  shopDomain: string | null;
  test: boolean;
  paidAt: string | null;
  fulfilledAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  /** Money paid back, refund by refund when the export names them (bulk `refunds`), else as one total (the CSV's Refunded Amount). */
  refunds: { id: string | null; amount: number; at: string }[];
}

/** Money never collected: cancelling such an order takes its total back out of lifetime revenue (as orders/cancelled does). */
const UNCOLLECTED = new Set(['pending', 'authorized', 'voided', 'expired']);

/**
 * An order's events under the webhooks' external ids and shapes: placed
 * (orders/create), paid, fulfilled, cancelled (orders/paid, /fulfilled,
 * /cancelled) and refunded (refunds/create), so the same fact arriving both
 * ways is stored once. As with webhooks, revenue is counted once, when the
 * order is placed; refunds subtract what was paid back, and a cancellation
 * only what was never collected.
 */
function orderEvents(order: OrderFacts): EventClaim[] {
  const status = { order_id: order.id, name: order.name, financial_status: order.financialStatus, fulfillment_status: order.fulfillmentStatus };
  const events: EventClaim[] = [
    {
      external_id: `shopify:order:${order.id}:placed`,
      type: 'order_placed',
      occurred_at: order.placedAt,
      // Test orders are kept for the record but bring in no money.
      revenue: order.test ? null : order.total,
      currency: order.currency,
      properties: {
        order_id: order.id,
        name: order.name,
        item_count: order.items.reduce((sum, item) => sum + (item.quantity ?? 0), 0),
        items: order.items.slice(0, 50),
        financial_status: order.financialStatus,
        fulfillment_status: order.fulfillmentStatus,
        source_name: order.sourceName,
        discount_codes: order.discountCodes,
        shop_domain: order.shopDomain,
        test: order.test,
      },
    },
  ];
  if (order.paidAt) events.push({ external_id: `shopify:order:${order.id}:paid`, type: 'order_paid', occurred_at: order.paidAt, revenue: null, currency: order.currency, properties: status });
  if (order.fulfilledAt) {
    events.push({ external_id: `shopify:order:${order.id}:fulfilled`, type: 'order_fulfilled', occurred_at: order.fulfilledAt, revenue: null, currency: order.currency, properties: status });
  }
  if (order.cancelledAt) {
    const uncollected = UNCOLLECTED.has(order.financialStatus ?? '') && order.total !== null && !order.test;
    events.push({
      external_id: `shopify:order:${order.id}:cancelled`,
      type: 'order_cancelled',
      occurred_at: order.cancelledAt,
      revenue: uncollected ? -order.total! : null,
      currency: order.currency,
      properties: { ...status, cancel_reason: order.cancelReason },
    });
  }
  for (const refund of order.refunds) {
    if (order.test || refund.amount <= 0) continue;
    events.push({
      // A refund the export names is the refunds/create webhook's event; a total
      // without refund ids is one event of its own.
      external_id: refund.id ? `shopify:refund:${refund.id}` : `shopify:order:${order.id}:refunded`,
      type: 'refund_issued',
      occurred_at: refund.at,
      revenue: -refund.amount,
      currency: order.currency,
      properties: { order_id: order.id, ...(refund.id ? {} : { note: 'Refunded Amount of the order export; the export does not say when' }) },
    });
  }
  return events;
}

/** Identities without repeats, in the order found. */

// ─── CSV exports of Shopify admin ─────────────────────────────────────────────

/**
 * A CSV row read by column name, whatever case and spacing a spreadsheet left
 * on the header (exports say "Lineitem sku", re-saved copies "Lineitem SKU").
 */
function csvRow(value: unknown, what: string) {
  if (!isObject(value)) throw new NormaliseError(`A Shopify ${what} must be a JSON object of column name → cell`);
  const cells = new Map<string, string>();
  for (const [column, cell] of Object.entries(value)) cells.set(column.trim().toLowerCase(), typeof cell === 'string' ? cell : String(cell ?? ''));
  const column = (names: string[]) => names.map((n) => n.toLowerCase()).find((n) => cells.has(n));
  return {
    columns: [...cells.keys()],
    /** Whether the file has one of these columns at all: a column left out says nothing, an empty cell says "none". */
    has: (...names: string[]) => column(names) !== undefined,
    /** The trimmed cell of the first of these columns the file has; null when empty or absent. */
    text: (...names: string[]) => {
      const name = column(names);
      return name === undefined ? null : text(cells.get(name));
    },
  };
}
type CsvRow = ReturnType<typeof csvRow>;

/**
 * Shopify prefixes ids and phone numbers with an apostrophe so that Excel keeps
 * them as text ('7241900311752, '+14165550142); the apostrophe is not data.
 */
const unquoted = (cell: string | null) => (cell?.startsWith("'") ? cell.slice(1).trim() || null : cell);

/** A numeric Shopify id from a CSV cell; refuses one a spreadsheet rounded (7.2419E+12), which would name someone else. */
function csvId(cell: string | null, column: string): string | null {
  const id = unquoted(cell);
  if (id === null) return null;
  if (/^\d+$/.test(id)) return id;
  if (/^\d+(\.\d+)?E\+\d+$/i.test(id)) {
    throw new NormaliseError(
      `${column} ${id} was rounded by a spreadsheet (scientific notation), so it no longer names the right record: import the file as exported from Shopify, or format the column as text before saving`,
    );
  }
  throw new NormaliseError(`${column} "${id}" is not a Shopify id (expected digits)`);
}

/** An email cell: empty is none; anything else must be an address, or the row is refused rather than linked on garbage. */
function csvEmail(row: CsvRow, ...columns: string[]): string | null {
  const cell = row.text(...columns);
  if (cell === null) return null;
  const email = toEmail(cell);
  if (!email) throw new NormaliseError(`Email "${cell}" is not an email address`);
  return email;
}



/**
 * Shopify writes times in its exports as "2026-04-02 18:07:13 -0400"; ISO
 * 8601 is accepted too. A time without its offset (what a spreadsheet leaves
 * after re-saving, "4/2/2026 18:07") is refused: its day and zone are guesses.
 */
function csvTime(cell: string | null, column: string): string {
  const match = cell && /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})$/i.exec(cell);
  const offset = match?.[3]?.toUpperCase() === 'Z' ? 'Z' : match?.[3]?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const time = match ? new Date(`${match[1]}T${match[2]}${offset}`) : null;
  if (!time || Number.isNaN(time.getTime())) {
    throw new NormaliseError(
      `${column} ${cell === null ? 'is empty' : `"${cell}" is not a time in Shopify's export format (2026-04-02 18:07:13 -0400)`}`,
    );
  }
  return time.toISOString();
}

// The customer export of Shopify admin (Customers → Export), current and
// older layouts. Columns confirmed against exports in public code, e.g.
// 'Customer ID, First Name, Last Name, Email, Accepts Email Marketing,
// Default Address Company, … Default Address Phone, Phone, Accepts SMS
// Marketing, Total Spent, Total Orders, Note, Tax Exempt, Tags', and the older
// 'First Name, Last Name, Email, Accepts Email Marketing, Company, Address1,
// Address2, City, Province, Province Code, Country, Country Code, Zip, Phone,
// Accepts SMS Marketing, Total Spent, Total Orders, Tags, Note, Tax Exempt'.
const CUSTOMER_COLUMNS = new Set(
  [
    'Customer ID', 'First Name', 'Last Name', 'Email', 'Accepts Email Marketing', 'Accepts Marketing', 'Default Address Company',
    'Default Address Address1', 'Default Address Address2', 'Default Address City', 'Default Address Province Code',
    'Default Address Country Code', 'Default Address Zip', 'Default Address Phone', 'Phone', 'Accepts SMS Marketing', 'Total Spent',
    'Total Orders', 'Note', 'Tax Exempt', 'Tags', 'Company', 'Address1', 'Address2', 'City', 'Province', 'Province Code', 'Country',
    'Country Code', 'Zip',
  ].map((c) => c.toLowerCase()),
);

function normaliseCustomerRow(delivery: RawDelivery): Normalised {
  const row = csvRow(delivery.body, 'customer export row');
  const country = countryCode(row.text('Default Address Country Code', 'Country Code'));
  const id = csvId(row.text('Customer ID'), 'Customer ID');
  const email = csvEmail(row, 'Email');
  const phone = toE164(unquoted(row.text('Phone')), country);

  const identities: IdentityClaim[] = [];
  addIdentity(identities, 'shopify_customer', id);
  addIdentity(identities, 'email', email);
  addIdentity(identities, 'phone', phone);
  if (identities.length === 0) throw new NormaliseError('The row has no Customer ID, email or phone, so it cannot be tied to a person');

  // A column the file has speaks even when empty (the customer has no value);
  // a column it lacks (older layouts) says nothing. The webhook's trait names.
  const traits: TraitClaim[] = [];
  const put = (name: string, present: boolean, value: unknown) => {
    if (present) traits.push({ name, value });
  };
  put('first_name', row.has('First Name'), row.text('First Name'));
  put('last_name', row.has('Last Name'), row.text('Last Name'));
  put('email', row.has('Email'), email);
  put('phone', row.has('Phone'), phone);
  put('note', row.has('Note'), row.text('Note'));
  put('tags', row.has('Tags'), (row.text('Tags') ?? '').split(',').map((t) => t.trim()).filter(Boolean));
  put('accepts_email_marketing', row.has('Accepts Email Marketing', 'Accepts Marketing'), yesOrNo(row.text('Accepts Email Marketing', 'Accepts Marketing')));
  put('accepts_sms_marketing', row.has('Accepts SMS Marketing'), yesOrNo(row.text('Accepts SMS Marketing')));
  put('city', row.has('Default Address City', 'City'), row.text('Default Address City', 'City'));
  put('province_code', row.has('Default Address Province Code', 'Province Code'), row.text('Default Address Province Code', 'Province Code'));
  put('country_code', row.has('Default Address Country Code', 'Country Code'), country);

  return {
    kind: 'record',
    record: {
      // The export has no time of its own: the importer passes when the file was exported.
      observed_at: delivery.triggeredAt ?? delivery.receivedAt,
      identities,
      traits,
      events: [],
      unrecognised: row.columns.filter((c) => !CUSTOMER_COLUMNS.has(c)),
    },
  };
}

// The order export of Shopify admin (Orders → Export): one row per line item,
// the order's own columns filled on its first row. Columns confirmed against
// full exports in public code: 'Name, Email, Financial Status, Paid at,
// Fulfillment Status, Fulfilled at, Accepts Marketing, Currency, Subtotal,
// Shipping, Taxes, Total, Discount Code, Discount Amount, Shipping Method,
// Created at, Lineitem quantity, Lineitem name, Lineitem price, Lineitem
// compare at price, Lineitem sku, …, Billing Name, …, Billing Country, Billing
// Phone, Shipping Name, …, Notes, Note Attributes, Cancelled at, Payment
// Method, Payment Reference, Refunded Amount, Vendor, Outstanding Balance,
// Employee, Location, Device ID, Id, Tags, Risk Level, Source, Lineitem
// discount, Tax 1 Name, Tax 1 Value, … Tax 5 Value, Phone, Receipt Number,
// Duties, Billing Province Name, Shipping Province Name, Payment ID, Payment
// Terms Name, Next Payment Due At, Payment References'.
const ORDER_COLUMNS = new Set(
  [
    'Name', 'Email', 'Financial Status', 'Paid at', 'Fulfillment Status', 'Fulfilled at', 'Accepts Marketing', 'Currency', 'Subtotal',
    'Shipping', 'Taxes', 'Total', 'Discount Code', 'Discount Amount', 'Shipping Method', 'Created at', 'Lineitem quantity',
    'Lineitem name', 'Lineitem price', 'Lineitem compare at price', 'Lineitem compare-at price', 'Lineitem sku',
    'Lineitem requires shipping', 'Lineitem taxable', 'Lineitem fulfillment status', 'Billing Name', 'Billing Street',
    'Billing Address1', 'Billing Address2', 'Billing Company', 'Billing City', 'Billing Zip', 'Billing Province', 'Billing Country',
    'Billing Phone', 'Shipping Name', 'Shipping Street', 'Shipping Address1', 'Shipping Address2', 'Shipping Company', 'Shipping City',
    'Shipping Zip', 'Shipping Province', 'Shipping Country', 'Shipping Phone', 'Notes', 'Note Attributes', 'Cancelled at',
    'Canceled at', 'Payment Method', 'Payment Reference', 'Payment Reference (deprecated)', 'Refunded Amount', 'Vendor',
    'Outstanding Balance', 'Employee', 'Location', 'Device ID', 'Id', 'Tags', 'Risk Level', 'Source', 'Lineitem discount',
    'Tax 1 Name', 'Tax 1 Value', 'Tax 2 Name', 'Tax 2 Value', 'Tax 3 Name', 'Tax 3 Value', 'Tax 4 Name', 'Tax 4 Value', 'Tax 5 Name',
    'Tax 5 Value', 'Phone', 'Receipt Number', 'Duties', 'Billing Province Name', 'Shipping Province Name', 'Payment ID',
    'Payment Terms Name', 'Payment terms', 'Next Payment Due At', 'Next payment due at', 'Payment References',
  ].map((c) => c.toLowerCase()),
);

/** The export's fulfillment words as the webhook reports them (REST: null while nothing is fulfilled). */
const fulfillment = (status: string | null) => {
  const word = status?.toLowerCase() ?? null;
  return word === 'unfulfilled' ? null : word === 'partially_fulfilled' ? 'partial' : word;
};

function normaliseOrderRows(delivery: RawDelivery): Normalised {
  if (!Array.isArray(delivery.body) || delivery.body.length === 0) {
    throw new NormaliseError('A Shopify order export record must be a JSON array of the order\'s rows');
  }
  const rows = delivery.body.map((row) => csvRow(row, 'order export row'));
  const order = rows[0]!;
  const name = order.text('Name');
  const label = name ? `Order ${name}` : 'The order';
  const id = csvId(order.text('Id'), `${label} Id`);
  if (!id) {
    throw new NormaliseError(
      `${label} has no Id: Shopify's order export has an Id column, and without it the order could not be told apart from the same order arriving by webhook`,
    );
  }
  // Who it is about, as the orders/create webhook says it: email, phone (the
  // order's, else the billing address's), and the order id, which refunds name.
  const country = countryCode(order.text('Billing Country')) ?? countryCode(order.text('Shipping Country'));
  const identities: IdentityClaim[] = [];
  addIdentity(identities, 'email', csvEmail(order, 'Email'));
  addIdentity(identities, 'phone', toE164(unquoted(order.text('Phone')), country) ?? toE164(unquoted(order.text('Billing Phone')), country));
  if (identities.length === 0) throw new NormaliseError(`${label} names no email or phone, so it cannot be tied to a person`);
  addIdentity(identities, 'shopify_order', id);

  const placedAt = csvTime(order.text('Created at'), `${label} Created at`);
  const time = (column: string, ...aliases: string[]) => {
    const cell = order.text(column, ...aliases);
    return cell === null ? null : csvTime(cell, `${label} ${column}`);
  };
  const total = money(order.text('Total'));
  if (order.text('Total') !== null && total === null) throw new NormaliseError(`${label} Total "${order.text('Total')}" is not an amount`);
  const cancelledAt = time('Cancelled at', 'Canceled at');
  const refunded = money(order.text('Refunded Amount')) ?? 0;

  const traits: TraitClaim[] = [];
  // The name the buyer gave at checkout; a customer row's first and last name take precedence on the profile.
  if (order.text('Billing Name')) traits.push({ name: 'name', value: order.text('Billing Name') });
  const accepts = yesOrNo(order.text('Accepts Marketing'));
  if (accepts !== null) traits.push({ name: 'accepts_email_marketing', value: accepts });

  const events = orderEvents({
    id,
    name,
    placedAt,
    total,
    currency: currencyCode(order.text('Currency')),
    items: rows
      .filter((row) => row.text('Lineitem name') || row.text('Lineitem quantity'))
      .map((row) => {
        const quantity = Number(row.text('Lineitem quantity'));
        return {
          title: row.text('Lineitem name'),
          quantity: Number.isInteger(quantity) ? quantity : null,
          price: money(row.text('Lineitem price')),
          sku: row.text('Lineitem sku'),
          product_id: null,
        };
      }),
    financialStatus: order.text('Financial Status')?.toLowerCase() ?? null,
    fulfillmentStatus: fulfillment(order.text('Fulfillment Status')),
    sourceName: order.text('Source'),
    discountCodes: (order.text('Discount Code') ?? '').split(',').map((c) => c.trim()).filter(Boolean),
    shopDomain: delivery.headers['x-shopify-shop-domain'] ?? null,
    test: false,
    paidAt: time('Paid at'),
    fulfilledAt: time('Fulfilled at'),
    cancelledAt,
    cancelReason: null,
    // The export gives the refunded total, not when: it is dated no later than it can have happened.
    refunds: refunded > 0 ? [{ id: null, amount: refunded, at: cancelledAt ?? placedAt }] : [],
  });
  return {
    kind: 'record',
    record: {
      // What the order says about the buyer was true when they placed it.
      observed_at: placedAt,
      identities,
      traits,
      events,
      unrecognised: order.columns.filter((c) => !ORDER_COLUMNS.has(c)),
    },
  };
}

// ─── Admin API bulk operations (GraphQL, JSONL) ───────────────────────────────

// Fields of the GraphQL Admin API objects a customers or orders bulk query
// selects (shopify.dev/docs/api/admin-graphql: Customer, Order, LineItem).
const GRAPHQL_CUSTOMER_FIELDS = new Set([
  'id', 'legacyResourceId', 'firstName', 'lastName', 'displayName', 'email', 'phone', 'defaultEmailAddress', 'defaultPhoneNumber',
  'createdAt', 'updatedAt', 'note', 'tags', 'state', 'verifiedEmail', 'validEmailAddress', 'numberOfOrders', 'amountSpent',
  'defaultAddress', 'addresses', 'emailMarketingConsent', 'smsMarketingConsent', 'taxExempt', 'taxExemptions', 'locale',
  'lifetimeDuration', 'multipassIdentifier', 'dataSaleOptOut', 'canDelete', 'image', 'lastOrder', 'statistics',
]);
const GRAPHQL_ORDER_FIELDS = new Set([
  'id', 'legacyResourceId', 'name', 'email', 'phone', 'createdAt', 'processedAt', 'updatedAt', 'closedAt', 'cancelledAt',
  'cancelReason', 'closed', 'confirmed', 'test', 'currencyCode', 'presentmentCurrencyCode', 'totalPriceSet', 'currentTotalPriceSet',
  'subtotalPriceSet', 'currentSubtotalPriceSet', 'totalTaxSet', 'currentTotalTaxSet', 'totalDiscountsSet', 'currentTotalDiscountsSet',
  'totalShippingPriceSet', 'totalRefundedSet', 'totalReceivedSet', 'netPaymentSet', 'totalOutstandingSet', 'displayFinancialStatus',
  'displayFulfillmentStatus', 'sourceName', 'sourceIdentifier', 'discountCode', 'discountCodes', 'tags', 'note', 'customAttributes',
  'customer', 'billingAddress', 'shippingAddress', 'customerLocale', 'clientIp', 'paymentGatewayNames', 'fullyPaid', 'unpaid',
  'refundable', 'returnStatus', 'statusPageUrl', 'confirmationNumber', 'poNumber', 'riskLevel', 'taxesIncluded', 'estimatedTaxes',
  'customerAcceptsMarketing', 'totalWeight', 'shippingLine', 'taxLines', 'channelInformation', 'app', 'refunds', '__parentId',
]);
const GRAPHQL_LINE_ITEM_FIELDS = new Set([
  'id', 'title', 'name', 'quantity', 'currentQuantity', 'sku', 'vendor', 'variantTitle', 'originalUnitPriceSet',
  'discountedUnitPriceSet', 'originalTotalSet', 'discountedTotalSet', 'product', 'variant', 'requiresShipping', 'taxable',
  'refundableQuantity', 'unfulfilledQuantity', 'nonFulfillableQuantity', 'isGiftCard', '__parentId',
]);

/** A MoneyBag's amount in the shop's currency ({ shopMoney: { amount } }). */
const shopMoney = (bag: unknown) => (isObject(bag) && isObject(bag.shopMoney) ? money(bag.shopMoney.amount) : null);

/** The objects of one bulk record: the root, and each object's children by the parent's id. */
function bulkTree(body: unknown) {
  if (!Array.isArray(body) || body.length === 0 || !body.every(isObject)) {
    throw new NormaliseError('A Shopify bulk operation record must be a JSON array of its lines, root object first');
  }
  const [root, ...descendants] = body as Json[];
  const children = new Map<string, Json[]>();
  for (const line of descendants) {
    const parent = typeof line.__parentId === 'string' ? line.__parentId : '';
    children.set(parent, [...(children.get(parent) ?? []), line]);
  }
  const childrenOf = (object: Json, type: string) => (children.get(String(object.id)) ?? []).filter((child) => gidType(child.id) === type);
  return { root: root!, childrenOf };
}

const graphqlCountry = (address: unknown) => (isObject(address) ? countryCode(text(address.countryCodeV2) ?? text(address.countryCode)) : null);

function graphqlCustomerIdentities(customer: Json, country: string | null): IdentityClaim[] {
  const identities: IdentityClaim[] = [];
  addIdentity(identities, 'shopify_customer', gidNumber(customer.id));
  const emailAddress = isObject(customer.defaultEmailAddress) ? customer.defaultEmailAddress.emailAddress : undefined;
  addIdentity(identities, 'email', toEmail(emailAddress ?? customer.email));
  const phoneNumber = isObject(customer.defaultPhoneNumber) ? customer.defaultPhoneNumber.phoneNumber : undefined;
  addIdentity(identities, 'phone', toE164(phoneNumber ?? customer.phone, country));
  return identities;
}

/** A GraphQL consent's state (SUBSCRIBED, NOT_SUBSCRIBED, …) as the webhook's yes/no. */
const subscribed = (...states: unknown[]) => {
  const state = states.find((s) => typeof s === 'string');
  return typeof state === 'string' ? state.toUpperCase() === 'SUBSCRIBED' : undefined;
};

/** What a GraphQL Customer says about the person, under the webhook's trait names; fields not selected say nothing. */
function graphqlCustomerTraits(customer: Json, country: string | null): TraitClaim[] {
  const traits: TraitClaim[] = [];
  const put = (name: string, value: unknown) => {
    if (value !== undefined) traits.push({ name, value });
  };
  const has = (field: string) => customer[field] !== undefined;
  put('first_name', has('firstName') ? text(customer.firstName) : undefined);
  put('last_name', has('lastName') ? text(customer.lastName) : undefined);
  const contact = graphqlCustomerIdentities(customer, country);
  if (has('email') || has('defaultEmailAddress')) put('email', contact.find((i) => i.kind === 'email')?.value ?? null);
  if (has('phone') || has('defaultPhoneNumber')) put('phone', contact.find((i) => i.kind === 'phone')?.value ?? null);
  put('note', has('note') ? text(customer.note) : undefined);
  if (Array.isArray(customer.tags)) put('tags', customer.tags.map(text).filter(Boolean));
  else if (typeof customer.tags === 'string') put('tags', customer.tags.split(',').map((t) => t.trim()).filter(Boolean));
  if (typeof customer.verifiedEmail === 'boolean') put('verified_email', customer.verifiedEmail);
  if (typeof customer.state === 'string') put('shopify_account_state', customer.state.toLowerCase());
  // Consent lives on emailMarketingConsent (older versions) or on the default email address / phone number (newer).
  const marketingState = (field: string) => (isObject(customer[field]) ? (customer[field] as Json).marketingState : undefined);
  put('accepts_email_marketing', subscribed(marketingState('emailMarketingConsent'), marketingState('defaultEmailAddress')));
  put('accepts_sms_marketing', subscribed(marketingState('smsMarketingConsent'), marketingState('defaultPhoneNumber')));
  if (isObject(customer.defaultAddress)) {
    put('city', text(customer.defaultAddress.city));
    put('province_code', text(customer.defaultAddress.provinceCode));
    put('country_code', country);
  }
  return traits;
}

/** A GraphQL Order (with its LineItem children) as the webhooks' order events. */
function graphqlOrderEvents(order: Json, lineItems: Json[], delivery: RawDelivery): EventClaim[] {
  const id = gidNumber(order.id)!;
  const placedAt = isoTime(order.processedAt) ?? isoTime(order.createdAt);
  if (!placedAt) throw new NormaliseError(`Shopify order ${id} has no processedAt or createdAt time`);
  const currency =
    currencyCode(order.currencyCode) ?? (isObject(order.totalPriceSet) && isObject(order.totalPriceSet.shopMoney) ? currencyCode(order.totalPriceSet.shopMoney.currencyCode) : null);
  const codes = Array.isArray(order.discountCodes) ? order.discountCodes.map(text).filter((c): c is string => c !== null) : text(order.discountCode) ? [text(order.discountCode)!] : [];
  const cancelledAt = isoTime(order.cancelledAt);
  // Refunds selected on the order carry their ids (the refunds/create webhook's); else only the total refunded is known.
  const refunds = Array.isArray(order.refunds)
    ? order.refunds.filter(isObject).map((refund) => ({ id: gidNumber(refund.id), amount: shopMoney(refund.totalRefundedSet) ?? 0, at: isoTime(refund.createdAt) ?? placedAt }))
    : (shopMoney(order.totalRefundedSet) ?? 0) > 0
      ? [{ id: null, amount: shopMoney(order.totalRefundedSet)!, at: cancelledAt ?? placedAt }]
      : [];
  return orderEvents({
    id,
    name: text(order.name),
    placedAt,
    // What it was placed for; money paid back since is in the refunds (currentTotalPriceSet already has it taken off).
    total: shopMoney(order.totalPriceSet) ?? shopMoney(order.currentTotalPriceSet),
    currency,
    items: lineItems.map((item) => ({
      title: text(item.title) ?? text(item.name),
      quantity: typeof item.quantity === 'number' ? item.quantity : null,
      price: shopMoney(item.originalUnitPriceSet) ?? money(item.originalUnitPrice),
      sku: text(item.sku),
      product_id: isObject(item.product) ? gidNumber(item.product.id) : null,
    })),
    financialStatus: text(order.displayFinancialStatus)?.toLowerCase() ?? null,
    fulfillmentStatus: fulfillment(text(order.displayFulfillmentStatus)),
    sourceName: text(order.sourceName),
    discountCodes: codes,
    shopDomain: delivery.headers['x-shopify-shop-domain'] ?? null,
    test: order.test === true,
    paidAt: null,
    fulfilledAt: null,
    cancelledAt,
    cancelReason: text(order.cancelReason)?.toLowerCase() ?? null,
    refunds: refunds.filter((r) => r.amount > 0),
  });
}

function normaliseBulkCustomer(delivery: RawDelivery, customer: Json, childrenOf: (object: Json, type: string) => Json[]): Normalised {
  const id = gidNumber(customer.id);
  if (!id) throw new NormaliseError(`Shopify customer has no usable id (expected a GraphQL id like gid://shopify/Customer/123)`);
  const country = graphqlCountry(customer.defaultAddress);
  const events: EventClaim[] = [];
  const createdAt = isoTime(customer.createdAt);
  if (createdAt) {
    events.push({
      external_id: `shopify:customer:${id}:created`,
      type: 'customer_created',
      occurred_at: createdAt,
      properties: { shopify_customer_id: id, shop_domain: delivery.headers['x-shopify-shop-domain'] ?? null },
    });
  }
  // A customers query may nest the customer's orders (and their line items).
  const orders = childrenOf(customer, 'Order');
  for (const order of orders) events.push(...graphqlOrderEvents(order, childrenOf(order, 'LineItem'), delivery));
  const identities = graphqlCustomerIdentities(customer, country);
  for (const order of orders) addIdentity(identities, 'shopify_order', gidNumber(order.id));
  return {
    kind: 'record',
    record: {
      observed_at: isoTime(customer.updatedAt) ?? delivery.triggeredAt ?? delivery.receivedAt,
      identities,
      traits: graphqlCustomerTraits(customer, country),
      events,
      unrecognised: unknownKeys(customer, GRAPHQL_CUSTOMER_FIELDS),
    },
  };
}

function normaliseBulkOrder(delivery: RawDelivery, order: Json, childrenOf: (object: Json, type: string) => Json[]): Normalised {
  const id = gidNumber(order.id);
  if (!id) throw new NormaliseError('Shopify order has no usable id (expected a GraphQL id like gid://shopify/Order/123)');
  const customer = isObject(order.customer) ? order.customer : null;
  const country = graphqlCountry(order.billingAddress) ?? graphqlCountry(order.shippingAddress) ?? graphqlCountry(customer?.defaultAddress);
  const identities = customer ? graphqlCustomerIdentities(customer, country) : [];
  addIdentity(identities, 'email', toEmail(order.email));
  addIdentity(identities, 'phone', toE164(order.phone, country) ?? toE164(isObject(order.billingAddress) ? order.billingAddress.phone : null, country));
  if (identities.length === 0) throw new NormaliseError(`Shopify order ${id} names no customer, email or phone, so it cannot be tied to a person`);
  addIdentity(identities, 'shopify_order', id);

  const traits = customer ? graphqlCustomerTraits(customer, country) : [];
  const billing = isObject(order.billingAddress) ? order.billingAddress : null;
  if (!customer && billing) {
    if (text(billing.firstName)) traits.push({ name: 'first_name', value: text(billing.firstName) });
    if (text(billing.lastName)) traits.push({ name: 'last_name', value: text(billing.lastName) });
  }
  const lineItems = childrenOf(order, 'LineItem');
  const events = graphqlOrderEvents(order, lineItems, delivery);
  return {
    kind: 'record',
    record: {
      observed_at: isoTime(order.updatedAt) ?? events[0]!.occurred_at,
      identities,
      traits,
      events,
      unrecognised: [
        ...unknownKeys(order, GRAPHQL_ORDER_FIELDS),
        ...new Set(lineItems.flatMap((item) => unknownKeys(item, GRAPHQL_LINE_ITEM_FIELDS, 'lineItems.'))),
      ],
    },
  };
}

function normaliseBulkRecord(delivery: RawDelivery): Normalised {
  const { root, childrenOf } = bulkTree(delivery.body);
  const type = gidType(root.id);
  if (type === 'Customer') return normaliseBulkCustomer(delivery, root, childrenOf);
  if (type === 'Order') return normaliseBulkOrder(delivery, root, childrenOf);
  if (type === null) throw new NormaliseError(`A bulk operation line has no GraphQL id (expected "id": "gid://shopify/…")`);
  return { kind: 'ignored', reason: `Shopify ${type} objects are stored but not imported: Tessera imports customers and orders` };
}

const TOPICS: Record<string, Normaliser> = {
  [SHOPIFY_IMPORT_TOPICS.customersCsv]: normaliseCustomerRow,
  [SHOPIFY_IMPORT_TOPICS.ordersCsv]: normaliseOrderRows,
  [SHOPIFY_IMPORT_TOPICS.bulkJsonl]: normaliseBulkRecord,
};

/** Shopify history imported from files: one stored record of an export (`import/*` topics) → identities, traits, events. */
export const normaliseShopifyImport: Normaliser = (delivery) => {
  const normalise = TOPICS[delivery.topic];
  if (!normalise) return { kind: 'ignored', reason: `Shopify import topic ${delivery.topic} is stored but not processed yet` };
  return normalise(delivery);
};
