/**
 * The Phoenix channel wire format that realtime-js speaks. A message is
 * `[join_ref, ref, topic, event, payload]` with serializer vsn 2.0.0 (the
 * realtime-js default) or `{join_ref, ref, topic, event, payload}` with 1.0.0;
 * the client picks one with the `vsn` query parameter of the socket URL.
 */
export type Vsn = '1.0.0' | '2.0.0';

export interface Frame {
  /** The `ref` of the `phx_join` that opened the channel; null for socket-level and broadcast messages. */
  joinRef: string | null;
  /** Set on client pushes that expect a `phx_reply` with the same ref. */
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

/** Phoenix serves vsn 1.0.0 to a client that names none. */
export function negotiateVsn(requested: string | null): Vsn | undefined {
  if (requested === null || requested === '1.0.0') return '1.0.0';
  if (requested === '2.0.0') return '2.0.0';
  return undefined;
}

// Longer than any topic realtime-js can use: its binary broadcast header stores the length in one byte.
const MAX_TOPIC_LENGTH = 255;
const MAX_NAME_LENGTH = 64;

/** Parses a text frame; undefined when it is not a well-formed Phoenix message. */
export function decodeFrame(text: string, vsn: Vsn): Frame | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  let joinRef, ref, topic, event, payload: unknown;
  if (vsn === '2.0.0') {
    if (!Array.isArray(message) || message.length !== 5) return undefined;
    [joinRef, ref, topic, event, payload] = message;
  } else {
    if (!isObject(message)) return undefined;
    ({ join_ref: joinRef, ref, topic, event, payload } = message);
  }
  if (!isRef(joinRef) || !isRef(ref)) return undefined;
  if (typeof topic !== 'string' || topic.length > MAX_TOPIC_LENGTH) return undefined;
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_NAME_LENGTH) return undefined;
  if (!isObject(payload)) return undefined;
  return { joinRef: joinRef ?? null, ref: ref ?? null, topic, event, payload };
}

export function encodeFrame(frame: Frame, vsn: Vsn): string {
  const { joinRef, ref, topic, event, payload } = frame;
  return JSON.stringify(vsn === '2.0.0' ? [joinRef, ref, topic, event, payload] : { join_ref: joinRef, ref, topic, event, payload });
}

/** The `phx_reply` that settles the push `to` (realtime-js matches it by `ref`). */
export function reply(to: Frame, status: 'ok' | 'error', response: Record<string, unknown> = {}): Frame {
  return { joinRef: to.joinRef, ref: to.ref, topic: to.topic, event: 'phx_reply', payload: { status, response } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRef(value: unknown): value is string | null | undefined {
  return value === null || value === undefined || (typeof value === 'string' && value.length <= MAX_NAME_LENGTH);
}
