import * as z from 'zod/mini';
import type { Backend } from './backend.ts';
import type { ResponseCache } from './cache.ts';
import { TesseraError, isTesseraError } from './errors.ts';
import { callRpc } from './rpc.ts';
import { Profile, ProfileSummaryList, type ProfileSummary } from './schemas/profile.ts';

/** How to find a person: by email, by E.164 phone, or by any identity kind. */
export type IdentityQuery = { email: string } | { phone: string } | { kind: string; value: string };

export interface RequestOptions {
  signal?: AbortSignal;
}

/** One state of a watched profile, as `profiles.watch` reports it. */
export interface ProfileSnapshot {
  /** The profile, or `null` when there is no such person (or no access to them). */
  profile: Profile | null;
  /** Where this copy came from: the offline cache, a fresh read, or a live change. */
  source: 'cache' | 'network' | 'live';
  /** Epoch milliseconds of the network response this copy came from. */
  fetchedAt: number;
  /** True when the backend could not be reached and this is the cached copy. */
  offline: boolean;
  /** Why the last read failed; null when the copy shown is as fresh as it can be. */
  error: TesseraError | null;
  /** True while live updates flow: a change in the backend will arrive as a new snapshot. */
  live: boolean;
  /** Why live updates stopped (they reconnect by themselves); null while live or still connecting. */
  liveError: TesseraError | null;
}

/** A live subscription; call `unsubscribe()` when the view goes away. */
export interface Subscription {
  unsubscribe(): void;
}

const OptionalProfile = z.nullable(Profile);
const OptionalId = z.nullable(z.uuid());

function identityArgs(query: IdentityQuery): { kind: string; value: string } {
  if ('email' in query) return { kind: 'email', value: query.email };
  if ('phone' in query) return { kind: 'phone', value: query.phone };
  return { kind: query.kind, value: query.value };
}

/**
 * `tessera.profiles`: read, find and follow unified customer profiles.
 */
