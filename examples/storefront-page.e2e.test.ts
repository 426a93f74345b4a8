// The storefront script as a theme really loads it: one <script type="module">
// naming tessera.min.js with Shopify's cache-busting query (?v=…), elements
// under a store's own prefix, and the non-card elements fetched from beside
// it on demand — against `tessera serve --demo`, in headless Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { serveDemo, type RunningDemo } from './serve-demo.ts';

describe('storefront script on a theme page', () => {
  let demo: RunningDemo;
  let page: Page;
  const requested: string[] = [];
  const errors: string[] = [];
  let person: { id: string; display_name: string };

  before(async () => {
    demo = await serveDemo();
    const session = await demo.session();
    // Someone with a churn score, so the gauge has a risk to show.
    for (const candidate of await demo.rpc('search_profiles', { query: 'a', limit: 20 })) {
      if (await demo.rpc('get_churn', { profile_id: candidate.id })) {
        person = candidate;
        break;
      }
    }
    page = await demo.browser.newPage();
    page.on('request', (request) => requested.push(new URL(request.url()).pathname + new URL(request.url()).search));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.route(`${demo.url}/theme/account.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><body>
<script type="module" src="/packages/elements/dist/tessera.min.js?v=1732512345"></script>
<script type="module">
  Tessera.configure(${JSON.stringify({ url: session.url, key: session.key, accessToken: session.accessToken })});
  Tessera.define('acme');
</script>
<acme-customer-card profile-id="${person.id}"></acme-customer-card>
<acme-churn-gauge profile-id="${person.id}"></acme-churn-gauge>
<churn-gauge profile-id="${person.id}"></churn-gauge>
</body></html>`,
      }),
    );
    await page.goto(`${demo.url}/theme/account.html`);
  });

  after(async () => demo?.stop());

  it('renders prefixed and plain elements, the gauge fetched from beside the script only because it is on the page', async () => {
    await page.locator('acme-customer-card [part~="name"]').waitFor({ timeout: 15_000 });
    assert.equal((await page.locator('acme-customer-card [part~="name"]').textContent())?.trim(), person.display_name);
    for (const tag of ['acme-churn-gauge', 'churn-gauge']) {
      await page.locator(`${tag} [role="meter"]`).waitFor({ timeout: 15_000 });
      assert.match((await page.locator(`${tag} [role="meter"]`).getAttribute('aria-valuetext')) ?? '', /churn risk: (< 1|> 99|\d+)%/i);
      assert.ok(await page.evaluate((name) => customElements.get(name) !== undefined, tag), `<${tag}> was never defined`);
    }
    const chunks = requested.filter((path) => path.startsWith('/packages/elements/dist/'));
    assert.ok(chunks.some((path) => /tessera-churn-gauge-[\w-]+\.js$/.test(path)), `the gauge chunk was not fetched: ${chunks.join(', ')}`);
    for (const absent of ['journey-timeline', 'segment-builder', 'workspace-overview', 'tessera-chart', 'tessera-segments']) {
      assert.ok(!chunks.some((path) => path.includes(absent)), `${absent} was fetched though nothing on the page uses it`);
    }
    assert.deepEqual(errors, []);
  });

  it('loads one copy of everything: the entry once (with its query), the base chunk once, never the entry without its query', async () => {
    const entries = requested.filter((path) => path.includes('/tessera.min.js'));
    assert.deepEqual(entries, ['/packages/elements/dist/tessera.min.js?v=1732512345']);
    assert.equal(requested.filter((path) => /tessera-base-[\w-]+\.js/.test(path)).length, 1);
    // One Lit: a second copy would register its own elements' base class and break `instanceof`.
    assert.equal(await page.evaluate(() => (globalThis as any).litElementVersions?.length ?? 0), 1);
  });
});
