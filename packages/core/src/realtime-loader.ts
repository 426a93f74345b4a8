/**
 * Realtime is loaded the first time something subscribes, so pages that only
 * read never download it. The storefront bundle swaps this module for one that
 * loads the realtime chunk from beside `tessera.min.js`.
 */
export const loadRealtime = () => import('@supabase/realtime-js');
