// The partner script as a partner runs it: a child process with the service
// key against `tessera serve --demo`, pages of 3 to exercise the keyset
// pagination; its CSV must hold exactly the high-risk members the API reports
// for the same query, with the same figures.
import { createTessera, type Tessera } from '@tessera/core';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CSV_HEADER, csvLine } from './export-at-risk.ts';

const repo = new URL('../../', import.meta.url);
const script = new URL('./export-at-risk.ts', import.meta.url).pathname;

/** RFC 4180 CSV, enough to read back what csvLine writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'the file ends with a complete line');
  return rows;
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], { cwd: repo.pathname, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('export-at-risk.ts', () => {
  it('defuses cells a spreadsheet would run as formulas, and quotes what CSV needs quoted', () => {
    assert.equal(csvLine(['=HYPERLINK("https://evil.example","click")', '+1 555', '-2+3', '@SUM(A1)', '\tx']), `"'=HYPERLINK(""https://evil.example"",""click"")",'+1 555,'-2+3,'@SUM(A1),'\tx\r\n`);
    assert.equal(csvLine(['Okafor, Amara', 'line\nbreak', -12.5, null, 0.25]), '"Okafor, Amara","line\nbreak",-12.5,,0.25\r\n');
    assert.deepEqual(parseCsv(csvLine(['a "quoted" name', '=1+1'])), [['a "quoted" name', "'=1+1"]]);
  });

  describe('against tessera serve --demo', () => {
    let server: ChildProcess;
    let url: string;
    let serviceKey: string;
    let dataDir: string;
    let tessera: Tessera;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tessera-export-'));
      server = spawn(process.execPath, ['packages/backend/bin/tessera.js', 'serve', '--demo', '--port', '0', '--customers', '40', '--data-dir', dataDir], {
        cwd: repo.pathname,
        env: { ...process.env, DATABASE_URL: '', SHOPIFY_WEBHOOK_SECRET: '', JWT_SECRET: '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      [url, serviceKey] = await new Promise<[string, string]>((resolve, reject) => {
        let output = '';
        server.stdout!.on('data', (chunk) => {
          output += chunk;
          const running = /Tessera is running at (http:\/\/\S+)/.exec(output);
          const key = /service_role key:\s+(\S+)/.exec(output);
          if (running && key) resolve([running[1]!, key[1]!]);
        });
        server.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${output}`)));
      });
      tessera = createTessera({ url, key: serviceKey, cache: false });
    });

    after(async () => {
      server?.kill('SIGTERM');
      await new Promise((resolve) => (server?.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('writes exactly the high-risk members of the segment, page after page, with their figures', async () => {
      const out = join(dataDir, 'at-risk.csv');
      const result = await run(['--segment', 'Paying customers', '--query', 'amount_spent > 0', '--page-size', '3', '--out', out], {
        TESSERA_URL: url,
        TESSERA_SERVICE_KEY: serviceKey,
      });
      assert.equal(result.code, 0, result.stderr);
      const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
      assert.deepEqual(header, [...CSV_HEADER]);

      // The same people, asked of the API directly: the query narrowed to the high band.
      const expected = await tessera.segments.preview("amount_spent > 0 AND churn_band = 'high'", { limit: 100 });
      assert.ok(expected.count > 3, `enough high-risk customers to need several pages: ${expected.count}`);
      assert.ok(expected.count <= 100, 'the preview holds every one of them');
      assert.deepEqual(rows.map((r) => r[0]).sort(), expected.sample.map((p) => p.email).sort());
      assert.match(result.stderr, new RegExp(`Exported ${expected.count} high-risk member`));

      for (const [email, name, risk, revenue, currency, lastOrder] of rows) {
        const id = (await tessera.profiles.resolve({ email: email! }))!;
        const profile = (await tessera.profiles.get(id))!;
        assert.equal(name, profile.display_name);
        assert.equal(Number(risk), profile.churn!.risk);
        assert.equal(profile.churn!.band, 'high');
        assert.equal(Number(revenue), profile.lifetime_revenue);
        assert.equal(currency, profile.currency ?? '');
        // The last order, from the whole journey (not the filtered read the script makes).
        let newest: string | undefined;
        for await (const event of tessera.journeys.paginate(id)) {
          if (event.type === 'order_placed' && (!newest || event.occurred_at > newest)) newest = event.occurred_at;
        }
        assert.equal(lastOrder, newest ?? '', `last order of ${email}`);
      }
    });

    it('exits non-zero with a message a person can act on', async () => {
      const unknown = await run(['--segment', 'Lapsed VIPs'], { TESSERA_URL: url, TESSERA_SERVICE_KEY: serviceKey });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No saved segment is named "Lapsed VIPs"\. Saved segments: .*"Paying customers"/);

      const badQuery = await run(['--segment', 'Typo', '--query', 'amount_spnt > 100'], { TESSERA_URL: url, TESSERA_SERVICE_KEY: serviceKey });
      assert.equal(badQuery.code, 1);
      assert.match(badQuery.stderr, /amount_spnt.*did you mean amount_spent/);

      const badKey = await run(['--segment', 'Paying customers'], { TESSERA_URL: url, TESSERA_SERVICE_KEY: 'not-a-key' });
      assert.equal(badKey.code, 1);
      assert.match(badKey.stderr, /Tessera refused \(unauthorized\)/);

      const noKey = await run(['--segment', 'Paying customers'], { TESSERA_URL: url, TESSERA_SERVICE_KEY: '' });
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /Set TESSERA_URL and TESSERA_SERVICE_KEY/);
    });
  });
});
