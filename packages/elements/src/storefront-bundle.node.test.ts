// The storefront script as a theme loads it: built by `npm run build`, checked
// for what a shopper's browser pays before the first card renders, for what
// must wait until it is used, and for anything that must never ship to a browser.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { firstRenderFiles } from '../storefront-files.ts';

const dist = new URL('../dist/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dist), 'utf8');
const gzipped = (file: string) => gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;
const chunks = () => readdirSync(dist).filter((f) => /^tessera[.-].*\.js$/.test(f));

describe('storefront bundle (packages/elements/dist/tessera.min.js)', () => {
  it('loads at most 30 KB gzipped of JavaScript before first render', () => {
    const files = firstRenderFiles();
    const total = files.reduce((sum, file) => sum + gzipped(file), 0);
    assert.ok(files.length >= 2, `expected tessera.min.js to import its base chunk, got ${files.join(', ')}`);
    assert.ok(total <= 30 * 1024, `${files.join(' + ')} is ${total} bytes gzipped`);
  });

  it('leaves realtime, chart.js, the segment language and the other elements out of first render', () => {
    const first = firstRenderFiles().map(read).join('\n');
    const lazy = chunks().filter((f) => !firstRenderFiles().includes(f)).map(read).join('\n');
    for (const [what, marker] of [
      ['the realtime client', 'phx_join'],
      ['the segment language', 'Unclosed quote'],
    ] as const) {
      assert.ok(!first.includes(marker), `${what} is in the first-render files`);
      assert.ok(lazy.includes(marker), `${what} is not in any chunk beside tessera.min.js`);
    }
  });

  it('keeps every chunk flat beside the entry and importing the base, never the entry itself', () => {
    // Shopify serves theme assets as tessera.min.js?v=…: a chunk importing ./tessera.min.js would get a second copy of everything.
    for (const file of chunks().filter((f) => f !== 'tessera.min.js')) {
      assert.doesNotMatch(read(file), /["']\.\/tessera\.min\.js["']/, `${file} imports the entry`);
      assert.doesNotMatch(read(file), /["']\.\.?\/[^"']*\//, `${file} imports from a subfolder`);
    }
  });

  it('carries no server-side code or secrets', () => {
    for (const file of chunks()) {
      const script = read(file);
      for (const forbidden of ['service_role_key', 'SHOPIFY_WEBHOOK_SECRET', 'JWT_SECRET', 'pglite', 'node:crypto', 'SUPABASE_DB_URL']) {
        assert.ok(!script.includes(forbidden), `found ${forbidden} in ${file}`);
      }
    }
  });
});
