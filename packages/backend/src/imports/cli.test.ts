import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { importCommand } from './cli.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-import-cli-'));
// The command's own database: PGlite in the data directory, whatever the environment says.
const databaseUrl = process.env.DATABASE_URL;
delete process.env.DATABASE_URL;
after(() => {
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tessera import <source> <file>', () => {
  it('imports into the local data directory, detecting the format, and prints the report with rejections by line', async () => {
    const printed: string[] = [];
    const progress: string[] = [];
    const report = await importCommand({
      source: 'shopify',
      file: fixture('shopify-orders.csv'),
      dataDir,
      shop: 'Hearth-and-Grain.myshopify.com',
      progress: { isTTY: false, write: (text: string) => progress.push(text) },
      print: (text) => printed.push(text),
    });
    assert.equal(report.format, 'shopify-orders-csv');
    assert.equal(report.accepted, 7);
    const [text] = printed;
    assert.match(text!, /^Imported shopify-orders\.csv \(Shopify order export \(CSV\)\) in [\d.]+ s, [\d,]+ rows\/s$/m);
    assert.match(text!, /^ {2}rows read\s+16 {2}\(as 9 records\)$/m);
    assert.match(text!, /^ {4}lines 13–14: Order #1047 has no Id/m);
    assert.match(text!, /^ {4}line 15: Order #1048 Created at "4\/28\/2026 14:03"/m);
    // Five buyers (Amara twice); Priya's two orders share a phone, so they are one person from the start.
    assert.match(text!, /^ {2}profiles created\s+5$/m);
    assert.match(progress[0]!, /^shopify-orders\.csv: \d+% read, /);
  });

  it('a second run in the same workspace adds nothing', async () => {
    const report = await importCommand({ source: 'shopify', file: fixture('shopify-orders.csv'), dataDir, progress: { write: () => {} }, print: () => {} });
    assert.deepEqual({ accepted: report.accepted, duplicates: report.duplicates }, { accepted: 0, duplicates: 9 });
  });

  it('takes the workspace by slug, and refuses one that is not there', async () => {
    const quiet = { progress: { write: () => {} }, print: () => {} };
    const again = await importCommand({ source: 'shopify', file: fixture('shopify-orders.csv'), dataDir, workspace: 'default', ...quiet });
    assert.equal(again.duplicates, 9);
    await assert.rejects(importCommand({ source: 'shopify', file: fixture('shopify-orders.csv'), dataDir, workspace: 'acme', ...quiet }), /No workspace "acme" here; there are: default/);
  });

  it('says what is wrong before touching the database', async () => {
    await assert.rejects(importCommand({ source: 'etsy', file: fixture('shopify-orders.csv'), dataDir }), /Nothing to import from "etsy": the sources with import formats are shopify/);
    await assert.rejects(importCommand({ source: 'shopify', file: fixture('shopify-orders.csv'), format: 'orders', dataDir }), /Unknown shopify format "orders": use one of shopify-customers-csv/);
    await assert.rejects(importCommand({ source: 'shopify', file: join(dataDir, 'missing.csv'), dataDir }), /No file .*missing\.csv/);
  });
});
