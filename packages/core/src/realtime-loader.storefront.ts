/**
 * The storefront script's realtime loader: `tessera.min.js` is one classic
 * script, so realtime ships as `tessera-realtime.js` beside it and is imported
 * from there the first time a card goes live. The script's own URL is read
 * while it first runs, the only moment `document.currentScript` points at it.
 */
const base = (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || import.meta.url;

export const loadRealtime = (): Promise<typeof import('@supabase/realtime-js')> =>
  import(/* webpackIgnore: true */ new URL('tessera-realtime.js', base).href);
