/** Entry of `tessera-realtime.js`, the realtime client the storefront script loads on demand. */
export { RealtimeClient } from '@supabase/realtime-js';
