import { createHash } from 'node:crypto';
import { bandOf } from '../churn/explain.ts';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Database } from '../db/database.ts';
import { createRandom, type Random } from './random.ts';
import { batchesOffThread } from './scale-thread.ts';

/**
 * The scale generator: N people with realistic cross-source histories
 * (Shopify customers and their orders in their own currency, Kajabi members
 * with one-off and subscription payments and course completions, Instagram
 * and TikTok followers who comment), written straight into the final tables
 * (profiles, identities, events, traits, profile_facts) with COPY. Nothing
 * goes through ingest, so the projections the ingest functions would keep
 * (profile totals, segment facts, churn columns) are computed here the same
 * way: lifetime revenue is the sum of the person's event revenue, orders
 * count their order_placed events, first seen is their first event or
 * identity, and profile_facts is what tessera.compute_profile_facts would
 * say (scale.test.ts checks both in SQL). Lifecycle stages are left to
 * tessera.rebuild_lifecycle, the one writer of stages.
 *
 * The same workspace, seed, size and `now` give the same people, byte for byte.
 */
export interface ScaleOptions {
  /** How many people. */
  profiles: number;
  /** The PRNG seed: same seed, same people. */
  seed?: number;
  /** The end of the two years of history (default: the current time). */
  now?: Date;
  /** People per COPY round (default 20,000 on PGlite, 5,000 on a server): bounds memory at about 100 MB whatever N is. */
  batchSize?: number;
  /** The schema holding the tables (default public): the bench writes the same rows into an unindexed copy. */
  schema?: string;
  /** Called after each batch with the people written so far. */
  onProgress?: (written: ScaleCounts) => void;
}

export interface ScaleCounts {
  profiles: number;
  identities: number;
  events: number;
  traits: number;
  profile_facts: number;
}

export interface ScaleResult extends ScaleCounts {
  /** Every row written, all tables. */
  rows: number;
  seconds: number;
  /** Whether COPY ran without triggers and per-row foreign-key checks (see openCopier). */
  bulk: boolean;
}

/** The tables the generator fills, in the order foreign keys need, and the columns it writes. */
export const SCALE_TABLES = {
  profiles: ['workspace_id', 'id', 'display_name', 'first_name', 'last_name', 'email', 'phone', 'lifetime_revenue', 'currency',
    'orders_count', 'first_seen_at', 'last_activity_at', 'churn_risk', 'churn_band'],
  identities: ['workspace_id', 'kind', 'value', 'profile_id', 'source', 'first_seen_at', 'last_seen_at'],
  events: ['workspace_id', 'profile_id', 'source', 'type', 'external_id', 'occurred_at', 'revenue', 'currency', 'properties'],
  traits: ['workspace_id', 'profile_id', 'name', 'source', 'value', 'observed_at'],
  profile_facts: ['workspace_id', 'profile_id', 'member_ids', 'amount_spent', 'number_of_orders', 'average_order_value', 'first_order_at',
    'last_order_at', 'first_seen_at', 'last_seen_at', 'first_seen_source', 'sources', 'courses_completed', 'churn_risk', 'churn_band',
    'social_followers', 'social_interactions', 'email_subscribed', 'country', 'identity_kinds', 'identity_bits'],
} as const satisfies Record<keyof ScaleCounts, readonly string[]>;

export type ScaleTable = keyof typeof SCALE_TABLES;

/** One batch of people as COPY text (tab-separated, `\N` for null), one string per table. */
export type ScaleBatch = Record<ScaleTable, string> & { counts: ScaleCounts };

/**
 * Seeds `profiles` people into a workspace with COPY and returns the row counts and the time taken.
 *
 * @example
 * const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
 * const { rows, seconds } = await seedAtScale(db, workspaceId, { profiles: 100_000, seed: 7 });
 * console.log(`${Math.round(rows / seconds)} rows/s`);
 */
