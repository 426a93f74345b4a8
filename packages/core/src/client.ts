import { backendFromSupabase, createBackend, withOwnTopics, type Backend, type BackendOptions, type SupabaseClientLike } from './backend.ts';
import { createAnalyticsClient, type AnalyticsClient } from './analytics.ts';
import { createCache, perPersonCache, type ResponseCache } from './cache.ts';
import { TesseraError } from './errors.ts';
import { createChurnClient, type ChurnClient } from './churn.ts';
import { createJourneysClient, type JourneysClient } from './journeys.ts';
import { createProfilesClient, type ProfilesClient } from './profiles.ts';
import { createSegmentsClient, type SegmentsClient } from './segments.ts';
import { createStorefrontSession, storefrontBackend, type StorefrontOptions } from './storefront.ts';

export type TesseraOptions =
  | (BackendOptions & { supabase?: undefined; cache?: CacheSetting; storefront?: StorefrontOptions })
  | { supabase: SupabaseClientLike; url: string; key?: string; cache?: CacheSetting };

/** `false` turns the offline cache off; an object tunes it. */
export type CacheSetting = boolean | { maxAgeMs?: number; maxEntries?: number };

/** The Tessera client: one namespace per resource, the same verbs everywhere. */
export interface Tessera {
  readonly profiles: ProfilesClient;
  readonly churn: ChurnClient;
  readonly journeys: JourneysClient;
  readonly segments: SegmentsClient;
  readonly analytics: AnalyticsClient;
  /** Forget every cached response of this client (call it on sign-out). */
  clearCache(): Promise<void>;
}

const noCache: ResponseCache = {
  get: async () => undefined,
  put: async () => {},
  delete: async () => {},
  clear: async () => {},
};

/**
 * Creates a Tessera client for a Supabase project or a local `tessera serve`.
 *
 * @example Storefront or helpdesk page
 * const tessera = createTessera({ url: 'https://xyz.supabase.co', key: PUBLISHABLE_KEY, accessToken: () => session.access_token });
 * const profile = await tessera.profiles.get(id);
 *
 * @example An internal tool that already has a SupabaseClient
 * const tessera = createTessera({ supabase, url: SUPABASE_URL });
 *
 * @example A Shopify storefront: the logged-in customer's own card, 'me' is their profile
 * const tessera = createTessera({ url, key: PUBLISHABLE_KEY, storefront: { sessionUrl: '/apps/tessera/session' } });
 * const me = await tessera.profiles.get('me');
 */
export function createTessera(options: TesseraOptions): Tessera {
  if (!options.url) throw new TesseraError('invalid_argument', 'createTessera needs the project url');
  if (!options.supabase) {
    if (!options.key) throw new TesseraError('invalid_argument', 'createTessera needs the publishable key (or a supabase client)');
    if (looksLikeServiceKey(options.key) && typeof window !== 'undefined' && typeof document !== 'undefined') {
      throw new TesseraError(
        'invalid_argument',
        'createTessera was given a service_role key in a browser. That key bypasses every access rule: keep it on servers and give pages the publishable key.',
      );
    }
  }
  // Storefront mode: the customer token comes from the shop's App Proxy, and 'me' is its profile.
  const storefront = options.supabase || !options.storefront ? undefined : createStorefrontSession(options.storefront, options.fetch);
  const backend: Backend = withOwnTopics(
    options.supabase
      ? backendFromSupabase(options.supabase)
      : storefront
        ? storefrontBackend(createBackend({ ...options, accessToken: storefront.token }), storefront)
        : createBackend(options as BackendOptions),
  );
  const open = (person: string) => createCache({ scope: `${options.url}|${options.key ?? ''}|${person}`, ...(typeof options.cache === 'object' ? options.cache : {}) });
  // Cached responses belong to whoever read them: the storefront customer, or the staff user the token names.
  const whose = storefront
    ? async () => `customer:${(storefront.last() ?? (await storefront.current())).profile_id}`
    : options.supabase
      ? async () => 'session'
      : async () => {
          const token = typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
          return `user:${(token && jwtClaims(token)?.sub) || 'anonymous'}`;
        };
  const cache = options.cache === false ? noCache : perPersonCache(whose, open);
  const profiles = createProfilesClient(backend, cache);
  return {
    profiles,
    churn: createChurnClient(backend, cache, profiles),
    journeys: createJourneysClient(backend, cache, profiles),
    segments: createSegmentsClient(backend),
    analytics: createAnalyticsClient(backend),
    clearCache: () => cache.clear(),
  };
}

/** Whether a key is a service key, by its form or its `role` claim. */
function looksLikeServiceKey(key: string): boolean {
  return key.startsWith('sb_secret_') || jwtClaims(key)?.role === 'service_role';
}

/** A Supabase-style JWT's claims, read without verifying them (only the server can). */
function jwtClaims(token: string): { role?: string; sub?: string } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return undefined;
  }
}
