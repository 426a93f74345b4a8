#!/usr/bin/env node
// Copies the built storefront bundle into the theme app extension's assets/,
// where `shopify app deploy` picks it up, or into the folder given
// (`node examples/shopify/copy-assets.mjs examples/zendesk/assets`). tessera.min.js loads its other
// files (realtime, lazily defined components) from beside itself, so every
// tessera*.js file of the build goes with it. Run `npm run build` first.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = new URL('../../packages/elements/dist/', import.meta.url);
const target = process.argv[2];
const assets = target ? pathToFileURL(`${resolve(target)}/`) : new URL('./extensions/tessera-customer/assets/', import.meta.url);

if (!existsSync(new URL('tessera.min.js', dist))) {
  console.error('packages/elements/dist/tessera.min.js is missing: run `npm run build` at the repository root first.');
  process.exit(1);
}
mkdirSync(assets, { recursive: true });
const files = readdirSync(dist).filter((name) => /^tessera[\w.-]*\.js$/.test(name));
for (const name of files) copyFileSync(new URL(name, dist), new URL(name, assets));
console.log(`Copied ${files.join(', ')} to ${assets.pathname}`);
