/**
 * What every webhook endpoint shares, whatever the platform: reading the body
 * with a size cap, keeping the headers, answering with a reason, and the
 * interfaces to the raw event log and the connection registry. Handlers use
 * only the Web Request/Response API, so they run unchanged in `tessera serve`
 * and as Supabase Edge Functions.
 */

/** Webhook bodies larger than this are refused (Shopify's largest orders are far below it). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface Connection {
  workspaceId: string;
  secret: string;
}

export interface RawEventEntry {
  workspaceId: string;
  source: string;
  topic: string;
  idempotencyKey: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  triggeredAt: string | null;
  status: 'pending' | 'ignored' | 'failed' | 'rejected';
  error?: string | null;
}

export interface RecordedRawEvent {
  id: number;
  duplicate: boolean;
  status: string;
  error?: string | null;
}

/** The append-only log every delivery is written to before anything else happens. */
export interface RawEventLog {
  record(entry: RawEventEntry): Promise<RecordedRawEvent>;
  /** A delivery no connection claims (unknown account): kept, so nothing is lost. */
  recordUnrouted(entry: { source: string; headers: Record<string, string>; body: Uint8Array; reason: string }): Promise<void>;
}

export interface WebhookContext {
  /** The workspace and signing secret of a platform account, or null if none is connected. */
  findConnection(source: string, account: string): Promise<Connection | null>;
  log: RawEventLog;
  /** Called once a delivery is stored as pending: processing happens after the response. */
  onAccepted(workspaceId: string, rawEventId: number): void;
}

export class BodyTooLargeError extends Error {}

/** Reads the raw body, refusing more than `limit` bytes without buffering them. */
export async function readBody(request: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError();
  if (!request.body) return new Uint8Array(new ArrayBuffer(0));
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Headers as stored with the raw event: names lower-cased, credentials of the caller left out. */
export function keptHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name !== 'cookie' && name !== 'authorization') kept[name.toLowerCase()] = value;
  });
  return kept;
}

/** A JSON answer to the platform (and to whoever reads its delivery log). */
export function answer(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Keys longer than this are stored as their SHA-256. Postgres cannot index a
 * key past ~2.7 kB (raw_events_idempotency_idx), and keys made from what a
 * sender wrote (an event id header, TikTok's event name) can be any length:
 * unbounded, a signed delivery with a 3 kB event name failed to be stored at
 * all (500). Real platform ids are far shorter, so their keys are unchanged.
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/** The key a delivery is stored under: `key` itself, or `sha256-key:<hex>` of it when it is too long to index. */
export async function boundedKey(key: string): Promise<string> {
  return key.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? key : `sha256-key:${await sha256Hex(new TextEncoder().encode(key))}`;
}

/** A payload we cannot use: stored in the dead-letter with the reason, answered 400 with the same reason. */
export async function refuse(context: WebhookContext, entry: Omit<RawEventEntry, 'status' | 'error'>, reason: string): Promise<Response> {
  const stored = await context.log.record({ ...entry, status: 'failed', error: reason });
  return answer(400, { error: reason, id: stored.id });
}

/**
 * Stores a verified, usable delivery — pending, or ignored with the reason for
 * a topic not handled yet — and answers the platform. A repeat of an earlier
 * delivery stores nothing: 200 "duplicate", or the same 400 if the first one
 * was unusable.
 */
export async function storeAndAnswer(
  context: WebhookContext,
  entry: Omit<RawEventEntry, 'status' | 'error'>,
  ignoredBecause: string | null,
): Promise<Response> {
  const status = ignoredBecause === null ? 'pending' : 'ignored';
  const stored = await context.log.record({ ...entry, status, error: ignoredBecause });
  if (stored.duplicate) {
    if (stored.status === 'failed') return answer(400, { error: stored.error ?? 'This delivery failed before', id: stored.id });
    return answer(200, { status: 'duplicate', id: stored.id });
  }
  if (status === 'pending') context.onAccepted(entry.workspaceId, stored.id);
  return answer(200, { status: status === 'pending' ? 'accepted' : 'ignored', id: stored.id });
}
