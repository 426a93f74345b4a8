// The storefront script as a theme loads it: built by `npm run build`, checked
// for what a shopper's browser pays before the first card renders and for
// anything that must never ship to a browser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dist));

describe('storefront bundle (packages/elements/dist/tessera.min.js)', () => {
  it('loads at most 30 KB gzipped of JavaScript before first render', () => {
    const size = gzipSync(read('tessera.min.js'), { level: 9 }).length;
    assert.ok(size <= 30 * 1024, `tessera.min.js is ${size} bytes gzipped`);
  });

  it('leaves realtime out, to be fetched from beside it when a card goes live', () => {
    const script = read('tessera.min.js').toString('utf8');
    assert.ok(!script.includes('phx_join'), 'the realtime client is inside the storefront script');
    assert.match(script, /tessera-realtime\.js/);
    assert.match(read('tessera-realtime.js').toString('utf8'), /phx_join/);
  });

  it('carries no server-side code or secrets', () => {
    const script = read('tessera.min.js').toString('utf8');
    for (const forbidden of ['service_role_key', 'SHOPIFY_WEBHOOK_SECRET', 'JWT_SECRET', 'pglite', 'node:crypto']) {
      assert.ok(!script.includes(forbidden), `found ${forbidden}`);
    }
  });
});
