/**
 * `tessera.min.js`, the file a theme names in its `<script type="module">`.
 * Everything lives in `storefront.ts`, built as `tessera-base-*.js` beside it:
 * Shopify serves assets as `tessera.min.js?v=…`, and the lazily loaded chunks
 * (realtime, chart.js, the other elements) must import the same copy of Lit
 * and of the default client as this file did, which they can only do through
 * a URL without that query.
 */
export * from './storefront.ts';
