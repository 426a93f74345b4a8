/**
 * The outbound webhook worker: takes the deliveries that are due
 * (`public.claim_webhook_deliveries`, `for update skip locked`, so several
 * workers never send the same one), POSTs each signed to its endpoint, and
 * records the answer (`public.record_webhook_attempt`): 2xx is delivered;
 * anything else, a time-out or a network error is retried after 1 min, 5 min,
 * 30 min, 2 h and 8 h, then dead-lettered (`failed`) with the last error. The
 * schedule lives in SQL, so a worker in an Edge Function behaves the same.
 */
import type { Queryable } from '../db/database.ts';
import { outboundHeaders } from './sign.ts';

/** How much of a failing receiver's answer is kept as the error; the rest is never read. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface OutboundWorkerOptions {
  /** Sends the requests (default: the global fetch). */
  fetch?: typeof fetch;
  /** The worker's clock: what is due, when to retry, and the signature's timestamp (default: the system clock). */
  now?: () => Date;
  /** Deliveries claimed and sent at once (default 20). */
  batchSize?: number;
  /** How long a receiver has to answer, body included (default 10 s). */
  timeoutMs?: number;
}

/** What one `runOnce` did. */
export interface OutboundRun {
  /** Attempts made (requests sent, or tried). */
  attempted: number;
  delivered: number;
  /** Failed attempts that will be tried again. */
  retrying: number;
  /** Deliveries that reached the dead-letter. */
  failed: number;
}

export interface OutboundWorker {
  /** Sends everything due now, a batch at a time, and resolves when the last answer is recorded. */
  runOnce(): Promise<OutboundRun>;
  /** Runs `runOnce` now and then every `intervalMs` after each run ends. */
  start(intervalMs?: number): void;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

interface ClaimedDelivery {
  workspace_id: string;
  id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempt: number;
  url: string;
  secret: string;
}

interface AttemptResult {
  statusCode: number | null;
  error: string | null;
}

/**
 * @example
 * const outbound = createOutboundWorker(db);
 * outbound.start(5_000);
 * // … on shutdown
 * await outbound.stop();
 */
export function createOutboundWorker(db: Queryable, options: OutboundWorkerOptions = {}): OutboundWorker {
  const send = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 20;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // A claim outlives the send's time-out, so no other worker takes a delivery still in flight.
  const leaseSeconds = Math.ceil(timeoutMs / 1000) + 30;

  async function attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const message = { eventId: delivery.event_id, eventType: delivery.event_type, body: delivery.body };
      const response = await send(delivery.url, {
        method: 'POST',
        headers: await outboundHeaders(message, delivery.secret, now()),
        body: delivery.body,
        // A redirect could point anywhere, another host included: none is followed.
        redirect: 'manual',
        signal: controller.signal,
      });
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel();
        return { statusCode: response.status, error: null };
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location') ?? '(no Location header)';
        return {
          statusCode: response.status,
          error: `HTTP ${response.status} redirecting to ${location.slice(0, 300)}: Tessera does not follow redirects; register the final URL.`,
        };
      }
      const excerpt = await readExcerpt(response);
      return { statusCode: response.status, error: `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}` };
    } catch (error) {
      if (controller.signal.aborted) return { statusCode: null, error: `No complete answer within ${timeoutMs} ms.` };
      return { statusCode: null, error: `Could not reach the endpoint: ${networkReason(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async function deliver(delivery: ClaimedDelivery, run: OutboundRun): Promise<void> {
    const result = await attempt(delivery);
    run.attempted += 1;
    const [row] = await db.query<{ status: string | null }>('select public.record_webhook_attempt($1, $2, $3, $4, $5, $6) as status', [
      delivery.workspace_id,
      delivery.id,
      delivery.attempt,
      result.statusCode,
      result.error,
      now().toISOString(),
    ]);
    if (row?.status === 'delivered') run.delivered += 1;
    else if (row?.status === 'pending') run.retrying += 1;
    else if (row?.status === 'failed') run.failed += 1;
  }

  async function runOnce(): Promise<OutboundRun> {
    const run: OutboundRun = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
    for (;;) {
      const claimed = await db.query<ClaimedDelivery>('select * from public.claim_webhook_deliveries($1, $2, $3)', [
        now().toISOString(),
        batchSize,
        leaseSeconds,
      ]);
      const settled = await Promise.allSettled(claimed.map((delivery) => deliver(delivery, run)));
      // An attempt whose result could not be recorded is sent again once its claim lapses.
      const broken = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (broken) throw broken.reason;
      if (claimed.length < batchSize) return run;
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  function tick(intervalMs: number): void {
    running = runOnce()
      .then(
        () => {},
        (error: Error) => console.error(`tessera: outbound webhooks: ${error.message}`),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        timer = setTimeout(() => tick(intervalMs), intervalMs);
        timer.unref?.();
      });
  }

  return {
    runOnce,
    start(intervalMs = 5_000) {
      if (!stopped) return;
      stopped = false;
      tick(intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** The first bytes of a failing answer, as one line of text; the rest of the body is never read. */
async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const excerpt = new Uint8Array(RESPONSE_EXCERPT_BYTES);
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      const taken = value.subarray(0, RESPONSE_EXCERPT_BYTES - size);
      excerpt.set(taken, size);
      size += taken.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(excerpt.subarray(0, size)).replace(/\s+/g, ' ').trim();
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, a TLS error, …) is in its cause. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