export function createProfilesClient(backend: Backend, cache: ResponseCache) {
  const cacheKey = (id: string) => `profile:${id}`;

  /**
   * One profile by id, fresh from the backend (and remembered for offline use).
   * Resolves to `null` when there is no such profile or the caller may not see it.
   *
   * @example
   * const profile = await tessera.profiles.get('0b7c…');
   * console.log(profile?.display_name, profile?.lifetime_revenue);
   */
  async function get(id: string, options: RequestOptions = {}): Promise<Profile | null> {
    const profile = await callRpc(backend, 'get_profile', { profile_id: id }, OptionalProfile, options.signal);
    if (profile) {
      await cache.put(cacheKey(id), profile);
      // A merged-away id answers with the surviving profile: remember it under both.
      if (profile.id !== id) await cache.put(cacheKey(profile.id), profile);
    } else {
      await cache.delete(cacheKey(id));
    }
    return profile;
  }

  /**
   * The id of the profile an identity belongs to, or `null`.
   *
   * @example
   * const id = await tessera.profiles.resolve({ email: 'ana@example.com' });
   */
  async function resolve(query: IdentityQuery, options: RequestOptions = {}): Promise<string | null> {
    const args = identityArgs(query);
    if (!args.value.trim()) throw new TesseraError('invalid_argument', `profiles.resolve needs a non-empty ${args.kind}`);
    const key = `resolve:${args.kind}:${args.value.trim().toLowerCase()}`;
    try {
      const id = await callRpc(backend, 'resolve_profile', args, OptionalId, options.signal);
      await (id ? cache.put(key, id) : cache.delete(key));
      return id;
    } catch (error) {
      // Offline, the last known answer is better than none: cards resolve by email.
      const cached = isTesseraError(error, 'network') ? await cache.get<string>(key) : undefined;
      if (cached) return cached.value;
      throw error;
    }
  }

  /**
   * Profiles whose name, email, phone or handle matches `query`, best first.
   *
   * @example
   * const hits = await tessera.profiles.search('ana', { limit: 5 });
   */
  async function search(query: string, options: RequestOptions & { limit?: number } = {}): Promise<ProfileSummary[]> {
    return callRpc(backend, 'search_profiles', { query, limit: options.limit ?? 20 }, ProfileSummaryList, options.signal);
  }

  /**
   * Calls `onChange` with the fresh profile each time it changes in the backend
   * (new order, new identity, merge, edit), over realtime. Realtime reconnects
   * by itself, and every (re)connection re-reads the profile, so a change made
   * while it was down is not missed. `onLive` says when live updates start
   * (`null`) or stop (the reason); `onError` when a re-read fails.
   *
   * @example
   * const sub = tessera.profiles.subscribe(id, (profile, cause) => render(profile));
   * // later
   * sub.unsubscribe();
   */
  function subscribe(
    id: string,
    onChange: (profile: Profile | null, cause: 'change' | 'rejoin') => void,
    { onLive = () => {}, onError = () => {} }: { onLive?: (stopped: TesseraError | null) => void; onError?: (error: TesseraError) => void } = {},
  ): Subscription {
    let closed = false;
    const refresh = (cause: 'change' | 'rejoin') =>
      get(id).then(
        (profile) => !closed && onChange(profile, cause),
        (error) => !closed && onError(error),
      );
    const changes = onChanged(id, refresh, { onLive });
    return {
      unsubscribe() {
        closed = true;
        changes.unsubscribe();
      },
    };
  }

  /**
   * Calls `changed` each time the person's profile row changes in the backend,
   * and on every (re)connection (a change made while disconnected is not
   * missed), without reading the profile itself: views of things derived from
   * the profile (churn, journey) re-read only what they show.
   */
  function onChanged(
    id: string,
    changed: (cause: 'change' | 'rejoin') => void,
    { onLive = () => {} }: { onLive?: (stopped: TesseraError | null) => void } = {},
  ): Subscription {
    let closed = false;
    let channel: Awaited<ReturnType<Backend['channel']>> | undefined;
    backend
      .channel(`profile:${id}`)
      .then((ch) => {
        if (closed) return;
        channel = ch
          // The change only says that the row moved; the profile's full shape
          // (identities, last activity) comes from get_profile, under the
          // caller's own access rules.
          .on('postgres_changes', { event: '*', schema: 'public', table: 'profiles', filter: `id=eq.${id}` }, () => !closed && changed('change'))
          .subscribe((status, error) => {
            if (closed) return;
            if (status === 'SUBSCRIBED') {
              onLive(null);
              changed('rejoin');
            } else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
              onLive(new TesseraError('network', `Live updates for profile ${id} stopped: ${error?.message ?? status.toLowerCase()}`, { cause: error }));
            }
          });
      })
      .catch((error) => !closed && onLive(new TesseraError('network', `Could not start live updates: ${error?.message ?? error}`, { cause: error })));
    return {
      unsubscribe() {
        closed = true;
        void channel?.unsubscribe();
      },
    };
  }

  /**
   * Everything a view needs in one stream: the cached copy at once (if any),
   * then the fresh one, then every live change. Offline, the cached copy is
   * reported with `offline: true` and the time it was fetched.
   *
   * @example
   * const sub = tessera.profiles.watch(id, ({ profile, offline, fetchedAt }) => render(profile, offline, fetchedAt));
   */
  function watch(id: string, listener: (snapshot: ProfileSnapshot) => void): Subscription {
    let closed = false;
    let state: ProfileSnapshot = { profile: null, source: 'cache', fetchedAt: 0, offline: false, error: null, live: false, liveError: null };
    // Until a copy (cached or fresh) or a failure is known there is nothing to
    // show: "no profile" then would read as "no such customer".
    let known = false;
    let fresh = false;
    const update = (change: Partial<ProfileSnapshot>, settles = true) => {
      state = { ...state, ...change };
      known ||= settles;
      if (!closed && known) listener(state);
    };
    const failed = (error: TesseraError) => update({ offline: isTesseraError(error, 'network'), error });

    // The profile may be merged into another while watched: then the survivor is followed.
    let followed = id;
    let live: Subscription | undefined;
    const follow = (profile: Profile | null) => {
      if (profile && profile.id !== followed && !closed) {
        followed = profile.id;
        live?.unsubscribe();
        live = goLive(followed);
      }
    };

    const fetchFresh = async () => {
      try {
        const profile = await get(id);
        fresh = true;
        update({ profile, source: 'network', fetchedAt: Date.now(), offline: false, error: null });
        follow(profile);
      } catch (error) {
        // Keep showing what we have, and say why it could not be refreshed.
        failed(error as TesseraError);
      }
    };
    const onOnline = () => void fetchFresh();

    // Live updates start at once, beside the first read; each (re)connection re-reads the profile.
    const goLive = (profileId: string) =>
      subscribe(
        profileId,
        (profile, cause) => {
          // The re-read of a (re)connection is a refresh, not a change pushed to us.
          const source = cause === 'change' ? 'live' : 'network';
          const unchanged = profile && state.profile && profile.id === state.profile.id && profile.updated_at === state.profile.updated_at;
          if (unchanged && (fresh || source === 'network')) update({ error: null, offline: false });
          else update({ profile, source, fetchedAt: Date.now(), offline: false, error: null });
          fresh = true;
          follow(profile);
        },
        {
          onLive: (stopped) => update({ live: !stopped, liveError: stopped }, false),
          onError: failed,
        },
      );
    void (async () => {
      const cached = await cache.get<Profile>(cacheKey(id));
      if (closed) return;
      if (cached && !fresh) update({ profile: cached.value, source: 'cache', fetchedAt: cached.fetchedAt });
      // Live only once the cached copy is shown: a failed re-read on joining must
      // not reach the view before the copy it can still show.
      live = goLive(id);
      await fetchFresh();
    })();
    globalThis.addEventListener?.('online', onOnline);

    return {
      unsubscribe() {
        closed = true;
        live?.unsubscribe();
        globalThis.removeEventListener?.('online', onOnline);
      },
    };
  }

  return { get, resolve, search, subscribe, onChanged, watch };
}

export type ProfilesClient = ReturnType<typeof createProfilesClient>;
