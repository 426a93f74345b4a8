// What a storefront page pays for a <customer-card>: gzipped bytes of the
// files it loads before first render (tessera.min.js and its static imports)
// against the 30 KB budget and against Segment's analytics.js (~29 KB gz,
// its published size), what loads later and when, and the time to a rendered
// card in headless Chromium against `tessera serve --demo`: on a first visit,
// on a repeat visit (HTTP cache + IndexedDB), and offline from IndexedDB.
//   npm run build && node --conditions=source --import tsx bench/bundles.ts
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { serveDemo } from '../examples/serve-demo.ts';
import { firstRenderFiles } from '../packages/elements/storefront-files.ts';

const root = new URL('../', import.meta.url);
const dist = new URL('packages/elements/dist/', root);
const gz = (file: URL) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function bundleSizes() {
  const first = firstRenderFiles();
  const firstBytes = first.reduce((sum, f) => sum + gz(new URL(f, dist)), 0);
  const rows: [string, string, string][] = [[first.join(' + '), kb(firstBytes), 'before first render (budget 30.0 KB; Segment analytics.js ~29 KB)']];
  const lazy = readdirSync(dist).filter((f) => f.endsWith('.js') && f.startsWith('tessera-') && !first.includes(f));
  const when = (f: string) =>
    f.includes('realtime') ? 'when something goes live' : f.includes('chart') ? 'when a chart scrolls on screen' : f.includes('segments') ? 'when a segment query is parsed' : 'with the element that needs it';
  for (const f of lazy.sort()) rows.push([f, kb(gz(new URL(f, dist))), when(f)]);
  rows.push(['@tessera/core dist/index.js (for bundlers)', kb(gz(new URL('packages/core/dist/index.js', root))), 'ESM, dependencies external']);
  rows.push(['@tessera/elements dist/index.js (for bundlers)', kb(gz(new URL('index.js', dist))), 'ESM, every element, dependencies external']);
  return { firstBytes, rows };
}

async function firstRender() {
  const demo = await serveDemo();
  const { url } = demo;
  try {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    const session = await demo.session();
    const [someone] = await demo.rpc('search_profiles', { query: 'a', limit: 1 });
    // A page of the demo's own origin (IndexedDB is per origin) that records when the card first shows data.
    await page.route(`${url}/bench/card.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><body>
<script type="module" src="/packages/elements/dist/tessera.min.js"></script>
<script type="module">
  Tessera.configure(${JSON.stringify({ url: session.url, key: session.key, accessToken: session.accessToken })});
  const card = document.createElement('customer-card');
  card.addEventListener('tessera-profile-load', (e) => { window.rendered ??= { at: performance.now(), source: e.detail.source }; }, { once: true });
  card.setAttribute('profile-id', ${JSON.stringify(someone.id)});
  document.body.append(card);
</script></body></html>`,
      }),
    );
    const visit = async () => {
      await page.goto(`${url}/bench/card.html`);
      const rendered = await page.waitForFunction(() => (window as any).rendered, undefined, { timeout: 20_000 });
      return (await rendered.jsonValue()) as { at: number; source: string };
    };
    const samples = { first: [] as number[], repeat: [] as number[], offline: [] as number[] };
    samples.first.push((await visit()).at);
    for (let i = 0; i < 10; i++) samples.repeat.push((await visit()).at);
    // Offline: the backend is unreachable (requests to it fail), scripts come from the HTTP cache.
    await page.route(`${url}/rest/v1/**`, (route) => route.abort('internetdisconnected'));
    await page.route(`${url}/realtime/**`, (route) => route.abort('internetdisconnected'));
    for (let i = 0; i < 10; i++) {
      const r = await visit();
      if (r.source !== 'cache') throw new Error(`offline render came from ${r.source}, not the cache`);
      samples.offline.push(r.at);
    }
    return samples;
  } finally {
    await demo.stop();
  }
}

export async function bundlesBench() {
  const { rows } = bundleSizes();
  console.log('Storefront bundle (gzipped, level 9)');
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [file, size, when] of rows) console.log(`  ${file.padEnd(width)}  ${size.padStart(8)}  ${when}`);
  const samples = await firstRender();
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('\nTime to a rendered <customer-card> (ms after navigation start, headless Chromium, loopback)');
  console.log(`  first visit (nothing cached)                 ${samples.first[0]!.toFixed(0).padStart(5)} ms`);
  console.log(`  repeat visit, median of 10 (cache → card)    ${median(samples.repeat).toFixed(0).padStart(5)} ms`);
  console.log(`  offline, median of 10 (IndexedDB → card)     ${median(samples.offline).toFixed(0).padStart(5)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundlesBench();
  process.exit(0);
}
