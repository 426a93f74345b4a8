import type { Queryable } from '../db/database.ts';
import { encodeBase64 } from '../webhooks/hmac.ts';
import type { RawEventLog, RecordedRawEvent } from '../webhooks/delivery.ts';

/**
 * The raw event log over a direct database connection. It calls the same SQL
 * function (`public.record_raw_event`) an Edge Function calls through the API
 * with the service key, so both paths store deliveries identically.
 */
export function createRawEventLog(db: Queryable): RawEventLog {
  return {
    async record(entry) {
      const [row] = await db.query<{ result: RecordedRawEvent }>(
        `select public.record_raw_event($1, $2, $3, $4, $5::jsonb, $6, $7::timestamptz, $8, $9) as result`,
        [
          entry.workspaceId,
          entry.source,
          storableText(entry.topic),
          storableText(entry.idempotencyKey),
          JSON.stringify(entry.headers),
          encodeBase64(entry.body),
          entry.triggeredAt,
          entry.status,
          storableText(entry.error ?? null),
        ],
      );
      return { ...row!.result, id: Number(row!.result.id) };
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
 * insert fail, and it was answered 500 and not recorded.
 */
function storableText<T extends string | null>(text: T): T {
  return (text === null ? text : text.replaceAll('\u0000', '\\u0000')) as T;
}
