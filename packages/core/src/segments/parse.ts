import { SEGMENT_ATTRIBUTES, SEGMENT_IDENTITIES, SEGMENT_VERBS } from '../schemas/segment.ts';
import type { SegmentAttribute, SegmentNode, SegmentValue, SegmentVerb, SegmentWindow } from '../schemas/segment.ts';
import { OPERATORS, TYPE_NAMES, doesNotApply, type AttributeType, fits, isCalendarDate, isOrdered, mismatch, takesIn } from './check.ts';
import { MAX_RELATIVE_DAYS, readToken, type Token } from './lexer.ts';
import { suggest } from './suggest.ts';
import { SegmentSyntaxError } from './syntax-error.ts';

/** How big a segment may get; beyond these the parser explains which one was passed. */
export const SEGMENT_LIMITS = {
  /** Characters in the text. */
  length: 10_000,
  /** Parentheses and NOTs open at once. */
  depth: 50,
  /** Conditions in one AND list or one OR list (after merging, so extra parentheses do not help). */
  conditions: 100,
  /** Values in one IN list. */
  values: 100,
  /** Characters in one quoted text (a value or a product title). */
  text: 500,
  /** Largest N in `at least N times`. */
  atLeast: 100_000,
  /** Largest N in `in last N days`. */
  days: MAX_RELATIVE_DAYS,
} as const;

/** Where and why a segment's text could not be read; see `SegmentSyntaxError`. */
export interface SegmentParseError {
  message: string;
  /** 1-based, counting every character of the text (line breaks included). */
  column: number;
  length: number;
  expected?: string[];
}

export type SegmentParseResult = { ok: true; segment: SegmentNode } | { ok: false; error: SegmentParseError };

/**
 * Reads a segment's text into its tree, checking every name and every value's
 * type. Never throws for bad input: the error says what is wrong and where.
 *
 * @example
 * parseSegment("amount_spent > 100 AND last_order_date < -90d AND NOT has instagram")
 * // { ok: true, segment: { kind: 'and', conditions: [ … ] } }
 * parseSegment('amount_spnt > 100')
 * // { ok: false, error: { message: 'Unknown attribute "amount_spnt" at column 1 — did you mean amount_spent?', column: 1, length: 11, … } }
 */
export function parseSegment(text: string): SegmentParseResult {
  try {
    return { ok: true, segment: parseSegmentOrThrow(text) };
  } catch (error) {
    if (!(error instanceof SegmentSyntaxError)) throw error;
    const { message, column, length, expected } = error;
    return { ok: false, error: expected ? { message, column, length, expected } : { message, column, length } };
  }
}

