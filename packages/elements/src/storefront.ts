/**
 * The storefront script, an ES module a theme adds with
 * `<script type="module" src=".../tessera.min.js">`. It registers
 * <customer-card> at once, loads every other element (and realtime, chart.js,
 * the segment language) from files beside it when first used, and exposes
 * `window.Tessera` for pages that configure it from a plain script:
 * `Tessera.configure({ url, key })`, `Tessera.define(prefix)`, `Tessera.load(tag)`.
 */
import { autoload, load } from './autoload.ts';
import { configure, getDefaultClient, setDefaultClient } from './client.ts';
import { defineCustomerCard } from './customer-card/customer-card.ts';

/**
 * Registers every element under `{prefix}-…` (`<acme-customer-card>`) for
 * stores where another script already owns the plain names.
 */
export function define(prefix?: string): void {
  defineCustomerCard(prefix);
  autoload(prefix);
}

export { configure, getDefaultClient, setDefaultClient, load };

autoload();

const api = { configure, define, load, setDefaultClient, getDefaultClient };
declare global {
  // eslint-disable-next-line no-var
  var Tessera: typeof api;
}
globalThis.Tessera = api;
