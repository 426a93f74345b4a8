/**
 * The storefront script's segment-language loader. The language is built on
 * its own as `tessera-segments.js` beside the storefront's chunks, with its
 * own copy of the few zod parts only it uses: were it a chunk of the same
 * build, those parts would be hoisted into the base chunk every card page
 * loads (2 KB gzipped of the 30 KB budget, for pages that never parse a query).
 */
export const loadSegmentLanguage = (): Promise<typeof import('./segments/index.ts')> =>
  import(/* webpackIgnore: true */ new URL('./tessera-segments.js', import.meta.url).href);
