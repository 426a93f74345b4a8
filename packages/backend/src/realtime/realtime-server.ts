import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Claims } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { loadBroadcastTables } from './broadcast-tables.ts';
import { RealtimeConnection } from './connection.ts';
import { fanOut } from './fan-out.ts';
import { parseChange } from './postgres-changes.ts';
import { negotiateVsn } from './protocol.ts';

export interface RealtimeOptions {
  db: Database;
  /** Verifies an API key or user JWT, throwing (a TokenError) when it is missing, forged or expired. */
  verifyToken: (token: string | null | undefined) => Promise<Claims>;
  /** Where supabase-js opens its socket: `<project URL>/realtime/v1/websocket`. */
  path?: string;
}

export interface RealtimeServer {
  /** Stops accepting sockets and listening for changes, closes open sockets and waits for the change in flight. */
  close(): Promise<void>;
}

/** The channel the announce_change() trigger NOTIFYs (migration 0004_realtime.sql). */
const CHANGES_CHANNEL = 'tessera_realtime';
const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Serves Supabase Realtime's websocket on `server`, enough for unmodified
 * supabase-js to subscribe to postgres_changes of the broadcast tables:
 *
 * ```ts
 * const realtime = await attachRealtime(server, { db, verifyToken: createTokenVerifier(jwtSecret) });
 * // in the browser:
 * supabase.channel('profile').on('postgres_changes',
 *   { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${id}` }, onChange).subscribe();
 * ```
 *
 * Changes arrive by LISTEN on `tessera_realtime`, one listener for all
 * sockets, and are fanned out one at a time in commit order; each reaches
 * only subscribers who may SELECT the row. Only upgrades on `path` are
 * handled, so another websocket endpoint can share the server.
 */
export async function attachRealtime(server: Server, options: RealtimeOptions): Promise<RealtimeServer> {
  const { db, verifyToken, path = '/realtime/v1/websocket' } = options;
  const tables = await loadBroadcastTables(db);
  // Larger frames close the socket (1009): realtime-js never sends one for postgres_changes.
  const sockets = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: MAX_FRAME_BYTES });
  const connections = new Set<RealtimeConnection>();
  let closing = false;

  let changes = Promise.resolve();
  const unlisten = await db.listen(CHANGES_CHANNEL, (payload) => {
    changes = changes
      .then(() => broadcast(payload))
      .catch((error) => console.error('Realtime: a change could not be delivered', error));
  });

  async function broadcast(payload: string): Promise<void> {
    const change = parseChange(payload, tables);
    if (!change) return;
    const subscribers = [...connections].flatMap((connection) => connection.subscribers());
    for (const { subscriber, ids, data } of await fanOut(db, change, subscribers)) subscriber.deliver(ids, data);
  }

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): Promise<void> {
    // A client that drops the connection mid-handshake must not crash the server.
    socket.on('error', () => socket.destroy());
    const vsn = negotiateVsn(query.get('vsn'));
    if (!vsn) return refuse(socket, 400, `Unsupported vsn ${JSON.stringify(query.get('vsn'))}: this server speaks 1.0.0 and 2.0.0.`);
    // As on Supabase, the socket itself needs a valid key; each channel then names its own token.
    const apikey = query.get('apikey');
    try {
      await verifyToken(apikey);
    } catch (error) {
      return refuse(socket, 403, `Realtime refused the apikey: ${(error as Error).message}`);
    }
    if (closing || socket.destroyed) return void socket.destroy();
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const connection = new RealtimeConnection(ws, { vsn, apikey: apikey!, verifyToken, tables });
      connections.add(connection);
      ws.on('close', () => connections.delete(connection));
    });
  }

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== path) return;
    void upgrade(request, socket, head, new URLSearchParams(q < 0 ? '' : url.slice(q + 1)));
  };
  server.on('upgrade', onUpgrade);

  return {
    async close() {
      closing = true;
      server.off('upgrade', onUpgrade);
      await unlisten();
      for (const connection of connections) connection.close(1001, 'Server shutting down');
      await changes;
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${message}`,
  );
}
