import { NormaliseError, type Normaliser } from '../normalisers/record.ts';
import { answer, sha256Hex, type WebhookContext } from './delivery.ts';
import { answerOutcomes, rejectItem, storeItem, type Outcome } from './social-delivery.ts';

/**
 * Deliveries signed by a platform app and batching events for several
 * accounts (Meta's `entry[]`, X's event arrays). The signature covers the
 * whole body and is checked before anything else, with the app's secret.
 * The body is then split into one item per event, because a record is about
 * one person and each account may belong to a different workspace:
 *
 * - a delivery with one item (the usual case) is stored byte for byte;
 * - a batch is stored item by item, each as a delivery of the same shape
 *   holding only that item (its JSON values exactly as received), with an
 *   `x-tessera-batch` header naming its place in the batch and the original
 *   body's SHA-256; no workspace ever stores another workspace's entries.
 *
 * Items for accounts nobody connected are kept as unrouted deliveries.
 *
 * A delivery whose signature fails is stored as rejected in the workspace of
 * the account it names when it holds one item. A failing batch is kept once,
 * whole, as unrouted (the operator's log): the app secret is the
 * deployment's, not a workspace's, and one forged body must not turn into a
 * thousand writes across tenants.
 */

export interface BatchItem {
  account: string;
  topic: string;
  key: string | null;
  triggeredAt: string | null;
  delivery: unknown;
}

export interface Batch {
  source: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  /** Why the app's signature does not hold (the reason refused deliveries are stored with), or null when it does. */
  signatureProblem: string | null;
  split(payload: unknown): BatchItem[];
  normalise: Normaliser;
  /** The reason stored with an item whose account no workspace connected. */
  noConnection(account: string): string;
}

const encoder = new TextEncoder();

export async function receiveAppSignedBatch(context: WebhookContext, batch: Batch): Promise<Response> {
  const { source, headers, body, signatureProblem } = batch;
  const unusable = async (reason: string) => {
    await context.log.recordUnrouted({ source, headers, body, reason: signatureProblem ?? reason });
    return signatureProblem ? answer(401, { error: signatureProblem }) : answer(400, { error: reason });
  };

  let items: BatchItem[];
  try {
    items = batch.split(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)));
  } catch (error) {
    if (error instanceof NormaliseError) return unusable(error.message);
    return unusable(`Body is not valid JSON: ${(error as Error).message}`);
  }
  if (items.length === 0 || (signatureProblem && items.length > 1)) {
    await context.log.recordUnrouted({ source, headers, body, reason: signatureProblem ?? 'A delivery with no events in it: nothing to store' });
    return signatureProblem ? answer(401, { error: signatureProblem }) : answer(200, { status: 'empty' });
  }

  const original = items.length > 1 ? await sha256Hex(body) : null;
  const connections = new Map<string, ReturnType<WebhookContext['findConnection']>>();
  const outcomes: Outcome[] = [];
  for (const [index, item] of items.entries()) {
    const itemBody = original ? (serialise(item.delivery) ?? body) : body;
    const itemHeaders = original ? { ...headers, 'x-tessera-batch': `${index + 1}/${items.length} sha256:${original}` } : headers;
    if (!connections.has(item.account)) connections.set(item.account, context.findConnection(source, item.account));
    const connection = await connections.get(item.account)!;
    if (!connection) {
      const reason = batch.noConnection(item.account);
      await context.log.recordUnrouted({ source, headers: itemHeaders, body: itemBody, reason });
      outcomes.push({ status: 'unrouted', error: reason });
      continue;
    }
    const toStore = { workspaceId: connection.workspaceId, topic: item.topic, key: item.key, body: itemBody, payload: item.delivery, triggeredAt: item.triggeredAt };
    outcomes.push(
      signatureProblem
        ? await rejectItem(context, source, itemHeaders, toStore, signatureProblem)
        : await storeItem(context, source, itemHeaders, toStore, batch.normalise),
    );
  }
  if (signatureProblem) return answer(401, { error: signatureProblem });
  // An authentic delivery for an account nobody connected is kept and acknowledged: refusing it
  // would only make the platform retry, and back off from the app's one webhook URL for everyone.
  return answerOutcomes(outcomes, 200);
}

/**
 * One item of a batch as a body of its own. JSON.parse reads nesting of any
 * depth but JSON.stringify recurses: an item nested too deep to write back out
 * is stored as the whole batch it came in (the headers say which item), and
 * its normaliser then dead-letters it.
 */
function serialise(delivery: unknown): Uint8Array<ArrayBuffer> | null {
  try {
    return encoder.encode(JSON.stringify(delivery));
  } catch {
    return null;
  }
}
