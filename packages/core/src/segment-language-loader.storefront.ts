/**
 * The storefront script's segment-language loader: `tessera.min.js` is one
 * classic script, so the language ships as `tessera-segments.js` beside it.
 * The script's own URL is read while it first runs, the only moment
 * `document.currentScript` points at it.
 */
const base = (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || import.meta.url;

export const loadSegmentLanguage = (): Promise<typeof import('./segments/index.ts')> =>
  import(/* webpackIgnore: true */ new URL('tessera-segments.js', base).href);
