import type { ResponseCache } from './cache.ts';
import { TesseraError, isTesseraError } from './errors.ts';
import type { Subscription } from './profiles.ts';

/**
 * One state of a watched read (`churn.watch`, `journeys.watch`, …): what a
 * view should show now, where it came from, and whether it is stale.
 */
export interface Snapshot<T> {
  /** The value, or `undefined` while nothing is known (the first read failed and nothing was cached). */
  value: T | undefined;
  /** Where this copy came from: the offline cache, a fresh read, or a re-read after a live change. */
  source: 'cache' | 'network' | 'live';
  /** Epoch milliseconds of the network response this copy came from (0 when there is none). */
  fetchedAt: number;
  /** True when the backend could not be reached: `value` is the cached copy from `fetchedAt`. */
  offline: boolean;
  /** Why the last read failed; null when the copy shown is as fresh as it can be. */
  error: TesseraError | null;
}

export interface WatchedRead<T> {
  cache: ResponseCache;
  /** Cache key; scoped to the client's project and user by the cache itself. */
  key: string;
  read(signal: AbortSignal): Promise<T>;
  /** Starts live updates; calls `changed` whenever the value may have changed in the backend. */
  follow?(changed: () => void): Subscription;
}

/**
 * Stale-while-revalidate for one read: the cached copy at once (if any), then
 * the fresh one, then a re-read after every live change and whenever the
 * browser comes back online. Offline, the cached copy stays with
 * `offline: true` and the time it was fetched, instead of an error.
 */
export function watchRead<T>({ cache, key, read, follow }: WatchedRead<T>, listener: (snapshot: Snapshot<T>) => void): Subscription {
  let closed = false;
  let state: Snapshot<T> = { value: undefined, source: 'cache', fetchedAt: 0, offline: false, error: null };
  let fresh = false;
  let inflight: AbortController | undefined;
  const emit = (change: Partial<Snapshot<T>>) => {
    state = { ...state, ...change };
    if (!closed) listener(state);
  };

  // Reads may overlap (a live change during the first read): only the latest may answer.
  const refresh = async (source: 'network' | 'live') => {
    inflight?.abort();
    const controller = (inflight = new AbortController());
    try {
      const value = await read(controller.signal);
      if (controller.signal.aborted || closed) return;
      fresh = true;
      await cache.put(key, value);
      emit({ value, source, fetchedAt: Date.now(), offline: false, error: null });
    } catch (error) {
      if (controller.signal.aborted || closed || isTesseraError(error, 'aborted')) return;
      const failure = error instanceof TesseraError ? error : new TesseraError('server', String(error), { cause: error });
      emit({ offline: isTesseraError(failure, 'network'), error: failure });
    }
  };

  const onOnline = () => void refresh('network');
  let live: Subscription | undefined;
  void (async () => {
    const cached = await cache.get<T>(key);
    if (closed) return;
    if (cached && !fresh) emit({ value: cached.value, source: 'cache', fetchedAt: cached.fetchedAt });
    live = follow?.(() => void refresh('live'));
    await refresh('network');
  })();
  globalThis.addEventListener?.('online', onOnline);

  return {
    unsubscribe() {
      closed = true;
      inflight?.abort();
      live?.unsubscribe();
      globalThis.removeEventListener?.('online', onOnline);
    },
  };
}
