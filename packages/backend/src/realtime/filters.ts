import type { BroadcastTable } from './broadcast-tables.ts';

/**
 * The `filter` of a postgres_changes subscription, as Supabase Realtime reads
 * it: `column=operator.value`, several joined by commas that must all hold
 * (what realtime-js's `postgresChangesFilter()` builds). Values may be quoted
 * the PostgREST way (`"a,b"`, with `\"` and `\\` inside) or carry Realtime's
 * `\,` escape; `in` lists its values in parentheses: `id=in.(1,2,3)`.
 *
 * Conditions are checked here rather than in SQL because one change is
 * matched against every subscriber's filters; each value is parsed as its
 * column's type when the channel joins, so a bad filter fails the join and
 * matching never meets a value it cannot compare.
 */
export type FilterOperator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';

export interface Condition {
  column: string;
  operator: FilterOperator;
  kind: Kind;
  /** One value, or the list of an `in`. */
  values: Value[];
}

/** A filter the server refuses; the message names the part at fault and what would be accepted. */
export class FilterError extends Error {}

const OPERATORS: ReadonlySet<string> = new Set<FilterOperator>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);
// Supabase's documented limit for `in`.
const MAX_IN_VALUES = 100;
const MAX_FILTER_LENGTH = 8192;

export function parseFilter(filter: string, table: BroadcastTable): Condition[] {
  if (filter.length > MAX_FILTER_LENGTH) throw new FilterError(`Invalid filter: longer than ${MAX_FILTER_LENGTH} characters.`);
  return splitList(filter)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => parseCondition(part, table));
}

/** Whether `record` (a row as JSON) satisfies every condition; a null column satisfies none, as in SQL. */
export function matchesFilter(conditions: readonly Condition[], record: Record<string, unknown>): boolean {
  return conditions.every((condition) => {
    const raw = record[condition.column];
    const value = raw === null || raw === undefined ? undefined : parseValue(condition.kind, String(raw));
    return value !== undefined && holds(condition, value);
  });
}

type Kind = 'number' | 'uuid' | 'boolean' | 'time' | 'text';
// Booleans compare as 0 and 1 and times as epoch milliseconds, so every operator is plain `<`, `===`.
type Value = string | number;

function parseCondition(part: string, table: BroadcastTable): Condition {
  const fail = (why: string) => new FilterError(`Invalid filter "${part}": ${why}.`);
  const equals = part.indexOf('=');
  if (equals < 0) throw fail('expected <column>=<operator>.<value>, such as id=eq.42');
  const column = part.slice(0, equals).trim();
  const rest = part.slice(equals + 1).trim();
  const type = table.columnTypes.get(column);
  if (!type) throw fail(`${table.schema}.${table.table} has no column "${column}"`);
  const dot = rest.indexOf('.');
  if (dot < 0) throw fail('expected <operator>.<value> after "=", such as eq.42');
  const operator = rest.slice(0, dot);
  if (!OPERATORS.has(operator)) throw fail(`operator "${operator}" is not supported; use one of ${[...OPERATORS].join(', ')}`);
  const kind = kindOf(type);
  if (!kind) throw fail(`column ${column} is ${type}, and filters on ${type} columns are not supported`);

  let texts: string[];
  const raw = rest.slice(dot + 1);
  if (operator === 'in') {
    const list = /^\((.*)\)$/s.exec(raw);
    if (!list || list[1]!.trim() === '') throw fail('in lists one or more values in parentheses, such as in.(1,2,3)');
    texts = splitList(list[1]!).map((item) => item.trim());
    if (texts.length > MAX_IN_VALUES) throw fail(`in accepts at most ${MAX_IN_VALUES} values`);
  } else {
    texts = [raw];
  }
  const values = texts.map((text) => {
    const decoded = decodeValue(text);
    if (decoded === undefined) throw fail(`the quoted value ${text} is not closed properly`);
    const value = parseValue(kind, decoded);
    if (value === undefined) throw fail(`"${decoded}" is not a valid ${type} for column ${column}`);
    return value;
  });
  return { column, operator: operator as FilterOperator, kind, values };
}

function holds({ operator, values }: Condition, value: Value): boolean {
  const operand = values[0]!;
  switch (operator) {
    case 'eq':
      return value === operand;
    case 'neq':
      return value !== operand;
    case 'lt':
      return value < operand;
    case 'lte':
      return value <= operand;
    case 'gt':
      return value > operand;
    case 'gte':
      return value >= operand;
    case 'in':
      return values.includes(value);
  }
}

const NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);
const TIME_TYPES = new Set(['timestamptz', 'timestamp', 'date']);
const OTHER_COMPARABLE_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);

/** How a column's values compare; undefined for types (arrays, json, ranges…) that no filter may use. */
function kindOf(type: string): Kind | undefined {
  if (NUMBER_TYPES.has(type)) return 'number';
  if (TIME_TYPES.has(type)) return 'time';
  if (type === 'uuid') return 'uuid';
  if (type === 'bool') return 'boolean';
  if (OTHER_COMPARABLE_TYPES.has(type)) return 'text';
  return undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The spellings Postgres accepts for a boolean.
const BOOLEANS = new Map([...['t', 'true', 'y', 'yes', 'on', '1'].map((w) => [w, 1] as const), ...['f', 'false', 'n', 'no', 'off', '0'].map((w) => [w, 0] as const)]);

/** Reads a filter value, or a row's value as JSON gives it, as its column's kind; undefined when it is not one. */
function parseValue(kind: Kind, text: string): Value | undefined {
  switch (kind) {
    case 'number': {
      const number = Number(text);
      return text.trim() !== '' && Number.isFinite(number) ? number : undefined;
    }
    case 'time': {
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? undefined : ms;
    }
    case 'uuid':
      return UUID.test(text) ? text.toLowerCase() : undefined;
    case 'boolean':
      return BOOLEANS.get(text.trim().toLowerCase());
    case 'text':
      return text;
  }
}

/** Splits on commas outside double quotes and parentheses; a backslash keeps the next character from splitting. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Unquotes a PostgREST-quoted value, or undoes Realtime's `\,` escape in a bare one; undefined when a quote is left open. */
function decodeValue(text: string): string | undefined {
  if (!text.startsWith('"')) return text.replaceAll('\\,', ',');
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return i === text.length - 1 ? value : undefined;
    if (c === '\\') {
      i++;
      if (i >= text.length) return undefined;
      value += text[i];
    } else {
      value += c;
    }
  }
  return undefined;
}
