// End to end, as staff meet it: `tessera serve --demo` (built CLI, PGlite),
// the dashboard example in headless Chromium. The overview shows the customer
// count the API gives the same session; opening a customer by its route shows
// their card.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'];

describe('dashboard example against tessera serve', () => {
  let server: ChildProcess;
  let url: string;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  /** Calls an RPC function as the dashboard's own staff session. */
  async function rpc(fn: string, args: object) {
    const session = await (await fetch(`${url}/demo/session`)).json();
    const response = await fetch(`${url}/rest/v1/rpc/${fn}`, {
      method: 'POST',
      headers: { apikey: session.key, authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    assert.equal(response.status, 200, `${fn}: ${response.status}`);
    return response.json();
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
    server = spawn(process.execPath, ['packages/backend/bin/tessera.js', 'serve', '--demo', '--port', '0', '--customers', '40', '--data-dir', dataDir], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: '', SHOPIFY_WEBHOOK_SECRET: '', JWT_SECRET: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /Tessera is running at (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${output}`)));
    });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => errors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((resolve) => (server?.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the overview shows as many customers as the API counts for the same session', async () => {
    await page.goto(`${url}/examples/dashboard/`);
    // No hash: the dashboard opens on the overview, and its nav says so.
    await page.waitForURL(/#\/overview$/);
    assert.equal(await page.locator('.nav a[aria-current="page"]').textContent(), 'Overview');

    const customers = page.locator('workspace-overview [data-tile="customers"] dd').first();
    await customers.waitFor({ timeout: 15_000 });
    const overview = await rpc('workspace_overview', {});
    assert.ok(overview.customers.total >= 40, `the demo has ${overview.customers.total} customers`);
    assert.equal((await customers.textContent())!.trim(), new Intl.NumberFormat('en-US').format(overview.customers.total));
    assert.deepEqual(errors, []);
  });

  it('a customer’s route shows their card, and the nav follows', async () => {
    const [someone] = await rpc('search_profiles', { query: 'a', limit: 1 });
    assert.ok(someone?.id, 'the demo store has a customer to open');
    await page.goto(`${url}/examples/dashboard/#/customers/${someone.id}`);
    const name = page.locator('customer-card [part~="name"]');
    await name.waitFor({ timeout: 15_000 });
    const profile = await rpc('get_profile', { profile_id: someone.id });
    assert.equal((await name.textContent())!.trim(), profile.display_name ?? profile.email);
    assert.equal(await page.locator('.nav a[aria-current="page"]').textContent(), 'Customers');
    assert.equal(await page.locator('#view-overview').isHidden(), true);

    // Back to the overview through the nav: the route and the current link change together.
    await page.locator('.nav a[data-route="overview"]').click();
    await page.waitForURL(/#\/overview$/);
    assert.equal(await page.locator('.nav a[aria-current="page"]').textContent(), 'Overview');
    assert.deepEqual(errors, []);
  });
});
