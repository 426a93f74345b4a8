import type { BroadcastTable } from './broadcast-tables.ts';
import { matchesFilter, parseFilter, type Condition } from './filters.ts';
import { isObject } from './protocol.ts';

/**
 * The postgres_changes extension of Supabase Realtime: the listeners a
 * channel asks for when it joins, and the changes the database announces on
 * NOTIFY `tessera_realtime` (see migration 0004_realtime.sql).
 */
export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

/** One `postgres_changes` listener of a joined channel. */
export interface Binding {
  /** The number realtime-js matches against a change's `ids`; never 0, which it reads as "no id". */
  id: number;
  event: '*' | ChangeType;
  /** The broadcast tables it listens to: one, or every one in its schema when `table` was omitted or `*`. */
  tables: ReadonlySet<BroadcastTable>;
  conditions: Condition[];
  /**
   * What the join reply returns for it: the client's own event, schema, table
   * and filter, unchanged, plus `id`. realtime-js compares the first four with
   * what it sent and drops the channel on any difference.
   */
  echo: Record<string, unknown>;
}

/** A `postgres_changes` request the server refuses; the message is the join error's reason. */
export class SubscriptionError extends Error {}

const EVENTS: ReadonlySet<string> = new Set(['*', 'INSERT', 'UPDATE', 'DELETE']);
const MAX_BINDINGS = 100;

/** Reads `config.postgres_changes` of a `phx_join`, throwing SubscriptionError or FilterError for what it cannot serve. */
export function parseBindings(requested: unknown, tables: readonly BroadcastTable[]): Binding[] {
  if (requested === undefined || requested === null) return [];
  if (!Array.isArray(requested)) throw new SubscriptionError('config.postgres_changes must be a list of {event, schema, table, filter}.');
  if (requested.length > MAX_BINDINGS) throw new SubscriptionError(`A channel may listen to at most ${MAX_BINDINGS} postgres_changes.`);
  return requested.map((params: unknown, index) => {
    if (!isObject(params)) throw new SubscriptionError('Each postgres_changes entry must be an object {event, schema, table, filter}.');
    const { event, schema, table, filter } = params;
    if (typeof event !== 'string' || !EVENTS.has(event.toUpperCase())) {
      throw new SubscriptionError(`postgres_changes event must be one of *, INSERT, UPDATE, DELETE; got ${JSON.stringify(event ?? null)}.`);
    }
    if (typeof schema !== 'string') throw new SubscriptionError('postgres_changes needs a schema, such as "public".');
    if (!isOptionalString(table)) throw new SubscriptionError('postgres_changes table must be a table name.');
    if (!isOptionalString(filter)) throw new SubscriptionError('postgres_changes filter must be a string such as "id=eq.42".');
    const everyTable = table === undefined || table === null || table === '*';
    const matched = tables.filter((t) => t.schema === schema && (everyTable || t.table === table));
    if (matched.length === 0) {
      const offered = tables.map((t) => `${t.schema}.${t.table}`).join(', ');
      throw new SubscriptionError(`${schema}.${everyTable ? '*' : table} is not broadcast by this server; postgres_changes are available for ${offered}.`);
    }
    if (filter && everyTable) throw new SubscriptionError(`The filter "${filter}" needs a table to apply to: add table to the postgres_changes entry.`);
    return {
      id: index + 1,
      event: event.toUpperCase() as Binding['event'],
      tables: new Set(matched),
      conditions: filter ? parseFilter(filter, matched[0]!) : [],
      echo: { event, schema, ...(table != null && { table }), ...(filter != null && { filter }), id: index + 1 },
    };
  });
}

/** A committed change, as the trigger announced it. */
export interface Change {
  table: BroadcastTable;
  type: ChangeType;
  commitTimestamp: string;
  /** The new row (INSERT, UPDATE); when `truncated`, only its key. */
  record: Record<string, unknown> | null;
  /** The old row's key (UPDATE, DELETE). */
  oldRecord: Record<string, unknown> | null;
  /** The row was too big for a NOTIFY payload: it must be read back to be sent. */
  truncated: boolean;
  /** The row's primary key, in `table.key` order. */
  key: unknown[];
}

/** Reads a NOTIFY payload; undefined when it is not a change of a broadcast table. */
export function parseChange(payload: string, tables: readonly BroadcastTable[]): Change | undefined {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isObject(message)) return undefined;
  const table = tables.find((t) => t.schema === message.schema && t.table === message.table);
  const type = message.type;
  if (!table || (type !== 'INSERT' && type !== 'UPDATE' && type !== 'DELETE')) return undefined;
  const record = isObject(message.record) ? message.record : null;
  const oldRecord = isObject(message.old_record) ? message.old_record : null;
  const keyed = record ?? oldRecord;
  if (!keyed) return undefined;
  return {
    table,
    type,
    commitTimestamp: String(message.commit_timestamp),
    record,
    oldRecord,
    truncated: message.truncated === true,
    key: table.key.map((column) => keyed[column]),
  };
}

/** Whether a binding listens to this kind of change on this table (its filter is checked on the row separately). */
export function listensTo(binding: Binding, change: Change): boolean {
  return binding.tables.has(change.table) && (binding.event === '*' || binding.event === change.type);
}

/** The ids of the bindings whose filter `row` satisfies. */
export function matchingIds(bindings: readonly Binding[], row: Record<string, unknown>): number[] {
  return bindings.filter((b) => matchesFilter(b.conditions, row)).map((b) => b.id);
}

/**
 * The `data` of a postgres_changes message, in the shape realtime-js turns
 * into `{eventType, new, old}`: `columns` names each column's type so that it
 * can convert values (see `_getPayloadRecords` and `convertChangeData`).
 */
export function changeData(change: Change, record: Record<string, unknown> | null): Record<string, unknown> {
  return {
    schema: change.table.schema,
    table: change.table.table,
    commit_timestamp: change.commitTimestamp,
    type: change.type,
    columns: change.table.columns,
    ...(change.type !== 'DELETE' && { record }),
    ...(change.type !== 'INSERT' && { old_record: change.oldRecord }),
    errors: null,
  };
}

function isOptionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}