export async function seedAtScale(db: Database, workspaceId: string, options: ScaleOptions): Promise<ScaleResult> {
  const started = performance.now();
  const schema = options.schema ?? 'public';
  // The real events table is partitioned by year: the seeded history's years get their partitions
  // before its rows arrive, rather than landing in the default partition and moving later.
  const realTables = schema === 'public';
  if (realTables) {
    const now = options.now ?? new Date();
    await db.query('select tessera.ensure_event_partitions($1, $2)', [new Date(now.getTime() - HISTORY_DAYS * DAY), new Date(now.getTime() + 365 * DAY)]);
  }
  const total: ScaleCounts = { profiles: 0, identities: 0, events: 0, traits: 0, profile_facts: 0 };
  // On a server, two sessions: the events (most of the bytes) go down one while the other tables
  // go down the other. PGlite has one session, and its COPY runs on this thread.
  const lanes = [await openCopier(db)];
  if (db.kind === 'postgres') lanes.push(await openCopier(db));
  const bulk = lanes.every((lane) => lane.bulk);
  let lastEventId = '0';
  const write = async (batch: ScaleBatch) => {
    const [main, side = main] = lanes as [Copier, Copier?];
    // Profiles first: without bulk, the other tables' foreign keys are checked against them.
    await main.copy(`${schema}.profiles`, SCALE_TABLES.profiles, batch.profiles);
    await Promise.all([
      (async () => {
        await main.copy(`${schema}.events`, SCALE_TABLES.events, batch.events);
        // Each event's idempotency key, as ingest would have written it. The session's COPY took the
        // ids above the last batch's; a source id seeded twice fails here, as it would in ingest.
        if (realTables && batch.counts.events > 0) {
          const [filled] = await main.query<{ last: string | null }>(
            `with keys as (insert into tessera.event_keys (workspace_id, source, external_id, event_id, occurred_at)
                           select workspace_id, source, external_id, id, occurred_at from public.events where workspace_id = $1 and id > $2
                           returning event_id)
             select max(event_id)::text as last from keys`,
            [workspaceId, lastEventId],
          );
          lastEventId = filled?.last ?? lastEventId;
        }
      })(),
      (async () => {
        for (const table of ['identities', 'traits', 'profile_facts'] as const) await side.copy(`${schema}.${table}`, SCALE_TABLES[table], batch[table]);
      })(),
    ]);
    for (const table of Object.keys(SCALE_TABLES) as ScaleTable[]) total[table] += batch.counts[table];
    options.onProgress?.({ ...total });
  };
  let writing: Promise<void> = Promise.resolve();
  try {
    // Each batch is generated on a thread of its own while this one writes the one before.
    const batchSize = options.batchSize ?? (db.kind === 'postgres' ? 5_000 : 20_000);
    for await (const batch of batchesOffThread(workspaceId, { profiles: options.profiles, seed: options.seed, now: options.now, batchSize })) {
      await writing;
      writing = write(batch);
      // Awaited before the next batch; until then a failure must not count as unhandled.
      writing.catch(() => {});
    }
    await writing;
  } finally {
    await writing.catch(() => {});
    for (const lane of lanes) await lane.close();
  }
  // Fresh statistics, or the first segment preview plans for empty tables.
  await db.exec(Object.keys(SCALE_TABLES).map((table) => `analyze ${schema}.${table};`).join('\n'));
  const rows = Object.values(total).reduce((a, b) => a + b, 0);
  return { ...total, rows, seconds: (performance.now() - started) / 1000, bulk };
}

const DAY = 86_400_000;
const HISTORY_DAYS = 730;

const FIRST_NAMES = ['Olivia', 'Liam', 'Amara', 'Noah', 'Sofia', 'Mateo', 'Priya', 'Ethan', 'Chloe', 'Hiroshi', 'Isabella', 'Lucas', 'Fatima',
  'Oliver', 'Mia', 'Santiago', 'Aisha', 'James', 'Zoe', 'Kai', 'Leila', 'Benjamin', 'Grace', 'Diego', 'Nora', 'Arjun', 'Emma', 'Tomás',
  'Hannah', 'Wei', 'Ava', 'Samuel', 'Layla', 'Elijah', 'Ingrid', 'Kwame', 'Charlotte', 'Rafael', 'Yuki', 'Daniel', 'Maya', 'Finn'];
