import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { migrate } from '../db/migrate.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { csvCell, segmentCommand } from './cli.ts';
import { rebuildProfileFacts } from './membership.ts';

describe('CSV cells', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('Okafor, Amara'), '"Okafor, Amara"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("http://evil.example","x")'), `"'=HYPERLINK(""http://evil.example"",""x"")"`);
    assert.equal(csvCell('+1 555'), "'+1 555");
    assert.equal(csvCell('-42.5'), '-42.5');
    assert.equal(csvCell(null), '');
  });
});

describe('tessera segment (PGlite data directory)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-segment-cli-'));
  const run = async (args: string[]) => {
    const out: string[] = [];
    await segmentCommand([...args, '--data-dir', dataDir], (text) => out.push(text));
    return out;
  };
  before(async () => {
    delete process.env.DATABASE_URL;
    const db = await openConfiguredDatabase(loadConfig(dataDir));
    await migrate(db);
    const ws = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth' });
    for (const [email, name, amount] of [['ana@x.example', 'Ana, the "baker"', 320], ['bo@x.example', '=cmd|calc', 40]] as const) {
      await db.query(`select tessera.apply_record($1, 'shopify', $2::jsonb, null)`, [ws, JSON.stringify({
        observed_at: '2026-10-01T00:00:00Z', identities: [{ kind: 'email', value: email }], traits: [{ name: 'first_name', value: name }],
        events: [{ external_id: `o:${email}`, type: 'order_placed', occurred_at: '2026-10-01T00:00:00Z', revenue: amount, currency: 'USD' }], unrecognised: [],
      })]);
    }
    await rebuildProfileFacts(db, ws);
    await db.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('previews, saves and exports a segment as spreadsheet-safe CSV', async () => {
    const preview = JSON.parse((await run(['preview', 'amount_spent >= 40'])).join('\n'));
    assert.equal(preview.count, 2);
    await run(['save', 'Everyone', 'amount_spent >= 40']);
    const csv = await run(['export', 'Everyone']);
    assert.equal(csv[0], 'id,display_name,email,phone,lifetime_revenue,currency,churn_risk,churn_band,stage,entered_at');
    assert.equal(csv.length, 3);
    assert.ok(csv.some((line) => line.includes(`"Ana, the ""baker"""`)), csv.join('\n'));
    assert.ok(csv.some((line) => line.includes(`'=cmd|calc`)), csv.join('\n'));
  });

  it('points at the mistake in a query', async () => {
    await assert.rejects(run(['preview', 'amount_spent > lots']), /column 16[\s\S]*\n {17}\^/);
  });
});
