// End to end, as staff meet it: `tessera serve --demo` (built CLI, PGlite),
// the dashboard example in headless Chromium. The overview shows the figures
// the API gives the same session; a saved segment lists its members and
// opening one shows their 360° view; the search finds a customer by name;
// writing a query shows a live count; a signed webhook changes the open card.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { serveDemo, type RunningDemo } from '../serve-demo.ts';

describe('dashboard example against tessera serve', () => {
  let demo: RunningDemo;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    demo = await serveDemo();
    page = await demo.browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  });

  after(async () => demo?.stop());

  it('the overview shows as many customers as the API counts for the same session', async () => {
    await page.goto(`${demo.url}/examples/dashboard/`);
    // No hash: the dashboard opens on the overview, and its nav says so.
    await page.waitForURL(/#\/overview$/);
    assert.equal(await page.locator('.nav a[aria-current="page"]').textContent(), 'Overview');

    const customers = page.locator('workspace-overview [data-tile="customers"] dd').first();
    await customers.waitFor({ timeout: 15_000 });
    const overview = await demo.rpc('workspace_overview', {});
    assert.ok(overview.customers.total >= 40, `the demo has ${overview.customers.total} customers`);
    assert.equal((await customers.textContent())!.trim(), new Intl.NumberFormat('en-US').format(overview.customers.total));
    assert.deepEqual(errors, []);
  });

  it('a saved segment lists its members, and a member opens their 360° view', async () => {
    const segments: { id: string; name: string; members: number }[] = await demo.rpc('list_segments', {});
    const segment = segments.find((s) => s.members > 0);
    assert.ok(segment, `the demo saves segments with members: ${JSON.stringify(segments)}`);
    await page.locator('.nav a[data-route="segments"]').click();
    await page.waitForURL(/#\/segments$/);
    const option = page.locator('segment-list [role="option"]', { hasText: segment.name });
    await option.waitFor({ timeout: 15_000 });
    await option.click();

    const members = page.locator('segment-members [part~="member"]');
    await members.first().waitFor({ timeout: 15_000 });
    const expected: { members: { id: string; display_name: string | null }[] } = await demo.rpc('segment_members', { segment_id: segment.id, limit: 50 });
    assert.equal(await members.count(), Math.min(segment.members, 50));
    const first = expected.members[0]!;
    await members.first().click();
    await page.waitForURL(new RegExp(`#/customers/${first.id}$`));
    await page.locator('customer-card [part~="name"]').waitFor({ timeout: 15_000 });
    const profile = await demo.rpc('get_profile', { profile_id: first.id });
    assert.equal((await page.locator('customer-card [part~="name"]').textContent())!.trim(), profile.display_name ?? profile.email);
    await page.locator('journey-timeline [part~="event"]').first().waitFor({ timeout: 15_000 });
    assert.deepEqual(errors, []);
  });

  it('writing a query shows the live count the API gives, and a typo is pointed at', async () => {
    await page.goto(`${demo.url}/examples/dashboard/#/segments`);
    const query = page.locator('segment-builder textarea');
    await query.waitFor({ timeout: 15_000 });
    await query.fill('amount_spent > 50');
    const expected = await demo.rpc('preview_segment', { segment: { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 50 } }, limit: 1 });
    const count = `${new Intl.NumberFormat('en-US').format(expected.count)} ${expected.count === 1 ? 'person' : 'people'}`;
    await page.locator('segment-builder', { hasText: count }).waitFor({ timeout: 15_000 });
    await query.fill('amount_spnt > 50');
    await page.locator('segment-builder', { hasText: 'did you mean amount_spent' }).waitFor({ timeout: 5_000 });
    assert.equal(await query.getAttribute('aria-invalid'), 'true');
  });

  it('the search finds a customer by name and opens them; a signed webhook renames them live', async () => {
    // A Shopify customer with a name, found by their surname as staff would type it.
    const people: { id: string; display_name: string | null }[] = await demo.rpc('search_profiles', { query: 'a', limit: 20 });
    const named = people.filter((p) => p.display_name?.includes(' '));
    let someone: { id: string; display_name: string | null } | undefined;
    let surname = '';
    for (const candidate of named) {
      surname = candidate.display_name!.split(' ').at(-1)!;
      const hits: { id: string }[] = await demo.rpc('search_profiles', { query: surname, limit: 20 });
      const profile = await demo.rpc('get_profile', { profile_id: candidate.id });
      if (hits[0]?.id === candidate.id && profile.identities.some((i: { kind: string }) => i.kind === 'shopify_customer')) {
        someone = candidate;
        break;
      }
    }
    assert.ok(someone, 'the demo store has a Shopify customer whose surname finds them first');
    await page.goto(`${demo.url}/examples/dashboard/#/customers`);
    await page.locator('profile-search input').fill(surname);
    const option = page.locator('profile-search [role="option"]').first();
    await option.waitFor({ timeout: 15_000 });
    await page.locator('profile-search input').press('ArrowDown');
    await page.locator('profile-search input').press('Enter');
    await page.waitForURL(new RegExp(`#/customers/${someone.id}$`));
    const name = page.locator('customer-card [part~="name"]');
    await name.waitFor({ timeout: 15_000 });
    await page.locator('customer-card [part~="live-indicator"][data-live="true"]').waitFor({ timeout: 15_000 });

    // Shopify renames the customer: the open card follows without a reload.
    const profile = await demo.rpc('get_profile', { profile_id: someone.id });
    const shopifyId = profile.identities.find((i: { kind: string }) => i.kind === 'shopify_customer')?.value;
    assert.ok(shopifyId, 'the customer came from Shopify');
    const response = await demo.shopifyWebhook('customers/update', { id: Number(shopifyId), email: profile.email, first_name: 'Robin', last_name: surname, updated_at: new Date().toISOString() });
    assert.equal(response.status, 200, await response.text());
    await page.locator('customer-card [part~="name"]', { hasText: `Robin ${surname}` }).waitFor({ timeout: 15_000 });
    assert.deepEqual(errors, []);
  });
});