const LAST_NAMES = ['Smith', 'García', 'Okafor', 'Nguyen', 'Johansson', 'Patel', 'Müller', 'Rossi', 'Kim', 'Dubois', 'Williams', 'Hernández',
  'Cohen', 'Tanaka', 'Silva', 'Brown', 'Kowalski', 'Haddad', 'Murphy', 'Larsen', 'Chen', 'Moreau', 'Adeyemi', 'Schmidt', 'O’Brien'];
const EMAIL_DOMAINS = ['gmail.com', 'gmail.com', 'gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me', 'fastmail.com'];
// Shop prices are set per currency (not converted at checkout), as Shopify Markets does.
const COUNTRIES = [
  { weight: 55, code: 'US', currency: 'USD', rate: 1 },
  { weight: 12, code: 'CA', currency: 'CAD', rate: 1.35 },
  { weight: 15, code: 'GB', currency: 'GBP', rate: 0.8 },
  { weight: 10, code: 'AU', currency: 'AUD', rate: 1.5 },
  { weight: 8, code: 'DE', currency: 'EUR', rate: 0.92 },
];
const PRODUCTS = [
  { title: 'Sourdough Starter Kit', usd: 34, weight: 6 },
  { title: 'Banneton Basket', usd: 24, weight: 5 },
  { title: 'Bread Lame', usd: 14, weight: 4 },
  { title: 'Rye Flour 5 kg', usd: 18, weight: 5 },
  { title: 'Dutch Oven', usd: 89, weight: 2 },
  { title: 'Baking Stone', usd: 45, weight: 2 },
  { title: 'Proofing Box', usd: 129, weight: 1 },
  { title: 'Gift Card', usd: 50, weight: 1 },
];
const COURSE = { title: 'Sourdough Masterclass', usd: 197 };
const CLUB = { title: 'Bread Club', usd: 29 };
const LESSONS = ['Starter care', 'Shaping', 'Scoring', 'Baking in a Dutch oven', 'Rye and spelt'];
const COMMENTS = ['That crumb!', 'Recipe please 🙏', 'Mine came out flat, any tips?', 'Made this today', 'Love the ear on that loaf'];

interface PersonEvent {
  source: string;
  type: string;
  externalId: string;
  at: number;
  /** In cents; null when the event moves no money. */
  cents: number | null;
  currency: string | null;
  properties: string;
  purchase: boolean;
}
interface PersonIdentity {
  kind: string;
  value: string;
  source: string;
  first: number;
  last: number;
}
interface PersonTrait {
  name: string;
  source: string;
  value: string;
  at: number;
}

/** Splits the people into batches of COPY text, in order; the PRNG runs through them all, so batches never change the people. */
export function* scaleBatches(workspaceId: string, options: ScaleOptions): Generator<ScaleBatch> {
  if (!Number.isInteger(options.profiles) || options.profiles < 0) throw new Error(`profiles must be a whole number, not ${options.profiles}`);
  const seed = options.seed ?? 1;
  const now = (options.now ?? new Date()).getTime();
  const batchSize = options.batchSize ?? 20_000;
  const random = createRandom(seed);
  // Profile ids are looked up without the workspace (get_profile), so they are unique across
  // workspaces: a per-workspace-and-seed prefix, then the person's ordinal.
  const prefix = createHash('sha256').update(`${workspaceId}:${seed}`).digest('hex');
  const idOf = (n: number) =>
    `${prefix.slice(0, 8)}-${prefix.slice(8, 12)}-4${prefix.slice(12, 15)}-8${prefix.slice(15, 18)}-${n.toString(16).padStart(12, '0')}`;
  const counter = { order: 0, payment: 0, comment: 0 };
  for (let from = 0; from < options.profiles; from += batchSize) {
    const out: Record<ScaleTable, string[]> = { profiles: [], identities: [], events: [], traits: [], profile_facts: [] };
    const end = Math.min(options.profiles, from + batchSize);
    for (let n = from; n < end; n++) writePerson(out, workspaceId, idOf(n), n, random, now, counter);
    const counts = {} as ScaleCounts;
    const batch = { counts } as ScaleBatch;
    for (const table of Object.keys(out) as ScaleTable[]) {
      counts[table] = out[table].length;
      batch[table] = out[table].length ? `${out[table].join('\n')}\n` : '';
    }
    yield batch;
  }
}