const ATTRIBUTES = Object.keys(SEGMENT_ATTRIBUTES) as SegmentAttribute[];
const VERBS = Object.keys(SEGMENT_VERBS) as SegmentVerb[];
const verbPhrase = (verb: SegmentVerb) => (verb === 'completed_course' ? 'completed course' : verb);
/** What a condition can start with, for completion. */
const CONDITION_STARTS = [...ATTRIBUTES, 'has', ...VERBS.map(verbPhrase), 'NOT', '('];
/** Words a mistyped condition is matched against ("completed" stands for "completed course"). */
const CONDITION_WORDS = [...ATTRIBUTES, 'has', ...VERBS.filter((verb) => verb !== 'completed_course'), 'completed'];
/** Words that cannot be a value, so finding one where a value belongs means the value is missing. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'between', 'is', 'null']);

const isAttribute = (word: string): word is SegmentAttribute => Object.hasOwn(SEGMENT_ATTRIBUTES, word);
const isVerb = (word: string): word is SegmentVerb => Object.hasOwn(SEGMENT_VERBS, word);
const isIdentity = (word: string): word is (typeof SEGMENT_IDENTITIES)[number] => (SEGMENT_IDENTITIES as readonly string[]).includes(word);

/** `parseSegment` for callers who prefer exceptions: returns the tree or throws a `SegmentSyntaxError`. */
export function parseSegmentOrThrow(text: string): SegmentNode {
  if (text.length > SEGMENT_LIMITS.length) {
    const message = `A segment holds at most ${SEGMENT_LIMITS.length} characters; this one has ${text.length}`;
    throw new SegmentSyntaxError(message, SEGMENT_LIMITS.length + 1, text.length - SEGMENT_LIMITS.length);
  }
  if (/^\s*$/.test(text)) {
    const message = 'The segment is empty: start with an attribute (amount_spent > 100), "has" (has email) or an event (ordered in last 30 days)';
    throw new SegmentSyntaxError(message, 1, 0, CONDITION_STARTS);
  }
  let token = readToken(text, 0);
  let previous = token;
  let depth = 0;

  const segment = parseList('or');
  if (token.kind !== 'end') fail(token, `Unexpected ${show(token)} at column ${column(token)}`, ['AND', 'OR']);
  return segment;

  /** `a OR b OR …` (of AND lists) or `a AND b AND …` (of NOTs), merging lists of the same kind. */
  function parseList(kind: 'and' | 'or'): SegmentNode {
    const conditions: SegmentNode[] = [];
    for (;;) {
      const first = token;
      const node = kind === 'or' ? parseList('and') : parseNot();
      const parts = node.kind === kind ? node.conditions : [node];
      if (conditions.length + parts.length > SEGMENT_LIMITS.conditions) {
        // Underline the whole condition (or parenthesised group) that goes past the limit.
        fail({ ...first, end: previous.end }, `Too many conditions joined by ${kind.toUpperCase()}: at most ${SEGMENT_LIMITS.conditions} in one list, and this one goes past that at column ${column(first)} — for many values of one attribute, use IN (…)`);
      }
      conditions.push(...parts);
      if (word() !== kind) return conditions.length === 1 ? conditions[0]! : { kind, conditions };
      advance();
    }
  }

  function parseNot(): SegmentNode {
    if (word() !== 'not') return parsePrimary();
    const not = advance();
    return nested(not, () => ({ kind: 'not', condition: parseNot() }));
  }

  function parsePrimary(): SegmentNode {
    if (token.kind === '(') {
      const open = advance();
      return nested(open, () => {
        const node = parseList('or');
        if (token.kind === 'end') fail(open, `Missing ")" to close the "(" at column ${column(open)}`, ['AND', 'OR', ')']);
        if (token.kind !== ')') fail(token, `Expected ")" to close the "(" at column ${column(open)}, found ${show(token)} at column ${column(token)}`, ['AND', 'OR', ')']);
        advance();
        return node;
      });
    }
    const name = word();
    if (token.kind === 'end' || KEYWORDS.has(name)) expectedAfter('a condition', CONDITION_STARTS);
    if (token.kind !== 'word') fail(token, `Unexpected ${show(token)} at column ${column(token)}`, CONDITION_STARTS);
    if (name === 'has') return parseHas();
    if (name === 'completed' || isVerb(name)) return parseEvent();
    if (isAttribute(name)) return parseCondition(name);
    const suggestions = suggest(name, CONDITION_WORDS).map((word) => (word === 'completed' ? 'completed course' : word));
    fail(token, `Unknown attribute "${token.text}" at column ${column(token)}${didYouMean(suggestions)}`, CONDITION_STARTS);
  }

  function parseHas(): SegmentNode {
    advance();
    const identity = word();
    if (token.kind !== 'word') expectedAfter('an identity', [...SEGMENT_IDENTITIES]);
    if (!isIdentity(identity)) {
      fail(token, `Unknown identity "${token.text}" at column ${column(token)}${didYouMean(suggest(identity, SEGMENT_IDENTITIES))}`, [...SEGMENT_IDENTITIES]);
    }
    advance();
    return { kind: 'has', identity };
  }

  /** `<verb> [product '…'] [at least N times] [in last N days | since D | between D and D]`, clauses in any order. */
  function parseEvent(): SegmentNode {
    const first = word(advance());
    if (first === 'completed') expectWords(['course'], '"course"');
    const verb: SegmentVerb = first === 'completed' ? 'completed_course' : (first as SegmentVerb);
    const event: Extract<SegmentNode, { kind: 'event' }> = { kind: 'event', verb };
    for (;;) {
      const clause = token;
      const once = (given: unknown, name: string) => given !== undefined && fail(clause, `${name} appears twice in one event (column ${column(clause)})`);
      switch (word()) {
        case 'product':
          if (verb !== 'ordered') fail(clause, `"product" only goes with "ordered" (column ${column(clause)})`);
          once(event.product, '"product"');
          advance();
          event.product = readText('the product title in quotes');
          break;
        case 'at':
          once(event.atLeast, '"at least"');
          advance();
          expectWords(['least'], '"least"');
          event.atLeast = readCount(SEGMENT_LIMITS.atLeast, '"at least"');
          expectWords(['times', 'time'], '"times"');
          break;
        case 'in':
        case 'since':
        case 'between':
          if (event.window) fail(clause, `An event takes one time window; ${show(clause)} at column ${column(clause)} starts a second`);
          event.window = readWindow();
          break;
        default:
          if (token.kind === 'operator') {
            const phrase = verbPhrase(verb);
            const count = verb === 'ordered' ? ', or compare number_of_orders' : verb === 'completed_course' ? ', or compare courses_completed' : '';
            fail(token, `"${phrase}" is an event, so ${show(token)} at column ${column(token)} does not apply — write "${phrase} at least 3 times"${count}`);
          }
          return event;
      }
    }
  }

  function readWindow(): SegmentWindow {
    const kind = word(advance());
    if (kind === 'since') return { kind: 'since', date: readDate() };
    if (kind === 'between') {
      const from = readDate();
      expectWords(['and'], '"and"');
      return { kind: 'between', from, to: readDate() };
    }
    expectWords(['last'], '"last"');
    if (token.kind === 'relative_date') {
      fail(token, `Write the window in words: "in last ${Math.abs(token.days)} days" (${show(token)} at column ${column(token)})`);
    }
    const days = readCount(SEGMENT_LIMITS.days, '"in last"');
    expectWords(['days', 'day'], '"days"');
    return { kind: 'last_days', days };
  }

  function parseCondition(attribute: SegmentAttribute): SegmentNode {
    advance();
    const type = SEGMENT_ATTRIBUTES[attribute];
    const operator = token;
    if (operator.kind === 'operator') {
      if (!OPERATORS[type].includes(operator.op)) fail(operator, doesNotApply(attribute, show(operator), ` at column ${column(operator)}`));
      advance();
      return { kind: 'compare', attribute, op: operator.op, value: readValue(attribute) };
    }
    switch (word()) {
      case 'in':
        return readIn(attribute, false, token);
      case 'between':
        return readBetween(attribute);
      case 'is': {
        advance();
        const negated = word() === 'not';
        if (negated) advance();
        expectWords(['null'], 'NULL', negated ? ['NULL'] : ['NULL', 'NOT NULL']);
        return { kind: 'is_null', attribute, negated };
      }
      case 'not': {
        const not = advance();
        if (word() === 'in') return readIn(attribute, true, not);
        // `x NOT BETWEEN a AND b` is NOT (x BETWEEN a AND b), in SQL's three-valued logic too.
        if (word() === 'between') return nested(not, () => ({ kind: 'not', condition: readBetween(attribute) }));
        expectedAfter('IN or BETWEEN', [...(takesIn(type) ? ['IN'] : []), ...(isOrdered(type) ? ['BETWEEN'] : [])]);
      }
    }
    const comparisons = [
      ...OPERATORS[type],
      ...(takesIn(type) ? ['IN', 'NOT IN'] : []),
      ...(isOrdered(type) ? ['BETWEEN', 'NOT BETWEEN'] : []),
      'IS NULL',
      'IS NOT NULL',
    ];
    expectedAfter(`one of ${comparisons.join(', ')}`, comparisons);
  }

  /** `IN (…)` or `NOT IN (…)`, from `start` (the IN or the NOT). */
  function readIn(attribute: SegmentAttribute, negated: boolean, start: Token): SegmentNode {
    if (!takesIn(SEGMENT_ATTRIBUTES[attribute])) fail(start, doesNotApply(attribute, negated ? 'NOT IN' : 'IN', ` at column ${column(start)}`));
    advance();
    if (token.kind !== '(') expectedAfter('"(" and a list of values', ['(']);
    advance();
    const values: SegmentValue[] = [];
    for (;;) {
      if (values.length === SEGMENT_LIMITS.values) {
        fail(token, `An IN list holds at most ${SEGMENT_LIMITS.values} values; the ${SEGMENT_LIMITS.values + 1}st is at column ${column(token)}`);
      }
      values.push(readValue(attribute));
      const after = token;
      if (after.kind !== ',' && after.kind !== ')') expectedAfter('"," or ")"', [',', ')']);
      advance();
      if (after.kind === ')') return { kind: 'in', attribute, values, negated };
    }
  }

  function readBetween(attribute: SegmentAttribute): SegmentNode {
    if (!isOrdered(SEGMENT_ATTRIBUTES[attribute])) fail(token, doesNotApply(attribute, 'BETWEEN', ` at column ${column(token)}`));
    advance();
    const low = readValue(attribute);
    expectWords(['and'], 'AND');
    return { kind: 'between', attribute, low, high: readValue(attribute) };
  }

  /** A literal for `attribute`, of the type the attribute takes (consumed). */
  function readValue(attribute: SegmentAttribute): SegmentValue {
    const type = SEGMENT_ATTRIBUTES[attribute];
    const at = token;
    const where = ` at column ${column(at)}`;
    const value = literal(at, type, where);
    if (!fits(type, value)) fail(at, mismatch(attribute, at.text, value, where) + mismatchHint(type, value, at));
    advance();
    return value;

    function literal(at: Token, type: AttributeType, where: string): SegmentValue {
      switch (at.kind) {
        case 'number':
          return { type: 'number', value: at.value };
        case 'date':
          return { type: 'date', value: at.value };
        case 'relative_date':
          if (!at.signed && at.days !== 0) fail(at, `Say which way ${at.text}${where} goes: -${at.text} for ago, +${at.text} for ahead`);
          return { type: 'relative_date', days: at.days };
        case 'string':
          // A date attribute reads a quoted date as that date; 'abc' stays text and fails the type check.
          if (type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(at.value)) return { type: 'date', value: at.value };
          return { type: 'text', value: checkLength(at) };
      }
      const name = word(at);
      if (name === 'true' || name === 'false') return { type: 'boolean', value: name === 'true' };
      if (name === 'null') fail(at, `To find people without a ${attribute}, write "${attribute} IS NULL"; comparing with NULL matches no one (column ${column(at)})`);
      if (at.kind === 'word' && !KEYWORDS.has(name)) {
        fail(at, type === 'text' ? `Text goes in quotes: '${at.text}'${where}` : `Expected ${TYPE_NAMES[type]} after ${show(previous)}, found "${at.text}"${where}`);
      }
      // Anything else where the value belongs (a keyword, a bracket, the end) means the value is missing.
      expectedAfter('a value', type === 'boolean' ? ['true', 'false'] : undefined);
    }
  }

  /** A quoted text (consumed); anything else is reported as missing `what`. */
  function readText(what: string): string {
    if (token.kind !== 'string') expectedAfter(what);
    const text = checkLength(token);
    advance();
    return text;
  }

  function checkLength(at: Extract<Token, { kind: 'string' }>): string {
    if (at.value.length > SEGMENT_LIMITS.text) {
      fail(at, `Text holds at most ${SEGMENT_LIMITS.text} characters; the one at column ${column(at)} has ${at.value.length}`);
    }
    return at.value;
  }

  function readDate(): string {
    const at = token;
    if (at.kind === 'date') {
      advance();
      return at.value;
    }
    if (at.kind === 'string' && isCalendarDate(at.value)) {
      advance();
      return at.value;
    }
    if (at.kind === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(at.value)) fail(at, `${at.text} at column ${column(at)} is not a date in the calendar`);
    if (at.kind === 'relative_date') {
      fail(at, `${show(previous)} takes a calendar date like 2026-01-31, not ${at.text} (column ${column(at)}) — for a rolling window write "in last 30 days"`);
    }
    expectedAfter('a date like 2026-01-31');
  }

  /** A whole number from 1 to `max` (consumed). */
  function readCount(max: number, what: string): number {
    const at = token;
    if (at.kind !== 'number' || !/^\+?\d+$/.test(at.text)) expectedAfter('a whole number');
    if (at.value < 1 || at.value > max) fail(at, `${what} takes a whole number from 1 to ${max}; ${at.text} at column ${column(at)} is not`);
    advance();
    return at.value;
  }

  function expectWords(words: string[], what: string, expected = [what.replaceAll('"', '')]): void {
    if (!words.includes(word())) expectedAfter(what, expected);
    advance();
  }

  function advance(): Token {
    previous = token;
    token = readToken(text, token.end);
    return previous;
  }

  function word(at: Token = token): string {
    return at.kind === 'word' ? at.text.toLowerCase() : '';
  }

  /** Opens a parenthesis or NOT, refusing to go deeper than the limit (which also keeps the parser's stack small). */
  function nested<T>(at: Token, parse: () => T): T {
    if (++depth > SEGMENT_LIMITS.depth) {
      fail(at, `Conditions nest at most ${SEGMENT_LIMITS.depth} deep (parentheses and NOTs); ${show(at)} at column ${column(at)} goes deeper`);
    }
    const result = parse();
    depth--;
    return result;
  }

  /** "Expected X after Y at column N" at the end of the text (pointing at Y), else "…, found Z at column N" (pointing at Z). */
  function expectedAfter(what: string, expected?: string[]): never {
    if (token.kind === 'end') fail(previous, `Expected ${what} after ${show(previous)} at column ${column(previous)}`, expected);
    fail(token, `Expected ${what} after ${show(previous)}, found ${show(token)} at column ${column(token)}`, expected);
  }
}

