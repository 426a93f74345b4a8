import { kajabiTopic } from '../normalisers/kajabi-topic.ts';
import { createRandom } from './random.ts';
import type { ShopifyDelivery } from './shopify-store.ts';

/**
 * The rest of a creator's audience, for the demo: some of the store's
 * customers also take the creator's Kajabi courses (Payment Succeeded
 * webhooks, as Kajabi's admin sends them) and follow and comment on
 * Instagram or TikTok (rows of a social audience export). The same people,
 * seen from other sources, so the demo's cards show one person across all of them.
 *
 * Churn shows here first: a customer who is about to leave the store stops
 * commenting weeks before their last order, while those who stay keep
 * talking. Monthly members renew with their own odds (a beta-distributed
 * chance of cancelling each month, as the sBG assumes).
 */

export interface AudienceDelivery {
  source: 'kajabi' | 'social_import';
  topic: string;
  eventId: string;
  at: string;
  payload: Record<string, unknown>;
}

const OFFERS = [
  { id: 1873402, title: 'Sourdough Fundamentals', cents: 19700 },
  { id: 1873417, title: 'Laminated Dough Masterclass', cents: 29700 },
  { id: 1873455, title: 'Bread Club (monthly)', cents: 2900 },
];
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** People of the store (from its customers/create deliveries) who also learn on Kajabi and talk on social. */
export function generateCreatorAudience(store: ShopifyDelivery[], options: { seed?: number; now?: number } = {}): AudienceDelivery[] {
  const random = createRandom(options.seed ?? 4242);
  const now = options.now ?? Date.now();
  const deliveries: AudienceDelivery[] = [];
  let transaction = 5_530_990_000;
  for (const { payload, lapsedAt } of store.filter((d) => d.topic === 'customers/create')) {
    const email = payload.email as string;
    const first = payload.first_name as string;
    const last = payload.last_name as string;
    const since = Date.parse(payload.created_at as string);
    const memberId = 301_447_000 + Number(payload.id) % 100_000;

    if (random.chance(0.3)) {
      const offer = random.pick(OFFERS);
      const monthly = offer.title.includes('monthly');
      const cancelOdds = monthly ? random.beta(1.2, 3.5) : 1;
      let at = since + random.exponential(40) * DAY;
      for (let n = 0; at < now && (n === 0 || random.next() >= cancelOdds); n++, at += 30 * DAY) {
        const id = ++transaction;
        deliveries.push({
          source: 'kajabi',
          topic: '',
          eventId: `kajabi-${id}`,
          at: iso(at),
          payload: {
            id,
            event: 'payment.succeeded',
            payment_transaction: { id, amount_paid: offer.cents, amount_paid_decimal: (offer.cents / 100).toFixed(2), currency: 'USD', sales_tax_paid: 0, created_at: iso(at), payment_type: monthly ? 'subscription' : 'single' },
            offer: { id: offer.id, title: offer.title },
            member: { id: memberId, email, name: `${first} ${last}`, first_name: first, last_name: last },
          },
        });
      }
    }

    if (random.chance(0.35)) {
      const network = random.pick(['instagram', 'instagram', 'tiktok']);
      const handle = `${first}.${random.pick(['bakes', 'makes', 'loaves', 'crumb'])}${random.int(1, 99)}`.toLowerCase().normalize('NFD').replace(/[^a-z0-9._]/g, '');
      const followed = since - random.exponential(60) * DAY;
      // The follow comes from an export that knows the email (a giveaway entry); comments only know the handle.
      const rows = [{ handle: `@${handle}`, display_name: `${first} ${last[0]}.`, email, event_type: 'followed', time: iso(followed), network }];
      // Engaged until weeks before they stop buying (or until now), commenting and liking every month or so.
      const engagedUntil = lapsedAt ? Date.parse(lapsedAt) - (15 + random.next() * 60) * DAY : now - DAY;
      for (let at = followed + random.exponential(30) * DAY; at < engagedUntil && rows.length < 60; at += random.exponential(30) * DAY) {
        rows.push({ handle: `@${handle}`, display_name: `${first} ${last[0]}.`, email: '', event_type: random.pick(['commented', 'commented', 'liked']), time: iso(at), network });
      }
      for (const row of rows) {
        deliveries.push({ source: 'social_import', topic: 'import/social-csv', eventId: `social-${handle}-${row.event_type}-${row.time}`, at: row.time, payload: row });
      }
    }
  }
  // Topics as the Kajabi handler names them on arrival.
  for (const delivery of deliveries) if (delivery.source === 'kajabi') delivery.topic = kajabiTopic(delivery.payload);
  return deliveries.sort((a, b) => a.at.localeCompare(b.at));
}

