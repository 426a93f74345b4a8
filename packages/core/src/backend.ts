import { PostgrestClient } from '@supabase/postgrest-js';
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
 * default built from supabase-js' own building blocks (postgrest-js now,
 * realtime-js loaded the first time something subscribes).
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
  const rest = new PostgrestClient(`${base}/rest/v1`, { fetch: authorisedFetch });

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
    rpc: (fn, args, signal) => {
      const call = rest.rpc(fn, args as any);
      return (signal ? call.abortSignal(signal) : call) as PromiseLike<RpcResponse>;
    },
    channel: async (name) => (await connectRealtime()).channel(name),
  };
}
