import type { Backend } from './backend.ts';
import { TesseraError } from './errors.ts';
import type { RequestOptions } from './profiles.ts';
import { callRpc } from './rpc.ts';
import { loadSegmentLanguage } from './segment-language-loader.ts';
import type { SegmentNode } from './schemas/segment.ts';
import type { SegmentParseError } from './segments/parse.ts';
import type { SavedSegment, SegmentMembershipChange, SegmentMembersPage, SegmentPreview } from './segments/wire.ts';
import type { Subscription } from './profiles.ts';

// The language and the wire schemas load with the first call: a page showing
// cards never downloads them (see segment-language-loader.ts).

/** A segment as text in the segment language (docs/segments.md) or as its syntax tree. */
export type SegmentQuery = string | SegmentNode;

/** A query that does not parse: `invalid_argument`, with where in the text it went wrong. */
export class SegmentQueryError extends TesseraError {
  readonly column: number;
  readonly length: number;
  constructor(error: SegmentParseError) {
    super('invalid_argument', error.message);
    this.column = error.column;
    this.length = error.length;
  }
}

/**
 * `tessera.segments`: people described by a query, previewed live or saved
 * and kept current as their events arrive.
 */
export function createSegmentsClient(backend: Backend) {
  /** The query's text and tree; text is parsed here, so mistakes are reported with their column before any request. */
  async function read(query: SegmentQuery): Promise<{ text: string; tree: SegmentNode }> {
    const language = await loadSegmentLanguage();
    if (typeof query === 'string') {
      const parsed = language.parseSegment(query);
      if (!parsed.ok) throw new SegmentQueryError(parsed.error);
      return { text: query, tree: parsed.segment };
    }
    const checked = language.SegmentCondition.safeParse(query);
    if (!checked.success) throw new TesseraError('invalid_argument', `Not a segment tree: ${checked.error.issues[0]?.message ?? 'invalid'}`);
    return { text: language.printSegment(checked.data), tree: checked.data };
  }

  /**
   * People entering and leaving a saved segment, live, as their events
   * arrive (and when the nightly run moves time-dependent segments).
   *
   * @example
   * const sub = tessera.segments.subscribe(segmentId, ({ change, profile_id }) => console.log(change, profile_id));
   */
  function subscribe(
    segmentId: string,
    onChange: (change: SegmentMembershipChange) => void,
    { onLive = () => {}, onError = () => {} }: { onLive?: (stopped: TesseraError | null) => void; onError?: (error: TesseraError) => void } = {},
  ): Subscription {
    let closed = false;
    let channel: Awaited<ReturnType<Backend['channel']>> | undefined;
    Promise.all([loadSegmentLanguage(), backend.channel(`segment:${segmentId}`)])
      .then(([{ SegmentMembershipChange }, ch]) => {
        if (closed) return;
        channel = ch
          .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'segment_membership_changes', filter: `segment_id=eq.${segmentId}` }, (payload) => {
            const parsed = SegmentMembershipChange.safeParse(payload?.new);
            if (closed) return;
            if (parsed.success) onChange(parsed.data);
            else onError(new TesseraError('invalid_response', `A segment change did not match the schema: ${parsed.error.issues[0]?.message}`));
          })
          .subscribe((status, error) => {
            if (closed) return;
            if (status === 'SUBSCRIBED') onLive(null);
            else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
              onLive(new TesseraError('network', `Live segment changes for ${segmentId} stopped: ${error?.message ?? status.toLowerCase()}`, { cause: error }));
            }
          });
      })
      .catch((error) => !closed && onLive(new TesseraError('network', `Could not start live segment changes: ${error?.message ?? error}`, { cause: error })));
    return {
      unsubscribe() {
        closed = true;
        void channel?.unsubscribe();
      },
    };
  }

  return {
    subscribe,
    /**
     * Parses a query without sending it: `{ ok: true, segment }` or `{ ok: false, error: { message, column, length } }`.
     *
     * @example
     * const result = await tessera.segments.parse('amount_spnt > 100');
     * // { ok: false, error: { message: 'Unknown attribute "amount_spnt" at column 1 — did you mean amount_spent?', column: 1, … } }
     */
    async parse(query: string) {
      return (await loadSegmentLanguage()).parseSegment(query);
    },

    /**
     * How many people match a query right now, and a sample of them. Nothing is saved.
     *
     * @example
     * const { count, sample } = await tessera.segments.preview("has instagram AND churn_band = 'high'");
     */
    async preview(query: SegmentQuery, options: RequestOptions & { limit?: number } = {}): Promise<SegmentPreview> {
      const { tree } = await read(query);
      const { SegmentPreview } = await loadSegmentLanguage();
      return callRpc(backend, 'preview_segment', { segment: tree, limit: options.limit ?? 10 }, SegmentPreview, options.signal);
    },

    /** Saves a segment under a name (replacing one of the same name) and computes its members. */
    async save(name: string, query: SegmentQuery, options: RequestOptions = {}): Promise<SavedSegment> {
      const { text, tree } = await read(query);
      const { SavedSegment } = await loadSegmentLanguage();
      return callRpc(backend, 'save_segment', { name, query: text, definition: tree }, SavedSegment, options.signal);
    },

    /** The workspace's saved segments with their member counts. */
    async list(options: RequestOptions = {}): Promise<SavedSegment[]> {
      const { SavedSegmentList } = await loadSegmentLanguage();
      return callRpc(backend, 'list_segments', {}, SavedSegmentList, options.signal);
    },

    /** One page of a saved segment's members; pass `next_cursor` back for the next. */
    async members(segmentId: string, options: RequestOptions & { cursor?: string | null; limit?: number } = {}): Promise<SegmentMembersPage> {
      const { SegmentMembersPage } = await loadSegmentLanguage();
      return callRpc(
        backend,
        'segment_members',
        { segment_id: segmentId, cursor: options.cursor ?? null, limit: options.limit ?? 50 },
        SegmentMembersPage,
        options.signal,
      );
    },
  };
}

export type SegmentsClient = ReturnType<typeof createSegmentsClient>;