function fail(at: Token, message: string, expected?: string[]): never {
  throw new SegmentSyntaxError(message, column(at), at.end - at.start, expected);
}

function column(at: Token): number {
  return at.start + 1;
}

/** A token as messages quote it: `"AND"`, `'O''Brien'`, `the end`; long ones cut short. */
function show(at: Token): string {
  if (at.kind === 'end') return 'the end';
  const text = at.text.length > 40 ? `${at.text.slice(0, 37)}…` : at.text;
  return at.kind === 'string' ? text : `"${text}"`;
}

function didYouMean(suggestions: string[]): string {
  if (suggestions.length === 0) return '';
  const last = suggestions.at(-1)!;
  return ` — did you mean ${suggestions.length === 1 ? last : `${suggestions.slice(0, -1).join(', ')} or ${last}`}?`;
}

/** A nudge for the usual slips: a bare number for a date, an unquoted number for text, a quoted true. */
function mismatchHint(type: AttributeType, value: SegmentValue, at: Token): string {
  if (type === 'date' && value.type === 'number' && Number.isInteger(value.value)) return ` — for ${Math.abs(value.value)} days ago write -${Math.abs(value.value)}d`;
  if (type === 'text' && value.type !== 'text') return ` — text goes in quotes: '${at.text}'`;
  if (type === 'boolean' && value.type === 'text' && /^(true|false)$/i.test(value.value)) return ' — write true or false without quotes';
  return '';
}
