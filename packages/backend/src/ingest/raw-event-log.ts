import { isPostgresError, type Queryable } from '../db/database.ts';
import { encodeBase64 } from '../webhooks/hmac.ts';
import type { RawEventEntry, RawEventLog, RecordedRawEvent } from '../webhooks/delivery.ts';

interface Waiting {
  entry: RawEventEntry;
  resolve(stored: RecordedRawEvent): void;
  reject(error: unknown): void;
}

/**
 * The raw event log over a direct database connection, with group commit:
 * deliveries that arrive while a write is in flight are stored together by
 * the next one (`public.record_raw_events`, one round trip and one commit),
 * and each is answered once its group is committed. A delivery that arrives
 * to an idle log is written at once, so a quiet store waits for nothing.
 * `record_raw_events` stores each delivery as `public.record_raw_event`,
 * which an Edge Function calls through the API with the service key, so both
 * paths store deliveries identically.
 */
export function createRawEventLog(db: Queryable): RawEventLog {
  let waiting: Waiting[] = [];
  let writing: Promise<void> | undefined;

  async function writeAll(): Promise<void> {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      const byStream = new Map<string, Waiting[]>();
      for (const w of group) {
        const stream = `${w.entry.workspaceId} ${w.entry.source}`;
        if (!byStream.has(stream)) byStream.set(stream, []);
        byStream.get(stream)!.push(w);
      }
      await Promise.all([...byStream.values()].map(store));
    }
    writing = undefined;
  }

  async function store(group: Waiting[]): Promise<void> {
    try {
      const stored = await recordAll(group.map((w) => w.entry));
      group.forEach((w, i) => w.resolve(stored[i]!));
    } catch (error) {
      // One delivery Postgres refuses must not fail the others stored with it: each is tried alone.
      if (group.length > 1 && isPostgresError(error)) await Promise.all(group.map((w) => store([w])));
      else for (const w of group) w.reject(error);
    }
  }

  async function recordAll(entries: RawEventEntry[]): Promise<RecordedRawEvent[]> {
    const [first] = entries as [RawEventEntry];
    const [row] = await db.query<{ result: RecordedRawEvent[] }>(`select public.record_raw_events($1, $2, $3::jsonb) as result`, [
      first.workspaceId,
      first.source,
      JSON.stringify(
        entries.map((entry) => ({
          topic: storableText(entry.topic),
          idempotency_key: storableText(entry.idempotencyKey),
          headers: entry.headers,
          body_base64: encodeBase64(entry.body),
          triggered_at: entry.triggeredAt,
          status: entry.status,
          error: storableText(entry.error ?? null),
        })),
      ),
    ]);
    return row!.result.map((stored) => ({ ...stored, id: Number(stored.id) }));
  }

  return {
    record(entry) {
      return new Promise<RecordedRawEvent>((resolve, reject) => {
        waiting.push({ entry, resolve, reject });
        writing ??= writeAll();
      });
    },
    async recordUnrouted(entry) {
      await db.query(`insert into tessera.unrouted_deliveries (source, headers, body, reason) values ($1, $2::jsonb, decode($3, 'base64'), $4)`, [
        entry.source,
        JSON.stringify(entry.headers),
        encodeBase64(entry.body),
        storableText(entry.reason),
      ]);
    },
  };
}

/**
 * Text as Postgres can store it. Reasons quote what the sender wrote
 * (JSON.parse's message repeats the offending character, a normaliser quotes
 * the bad value), topics and keys are read from the payload (Meta's
 * `object`), and a text column cannot hold NUL: a delivery with one made the
 * insert fail, and it was answered 500 and not recorded. Nor can jsonb hold a
 * lone UTF-16 surrogate (a payload's "\ud800"), which JSON.stringify writes
 * as an escape: it becomes U+FFFD, as it does in a query parameter.
 */
function storableText<T extends string | null>(text: T): T {
  return (text === null ? text : text.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\\u0000')) as T;
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
