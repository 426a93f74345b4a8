import { NormaliseError, type Normaliser } from '../normalisers/record.ts';
import { BodyTooLargeError, MAX_BODY_BYTES, answer, boundedKey, keptHeaders, readBody, sha256Hex, type WebhookContext } from './delivery.ts';

/**
 * The steps the social webhook handlers share once they know what a delivery
 * is: read it under the cap, store each person-sized item (validated by its
 * normaliser while the platform is still listening), and answer with what
 * became of it. The platform-specific parts (signatures, handshakes, how a
 * delivery splits and routes) stay in meta.ts, x.ts, tiktok.ts, youtube.ts.
 */

/** What became of one item of a delivery. */
export type Outcome =
  | { status: 'accepted' | 'ignored' | 'duplicate'; id: number }
  | { status: 'failed' | 'rejected'; id: number; error: string }
  | { status: 'unrouted'; error: string };

/** One item ready to store: its workspace, topic, bytes, and what those bytes parsed to. */
export interface ItemToStore {
  workspaceId: string;
  topic: string;
  /** The platform's own id for the event; without one the body's SHA-256 is the idempotency key. */
  key: string | null;
  body: Uint8Array<ArrayBuffer>;
  payload: unknown;
  triggeredAt: string | null;
}

/** The body under the cap, with the headers as stored; a larger one is kept as unrouted (headers only) and answered 413. */
export async function readDelivery(
  request: Request,
  context: WebhookContext,
  source: string,
): Promise<{ headers: Record<string, string>; body: Uint8Array<ArrayBuffer> } | Response> {
  const headers = keptHeaders(request.headers);
  try {
    return { headers, body: await readBody(request) };
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const reason = `Body larger than ${MAX_BODY_BYTES} bytes refused`;
    await context.log.recordUnrouted({ source, headers, body: new Uint8Array(), reason });
    return answer(413, { error: reason });
  }
}

const entryOf = async (source: string, headers: Record<string, string>, item: ItemToStore) => ({
  workspaceId: item.workspaceId,
  source,
  topic: item.topic,
  idempotencyKey: item.key != null ? await boundedKey(item.key) : `sha256:${await sha256Hex(item.body)}`,
  headers,
  body: item.body,
  triggeredAt: item.triggeredAt,
});

/**
 * Stores one item. Its normaliser runs first, so a payload it cannot use is
 * stored in the dead-letter with the reason (and answered 400), one it does
 * not handle is stored as ignored, and the rest are stored pending and
 * handed on for processing after the answer.
 */
export async function storeItem(
  context: WebhookContext,
  source: string,
  headers: Record<string, string>,
  item: ItemToStore,
  normalise: Normaliser,
): Promise<Outcome> {
  const entry = await entryOf(source, headers, item);
  let status: 'pending' | 'ignored' | 'failed' = 'pending';
  let note: string | null = null;
  try {
    const normalised = normalise({ source, topic: item.topic, headers, body: item.payload, triggeredAt: item.triggeredAt, receivedAt: new Date().toISOString() });
    if (normalised.kind === 'ignored') [status, note] = ['ignored', normalised.reason];
  } catch (error) {
    // A normaliser is pure: whatever else it throws (a RangeError on a value nested 10,000 deep) is about this payload too.
    [status, note] = ['failed', error instanceof NormaliseError ? error.message : `Payload could not be read: ${(error as Error).message}`];
  }
  const stored = await context.log.record({ ...entry, status, error: note });
  if (stored.duplicate) {
    return stored.status === 'failed' ? { status: 'failed', id: stored.id, error: stored.error ?? 'This event failed before' } : { status: 'duplicate', id: stored.id };
  }
  if (status === 'failed') return { status: 'failed', id: stored.id, error: note! };
  if (status === 'pending') context.onAccepted(item.workspaceId, stored.id);
  return { status: status === 'pending' ? 'accepted' : 'ignored', id: stored.id };
}

/** Stores an item that failed its signature check: kept for the record, never processed, and not holding the event's key. */
export async function rejectItem(context: WebhookContext, source: string, headers: Record<string, string>, item: ItemToStore, reason: string): Promise<Outcome> {
  const stored = await context.log.record({ ...(await entryOf(source, headers, item)), status: 'rejected', error: reason });
  return { status: 'rejected', id: stored.id, error: reason };
}

/**
 * The answer to a delivery from what became of its items: 200 when anything
 * was kept for processing (or had been before), otherwise 400 for unusable
 * payloads, 401 for failed signatures, and `unrouted` for accounts nobody
 * connected (whose status the caller chooses).
 */
export function answerOutcomes(outcomes: Outcome[], unroutedStatus: number): Response {
  const summary = (o: Outcome) => ({ status: o.status, ...('id' in o ? { id: o.id } : {}), ...('error' in o ? { error: o.error } : {}) });
  const kept = outcomes.find((o) => o.status === 'accepted' || o.status === 'ignored' || o.status === 'duplicate');
  const first = kept ?? outcomes.find((o) => o.status === 'failed') ?? outcomes.find((o) => o.status === 'rejected') ?? outcomes[0];
  const status = kept ? 200 : first?.status === 'failed' ? 400 : first?.status === 'rejected' ? 401 : unroutedStatus;
  if (!first) return answer(status, { status: 'empty' });
  if (outcomes.length === 1) return answer(status, summary(first));
  const error = !kept && 'error' in first ? { error: first.error } : {};
  return answer(status, { status: kept ? 'accepted' : first.status, ...error, items: outcomes.map(summary) });
}
