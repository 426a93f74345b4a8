import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { normaliseKajabi } from '../normalisers/kajabi.ts';
import { NormalisedRecord } from '../normalisers/record.ts';
import { handleKajabiWebhook } from '../webhooks/kajabi.ts';
import { detectFormat } from './formats/index.ts';
import { runImport, type ImportOptions } from './run-import.ts';

const KAJABI_TOKEN = 'Yb7Qm2Vx9Lr4Tn8Kc1Wd6Hs3Jf0Pg5Za2Ue7Ri4Oy9M';
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
// Why the fixtures' bad rows are refused, in file order.
const REJECTED_CONTACTS = [
  /^Email "noah\.williams@@gmail" is not an email address$/,
  /^The row has no ID, email or phone, so it cannot be tied to a person$/,
  /^ID 3\.01448E\+08 was rounded by a spreadsheet/,
  /^Created At "3\/14\/2026 9:05" is not a time in Kajabi's export format/,
];
const REJECTED_PAYMENTS = [
  /^Email "sofia\.garcia@outlook" is not an email address$/,
  /^The row has no transaction ID/,
  /^Created At "4\/24\/2026 14:03" is not a time in Kajabi's export format/,
];
const webhookBody = (name: string) => readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8');

for (const target of testDatabases()) {
  describe(`tessera import kajabi → profiles (${target.name})`, () => {
    let db: Database;
    let workspaceId: string;
    const importFile = (file: string, options: Partial<ImportOptions> = {}) =>
      runImport({ db, workspaceId, source: 'kajabi', file, exportedAt: '2026-05-20T08:00:00Z', ...options });

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
                  (select count(*)::int from public.traits where workspace_id = $1) as traits,
                  (select count(*)::int from public.profiles where workspace_id = $1 and merged_into is null) as people,
                  (select coalesce(sum(lifetime_revenue), 0)::text from public.profiles where workspace_id = $1 and merged_into is null) as revenue`,
          [workspaceId],
        )
      )[0]!;

    /**
     * What the processor does with pending Kajabi webhook deliveries (the
     * normalisers/index.ts route): each through normaliseKajabi and
     * ingest_raw_event, as webhooks/kajabi.test.ts does.
     */
    async function processPendingWebhooks() {
      const rows = await db.query<Record<string, any>>(
        `select id, topic, headers, body, to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as received_at
           from public.raw_events where workspace_id = $1 and source = 'kajabi' and status = 'pending' order by id`,
        [workspaceId],
      );
      for (const row of rows) {
        const body = JSON.parse(Buffer.from(row.body).toString('utf8'));
        const result = normaliseKajabi({ source: 'kajabi', topic: row.topic, headers: row.headers, body, triggeredAt: null, receivedAt: row.received_at });
        assert.equal(result.kind, 'record');
        const outcome = { kind: 'record', record: NormalisedRecord.parse((result as { record: unknown }).record) };
        await db.query('select public.ingest_raw_event($1, $2, $3::jsonb)', [workspaceId, row.id, JSON.stringify(outcome)]);
      }
    }
    const deliverWebhook = async (name: string) => {
      const context = { findConnection: createConnectionRegistry(db, { workspaceId, secrets: { kajabi: KAJABI_TOKEN } }), log: createRawEventLog(db), onAccepted: () => {} };
      const request = new Request(`http://localhost/webhooks/kajabi/${KAJABI_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Kajabi-Webhooks' },
        body: webhookBody(name),
      });
      const response = await handleKajabiWebhook(request, context, KAJABI_TOKEN);
      await processPendingWebhooks();
      return response.status;
    };

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth-and-grain', name: 'Hearth & Grain' });
    });
    after(() => db?.close());

    it('tells the two exports apart by their header', () => {
      const people = readFileSync(fixture('kajabi-people.csv'), 'utf8').split(/\r?\n/)[0]!.split(',');
      const purchases = readFileSync(fixture('kajabi-purchases.csv'), 'utf8').split(/\r?\n/)[0]!.split(',');
      assert.equal(detectFormat('kajabi', 'csv', people).name, 'kajabi-people-csv');
      assert.equal(detectFormat('kajabi', 'csv', purchases).name, 'kajabi-purchases-csv');
      assert.throws(() => detectFormat('kajabi', 'csv', ['Handle', 'Title', 'Vendor']), /Expected Kajabi contacts export \(CSV\) or Kajabi transactions export \(CSV\)/);
    });

    it('imports the contacts export: counts, rejections by line with their reasons, one profile per contact', async () => {
      const report = await importFile(fixture('kajabi-people.csv'));
      assert.deepEqual(
        { format: report.format, rows: report.rows, accepted: report.accepted, rejected: report.rejected, duplicates: report.duplicates, profiles: report.profilesCreated, merged: report.merged },
        { format: 'kajabi-people-csv', rows: 15, accepted: 11, rejected: 4, duplicates: 0, profiles: 11, merged: 0 },
      );
      assert.deepEqual(report.rejections.map((r) => r.line), [7, 8, 9, 13]);
      for (const [rejection, reason] of report.rejections.map((r, i) => [r.reason, REJECTED_CONTACTS[i]!] as const)) assert.match(rejection, reason);

      const amara = await person('kajabi_member', '301447782');
      assert.equal(amara?.display_name, 'Amara Okafor');
      assert.equal(amara?.phone, '+14165550142');
      assert.equal((await person('email', 'amara.okafor@example.com'))?.id, amara?.id);
      // Customer since her Created At, not since the import.
      assert.equal(new Date(amara?.first_seen_at).toISOString(), '2026-03-28T16:12:44.000Z');
      const [tag] = await db.query<{ value: unknown; source: string }>(
        `select value, source from public.traits where workspace_id = $1 and profile_id = $2 and name = 'kajabi_tag_sourdough_club'`,
        [workspaceId, amara?.id],
      );
      assert.deepEqual(tag, { value: { tag: 'Sourdough Club', tag_id: null, tagged: true }, source: 'kajabi' });
      // An address with its letters in any case is one person.
      assert.equal((await person('email', 'zoe.nguyen@icloud.com'))?.display_name, 'Zoe Nguyen');
    });

    it('keeps every row as a raw event under kajabi / import/people-csv, named by line, the rejected ones in the dead-letter', async () => {
      const rows = await db.query<{ status: string; error: string | null; headers: Record<string, string>; body: Uint8Array }>(
        `select status, error, headers, body from public.raw_events where workspace_id = $1 and source = 'kajabi' and topic = 'import/people-csv'
          order by (headers ->> 'x-tessera-line')::int`,
        [workspaceId],
      );
      assert.equal(rows.length, 15);
      const chloe = rows.find((r) => r.headers['x-tessera-line'] === '5')!;
      assert.equal(chloe.headers['x-tessera-last-line'], '6');
      assert.equal(JSON.parse(Buffer.from(chloe.body).toString('utf8'))['What are you baking this month? (custom_1)'], "Pain au levain.\nMaybe croissants if I'm brave.");
      assert.deepEqual(rows.filter((r) => r.status === 'failed').map((r) => r.headers['x-tessera-line']), ['7', '8', '9', '13']);
      assert.equal(rows.filter((r) => r.status === 'processed').length, 11);
    });

    it('running the contacts export again adds nothing', async () => {
      const before = await totals();
      const report = await importFile(fixture('kajabi-people.csv'));
      assert.deepEqual(
        { accepted: report.accepted, rejected: report.rejected, duplicates: report.duplicates, previouslyRejected: report.previouslyRejected, profiles: report.profilesCreated },
        { accepted: 0, rejected: 0, duplicates: 15, previouslyRejected: 4, profiles: 0 },
      );
      assert.deepEqual(await totals(), before);
    });

    it('imports the transactions export: revenue from money that moved, refunds taken back, failures worth nothing', async () => {
      const report = await importFile(fixture('kajabi-purchases.csv'));
      assert.deepEqual(
        { format: report.format, rows: report.rows, accepted: report.accepted, rejected: report.rejected, merged: report.merged },
        { format: 'kajabi-purchases-csv', rows: 15, accepted: 12, rejected: 3, merged: 0 },
      );
      assert.deepEqual(report.rejections.map((r) => r.line), [13, 14, 15]);
      for (const [rejection, reason] of report.rejections.map((r, i) => [r.reason, REJECTED_PAYMENTS[i]!] as const)) assert.match(rejection, reason);
      // Payments join the contacts by email: the one new person is Fatima, whose contact row was refused.
      assert.equal(report.profilesCreated, 1);
      const revenue = async (email: string) => {
        const p = await person('email', email);
        return [p?.lifetime_revenue, p?.currency];
      };
      assert.deepEqual(await revenue('amara.okafor@example.com'), ['197.00', 'USD']);
      assert.deepEqual(await revenue('liam.smith@gmail.com'), ['87.00', 'USD']); // three monthly charges; the declined one is worth nothing
      assert.deepEqual(await revenue('mateo.rossi@yahoo.com'), ['0.00', 'USD']); // bought, then refunded
      assert.deepEqual(await revenue('ingrid.johansson@gmail.com'), ['298.00', 'GBP']); // two instalments of a payment plan
      assert.deepEqual(await revenue('fatima.haddad@gmail.com'), ['1497.00', 'USD']); // "1,497.00"; her contact row was refused, the payment still lands
      assert.deepEqual(await revenue('mei.chen@outlook.com'), ['12000.00', 'JPY']);
      const [declined] = await db.query<{ type: string; revenue: string | null }>(
        `select type, revenue from public.events where workspace_id = $1 and external_id = 'kajabi:payment:5530981790'`,
        [workspaceId],
      );
      assert.deepEqual(declined, { type: 'payment_failed', revenue: null });
      // The phone on her payment is the one the contacts export has: still one person.
      assert.equal((await person('phone', '+442079460321'))?.id, (await person('kajabi_member', '301447833'))?.id);
    });

    it('running the transactions export again adds nothing', async () => {
      const before = await totals();
      const report = await importFile(fixture('kajabi-purchases.csv'));
      assert.deepEqual({ accepted: report.accepted, duplicates: report.duplicates, previouslyRejected: report.previouslyRejected }, { accepted: 0, duplicates: 15, previouslyRejected: 3 });
      assert.deepEqual(await totals(), before);
    });

    it('a payment imported from the export and delivered again by webhook (either kind) counts its money once', async () => {
      const before = await person('kajabi_member', '301447782');
      assert.equal(before?.lifetime_revenue, '197.00');
      assert.equal(await deliverWebhook('kajabi-hook-payment-succeeded'), 200);
      assert.equal(await deliverWebhook('kajabi-payment-succeeded'), 200);
      const delivered = await db.query<{ status: string }>(
        `select status from public.raw_events where workspace_id = $1 and source = 'kajabi' and topic = 'payment_succeeded'`,
        [workspaceId],
      );
      assert.deepEqual(delivered.map((d) => d.status), ['processed', 'processed']);
      const [events] = await db.query<{ n: number }>(`select count(*)::int as n from public.events where workspace_id = $1 and external_id = 'kajabi:payment:5530981274'`, [
        workspaceId,
      ]);
      assert.equal(events!.n, 1);
      const after = await person('kajabi_member', '301447782');
      assert.equal(after?.id, before?.id);
      assert.equal(after?.lifetime_revenue, '197.00');
    });

    it('a Kajabi contact and a Shopify customer with the same email are one profile', async () => {
      const report = await runImport({ db, workspaceId, source: 'shopify', file: fixture('shopify-customers.csv'), shop: 'hearth-and-grain.myshopify.com', exportedAt: '2026-05-20T08:00:00Z' });
      assert.equal(report.accepted, 16);
      for (const [shopifyId, kajabiContact] of [
        ['7241900311752', '301447782'], // Amara
        ['7241900311753', '301447790'], // Liam
        ['7241900311766', '301447871'], // Zoe: Zoe.Nguyen@iCloud.com in Kajabi
      ] as const) {
        const fromShopify = await person('shopify_customer', shopifyId);
        assert.ok(fromShopify, shopifyId);
        assert.equal(fromShopify.id, (await person('kajabi_member', kajabiContact))?.id, `${shopifyId} / ${kajabiContact}`);
      }
      const amara = await person('shopify_customer', '7241900311752');
      assert.equal(amara?.lifetime_revenue, '197.00'); // her Kajabi payment, counted once
      const [kinds] = await db.query<{ kinds: string[] }>(
        `select array_agg(distinct kind order by kind) as kinds from public.identities where workspace_id = $1 and tessera.root_of(workspace_id, profile_id) = $2`,
        [workspaceId, amara?.id],
      );
      assert.deepEqual(kinds!.kinds, ['email', 'kajabi_member', 'phone', 'shopify_customer']);
    });
  });
}
