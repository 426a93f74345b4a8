// End to end, as a user meets it: `tessera serve --demo` (built CLI, PGlite),
// the helpdesk example in headless Chromium, a signed Shopify webhook, and the
// card re-rendering with the new name without a reload.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeBase64, signHmacSha256 } from '../../packages/backend/src/webhooks/hmac.ts';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'];

describe('helpdesk example against tessera serve', () => {
  let server: ChildProcess;
  let url: string;
  let dataDir: string;
  let browser: Browser;
  let page: Page;

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
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((resolve) => (server?.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the requester’s card and updates it live when a signed customers/update arrives', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/examples/helpdesk/`);

    const name = page.locator('customer-card [part~="name"]');
    await name.waitFor({ timeout: 15_000 });
    const before = (await name.textContent())!.trim();
    assert.ok(before.length > 0, 'the card shows a name');
    // The card says when it is live; only then does a change travel the realtime path.
    await page.locator('customer-card [part~="live-indicator"][data-live="true"]').waitFor({ timeout: 10_000 });

    // The requester's Shopify customer id, read through the API as the page's staff session.
    const session = await (await fetch(`${url}/demo/session`)).json();
    const email = new URL(page.url()).searchParams.get('email')!;
    const rpc = async (fn: string, args: object) =>
      (
        await fetch(`${url}/rest/v1/rpc/${fn}`, {
          method: 'POST',
          headers: { apikey: session.key, authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(args),
        })
      ).json();
    const profileId = await rpc('resolve_profile', { kind: 'email', value: email });
    const profile = await rpc('get_profile', { profile_id: profileId });
    const shopifyId = profile.identities.find((i: { kind: string }) => i.kind === 'shopify_customer').value;

    // Record when the card re-renders, in the page's own clock (the same machine clock as ours).
    await page.evaluate(() => {
      const card = document.querySelector('customer-card')!;
      card.addEventListener('tessera-profile-change', () => ((window as any).changedAt = Date.now()));
    });

    const secret = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).shopifyWebhookSecret;
    const body = JSON.stringify({ id: Number(shopifyId), admin_graphql_api_id: `gid://shopify/Customer/${shopifyId}`, first_name: 'Robin', updated_at: new Date().toISOString() });
    const sentAt = Date.now();
    const response = await fetch(`${url}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'customers/update',
        'x-shopify-shop-domain': 'hearth-and-grain.myshopify.com',
        'x-shopify-event-id': `e2e-${sentAt}`,
        'x-shopify-triggered-at': new Date().toISOString(),
        'x-shopify-hmac-sha256': encodeBase64(await signHmacSha256(secret, body)),
      },
      body,
    });
    assert.equal(response.status, 200);

    await page.waitForFunction(() => (window as any).changedAt, null, { timeout: 10_000 });
    const after = (await name.textContent())!.trim();
    assert.match(after, /^Robin /);
    assert.notEqual(after, before);
    const latency = (await page.evaluate(() => (window as any).changedAt)) - sentAt;
    console.log(`webhook POST → card re-rendered: ${latency} ms`);
    assert.deepEqual(errors, []);
  });
});
