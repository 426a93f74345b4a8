/**
 * Realtime is loaded the first time something subscribes, so pages that only
 * read never download it (in the storefront script it is a chunk beside
 * `tessera.min.js`).
 */
export const loadRealtime = () => import('@supabase/realtime-js');
