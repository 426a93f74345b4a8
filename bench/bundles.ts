// What a storefront page pays for a <customer-card>: gzipped bytes (level 9)
// of the files it loads before first render (tessera.min.js, an ES module,
// and its static imports), what loads later and when, the packages as
// bundlers get them, and the time to a rendered card in headless Chromium
// against `tessera serve --demo`: on a first visit, on a repeat visit (HTTP
// cache + IndexedDB), and offline from IndexedDB.
//
// Baselines, all read in the same run: the first render against its 30 KB
// budget (storefront-bundle.node.test.ts); the chart.js chunk (bar charts
// only) against chart.js's own chart.umd.min.js, every type registered as
// chart.js/auto would; @tessera/core against supabase-js' ESM entry as npm
// ships it (both unminified, their dependencies external). The realtime
// client, the segment language, the other lazy chunks and @tessera/elements
// have no counterpart to hold them to, so the first-render budget is their
// yardstick: their ratio is how many of them would fit in it.
//   node --conditions=source --import tsx bench/bundles.ts   (needs `npm run build`'s dist folders)
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { serveDemo } from '../examples/serve-demo.ts';
import { firstRenderFiles } from '../packages/elements/storefront-files.ts';
import { record, writeResults } from './results.ts';

const root = new URL('../', import.meta.url);
const dist = new URL('packages/elements/dist/', root);
const coreDist = new URL('packages/core/dist/', root);
const gz = (file: URL) => gzipSync(readFileSync(file), { level: 9 }).length;
const gzAll = (files: string[], folder: URL) => files.reduce((sum, f) => sum + gz(new URL(f, folder)), 0);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const round = (value: number) => Math.round(value * 100) / 100;
const BUDGET = 30 * 1024;

/** The sizes of every built file a page or a bundler gets, with the recorded rows' baselines. */
export function bundleSizes() {
  const first = firstRenderFiles();
  const firstBytes = gzAll(first, dist);
  const rows: [string, string, string][] = [[`${first.join(' + ')} (ES module)`, kb(firstBytes), 'before first render']];
  const lazy = readdirSync(dist).filter((f) => f.endsWith('.js') && f.startsWith('tessera-') && !first.includes(f)).sort();
  const when = (f: string) =>
    f.includes('realtime') ? 'when something goes live' : f.includes('chart') ? 'when a chart scrolls on screen' : f.includes('segments') ? 'when a segment query is parsed' : 'with the element that needs it';
  for (const f of lazy) rows.push([f, kb(gz(new URL(f, dist))), when(f)]);
  const core = firstRenderFiles(coreDist, 'index.js');
  rows.push([`@tessera/core index.js + ${core.length - 1} chunks it imports (for bundlers)`, kb(gzAll(core, coreDist)), 'ESM, dependencies external']);
  rows.push(['@tessera/elements index.js (for bundlers)', kb(gz(new URL('index.js', dist))), 'ESM, every element, dependencies external']);

  // The chart element's loader is a chunk named "chart" too: chart.js is the big one.
  const [chartJs] = lazy.filter((f) => f.startsWith('tessera-chart-')).sort((a, b) => gz(new URL(b, dist)) - gz(new URL(a, dist)));
  const [realtime] = lazy.filter((f) => f.startsWith('tessera-realtime-'));
  const named = [chartJs, realtime, 'tessera-segments.js'];
  const measures = [
    { name: 'storefront first render: tessera.min.js (ES module) + static imports, gzipped', bytes: firstBytes, against: 'budget' },
    {
      name: 'storefront lazy: chart.js chunk (bar charts), gzipped', bytes: gz(new URL(chartJs!, dist)),
      against: ['chart.js dist/chart.umd.min.js (every chart type, as chart.js/auto), gzipped', gz(new URL('node_modules/chart.js/dist/chart.umd.min.js', root))],
    },
    { name: 'storefront lazy: realtime client chunk, gzipped', bytes: gz(new URL(realtime!, dist)), against: 'budget' },
    { name: 'storefront lazy: segment language (tessera-segments.js), gzipped', bytes: gz(new URL('tessera-segments.js', dist)), against: 'budget' },
    { name: 'storefront lazy: every other chunk (elements, shared styles), gzipped', bytes: gzAll(lazy.filter((f) => !named.includes(f)), dist), against: 'budget' },
    {
      name: '@tessera/core for bundlers (index.js + static imports), gzipped', bytes: gzAll(core, coreDist),
      against: ['@supabase/supabase-js dist/index.mjs as on npm (dependencies external), gzipped', gz(new URL('node_modules/@supabase/supabase-js/dist/index.mjs', root))],
    },
    { name: '@tessera/elements for bundlers (index.js), gzipped', bytes: gz(new URL('index.js', dist)), against: 'budget' },
  ] as const;
  for (const { name, bytes, against } of measures) {
    const [baseline, baselineBytes] = against === 'budget' ? ['storefront first-render budget (storefront-bundle.node.test.ts)', BUDGET] : against;
    record({ name, value: round(bytes / 1024), unit: 'KB', baseline, baselineValue: round(baselineBytes / 1024), higherIsBetter: false });
  }
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
  console.log('Storefront bundle (gzipped, level 9; first-render budget 30.0 KB, Segment analytics.js ~29 KB)');
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
  console.log(`results: ${writeResults()}`);
  process.exit(0);
}
