/**
 * The storefront script: one classic <script> a theme adds, exposing
 * `window.Tessera` (`Tessera.configure({ url, key })`, `Tessera.define(prefix)`)
 * and registering <customer-card>. The build bundles Lit and core into it and
 * leaves realtime in tessera-realtime.js beside it.
 */
export * from './index.ts';
