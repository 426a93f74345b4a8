import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseMeta } from '../normalisers/meta.ts';
import { NormalisedRecord } from '../normalisers/record.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { socialImportRecord } from '../normalisers/social-import.ts';
import { handleMetaWebhook } from './meta.ts';
import { applyRecord, fixture, processAccepted, profileOf, socialContext } from './social-test-kit.ts';

const APP_SECRET = '5c1e0f9a7b3d48e2a6f1c9d0b2e4a7f3';

/**
 * A commenter on Instagram and a customer in the Shopify store are the same
 * person only when something says so: nothing is inferred from a name or a
 * handle that looks like an email. An import row carrying the handle and the
 * email is such a statement, and it merges the two.
 */
for (const target of testDatabases()) {
  describe(`Instagram commenter and Shopify customer (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
    });
    after(() => db?.close());

    it('stay two profiles while they share nothing, and become one once a record links the handle to the email', async () => {
      const context = socialContext(db, { workspaceId, secrets: { meta: APP_SECRET } }, { meta: { appSecret: APP_SECRET, verifyToken: 't' } });
      const raw = JSON.stringify(fixture('meta-instagram-comment'));
      const response = await handleMetaWebhook(
        new Request('https://tessera.example/webhooks/meta', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}` },
          body: raw,
        }),
        context,
      );
      assert.equal(response.status, 200);
      const [commenter] = await processAccepted(db, context, normaliseMeta);

      const customer = normaliseShopify({
        source: 'shopify',
        topic: 'customers/create',
        headers: { 'x-shopify-shop-domain': 'hearth-and-grain.myshopify.com' },
        body: { id: 7390216601234, email: 'maya.lindqvist@example.com', first_name: 'Maya', last_name: 'Lindqvist', created_at: '2025-11-02T09:14:00-05:00', updated_at: '2025-11-02T09:14:00-05:00' },
        triggeredAt: '2025-11-02T14:14:00.000Z',
        receivedAt: '2025-11-02T14:14:01.000Z',
      });
      assert.equal(customer.kind, 'record');
      const buyer = await applyRecord(db, workspaceId, 'shopify', NormalisedRecord.parse((customer as { record: unknown }).record));

      assert.ok(commenter && buyer);
      assert.notEqual(commenter, buyer);
      assert.equal(await profileOf(db, workspaceId, 'email', 'maya.lindqvist@example.com'), buyer);
      assert.equal(await profileOf(db, workspaceId, 'instagram', 'maya.bakes.sourdough'), commenter);

      // A giveaway export: the entrant's Instagram handle next to the email they entered with.
      const link = socialImportRecord(
        { handle: '@maya.bakes.sourdough', display_name: 'Maya Lindqvist', email: 'Maya.Lindqvist@example.com', event_type: 'giveaway_entered', time: '2026-01-10T18:30:00Z', network: 'instagram' },
        '2026-01-12T09:00:00.000Z',
      );
      await applyRecord(db, workspaceId, 'social_import', NormalisedRecord.parse(link));

      const roots = new Set(
        await Promise.all([
          profileOf(db, workspaceId, 'instagram', 'maya.bakes.sourdough'),
          profileOf(db, workspaceId, 'instagram_id', '6942315848201473'),
          profileOf(db, workspaceId, 'email', 'maya.lindqvist@example.com'),
          profileOf(db, workspaceId, 'shopify_customer', '7390216601234'),
        ]),
      );
      assert.equal(roots.size, 1);
      const [survivor] = [...roots];
      assert.ok(survivor === commenter || survivor === buyer, 'one of the two profiles survives the merge');
      const merges = await db.query<{ survivor_id: string; merged_id: string }>('select survivor_id, merged_id from public.profile_merges where workspace_id = $1', [workspaceId]);
      assert.deepEqual(merges.map((m) => [m.survivor_id, m.merged_id].sort()), [[commenter, buyer].sort()]);
    });
  });
}
