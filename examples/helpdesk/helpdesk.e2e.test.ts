// End to end, as a user meets it: `tessera serve --demo` (built CLI, PGlite),
// the helpdesk example in headless Chromium, a signed Shopify webhook, and the
// card re-rendering with the new name without a reload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { serveDemo, type RunningDemo } from '../serve-demo.ts';

describe('helpdesk example against tessera serve', () => {
  let demo: RunningDemo;
  let url: string;
  let page: Page;

  before(async () => {
    demo = await serveDemo();
    url = demo.url;
    page = await demo.browser.newPage();
  });

  after(async () => demo?.stop());

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
    const email = new URL(page.url()).searchParams.get('email')!;
    const rpc = demo.rpc;
    const profileId = await rpc('resolve_profile', { kind: 'email', value: email });
    const profile = await rpc('get_profile', { profile_id: profileId });
    const shopifyId = profile.identities.find((i: { kind: string }) => i.kind === 'shopify_customer').value;

    // Record when the card re-renders, in the page's own clock (the same machine clock as ours).
    await page.evaluate(() => {
      const card = document.querySelector('customer-card')!;
      card.addEventListener('tessera-profile-change', () => ((window as any).changedAt = Date.now()));
    });

    const sentAt = Date.now();
    const response = await demo.shopifyWebhook('customers/update', { id: Number(shopifyId), admin_graphql_api_id: `gid://shopify/Customer/${shopifyId}`, first_name: 'Robin', updated_at: new Date().toISOString() });
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
