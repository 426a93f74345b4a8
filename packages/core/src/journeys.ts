import * as z from 'zod/mini';
import type { Backend } from './backend.ts';
import type { ResponseCache } from './cache.ts';
import { TesseraError } from './errors.ts';
import type { ProfilesClient, RequestOptions, Subscription } from './profiles.ts';
import { callRpc } from './rpc.ts';
import { JourneyPage, StageHistory, type JourneyEvent } from './schemas/journey.ts';
import { watchRead, type Snapshot } from './snapshot.ts';
import { timeArgument } from './time-argument.ts';

const OptionalJourneyPage = z.nullable(JourneyPage);
const OptionalStageHistory = z.nullable(StageHistory);

/** Which part of a journey to read. Every filter is optional; together they narrow. */
export interface JourneyQuery extends RequestOptions {
  /** Only events at or after this time (inclusive). */
  since?: Date | string;
  /** Only events before this time (exclusive), so `until` of one window is `since` of the next. */
  until?: Date | string;
  /** Only these event types (`order_placed`, `commented`, …). An empty list matches nothing. */
  kinds?: readonly string[];
  /** Only events from these sources (`shopify`, `kajabi`, `meta`, …). An empty list matches nothing. */
  sources?: readonly string[];
  /** `next_cursor` of the previous page; leave it out for the newest page. */
  cursor?: string | null;
  /** Events per page, 1–200 (default 50). */
  limit?: number;
}

/** The RPC's named arguments; what the caller left out is left out, so the function's defaults apply. */
function journeyArgs(profileId: string, query: JourneyQuery): Record<string, unknown> {
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= 200)) {
    throw new TesseraError('invalid_argument', `journeys: limit must be a whole number from 1 to 200, not ${query.limit}`);
  }
  const args: Record<string, unknown> = { profile_id: profileId };
  if (query.since !== undefined) args.since = timeArgument(query.since, 'since', 'journeys');
  if (query.until !== undefined) args.until = timeArgument(query.until, 'until', 'journeys');
  if (query.kinds !== undefined) args.kinds = [...query.kinds];
  if (query.sources !== undefined) args.sources = [...query.sources];
  if (query.cursor) args.cursor = query.cursor;
  if (query.limit !== undefined) args.limit = query.limit;
  return args;
}

/**
 * `tessera.journeys`: a person's timeline across every source (orders,
 * payments, courses, comments, follows, …) and every profile merged into them.
 */
export function createJourneysClient(backend: Backend, cache: ResponseCache, profiles: ProfilesClient) {
  /**
   * One page of a person's journey, newest first. Resolves to `null` when there
   * is no such person or the caller may not see them. A merged-away id answers
   * with the survivor's journey (`page.profile_id` says whose).
   *
   * @example
   * const page = await tessera.journeys.get(profileId, { kinds: ['order_placed', 'refund_issued'], limit: 20 });
   * for (const event of page?.events ?? []) console.log(event.occurred_at, event.summary);
   * const older = page?.next_cursor ? await tessera.journeys.get(profileId, { cursor: page.next_cursor }) : null;
   */
  async function get(profileId: string, query: JourneyQuery = {}): Promise<JourneyPage | null> {
    return callRpc(backend, 'get_journey', journeyArgs(profileId, query), OptionalJourneyPage, query.signal);
  }

  /**
   * Every event of a person's journey matching `query`, newest first, fetched a
   * page (`limit`) at a time as the loop asks for more. Nothing for a person the
   * caller may not see. Stop early with `break`, or cancel with `signal`.
   *
   * @example
   * for await (const event of tessera.journeys.paginate(profileId, { since: '2026-01-01T00:00:00Z' })) {
   *   if (event.type === 'refund_issued') break;
   * }
   */
  async function* paginate(profileId: string, query: JourneyQuery = {}): AsyncGenerator<JourneyEvent, void, undefined> {
    let cursor = query.cursor ?? null;
    do {
      const page = await get(profileId, { ...query, cursor });
      if (!page) return;
      yield* page.events;
      cursor = page.next_cursor;
    } while (cursor);
  }

  /**
   * The newest page of a person's journey as it grows: the cached page at
   * once, then the fresh one, then a re-read each time the person's profile
   * changes (every applied event touches it). Offline, the cached page with
   * when it was fetched. Older pages are read with `get` and `next_cursor`.
   *
   * @example
   * const sub = tessera.journeys.watch(profileId, { limit: 20 }, ({ value, offline, fetchedAt }) => render(value?.events ?? []));
   */
  function watch(profileId: string, query: Omit<JourneyQuery, 'cursor' | 'signal'>, listener: (snapshot: Snapshot<JourneyPage | null>) => void): Subscription {
    const args = journeyArgs(profileId, query);
    return watchRead(
      {
        cache,
        key: `journey:${JSON.stringify(args)}`,
        read: (signal) => get(profileId, { ...query, signal }),
        follow: (changed) => profiles.onChanged(profileId, changed),
      },
      listener,
    );
  }

  /**
   * A person's lifecycle stage history, oldest first: each stage they were in
   * (follower, lead, first_purchase, repeat, loyal, at_risk, churned,
   * reactivated), when they entered and left it, and what moved them there.
   * Resolves to `null` when there is no such person or the caller may not see
   * them; a merged-away id answers with the survivor's history.
   *
   * @example
   * const history = await tessera.journeys.stages(profileId);
   * for (const spell of history?.stages ?? []) console.log(spell.label, spell.entered_at, spell.cause);
   */
  async function stages(profileId: string, options: RequestOptions = {}): Promise<StageHistory | null> {
    return callRpc(backend, 'get_stages', { profile_id: profileId }, OptionalStageHistory, options.signal);
  }

  return { get, paginate, watch, stages };
}

export type JourneysClient = ReturnType<typeof createJourneysClient>;
