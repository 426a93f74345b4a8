import { signToken } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { createProcessor } from '../ingest/processor.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { parseSegmentOrThrow } from '@tessera/core/segments';
import { generateCreatorAudience } from '../seed/creator-audience.ts';
import { DEMO_SHOP, generateShopifyStore } from '../seed/shopify-store.ts';
import { ensureStaff, ensureWorkspace } from './workspace.ts';

export const DEMO_STAFF = { id: 'd3e00000-0000-4000-8000-000000000001', email: 'support@hearth-and-grain.example', role: 'owner' };
export const DEMO_WORKSPACE = { slug: 'hearth-and-grain', name: 'Hearth & Grain' };

/**
 * Seeds a workspace with a generated creator business: a Shopify store's
 * history, plus some of its customers taking Kajabi courses and following on
 * social. Everything is stored as raw events exactly as webhooks and imports
 * would store it, and processed by the real pipeline. Seeding twice adds
 * nothing: every delivery has a stable id.
 */
export async function seedDemoStore(db: Database, workspaceId: string, options: { customers: number; now?: number }) {
  const log = createRawEventLog(db);
  const store = generateShopifyStore({ customers: options.customers, ...(options.now ? { now: options.now } : {}) });
  const audience = generateCreatorAudience(store, options.now ? { now: options.now } : {});
  const encoder = new TextEncoder();
  for (const delivery of store) {
    await log.record({
      workspaceId,
      source: 'shopify',
      topic: delivery.topic,
      idempotencyKey: `event:${delivery.eventId}`,
      headers: {
        'x-shopify-topic': delivery.topic,
        'x-shopify-shop-domain': DEMO_SHOP,
        'x-shopify-event-id': delivery.eventId,
        'x-shopify-triggered-at': delivery.triggeredAt,
        'x-shopify-api-version': '2025-10',
        'x-tessera-seed': 'demo',
      },
      body: encoder.encode(JSON.stringify(delivery.payload)),
      triggeredAt: delivery.triggeredAt,
      status: 'pending',
    });
  }
  for (const delivery of audience) {
    await log.record({
      workspaceId,
      source: delivery.source,
      topic: delivery.topic,
      idempotencyKey: `seed:${delivery.eventId}`,
      headers: { 'x-tessera-seed': 'demo' },
      body: encoder.encode(JSON.stringify(delivery.payload)),
      triggeredAt: delivery.at,
      status: 'pending',
    });
  }
  // The store opened two years before now: its years get their events partitions before the events arrive.
  const now = options.now ?? Date.now();
  await db.query('select tessera.ensure_event_partitions($1, $2)', [new Date(now - 2 * 365 * 86_400_000 - 86_400_000), new Date(now + 365 * 86_400_000)]);
  await createProcessor(db).drain();
  return store.length + audience.length;
}

/** The demo workspace, its staff user and its seeded store; returns what the demo pages need. */
export async function prepareDemo(db: Database, options: { jwtSecret: string; customers?: number }) {
  const workspaceId = await ensureWorkspace(db, DEMO_WORKSPACE);
  await ensureStaff(db, workspaceId, DEMO_STAFF);
  const [{ count }] = (await db.query<{ count: number }>('select count(*)::int as count from public.raw_events where workspace_id = $1', [workspaceId])) as [
    { count: number },
  ];
  const seeded = count === 0 ? await seedDemoStore(db, workspaceId, { customers: options.customers ?? 300 }) : 0;
  if (count === 0) await saveDemoSegments(db, workspaceId);
  const anonKey = await signToken(options.jwtSecret, { role: 'anon' });
  return {
    workspaceId,
    seeded,
    /** A fresh staff session for the example pages (demo only: a real app signs its staff in). */
    session: async (url: string) => ({
      url,
      key: anonKey,
      accessToken: await signToken(
        options.jwtSecret,
        { role: 'authenticated', sub: DEMO_STAFF.id, email: DEMO_STAFF.email, app_metadata: { workspace_id: workspaceId } },
        '12h',
      ),
      workspace: DEMO_WORKSPACE.name,
    }),
  };
}

/** Segments a merchant would keep, so the dashboard's segment views have something to show. */
export const DEMO_SEGMENTS: [name: string, query: string][] = [
  ['Lapsed big spenders', 'amount_spent > 100 AND last_order_date < -90d'],
  ['At risk but still social', "churn_band = 'high' AND (has instagram OR has tiktok)"],
  ['Loyal regulars', "number_of_orders >= 4 AND churn_band = 'low'"],
  ['Bought this month', 'ordered in last 30 days'],
  ['Kajabi students who also shop', 'has kajabi_member AND number_of_orders >= 1'],
];

async function saveDemoSegments(db: Database, workspaceId: string) {
  for (const [name, query] of DEMO_SEGMENTS) {
    await db.query('select public.save_segment($1, $2, $3::jsonb, $4)', [name, query, JSON.stringify(parseSegmentOrThrow(query)), workspaceId]);
  }
}
