import { WebSocket, type RawData } from 'ws';
import type { Claims } from '../auth/jwt.ts';
import type { BroadcastTable } from './broadcast-tables.ts';
import type { Subscriber } from './fan-out.ts';
import { parseBindings, type Binding } from './postgres-changes.ts';
import { decodeFrame, encodeFrame, isObject, reply, type Frame, type Vsn } from './protocol.ts';

export interface ConnectionOptions {
  vsn: Vsn;
  /** The verified `apikey` the socket was opened with: the token of a join that carries none. */
  apikey: string;
  verifyToken: (token: string | null | undefined) => Promise<Claims>;
  tables: readonly BroadcastTable[];
}

/** A joined channel, listening as the holder of `token`. */
interface Channel {
  topic: string;
  joinRef: string | null;
  token: string;
  claims: Claims;
  bindings: Binding[];
  expiry?: NodeJS.Timeout;
}

/** A channel as the fan-out sees it, able to deliver a change checked against its token. */
export interface ChannelSubscriber extends Subscriber {
  deliver(ids: number[], data: Record<string, unknown>): void;
}

// Supabase's default limit of channels per client.
const MAX_CHANNELS = 100;
// Room for a client rejoining all its channels at once after a reconnect; a flood goes far beyond.
const MAX_FRAMES_PER_SECOND = 300;
const MAX_MALFORMED_FRAMES = 10;
// Frames queued for a client that has stopped reading; past this it is cut off.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
// Phoenix's own idle timeout: realtime-js sends a heartbeat every 25 seconds.
const IDLE_TIMEOUT_MS = 60_000;
// setTimeout fires at once for longer delays.
const MAX_TIMER_MS = 2 ** 31 - 1;
const TOPIC_PREFIX = 'realtime:';

/**
 * One realtime-js socket speaking Phoenix channels: heartbeats, joins, leaves
 * and token refreshes, handled one frame at a time and in order, so a reply
 * that follows a frame also follows its effect.
 */