function writePerson(out: Record<ScaleTable, string[]>, workspaceId: string, id: string, n: number, random: Random, now: number,
  counter: { order: number; payment: number; comment: number }) {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const country = weighted(random, COUNTRIES);
  const slug = `${ascii(firstName)}.${ascii(lastName)}.${n.toString(36)}`;
  // Sign-ups lean recent, as a growing store's do.
  const joined = now - Math.floor(HISTORY_DAYS * Math.sqrt(random.next()) * DAY) + Math.floor(random.next() * DAY);
  const joinedAt = Math.min(joined, now - 60_000);
  // The relationship ends (or not) after an exponential lifetime; social activity fades first.
  const lapsedAt = Math.min(now, joinedAt + Math.floor(random.exponential(420) * DAY));
  const shopify = random.chance(0.8);
  const kajabi = random.chance(shopify ? 0.22 : 0.55);
  let instagram = random.chance(0.35);
  const tiktok = random.chance(0.15);
  if (!shopify && !kajabi && !tiktok) instagram = true;
  const email = shopify || kajabi || random.chance(0.3) ? `${slug}@${random.pick(EMAIL_DOMAINS)}` : null;
  // A 555 exchange number per person (E.164): unique by construction, never a real subscriber.
  const phone = shopify && random.chance(0.45) ? `+1${201 + Math.floor(n / 10_000)}555${String(n % 10_000).padStart(4, '0')}` : null;

  const events: PersonEvent[] = [];
  const identities: PersonIdentity[] = [];
  const traits: PersonTrait[] = [];
  // One row per identity: the source that told us first keeps it (identities are unique per workspace, kind and value).
  const identity = (kind: string, value: string, source: string, first: number) => {
    if (!identities.some((i) => i.kind === kind)) identities.push({ kind, value, source, first, last: first });
  };
  const price = (usd: number) => Math.round(usd * country.rate) * 100 - 1;
  let gapDays = 0;
  let lastPurchase = 0;

  if (shopify) {
    const customerId = String(7_000_000_000_000 + n);
    identity('shopify_customer', customerId, 'shopify', joinedAt);
    if (email) identity('email', email, 'shopify', joinedAt);
    if (phone) identity('phone', phone, 'shopify', joinedAt);
    traits.push({ name: 'first_name', source: 'shopify', value: JSON.stringify(firstName), at: joinedAt },
      { name: 'last_name', source: 'shopify', value: JSON.stringify(lastName), at: joinedAt },
      { name: 'country_code', source: 'shopify', value: JSON.stringify(country.code), at: joinedAt },
      { name: 'accepts_email_marketing', source: 'shopify', value: String(random.chance(0.6)), at: joinedAt });
    events.push({ source: 'shopify', type: 'customer_created', externalId: `shopify:customer:${customerId}:created`, at: joinedAt, cents: null,
      currency: null, properties: JSON.stringify({ shopify_customer_id: customerId }), purchase: false });
    // A quarter never buy; buyers order at their own rhythm (gamma-distributed mean gap) until they lapse.
    if (random.chance(0.75)) {
      gapDays = 14 + random.gamma(1.5, 1 / 50);
      let at = joinedAt + Math.floor(random.exponential(gapDays / 3) * DAY);
      for (let orders = 0; at < lapsedAt && orders < 60; orders++) {
        const orderId = String(5_000_000_000_000 + counter.order++);
        const items = Array.from({ length: 1 + Math.floor(random.exponential(0.7)) }, () => {
          const product = weighted(random, PRODUCTS);
          return { title: product.title, quantity: random.chance(0.85) ? 1 : 2, price: price(product.usd) };
        });
        const cents = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
        events.push({ source: 'shopify', type: 'order_placed', externalId: `shopify:order:${orderId}:placed`, at, cents, currency: country.currency,
          properties: JSON.stringify({ order_id: orderId, name: `#${1001 + Number(orderId.slice(-9))}`, item_count: items.reduce((s, i) => s + i.quantity, 0),
            items: items.map((i) => ({ title: i.title, quantity: i.quantity, price: (i.price / 100).toFixed(2) })), financial_status: 'paid' }),
          purchase: true });
        lastPurchase = at;
        if (random.chance(0.04)) {
          const refundAt = Math.min(now, at + Math.floor((1 + random.exponential(6)) * DAY));
          events.push({ source: 'shopify', type: 'refund_issued', externalId: `shopify:refund:${orderId}`, at: refundAt, cents: -cents,
            currency: country.currency, properties: JSON.stringify({ order_id: orderId }), purchase: false });
        }
        at += Math.floor(random.exponential(gapDays) * DAY) + 3_600_000;
      }
    }
  }

  if (kajabi) {
    const memberId = String(2_100_000 + n);
    const since = Math.min(now - 60_000, joinedAt + Math.floor(random.exponential(60) * DAY));
    identity('kajabi_member', memberId, 'kajabi', since);
    if (email) identity('email', email, 'kajabi', since);
    traits.push({ name: 'first_name', source: 'kajabi', value: JSON.stringify(firstName), at: since },
      { name: 'last_name', source: 'kajabi', value: JSON.stringify(lastName), at: since });
    events.push({ source: 'kajabi', type: 'contact_created', externalId: `kajabi:contact:${memberId}:created`, at: since, cents: null, currency: null,
      properties: JSON.stringify({ contact_id: memberId }), purchase: false });
    const pay = (at: number, offer: { title: string; usd: number }, paymentType: string) => {
      const paymentId = String(900_000_000 + counter.payment++);
      const cents = price(offer.usd);
      events.push({ source: 'kajabi', type: 'payment_succeeded', externalId: `kajabi:payment:${paymentId}`, at, cents, currency: country.currency,
        properties: JSON.stringify({ transaction_id: paymentId, amount_in_cents: cents, currency: country.currency, state: 'succeeded',
          payment_type: paymentType, offer_title: offer.title }),
        purchase: paymentType !== 'subscription' });
      if (paymentType !== 'subscription') lastPurchase = Math.max(lastPurchase, at);
    };
    if (random.chance(0.35)) {
      const bought = since + Math.floor(random.exponential(20) * DAY);
      if (bought < now) {
        pay(bought, COURSE, 'one_time');
        let lesson = bought;
        for (const title of LESSONS) {
          lesson += Math.floor(random.exponential(9) * DAY);
          if (lesson >= now || random.chance(0.25)) break;
          events.push({ source: 'kajabi', type: 'course_completed', externalId: `kajabi:lesson:${memberId}:${ascii(title)}`, at: lesson, cents: null,
            currency: null, properties: JSON.stringify({ course: COURSE.title, lesson: title }), purchase: false });
        }
      }
    }
    if (random.chance(0.25)) {
      // Monthly renewals until the member lapses.
      for (let at = since + DAY; at < lapsedAt; at += 30 * DAY + Math.floor(random.next() * DAY)) pay(at, CLUB, 'subscription');
    }
  }

  for (const network of [instagram ? 'instagram' : null, tiktok ? 'tiktok' : null]) {
    if (!network) continue;
    // Often a follower before a customer, never before the history starts.
    const start = now - HISTORY_DAYS * DAY;
    let since = joinedAt - Math.floor(random.exponential(90) * DAY);
    if (since < start) since = start + Math.floor(random.next() * (joinedAt - start));
    const handle = `${slug}${network === 'tiktok' ? '_tt' : ''}`;
    const platformId = network === 'instagram' ? `1784140${String(n).padStart(10, '0')}` : `act.${prefixFree(n)}`;
    identity(network, handle, network, since);
    // Social-only people with an email gave it on the network (a giveaway entry, a DM).
    if (email) identity('email', email, network, since);
    identity(`${network}_id`, platformId, network, since);
    traits.push({ name: 'name', source: network, value: JSON.stringify(`${firstName} ${lastName}`), at: since },
      { name: 'followers_count', source: network, value: String(Math.floor(random.exponential(300))), at: since });
    events.push({ source: network, type: 'followed', externalId: `${network}:follow:${platformId}`, at: since, cents: null, currency: null,
      properties: JSON.stringify({ network }), purchase: false });
    // Comments come while the person is engaged: social fades before the orders stop.
    const fades = since + (lapsedAt - since) * 0.8;
    const comments = Math.floor(random.exponential(3));
    for (let c = 0; c < comments; c++) {
      const at = since + Math.floor(random.next() * Math.max(1, fades - since));
      const commentId = String(18_000_000_000 + counter.comment++);
      events.push({ source: network, type: 'commented', externalId: `${network}:comment:${commentId}`, at, cents: null, currency: null,
        properties: JSON.stringify({ network, comment_id: commentId, text: random.pick(COMMENTS) }), purchase: false });
    }
  }

  // Insertion order is event id order: chronological, so "first event" agrees with compute_profile_facts' tie-break.
  events.sort((a, b) => a.at - b.at);
  // An identity was last seen at its source's last event.
  for (const i of identities) for (const e of events) if (e.source === i.source && e.at > i.last) i.last = e.at;

  let cents = 0;
  let orders = 0;
  let firstOrder = Infinity;
  let lastOrder = -Infinity;
  let courses = 0;
  let social = 0;
  let currency: string | null = null;
  const sources = new Set<string>();
  for (const e of events) {
    cents += e.cents ?? 0;
    if (e.type === 'order_placed') orders++;
    if (e.type === 'course_completed') courses++;
    if (e.cents !== null && e.cents > 0 && e.purchase) {
      firstOrder = Math.min(firstOrder, e.at);
      lastOrder = Math.max(lastOrder, e.at);
    }
    if (e.currency) currency = e.currency;
    const source = e.source.split('_')[0]!;
    sources.add(source);
    if (source !== 'shopify' && source !== 'kajabi') social++;
  }
  const firstSeen = Math.min(events[0]!.at, ...identities.map((i) => i.first));
  const lastActivity = events[events.length - 1]!.at;
  const risk = lastPurchase ? Math.round(1000 * (1 - Math.exp(-(now - lastPurchase) / DAY / (3 * gapDays || 90)))) / 1000 : null;
  const band = risk === null ? null : bandOf(risk);
  const latest = (name: string) => traits.filter((t) => t.name === name).sort((a, b) => b.at - a.at)[0]?.value ?? null;
  const named = latest('first_name') !== null;
  // refresh_profile: first and last name, else the full name a social network gave.
  const displayName = named || latest('name') !== null ? `${firstName} ${lastName}` : null;
  const followers = traits.filter((t) => t.name === 'followers_count').map((t) => Number(t.value));
  const subscribed = latest('accepts_email_marketing');
  const countryCode = latest('country_code');
  const kinds = [...new Set(identities.map((i) => i.kind))].sort();
  const bits = kinds.reduce((b, kind) => b | (IDENTITY_BITS[kind] ?? 0), 0);

  const w = workspaceId;
  out.profiles.push(row([w, id, displayName, named ? firstName : null, named ? lastName : null, email, phone, money(cents), currency, orders,
    iso(firstSeen), iso(lastActivity), risk, band]));
  for (const i of identities) out.identities.push(row([w, i.kind, i.value, id, i.source, iso(i.first), iso(i.last)]));
  for (const e of events) {
    out.events.push(row([w, id, e.source, e.type, e.externalId, iso(e.at), e.cents === null ? null : money(e.cents), e.currency, e.properties]));
  }
  for (const t of traits) out.traits.push(row([w, id, t.name, t.source, t.value, iso(t.at)]));
  out.profile_facts.push(row([w, id, `{${id}}`, money(cents), orders, orders ? money(roundedDivision(cents, orders)) : null,
    isoOrNull(firstOrder), isoOrNull(lastOrder), iso(firstSeen), iso(lastActivity),
    events[0]!.source.split('_')[0]!.toLowerCase(), sources.size, courses, risk, band, followers.length ? Math.max(...followers) : null, social,
    subscribed, countryCode === null ? null : JSON.parse(countryCode).toLowerCase(), `{${kinds.join(',')}}`, bits]));
}

