import { loadRealtime } from './realtime-loader.ts';

/** What a PostgREST-style RPC call answers; supabase-js' `rpc()` has this shape too. */
export interface RpcResponse {
  data: unknown;
  error: { message: string; code?: string; details?: unknown; hint?: unknown } | null;
  status: number;
}

/** The part of a Realtime channel the SDK uses; supabase-js' `RealtimeChannel` satisfies it. */
export interface ChannelLike {
  on(type: 'postgres_changes', filter: { event: string; schema: string; table?: string; filter?: string }, callback: (payload: any) => void): ChannelLike;
  subscribe(callback?: (status: string, error?: Error) => void): ChannelLike;
  unsubscribe(): Promise<unknown>;
}

/**
 * The two things the SDK needs from a Supabase-compatible backend: RPC calls and
 * realtime channels. Either a `SupabaseClient` the app already has, or the small
 * default: PostgREST's RPC contract spoken with `fetch` (the SDK calls nothing
 * else of PostgREST, so postgrest-js' query builder would be 4 KB of a
 * storefront's budget for nothing) and supabase-js' realtime-js, loaded the
 * first time something subscribes.
 */
export interface Backend {
  rpc(fn: string, args: Record<string, unknown>, signal?: AbortSignal): PromiseLike<RpcResponse>;
  channel(name: string): Promise<ChannelLike>;
}

/** The slice of `SupabaseClient` the SDK calls. */
export interface SupabaseClientLike {
  rpc(fn: string, args?: Record<string, unknown>): { abortSignal(signal: AbortSignal): PromiseLike<RpcResponse> } & PromiseLike<RpcResponse>;
  channel(name: string): ChannelLike;
  realtime?: { setAuth(token?: string | null): Promise<void> };
}

export function backendFromSupabase(client: SupabaseClientLike): Backend {
  return {
    rpc: (fn, args, signal) => (signal ? client.rpc(fn, args).abortSignal(signal) : client.rpc(fn, args)),
    channel: async (name) => {
      // realtime-js fixes a channel's token when it joins: hand it the session's
      // token first, or the channel listens as the anon key and sees nothing.
      await client.realtime?.setAuth();
      return client.channel(name);
    },
  };
}

export interface BackendOptions {
  /** The project URL, e.g. `https://xyz.supabase.co` or `http://localhost:54321`. */
  url: string;
  /** The publishable (anon) key. */
  key: string;
  /** The signed-in user's token, or a function returning the current one. */
  accessToken?: string | (() => Promise<string | null> | string | null);
  fetch?: typeof fetch;
  /** A WebSocket constructor, for runtimes without a global one (Node 20: pass `ws`). */
  webSocket?: unknown;
}

export function createBackend(options: BackendOptions): Backend {
  const base = options.url.replace(/\/+$/, '');
  const token = async () => {
    const t = typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
    return t || options.key;
  };
  const baseFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const authorisedFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('apikey', options.key);
    headers.set('Authorization', `Bearer ${await token()}`);
    return baseFetch(input, { ...init, headers });
  };

  let realtime: Promise<{ channel(name: string): ChannelLike }> | undefined;
  const connectRealtime = () =>
    (realtime ??= loadRealtime().then(({ RealtimeClient }) => {
      const client = new RealtimeClient(`${base.replace(/^http/, 'ws')}/realtime/v1`, {
        params: { apikey: options.key },
        accessToken: async () => token(),
        ...(options.webSocket ? { transport: options.webSocket as any } : {}),
      });
      // Authenticate before the first join: a join without the user's token would
      // be authorised as the anon key and miss every row only staff may see.
      return client.setAuth().then(() => client as unknown as { channel(name: string): ChannelLike });
    }));

  return {
    rpc: async (fn, args, signal) => {
      // Network failures and aborts reject here; callRpc turns them into `network` and `aborted`.
      const response = await authorisedFetch(`${base}/rest/v1/rpc/${encodeURIComponent(fn)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(args),
        signal,
      });
      const text = await response.text();
      if (!response.ok) return { data: null, error: parseError(text, response), status: response.status };
      try {
        return { data: text === '' ? null : JSON.parse(text), error: null, status: response.status };
      } catch {
        return { data: null, error: { message: `the response to ${fn} is not JSON` }, status: 502 };
      }
    },
    channel: async (name) => (await connectRealtime()).channel(name),
  };
}

/** PostgREST answers errors as `{ code, message, details, hint }`; proxies in between may not. */
function parseError(text: string, response: Response): NonNullable<RpcResponse['error']> {
  try {
    const body = JSON.parse(text);
    if (body && typeof body.message === 'string') return body;
  } catch {
    // not JSON: a proxy's or gateway's page
  }
  return { message: text.trim().slice(0, 200) || `${response.status} ${response.statusText}` };
}

/**
 * Gives every channel a topic of its own (`profile:{id}:3`). Realtime (like
 * Phoenix) closes an earlier join of the same topic on a socket in favour of
 * the new one, so a card, a gauge and a timeline of one person on one page
 * would otherwise knock each other offline. The topic is only a name: what a
 * channel receives is set by its `postgres_changes` filter.
 */
export function withOwnTopics(backend: Backend): Backend {
  let joins = 0;
  return { rpc: (fn, args, signal) => backend.rpc(fn, args, signal), channel: (name) => backend.channel(`${name}:${++joins}`) };
}
