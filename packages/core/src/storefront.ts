import type { Backend, ChannelLike, RpcResponse } from './backend.ts';
import { TesseraError } from './errors.ts';

/** Storefront mode: the visitor's own card, with a token from the shop's App Proxy. */
export interface StorefrontOptions {
  /** Where the shop's App Proxy answers with a session, same-origin (e.g. `/apps/tessera/session`). */
  sessionUrl: string;
}

/** What the session endpoint answers: a customer token, when it expires (epoch seconds), and whose it is. */
export interface StorefrontSession {
  access_token: string;
  expires_at: number;
  profile_id: string;
}

/**
 * The logged-in customer's session: fetched on first use, fetched again a
 * minute before it expires; concurrent callers share one request.
 */
export function createStorefrontSession({ sessionUrl }: StorefrontOptions, fetcher: typeof fetch = (...args) => fetch(...args)) {
  let session: StorefrontSession | undefined;
  let pending: Promise<StorefrontSession> | undefined;

  const load = async (): Promise<StorefrontSession> => {
    let response: Response;
    try {
      // Same-origin through the App Proxy: Shopify adds who is logged in from the shop's own cookie.
      response = await fetcher(sessionUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    } catch (error) {
      throw new TesseraError('network', `Could not reach the storefront session at ${sessionUrl}: ${(error as Error)?.message ?? error}`, { cause: error });
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok && body.access_token && body.profile_id) return body;
    const { error, code } = body as { error?: string; code?: string };
    throw response.status === 401
      ? new TesseraError('unauthorized', !code || code === 'not_logged_in' ? 'The visitor is not logged in to the shop: the card shows a logged-in customer their own profile.' : `Storefront session refused: ${error}`, { status: 401, backendCode: code ?? '' })
      : new TesseraError(response.status === 404 ? 'not_found' : 'server', `Storefront session failed (${response.status}): ${error ?? 'no session in the answer'}`, { status: response.status, backendCode: code ?? '' });
  };

  /** The session, fresh enough for the next minute. */
  const current = (): Promise<StorefrontSession> =>
    session && Date.now() < (session.expires_at - 60) * 1000
      ? Promise.resolve(session)
      : (pending ??= load().then(
          (fresh) => ((pending = undefined), (session = fresh)),
          (error) => {
            pending = undefined;
            throw error;
          },
        ));

  return { current, token: async () => (await current()).access_token, last: () => session };
}

export type StorefrontSessionHandle = ReturnType<typeof createStorefrontSession>;

/**
 * The one place `'me'` becomes the customer's profile id: in every RPC's
 * `profile_id` and in realtime filters (`id=eq.me`). A failed session answers
 * as the RPC would (401: not logged in), so callers see a typed error.
 */
export function storefrontBackend(backend: Backend, storefront: StorefrontSessionHandle): Backend {
  return {
    async rpc(fn, args, signal): Promise<RpcResponse> {
      let me: string;
      try {
        me = (await storefront.current()).profile_id;
      } catch (error) {
        const failure = error as TesseraError;
        return { data: null, error: { message: failure.message, code: failure.backendCode ?? '' }, status: failure.status };
      }
      return backend.rpc(fn, args.profile_id === 'me' ? { ...args, profile_id: me } : args, signal);
    },
    async channel(name) {
      const [channel, { profile_id: me }] = await Promise.all([backend.channel(name), storefront.current()]);
      const wrap = (inner: ChannelLike): ChannelLike => ({
        on: (type, filter, callback) => wrap(inner.on(type, { ...filter, ...(filter.filter === 'id=eq.me' ? { filter: `id=eq.${me}` } : {}) }, callback)),
        subscribe: (callback) => wrap(inner.subscribe(callback)),
        unsubscribe: () => inner.unsubscribe(),
      });
      return wrap(channel);
    },
  };
}