// tessera.segment_identity_bit, for the kinds the generator writes.
const IDENTITY_BITS: Record<string, number> = {
  email: 1, phone: 2, shopify_customer: 4, kajabi_member: 8, instagram: 16, instagram_id: 16, tiktok: 64, tiktok_id: 64,
};

function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  let left = random.next() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) if ((left -= item.weight) < 0) return item;
  return items[items.length - 1]!;
}

/** Lower-case ASCII letters only: emails and handles built from names must equal their normalised form. */
function ascii(text: string): string {
  return text.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

/** A TikTok-style open id from the ordinal: unique, not guessable as a sequence by eye. */
function prefixFree(n: number): string {
  return `${(n * 2_654_435_761 >>> 0).toString(36)}${n.toString(36)}`;
}

/** round(cents / count) half away from zero, as Postgres' round(numeric, 2) does, for cents >= 0. */
function roundedDivision(cents: number, count: number): number {
  return cents >= 0 ? Math.floor((2 * cents + count) / (2 * count)) : -Math.floor((-2 * cents + count) / (2 * count));
}

function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number) => (Number.isFinite(ms) ? iso(ms) : null);

/** One line of COPY text format: tab-separated, `\N` for null, backslash, tab and newlines escaped. */
function row(values: (string | number | boolean | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i) line += '\t';
    if (value === null) line += '\\N';
    else if (typeof value !== 'string') line += String(value);
    else line += /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
  }
  return line;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A session that writes COPY text (tab-separated, `\N` for null) into tables; see {@link openCopier}. */
