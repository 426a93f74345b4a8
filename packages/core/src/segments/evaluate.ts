import { SEGMENT_ATTRIBUTES, SEGMENT_VERBS, type SegmentAttribute, type SegmentNode, type SegmentValue, type SegmentWindow } from '../schemas/segment.ts';
import { checkSegment, type AttributeType, type ComparisonOperator } from './check.ts';

/** What the evaluator knows about one person: the columns of `profile_facts` a segment can test, plus identities and events. */
export interface SegmentFacts {
  amount_spent: number;
  number_of_orders: number;
  average_order_value: number | null;
  /** ISO timestamps, compared by their UTC calendar day. */
  first_order_date: string | null;
  last_order_date: string | null;
  first_seen_date: string | null;
  last_seen_date: string | null;
  first_seen_source: string | null;
  sources: number;
  courses_completed: number;
  churn_risk: number | null;
  churn_band: string | null;
  stage: string | null;
  social_followers: number | null;
  social_interactions: number;
  email_subscribed: boolean | null;
  country: string | null;
  /** Identity kinds the person has, named as in `SEGMENT_IDENTITIES`. */
  identities: string[];
  events: { type: string; occurred_at: string; products: string[] }[];
}

/**
 * Whether a person is in a segment, in SQL's three-valued logic: `null` means
 * unknown, as when the attribute compared is missing. This is the definition
 * the backend's SQL must agree with:
 *
 * - a comparison, IN, NOT IN or BETWEEN on a missing attribute is unknown;
 *   IS NULL / IS NOT NULL never is;
 * - AND, OR and NOT follow Kleene (false AND unknown = false, true OR unknown =
 *   true, NOT unknown = unknown);
 * - text compares case-insensitively;
 * - dates compare by UTC calendar day, and `-90d` is the UTC day of `now`
 *   minus 90 days;
 * - `has X` is true when X is among the person's identities;
 * - an event condition counts matching events in its window and is never unknown.
 *
 * Throws a `TypeError` for a tree that `checkSegment` rejects (such a tree has
 * no meaning) and for a timestamp without a time zone (its day is ambiguous).
 *
 * @example
 * evaluateSegment(parseSegmentOrThrow('churn_risk > 0.8'), { ...facts, churn_risk: null }, new Date()) // null
 */
export function evaluateSegment(node: SegmentNode, person: SegmentFacts, now: Date): boolean | null {
  const problem = checkSegment(node)[0];
  if (problem !== undefined) throw new TypeError(`Cannot evaluate this segment: ${problem}`);
  return evaluate(node, { person, now: now.getTime(), today: utcDay(now.getTime()) });
}

/** Whether a person is in the segment for sure: unknown counts as out, as in a SQL WHERE clause. */
export function matchesSegment(node: SegmentNode, person: SegmentFacts, now: Date): boolean {
  return evaluateSegment(node, person, now) === true;
}

interface Context {
  person: SegmentFacts;
  now: number;
  /** Days since 1970-01-01 of `now`'s UTC date. */
  today: number;
}

const DAY = 86_400_000;

function evaluate(node: SegmentNode, context: Context): boolean | null {
  switch (node.kind) {
    case 'and': {
      const results = node.conditions.map((condition) => evaluate(condition, context));
      return results.includes(false) ? false : results.includes(null) ? null : true;
    }
    case 'or': {
      const results = node.conditions.map((condition) => evaluate(condition, context));
      return results.includes(true) ? true : results.includes(null) ? null : false;
    }
    case 'not': {
      const result = evaluate(node.condition, context);
      return result === null ? null : !result;
    }
    case 'compare': {
      const actual = attribute(node.attribute, context);
      return actual === null ? null : compare(node.op, actual, literal(node.attribute, node.value, context));
    }
    case 'in': {
      const actual = attribute(node.attribute, context);
      if (actual === null) return null;
      const found = node.values.some((value) => literal(node.attribute, value, context) === actual);
      return found !== node.negated;
    }
    case 'between': {
      const actual = attribute(node.attribute, context);
      if (actual === null) return null;
      return actual >= literal(node.attribute, node.low, context) && actual <= literal(node.attribute, node.high, context);
    }
    case 'is_null':
      return (context.person[node.attribute] == null) !== node.negated;
    case 'has':
      return context.person.identities.includes(node.identity);
    case 'event':
      return countEvents(node, context) >= (node.atLeast ?? 1);
  }
}

/** An attribute or a literal reduced to what compares: numbers, lower-cased text, day numbers for dates, booleans. */
type Comparable = number | string | boolean;

function attribute(name: SegmentAttribute, context: Context): Comparable | null {
  const value = context.person[name];
  if (value == null) return null;
  return comparable(SEGMENT_ATTRIBUTES[name], value);
}

function literal(name: SegmentAttribute, value: SegmentValue, context: Context): Comparable {
  if (value.type === 'relative_date') return context.today + value.days;
  return comparable(SEGMENT_ATTRIBUTES[name], value.value);
}

function comparable(type: AttributeType, value: number | string | boolean): Comparable {
  if (type === 'text') return String(value).toLowerCase();
  if (type === 'date') return utcDay(timeOf(String(value)));
  return value;
}

function compare(op: ComparisonOperator, actual: Comparable, expected: Comparable): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
  }
}

function countEvents(node: Extract<SegmentNode, { kind: 'event' }>, context: Context): number {
  const types: readonly string[] = SEGMENT_VERBS[node.verb];
  const product = node.product?.trim().toLowerCase();
  const [from, to] = windowBounds(node.window, context.now);
  return context.person.events.filter((event) => {
    const at = timeOf(event.occurred_at);
    return (
      types.includes(event.type) &&
      at >= from &&
      at < to &&
      (product === undefined || event.products.some((title) => title.trim().toLowerCase() === product))
    );
  }).length;
}

/** The window as [from, to) in epoch milliseconds. */
function windowBounds(window: SegmentWindow | undefined, now: number): [number, number] {
  switch (window?.kind) {
    case undefined:
      return [-Infinity, Infinity];
    case 'last_days':
      return [now - window.days * DAY, Infinity];
    case 'since':
      return [midnight(window.date), Infinity];
    case 'between':
      return [midnight(window.from), midnight(window.to) + DAY];
  }
}

function midnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** Days since 1970-01-01 of a moment's UTC date. */
function utcDay(time: number): number {
  return Math.floor(time / DAY);
}

/** A date, or a date and time with its offset; without an offset JavaScript would read the time as local, and SQL would not. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

function timeOf(text: string): number {
  const time = TIMESTAMP.test(text) ? Date.parse(text.replace(' ', 'T')) : NaN;
  if (Number.isNaN(time)) throw new TypeError(`Not an ISO timestamp with a time zone: "${text}"`);
  return time;
}
