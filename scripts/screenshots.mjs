// Screenshots of every element for the docs (docs/screenshots/*.png), taken
// in headless Chromium against `tessera serve --demo` on a fresh data
// directory, exactly as a page would show them.
//   npm run build && node scripts/screenshots.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('../', import.meta.url);
const out = new URL('docs/screenshots/', root);
mkdirSync(out, { recursive: true });

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shots-'));
const server = spawn(process.execPath, ['packages/backend/bin/tessera.js', 'serve', '--demo', '--port', '0', '--data-dir', dataDir], {
  cwd: root.pathname,
  env: { ...process.env, DATABASE_URL: '', SHOPIFY_WEBHOOK_SECRET: '', JWT_SECRET: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let output = '';
  server.stdout.on('data', (chunk) => {
    output += chunk;
    const match = /Tessera is running at (http:\/\/\S+)/.exec(output);
    if (match) resolve(match[1]);
  });
  server.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${output}`)));
});

const session = await (await fetch(`${url}/demo/session`)).json();
const rpc = async (fn, args) =>
  (await fetch(`${url}/rest/v1/rpc/${fn}`, {
    method: 'POST',
    headers: { apikey: session.key, Authorization: `Bearer ${session.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  })).json();
// A repeat customer with a few sources: the most telling card.
const people = await rpc('search_profiles', { query: 'a', limit: 50 });
let person = people[0];
for (const candidate of people) {
  const profile = await rpc('get_profile', { profile_id: candidate.id });
  if (profile.orders_count >= 3 && new Set(profile.identities.map((i) => i.source)).size >= 2) {
    person = candidate;
    break;
  }
}
const [segment] = await rpc('list_segments', {});

const shots = [
  ['customer-card', `<customer-card profile-id="${person.id}"></customer-card>`, 380],
  ['churn-gauge', `<churn-gauge profile-id="${person.id}"></churn-gauge>`, 380],
  ['journey-timeline', `<journey-timeline profile-id="${person.id}" limit="8"></journey-timeline>`, 640],
  ['workspace-overview', `<workspace-overview></workspace-overview>`, 1000],
  ['profile-search', `<profile-search></profile-search>`, 480, async (page) => {
    await page.locator('profile-search input').fill('ch');
    await page.locator('profile-search [role="option"]').first().waitFor();
  }],
  ['segment-builder', `<segment-builder value="amount_spent > 100 AND last_order_date < -90d" name="Lapsed big spenders"></segment-builder>`, 640, async (page) => {
    await page.waitForFunction(() => /people|person/.test(document.querySelector('segment-builder').shadowRoot.textContent));
  }],
  ['segment-builder-error', `<segment-builder value="amount_spnt > 100 AND has instagram"></segment-builder>`, 640],
  ['segment-list', `<segment-list selected="${segment?.id ?? ''}"></segment-list>`, 360],
  ['segment-members', `<segment-members segment-id="${segment?.id ?? ''}" limit="6"></segment-members>`, 480],
];

// The page is fulfilled by the script (page.route): without a host of its own Chromium would block its websocket to 127.0.0.1.
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-features=LocalNetworkAccessChecks'] });
try {
  for (const theme of ['light', 'dark']) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: theme, deviceScaleFactor: 1 });
    for (const [name, markup, width, prepare] of shots) {
      await page.route(`${url}/shot.html`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html lang="en"><body style="margin:0;padding:16px;background:${theme === 'dark' ? '#0f1115' : '#f4f6fa'}">
<script type="module" src="/packages/elements/dist/tessera.min.js"></script>
<script type="module">Tessera.configure(${JSON.stringify({ url: session.url, key: session.key, accessToken: session.accessToken })});</script>
<div id="shot" style="width:${width}px;padding:8px">${markup}</div></body></html>`,
        }),
      );
      await page.goto(`${url}/shot.html`);
      await page.waitForTimeout(1500);
      if (prepare) await prepare(page);
      await page.waitForTimeout(1200);
      const file = `${name}${theme === 'dark' ? '-dark' : ''}.png`;
      await page.locator('#shot').screenshot({ path: new URL(file, out).pathname });
      console.log(`docs/screenshots/${file}`);
      await page.unroute(`${url}/shot.html`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