export interface Copier {
  copy(table: string, columns: readonly string[], text: string): Promise<void>;
  /** A statement in the same session, after its COPYs. */
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
  /** Whether triggers and foreign-key checks were off for this session (session_replication_role = replica). */
  readonly bulk: boolean;
  close(): Promise<void>;
}

/**
 * One database session for COPY FROM STDIN: PGlite reads the text as a blob from /dev/blob, a PostgreSQL
 * server gets it through the wire protocol (pg has no COPY of its own; this is what pg-copy-streams does).
 * The session runs with session_replication_role = replica where the role may set it: a seeded million
 * people must not NOTIFY a million realtime changes, and rows written in key order need no per-row
 * foreign-key check (scale.test.ts checks there are no orphans). Where it may not, COPY still works, slower.
 *
 * @example
 * const copier = await openCopier(db);
 * try {
 *   await copier.copy('public.identities', ['workspace_id', 'kind', 'value', 'profile_id', 'source'], `${ws}\temail\tana@example.com\t${id}\tshopify\n`);
 * } finally {
 *   await copier.close();
 * }
 */
export async function openCopier(db: Database): Promise<Copier> {
  const pglite = (db as { raw?: PGlite }).raw;
  if (db.kind === 'pglite' && pglite) {
    const bulk = await pglite.exec('set session_replication_role = replica').then(() => true, () => false);
    return {
      bulk,
      copy: async (table, columns, text) => {
        if (text) await pglite.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], { blob: new Blob([text]) });
      },
      query: async <T>(sql: string, params: unknown[]) => (await pglite.query<T>(sql, params)).rows,
      close: async () => {
        if (bulk) await pglite.exec('reset session_replication_role');
      },
    };
  }
  const pool = (db as { pool?: pg.Pool }).pool;
  if (!pool) throw new Error(`COPY needs a database opened by openPglite or openPostgres, not ${db.location}`);
  const client = await pool.connect();
  const bulk = await client.query('set session_replication_role = replica').then(() => true, () => false);
  return {
    bulk,
    query: async <T>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as T[],
    copy: async (table, columns, text) => {
      if (!text) return;
      const sql = `copy ${table} (${columns.join(', ')}) from stdin`;
      await new Promise<void>((resolve, reject) => {
        // A submittable: pg hands it the connection when the server asks for the data.
        client.query({
          submit: (connection: PgConnection) => connection.query(sql),
          handleCopyInResponse: (connection: PgConnection) => {
            const bytes = Buffer.from(text);
            for (let at = 0; at < bytes.length; at += 1 << 20) connection.sendCopyFromChunk(bytes.subarray(at, at + (1 << 20)));
            connection.endCopyFrom();
          },
          handleCommandComplete: () => {},
          // pg drops the query on an error: ReadyForQuery never reaches it, so the error settles it.
          handleError: (error: Error) => reject(error),
          handleReadyForQuery: () => resolve(),
        } as never);
      });
    },
    close: async () => {
      if (bulk) await client.query('reset session_replication_role').catch(() => {});
      client.release();
    },
  };
}

interface PgConnection {
  query(sql: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}
