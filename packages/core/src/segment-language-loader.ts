/**
 * The segment language (parser, printer, evaluator) is loaded the first time
 * a query is parsed, so pages that show cards never download it (in the
 * storefront script it is a chunk beside `tessera.min.js`).
 */
export const loadSegmentLanguage = () => import('./segments/index.ts');
