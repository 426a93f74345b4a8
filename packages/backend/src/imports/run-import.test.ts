import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createProcessor } from '../ingest/processor.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { encodeBase64, signHmacSha256 } from '../webhooks/hmac.ts';
import { handleShopifyWebhook } from '../webhooks/shopify.ts';
import { runImport, type ImportOptions } from './run-import.ts';

const SHOP = 'hearth-and-grain.myshopify.com';
const SECRET = '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';
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-import-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

for (const target of testDatabases()) {
  describe(`tessera import → profiles (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    const importFile = (file: string, options: Partial<ImportOptions> = {}) =>
      runImport({ db, workspaceId, source: 'shopify', file, shop: SHOP, exportedAt: '2026-05-20T08:00:00Z', ...options });

    /** The person (root profile) an identity belongs to. */
    const person = async (kind: string, value: string) =>
      (
        await db.query<Record<string, any>>(
          `select p.* from public.identities i join public.profiles p on p.workspace_id = i.workspace_id and p.id = tessera.root_of(i.workspace_id, i.profile_id)
            where i.workspace_id = $1 and i.kind = $2 and i.value = $3`,
          [workspaceId, kind, value],
        )
      )[0];
    const totals = async () =>
      (
        await db.query<Record<string, string | number>>(
          `select (select count(*)::int from public.raw_events where workspace_id = $1) as raw_events,
                  (select count(*)::int from public.events where workspace_id = $1) as events,
                  (select count(*)::int from public.profiles where workspace_id = $1 and merged_into is null) as people,
                  (select coalesce(sum(lifetime_revenue), 0)::text from public.profiles where workspace_id = $1 and merged_into is null) as revenue`,
          [workspaceId],
        )
      )[0]!;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
    });
    after(() => db?.close());

    it('imports a customer export: counts, rejections by line with their reasons, one profile per customer', async () => {
      const report = await importFile(fixture('shopify-customers.csv'));
      assert.deepEqual(
        { rows: report.rows, records: report.records, accepted: report.accepted, rejected: report.rejected, duplicates: report.duplicates, profiles: report.profilesCreated, merged: report.merged },
        { rows: 20, records: 20, accepted: 16, rejected: 4, duplicates: 0, profiles: 16, merged: 0 },
      );
      assert.deepEqual(
        report.rejections.map((r) => [r.line, r.reason.split(':')[0]!.split(' (')[0]]),
        [
          [10, 'Email "noah.williams@@gmail" is not an email address'],
          [11, 'The row has no Customer ID, email or phone, so it cannot be tied to a person'],
          [13, 'Customer ID 7.24190E+12 was rounded by a spreadsheet'],
          [21, 'Row has 21 cells but the header has 20'],
        ],
      );
      assert.ok(report.rowsPerSecond > 0);

      const amara = await person('shopify_customer', '7241900311752');
      assert.equal(amara?.display_name, 'Amara Okafor');
      assert.equal(amara?.phone, '+14165550142');
      // No Customer ID but an email: the customer is still found by it.
      assert.equal((await person('email', 'grace.murphy@fastmail.com'))?.display_name, 'Grace Murphy');
    });

    it('keeps every row as a raw event: verbatim, named by file and line, the rejected ones in the dead-letter', async () => {
      const rows = await db.query<{ status: string; error: string | null; headers: Record<string, string>; body: Uint8Array }>(
        `select status, error, headers, body from public.raw_events where workspace_id = $1 and topic = 'import/customers-csv' order by (headers ->> 'x-tessera-line')::int`,
        [workspaceId],
      );
      assert.equal(rows.length, 20);
      const chloe = rows.find((r) => r.headers['x-tessera-line'] === '5')!;
      assert.equal(chloe.headers['x-tessera-last-line'], '7');
      assert.equal(chloe.headers['x-tessera-import'], 'shopify-customers.csv');
      assert.equal(JSON.parse(Buffer.from(chloe.body).toString('utf8')).Note, 'Allergic to nuts.\nLeave parcels with the concierge,\nnot on the porch.');
      const deadLetter = rows.filter((r) => r.status === 'failed');
      assert.deepEqual(deadLetter.map((r) => r.headers['x-tessera-line']), ['10', '11', '13', '21']);
      assert.match(deadLetter[0]!.error!, /is not an email address/);
      assert.equal(rows.filter((r) => r.status === 'processed').length, 16);
    });

    it('running the same file again adds nothing', async () => {
      const before = await totals();
      const report = await importFile(fixture('shopify-customers.csv'));
      assert.deepEqual(
        { accepted: report.accepted, rejected: report.rejected, duplicates: report.duplicates, previouslyRejected: report.previouslyRejected, profiles: report.profilesCreated },
        { accepted: 0, rejected: 0, duplicates: 20, previouslyRejected: 4, profiles: 0 },
      );
      assert.deepEqual(await totals(), before);
    });

    it('imports an order export: one order per group of rows, and an order joins the customer with the same email', async () => {
      const report = await importFile(fixture('shopify-orders.csv'));
      assert.deepEqual(
        { rows: report.rows, records: report.records, accepted: report.accepted, rejected: report.rejected, merged: report.merged, profiles: report.profilesCreated },
        { rows: 16, records: 9, accepted: 7, rejected: 2, merged: 1, profiles: 1 },
      );
      assert.deepEqual(
        report.rejections.map((r) => [r.line, r.lastLine]),
        [[13, 14], [15, 15]],
      );
      assert.match(report.rejections[0]!.reason, /Order #1047 has no Id/);

      // Liam: one customer row and one order by his email → one person.
      const liam = await person('email', 'liam.smith@gmail.com');
      assert.equal(liam?.id, (await person('shopify_customer', '7241900311753'))?.id);
      assert.equal(liam?.orders_count, 1);
      assert.equal(liam?.lifetime_revenue, '58.00');
      const [order] = await db.query<{ properties: Record<string, any> }>(
        `select properties from public.events where workspace_id = $1 and external_id = 'shopify:order:5612004471497:placed'`,
        [workspaceId],
      );
      assert.deepEqual(order!.properties.items.map((i: { sku: string }) => i.sku), ['HG-LAME', 'HG-WHISK']);
      // Refunded: placed for 48, 12 paid back. Voided and cancelled: never collected.
      assert.equal((await person('email', 'chloe.dubois@proton.me'))?.lifetime_revenue, '36.00');
      assert.equal((await person('email', 'oliver.kim@hotmail.com'))?.lifetime_revenue, '0.00');
    });

    it('fuses two profiles that rows link: a guest order and the customer account share a phone', async () => {
      // #1044 was a guest checkout (work email, phone); #1045 came from her account's email with the same phone.
      const viaWork = await person('email', 'priya@northwind-bakery.example');
      const viaAccount = await person('shopify_customer', '7241900311754');
      assert.equal(viaWork?.id, viaAccount?.id);
      assert.equal(viaAccount?.lifetime_revenue, '204.00');
      assert.equal(viaAccount?.orders_count, 2);
      const [merge] = await db.query<{ n: number }>(`select count(*)::int as n from public.profile_merges where workspace_id = $1`, [workspaceId]);
      assert.equal(merge!.n, 1);
    });

    it('an order imported from the export and delivered again by webhook counts once', async () => {
      const before = await person('shopify_customer', '7241900311752');
      assert.equal(before?.lifetime_revenue, '116.44');
      const processor = createProcessor(db);
      const body = readFileSync(new URL('../normalisers/fixtures/shopify-order.json', import.meta.url), 'utf8');
      const response = await handleShopifyWebhook(
        new Request('http://localhost/webhooks/shopify', {
          method: 'POST',
          headers: {
            'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SHOP, 'x-shopify-event-id': 'import-then-webhook-1',
            'x-shopify-triggered-at': '2026-05-21T09:00:00Z', 'x-shopify-hmac-sha256': encodeBase64(await signHmacSha256(SECRET, body)),
          },
          body,
        }),
        { findConnection: createConnectionRegistry(db, { workspaceId, secrets: { shopify: SECRET } }), log: createRawEventLog(db), onAccepted: () => processor.schedule() },
      );
      assert.equal(response.status, 200);
      await processor.idle();
      const [delivered] = await db.query<{ status: string }>(`select status from public.raw_events where idempotency_key = 'event:import-then-webhook-1'`);
      assert.equal(delivered?.status, 'processed');
      const [events] = await db.query<{ n: number }>(`select count(*)::int as n from public.events where external_id = 'shopify:order:5612004471496:placed'`);
      assert.equal(events!.n, 1);
      const after = await person('shopify_customer', '7241900311752');
      assert.equal(after?.id, before?.id);
      assert.equal(after?.lifetime_revenue, '116.44');
      assert.equal(after?.orders_count, 2);
    });

    it('imports a bulk operation JSONL: children grouped under their order wherever they are, a cut-off line rejected', async () => {
      const before = await totals();
      const report = await importFile(fixture('shopify-orders-bulk.jsonl'));
      assert.deepEqual(
        { rows: report.rows, records: report.records, accepted: report.accepted, rejected: report.rejected },
        { rows: 13, records: 5, accepted: 4, rejected: 1 },
      );
      assert.equal(report.rejections[0]!.line, 13);
      assert.match(report.rejections[0]!.reason, /not valid JSON/);
      // #1060's second line item comes after the next order in the file.
      const [hiroshi] = await db.query<{ properties: Record<string, any> }>(
        `select properties from public.events where workspace_id = $1 and external_id = 'shopify:order:5612004471510:placed'`,
        [workspaceId],
      );
      assert.equal(hiroshi!.properties.item_count, 2);
      // #1042 again (in the CSV and by webhook already): nothing added.
      assert.equal((await person('shopify_customer', '7241900311752'))?.lifetime_revenue, '116.44');
      // Zoe's order from the CSV was rejected; here it is, with its refund taken off.
      assert.equal((await person('email', 'zoe.nguyen@icloud.com'))?.lifetime_revenue, '26.00');
      const after = await totals();
      assert.equal(Number(after.revenue) - Number(before.revenue), 52 + 26); // Hiroshi's order, Zoe's net; the test order is worth nothing
    });

    it('resumes an import cut short: what landed is skipped, the rest is imported once', async () => {
      const file = join(scratch, `customers-${target.name}.csv`);
      const header = 'Customer ID,First Name,Last Name,Email,Phone,Tags';
      const lines = Array.from({ length: 12 }, (_, n) => `'${9100000000000 + n},Ada${n},Lovelace,ada${n}@analytical.example,,`);
      writeFileSync(file, [header, ...lines].join('\n') + '\n');
      let calls = 0;
      const crashing = { ...db, query: (sql: string, params?: unknown[]) => (sql.includes('import_raw_events') && ++calls === 3 ? Promise.reject(new Error('connection terminated')) : db.query(sql, params)) } as Database;
      await assert.rejects(runImport({ db: crashing, workspaceId, source: 'shopify', file, batchSize: 4 }), /connection terminated/);
      const [landed] = await db.query<{ n: number }>(`select count(*)::int as n from public.raw_events where headers ->> 'x-tessera-import' = $1`, [`customers-${target.name}.csv`]);
      assert.equal(landed!.n, 8); // two whole batches, nothing of the third

      const resumed = await runImport({ db, workspaceId, source: 'shopify', file, batchSize: 4 });
      assert.deepEqual({ accepted: resumed.accepted, duplicates: resumed.duplicates }, { accepted: 4, duplicates: 8 });
      const [people] = await db.query<{ n: number }>(`select count(*)::int as n from public.identities where workspace_id = $1 and value like 'ada%@analytical.example'`, [workspaceId]);
      assert.equal(people!.n, 12);
    });

    it('applies a row an earlier run stored but never applied', async () => {
      const file = join(scratch, `customers-${target.name}.csv`);
      await db.query(
        `update public.raw_events set status = 'pending', processed_at = null, profile_id = null
          where workspace_id = $1 and headers ->> 'x-tessera-import' = $2 and headers ->> 'x-tessera-line' = '3'`,
        [workspaceId, `customers-${target.name}.csv`],
      );
      const report = await runImport({ db, workspaceId, source: 'shopify', file });
      assert.deepEqual({ accepted: report.accepted, duplicates: report.duplicates }, { accepted: 1, duplicates: 11 });
      const [row] = await db.query<{ status: string }>(
        `select status from public.raw_events where workspace_id = $1 and headers ->> 'x-tessera-import' = $2 and headers ->> 'x-tessera-line' = '3'`,
        [workspaceId, `customers-${target.name}.csv`],
      );
      assert.equal(row!.status, 'processed');
    });

    it('a record Postgres refuses goes to the dead-letter alone; the rest of its batch lands', async () => {
      const file = join(scratch, `oversized-${target.name}.csv`);
      const tooLong = '9'.repeat(400); // digits, so the normaliser takes it; no identity may be that long
      writeFileSync(file, ['Customer ID,First Name,Email', `1201,Ann,ann@example.org`, `${tooLong},Bo,bo@example.org`, `1203,Cy,cy@example.org`].join('\n'));
      const report = await runImport({ db, workspaceId, source: 'shopify', file });
      assert.deepEqual({ accepted: report.accepted, rejected: report.rejected }, { accepted: 2, rejected: 1 });
      assert.equal(report.rejections[0]!.line, 3);
      assert.match(report.rejections[0]!.reason, /^Postgres refused the record: .*identities/);
      assert.equal((await person('email', 'cy@example.org'))?.display_name, 'Cy');
    });

    it('imports a social audience export (CSV and JSONL): a handle with an email joins the customer', async () => {
      const csv = await importFile(fixture('social-audience.csv'), { source: 'social' });
      assert.deepEqual({ format: csv.format, accepted: csv.accepted, rejected: csv.rejected }, { format: 'social-csv', accepted: 4, rejected: 2 });
      assert.deepEqual(csv.rejections.map((r) => [r.line, r.reason.split(':')[0]]), [
        [6, 'Column "network" must name the network (instagram, tiktok, x, youtube, …), not ""'],
        [7, 'Column "time" is not a date and time'],
      ]);
      const amara = await person('shopify_customer', '7241900311752');
      assert.equal((await person('instagram', 'amara.bakes'))?.id, amara?.id);

      const jsonl = await importFile(fixture('social-audience.jsonl'), { source: 'social' });
      assert.deepEqual({ format: jsonl.format, accepted: jsonl.accepted }, { format: 'social-jsonl', accepted: 2 });
      assert.equal((await person('tiktok', 'zoe.makes.bread'))?.id, (await person('shopify_customer', '7241900311766'))?.id);
      const [messaged] = await db.query<{ source: string }>(
        `select e.source from public.events e where e.workspace_id = $1 and e.type = 'messaged' and tessera.root_of(e.workspace_id, e.profile_id) = $2`,
        [workspaceId, amara?.id],
      );
      assert.equal(messaged?.source, 'social_import');
    });

    it('refuses a file that is no export it knows, naming what it expected', async () => {
      const file = join(scratch, 'products.csv');
      writeFileSync(file, 'Handle,Title,Vendor\nsourdough-kit,Sourdough Starter Kit,Hearth & Grain\n');
      await assert.rejects(importFile(file), /not one Tessera knows how to import from shopify \(it has columns Handle, Title, Vendor\)\. Expected Shopify customer export \(CSV\) or Shopify order export \(CSV\)/);
    });
  });
}