export class RealtimeConnection {
  private readonly channels = new Map<string, Channel>();
  private work: Promise<void> = Promise.resolve();
  private window = { start: 0, frames: 0 };
  private malformed = 0;
  private readonly idle: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: ConnectionOptions,
  ) {
    this.idle = setTimeout(() => socket.terminate(), IDLE_TIMEOUT_MS).unref();
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', () => this.dispose());
    // ws follows an error with 'close'; without a listener it would throw.
    socket.on('error', () => {});
  }

  /** The channels that listen to postgres_changes, each delivering only while it is joined with the same token. */
  subscribers(): ChannelSubscriber[] {
    return [...this.channels.values()]
      .filter((channel) => channel.bindings.length > 0)
      .map((channel) => {
        const { token, claims, bindings } = channel;
        return {
          token,
          claims,
          bindings,
          deliver: (ids, data) => {
            // The row was checked against `token`: a channel that has since left or changed token gets nothing.
            if (this.channels.get(channel.topic) !== channel || channel.token !== token) return;
            this.send({ joinRef: null, ref: null, topic: channel.topic, event: 'postgres_changes', payload: { ids, data } });
          },
        };
      });
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.idle.refresh();
    const now = Date.now();
    if (now - this.window.start >= 1000) this.window = { start: now, frames: 0 };
    if (++this.window.frames > MAX_FRAMES_PER_SECOND) return this.close(1008, 'Too many messages per second');
    // realtime-js sends binary frames only for broadcast, which this server does not relay.
    if (isBinary) return;
    const frame = decodeFrame(data.toString(), this.options.vsn);
    if (!frame) {
      if (++this.malformed > MAX_MALFORMED_FRAMES) this.close(1008, 'Too many malformed messages');
      return;
    }
    this.work = this.work
      .then(() => this.handle(frame))
      .catch((error) => {
        console.error('Realtime: closing a socket after an unexpected error', error);
        this.close(1011, 'Internal error');
      });
  }

  private async handle(frame: Frame): Promise<void> {
    if (frame.topic === 'phoenix') {
      if (frame.event === 'heartbeat') this.send(reply(frame, 'ok'));
      return;
    }
    if (frame.event === 'phx_join') return this.join(frame);
    const channel = this.channels.get(frame.topic);
    // What Phoenix answers to a push on a topic the socket has not joined.
    if (!channel) return this.send(reply(frame, 'error', { reason: 'unmatched topic' }));
    switch (frame.event) {
      case 'phx_leave':
        this.send(reply(frame, 'ok'));
        return this.closeChannel(channel);
      case 'access_token':
        return this.refreshToken(channel, frame.payload.access_token);
      default:
        this.send(reply(frame, 'error', { reason: `${frame.event} is not available on this server: it relays postgres_changes only.` }));
    }
  }

  private async join(frame: Frame): Promise<void> {
    const { topic, payload } = frame;
    const refuse = (reason: string) => this.send(reply(frame, 'error', { reason }));
    if (!topic.startsWith(TOPIC_PREFIX)) return refuse('unmatched topic');
    if (topic === TOPIC_PREFIX) return refuse('You must provide a topic name');
    // Phoenix closes an earlier join of the same topic in favour of the new one.
    const previous = this.channels.get(topic);
    if (previous) this.closeChannel(previous);
    if (this.channels.size >= MAX_CHANNELS) return refuse('Too many channels');

    // supabase-js may join before its first setAuth: the socket's apikey stands in, as on Supabase.
    const token = typeof payload.access_token === 'string' ? payload.access_token : this.options.apikey;
    let claims: Claims;
    let bindings: Binding[];
    try {
      claims = await this.options.verifyToken(token);
      bindings = parseBindings(isObject(payload.config) ? payload.config.postgres_changes : undefined, this.options.tables);
    } catch (error) {
      return refuse(refusalReason(error));
    }
    if (this.socket.readyState !== WebSocket.OPEN) return;

    const channel: Channel = { topic, joinRef: frame.joinRef ?? frame.ref, token, claims, bindings };
    this.channels.set(topic, channel);
    this.expireWithToken(channel);
    this.send(reply(frame, 'ok', { postgres_changes: bindings.map((b) => b.echo) }));
    if (bindings.length > 0) {
      this.push(channel, 'system', { status: 'ok', message: 'Subscribed to PostgreSQL', extension: 'postgres_changes', channel: topic.slice(TOPIC_PREFIX.length) });
    }
  }

  /** As on Supabase: no token or the same one changes nothing; a refused one ends the channel. */
  private async refreshToken(channel: Channel, token: unknown): Promise<void> {
    if (typeof token !== 'string' || token === channel.token) return;
    let claims: Claims;
    try {
      claims = await this.options.verifyToken(token);
    } catch (error) {
      return this.shutDown(channel, refusalReason(error));
    }
    if (this.channels.get(channel.topic) !== channel) return;
    channel.token = token;
    channel.claims = claims;
    this.expireWithToken(channel);
  }

  /** Ends the channel when its token expires, as Supabase does, rather than serving a lapsed identity. */
  private expireWithToken(channel: Channel): void {
    clearTimeout(channel.expiry);
    const exp = channel.claims.exp;
    if (typeof exp !== 'number') return;
    const remaining = exp * 1000 - Date.now();
    channel.expiry = setTimeout(
      () => (remaining > MAX_TIMER_MS ? this.expireWithToken(channel) : this.shutDown(channel, 'Token has expired')),
      Math.max(0, Math.min(remaining, MAX_TIMER_MS)),
    ).unref();
  }

  /** Tells the client why, then closes the channel: Supabase's `system` error followed by `phx_close`. */
  private shutDown(channel: Channel, message: string): void {
    if (this.channels.get(channel.topic) !== channel) return;
    this.push(channel, 'system', { status: 'error', message, extension: 'system', channel: channel.topic.slice(TOPIC_PREFIX.length) });
    this.closeChannel(channel);
  }

  private closeChannel(channel: Channel): void {
    clearTimeout(channel.expiry);
    this.channels.delete(channel.topic);
    this.send({ joinRef: channel.joinRef, ref: channel.joinRef, topic: channel.topic, event: 'phx_close', payload: {} });
  }

  private push(channel: Channel, event: string, payload: Record<string, unknown>): void {
    this.send({ joinRef: channel.joinRef, ref: null, topic: channel.topic, event, payload });
  }

  private send(frame: Frame): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) return this.socket.terminate();
    this.socket.send(encodeFrame(frame, this.options.vsn));
  }

  private dispose(): void {
    clearTimeout(this.idle);
    for (const channel of this.channels.values()) clearTimeout(channel.expiry);
    this.channels.clear();
  }
}

/** Why a join or token was refused: a TokenError, SubscriptionError or FilterError says it in its message. */
function refusalReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
