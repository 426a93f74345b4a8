/**
 * The segment language (parser, printer, evaluator) is loaded the first time
 * a query is parsed, so pages that show cards never download it. The
 * storefront bundle swaps this module for one that loads the language from
 * beside `tessera.min.js`.
 */
export const loadSegmentLanguage = () => import('./segments/index.ts');
