import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { SEGMENT_ATTRIBUTES, SEGMENT_IDENTITIES, SEGMENT_VERBS, SegmentCondition, type SegmentNode, type SegmentValue } from '../schemas/segment.ts';
import { NEAR, segmentArbitrary } from './arbitraries.ts';
import { checkSegment } from './check.ts';
import { SEGMENT_LIMITS, parseSegment, parseSegmentOrThrow, type SegmentParseError } from './parse.ts';
import { printSegment } from './print.ts';
import { SegmentSyntaxError } from './syntax-error.ts';

function parsed(text: string): SegmentNode {
  const result = parseSegment(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error.message}`);
  return result.segment;
}

function failure(text: string): SegmentParseError {
  const result = parseSegment(text);
  assert.ok(!result.ok, `${text} should not parse, but gave ${result.ok ? JSON.stringify(result.segment) : ''}`);
  return result.error;
}

/** Asserts the message, and that the error underlines `underlined`, found by hand in the text. */
function assertError(text: string, message: string, underlined: string, occurrence = 0) {
  const error = failure(text);
  assert.equal(error.message, message);
  let index = -1;
  for (let n = 0; n <= occurrence; n++) index = text.indexOf(underlined, index + 1);
  assert.ok(index >= 0, `"${underlined}" is in the text`);
  assert.deepEqual([error.column, error.length], [index + 1, underlined.length], `underlines "${underlined}"`);
}

const number = (value: number): SegmentValue => ({ type: 'number', value });
const text = (value: string): SegmentValue => ({ type: 'text', value });
const date = (value: string): SegmentValue => ({ type: 'date', value });
const days = (value: number): SegmentValue => ({ type: 'relative_date', days: value });
const spent = (op: '=' | '!=' | '<' | '<=' | '>' | '>=', value: number): SegmentNode => ({ kind: 'compare', attribute: 'amount_spent', op, value: number(value) });
const has = (identity: (typeof SEGMENT_IDENTITIES)[number]): SegmentNode => ({ kind: 'has', identity });
const country = (value: string): SegmentNode => ({ kind: 'compare', attribute: 'country', op: '=', value: text(value) });
const and = (...conditions: SegmentNode[]): SegmentNode => ({ kind: 'and', conditions });
const or = (...conditions: SegmentNode[]): SegmentNode => ({ kind: 'or', conditions });
const not = (condition: SegmentNode): SegmentNode => ({ kind: 'not', condition });

describe('parseSegment: conditions', () => {
  it('reads the example from the schema', () => {
    assert.deepEqual(parsed('amount_spent > 100 AND last_order_date < -90d AND NOT has instagram'), and(
      spent('>', 100),
      { kind: 'compare', attribute: 'last_order_date', op: '<', value: days(-90) },
      not(has('instagram')),
    ));
  });

  it('reads all six comparison operators, and <> as !=', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>='] as const) assert.deepEqual(parsed(`amount_spent ${op} 5`), spent(op, 5));
    assert.deepEqual(parsed('amount_spent <> 5'), spent('!=', 5));
    assert.deepEqual(parsed('amount_spent>=5'), spent('>=', 5), 'spaces are optional around operators');
  });

  it('reads IN and NOT IN lists', () => {
    assert.deepEqual(parsed("country IN ('US', 'CA')"), { kind: 'in', attribute: 'country', values: [text('US'), text('CA')], negated: false });
    assert.deepEqual(parsed('number_of_orders NOT IN (0,1)'), { kind: 'in', attribute: 'number_of_orders', values: [number(0), number(1)], negated: true });
    assert.deepEqual(parsed('last_seen_date in (2026-01-31, -1d)'), { kind: 'in', attribute: 'last_seen_date', values: [date('2026-01-31'), days(-1)], negated: false });
  });

  it('reads BETWEEN (and NOT BETWEEN as NOT of it), whose AND belongs to it', () => {
    assert.deepEqual(parsed('amount_spent BETWEEN 50 AND 200'), { kind: 'between', attribute: 'amount_spent', low: number(50), high: number(200) });
    assert.deepEqual(parsed('amount_spent BETWEEN 50 AND 200 AND has email'), and({ kind: 'between', attribute: 'amount_spent', low: number(50), high: number(200) }, has('email')));
    assert.deepEqual(parsed('first_order_date NOT BETWEEN 2026-01-01 AND -30d'), not({ kind: 'between', attribute: 'first_order_date', low: date('2026-01-01'), high: days(-30) }));
  });

  it('reads IS NULL and IS NOT NULL on any attribute', () => {
    assert.deepEqual(parsed('churn_band IS NULL'), { kind: 'is_null', attribute: 'churn_band', negated: false });
    assert.deepEqual(parsed('email_subscribed is not null'), { kind: 'is_null', attribute: 'email_subscribed', negated: true });
  });

  it('reads has <identity> for every identity', () => {
    for (const identity of SEGMENT_IDENTITIES) assert.deepEqual(parsed(`has ${identity}`), has(identity));
    assert.deepEqual(parsed('NOT has phone'), not(has('phone')));
  });

  it('reads every event verb, "completed course" as two words or one', () => {
    for (const verb of Object.keys(SEGMENT_VERBS)) assert.deepEqual(parsed(verb), { kind: 'event', verb });
    assert.deepEqual(parsed('completed course'), { kind: 'event', verb: 'completed_course' });
  });

  it('reads the event examples: product, at least, and each kind of window', () => {
    assert.deepEqual(parsed("ordered product 'Sourdough Starter Kit' in last 30 days"),
      { kind: 'event', verb: 'ordered', product: 'Sourdough Starter Kit', window: { kind: 'last_days', days: 30 } });
    assert.deepEqual(parsed('ordered at least 3 times in last 365 days'), { kind: 'event', verb: 'ordered', atLeast: 3, window: { kind: 'last_days', days: 365 } });
    assert.deepEqual(parsed('commented in last 30 days'), { kind: 'event', verb: 'commented', window: { kind: 'last_days', days: 30 } });
    assert.deepEqual(parsed('refunded'), { kind: 'event', verb: 'refunded' });
    assert.deepEqual(parsed('completed course since 2026-01-01'), { kind: 'event', verb: 'completed_course', window: { kind: 'since', date: '2026-01-01' } });
    assert.deepEqual(parsed("paid between '2026-01-01' and 2026-03-31"), { kind: 'event', verb: 'paid', window: { kind: 'between', from: '2026-01-01', to: '2026-03-31' } });
    assert.deepEqual(parsed('liked at least 1 time in last 1 day'), { kind: 'event', verb: 'liked', atLeast: 1, window: { kind: 'last_days', days: 1 } });
  });

  it('takes event clauses in any order', () => {
    const expected = { kind: 'event', verb: 'ordered', product: 'Rye Flour', atLeast: 2, window: { kind: 'since', date: '2026-02-01' } };
    assert.deepEqual(parsed("ordered since 2026-02-01 at least 2 times product 'Rye Flour'"), expected);
    assert.deepEqual(parsed("ordered at least 2 times product 'Rye Flour' since 2026-02-01"), expected);
  });

  it('ends an event window "between … and …" at its second date, so a following AND joins conditions', () => {
    assert.deepEqual(parsed('ordered between 2026-01-01 and 2026-02-01 AND amount_spent > 5'),
      and({ kind: 'event', verb: 'ordered', window: { kind: 'between', from: '2026-01-01', to: '2026-02-01' } }, spent('>', 5)));
  });
});

describe('parseSegment: values', () => {
  it('reads numbers: whole, decimal, signed, with an exponent', () => {
    assert.deepEqual(parsed('amount_spent > 100'), spent('>', 100));
    assert.deepEqual(parsed('amount_spent > 12.5'), spent('>', 12.5));
    assert.deepEqual(parsed('amount_spent > -3'), spent('>', -3));
    assert.deepEqual(parsed('amount_spent > +3'), spent('>', 3));
    assert.deepEqual(parsed('amount_spent > 1e3'), spent('>', 1000));
  });

  it('reads text in single or double quotes, a doubled quote or a backslash escaping the quote', () => {
    assert.deepEqual(parsed("country = 'O''Brien'"), country("O'Brien"));
    assert.deepEqual(parsed("country = 'O\\'Brien'"), country("O'Brien"));
    assert.deepEqual(parsed(`country = "O'Brien"`), country("O'Brien"));
    assert.deepEqual(parsed(`country = "say ""hi"" \\"twice\\""`), country('say "hi" "twice"'));
    assert.deepEqual(parsed("country = 'C:\\\\'"), country('C:\\'), 'a doubled backslash is one backslash');
    assert.deepEqual(parsed("country = 'C:\\x'"), country('C:\\x'), 'a backslash before anything else is itself');
    assert.deepEqual(parsed("country = ''"), country(''));
    assert.deepEqual(parsed("country = 'AND OR NOT ( ) ;'"), country('AND OR NOT ( ) ;'), 'keywords and punctuation inside quotes are text');
  });

  it('reads absolute dates unquoted or quoted on date attributes; a quoted date on a text attribute stays text', () => {
    const lastOrder = (value: SegmentValue): SegmentNode => ({ kind: 'compare', attribute: 'last_order_date', op: '=', value });
    assert.deepEqual(parsed('last_order_date = 2026-01-31'), lastOrder(date('2026-01-31')));
    assert.deepEqual(parsed("last_order_date = '2026-01-31'"), lastOrder(date('2026-01-31')));
    assert.deepEqual(parsed('last_order_date = "2024-02-29"'), lastOrder(date('2024-02-29')), 'a leap day');
    assert.deepEqual(parsed("stage = '2026-01-31'"), { kind: 'compare', attribute: 'stage', op: '=', value: text('2026-01-31') });
  });

  it('reads relative dates in days or weeks (7 days), 0d as today, with a sign', () => {
    const seen = (text: string) => (parsed(`last_seen_date > ${text}`) as { value: SegmentValue }).value;
    assert.deepEqual(seen('-90d'), days(-90));
    assert.deepEqual(seen('-12w'), days(-84));
    assert.deepEqual(seen('0d'), days(0));
    assert.deepEqual(seen('-0d'), days(0));
    assert.deepEqual(seen('+7d'), days(7));
    assert.deepEqual(seen('-2W'), days(-14));
    assert.deepEqual(seen('-36500d'), days(-36500));
  });

  it('reads booleans in any case', () => {
    assert.deepEqual(parsed('email_subscribed = TRUE'), { kind: 'compare', attribute: 'email_subscribed', op: '=', value: { type: 'boolean', value: true } });
    assert.deepEqual(parsed('email_subscribed != false'), { kind: 'compare', attribute: 'email_subscribed', op: '!=', value: { type: 'boolean', value: false } });
  });
});

describe('parseSegment: logic', () => {
  const a = spent('>', 1);
  const b = has('email');
  const c = country('US');

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    assert.deepEqual(parsed("amount_spent > 1 OR has email AND country = 'US'"), or(a, and(b, c)));
    assert.deepEqual(parsed("amount_spent > 1 AND has email OR country = 'US'"), or(and(a, b), c));
    assert.deepEqual(parsed('NOT amount_spent > 1 AND has email'), and(not(a), b));
    assert.deepEqual(parsed("NOT amount_spent > 1 OR NOT has email AND NOT country = 'US'"), or(not(a), and(not(b), not(c))));
  });

  it('lets parentheses override precedence', () => {
    assert.deepEqual(parsed("(amount_spent > 1 OR has email) AND country = 'US'"), and(or(a, b), c));
    assert.deepEqual(parsed('NOT (amount_spent > 1 AND has email)'), not(and(a, b)));
    assert.deepEqual(parsed('((has email))'), b);
  });

  it('merges nested ANDs (and nested ORs) into one list, keeping order', () => {
    assert.deepEqual(parsed("amount_spent > 1 AND (has email AND country = 'US')"), and(a, b, c));
    assert.deepEqual(parsed("(amount_spent > 1 OR has email) OR (country = 'US' OR has phone)"), or(a, b, c, has('phone')));
    assert.deepEqual(parsed("NOT (amount_spent > 1 AND has email) AND country = 'US'"), and(not(and(a, b)), c), 'but never through a NOT');
  });

  it('reads keywords and names in any case, and emits names in lower case', () => {
    assert.deepEqual(parsed("Amount_Spent > 1 and not HAS Email oR COUNTRY In ('US') Or Ordered In Last 3 Days"),
      or(and(a, not(b)), { kind: 'in', attribute: 'country', values: [text('US')], negated: false }, { kind: 'event', verb: 'ordered', window: { kind: 'last_days', days: 3 } }));
    assert.deepEqual(parsed('COMPLETED Course AT LEAST 2 TIMES'), { kind: 'event', verb: 'completed_course', atLeast: 2 });
  });

  it('allows any whitespace, line breaks included', () => {
    assert.deepEqual(parsed('\n  amount_spent >\t1\r\n  AND has email  '), and(a, b));
  });
});

describe('parseSegment: errors', () => {
  it('suggests the closest attribute for a misspelt one', () => {
    assertError('amount_spnt > 100', 'Unknown attribute "amount_spnt" at column 1 — did you mean amount_spent?', 'amount_spnt');
    assertError('has email AND contry = \'US\'', 'Unknown attribute "contry" at column 15 — did you mean country?', 'contry');
    assertError('first > 3', 'Unknown attribute "first" at column 1 — did you mean first_order_date, first_seen_date or first_seen_source?', 'first');
    assertError('ordred in last 3 days', 'Unknown attribute "ordred" at column 1 — did you mean ordered?', 'ordred');
    assertError('purchases > 3', 'Unknown attribute "purchases" at column 1', 'purchases');
    assertError('has insta', 'Unknown identity "insta" at column 5 — did you mean instagram?', 'insta');
  });

  it('names the types when a value does not fit its attribute', () => {
    assertError("amount_spent > 'abc'", "amount_spent is a number; 'abc' at column 16 is text", "'abc'");
    assertError("email_subscribed = 'yes'", "email_subscribed is true or false; 'yes' at column 20 is text", "'yes'");
    assertError("email_subscribed = 'true'", "email_subscribed is true or false; 'true' at column 20 is text — write true or false without quotes", "'true'");
    assertError('last_order_date < 90', 'last_order_date is a date; 90 at column 19 is a number — for 90 days ago write -90d', '90');
    assertError("last_order_date < 'soon'", "last_order_date is a date; 'soon' at column 19 is text", "'soon'");
    assertError('country = 2026-01-31', "country is text; 2026-01-31 at column 11 is a date — text goes in quotes: '2026-01-31'", '2026-01-31');
    assertError('stage = 3', "stage is text; 3 at column 9 is a number — text goes in quotes: '3'", '3');
    assertError('amount_spent = true', 'amount_spent is a number; true at column 16 is a true/false value', 'true');
    assertError('sources IN (1, -3d)', 'sources is a number; -3d at column 16 is a relative date', '-3d');
    assertError("amount_spent BETWEEN 1 AND '9'", "amount_spent is a number; '9' at column 28 is text", "'9'");
  });

  it('refuses operators a type does not take: order on text and booleans, IN on booleans, BETWEEN on unordered types', () => {
    assertError("country < 'M'", 'country is text, so "<" at column 9 does not apply — use =, != or IN', '<');
    assertError('email_subscribed >= true', 'email_subscribed is true or false, so ">=" at column 18 does not apply — use = or !=', '>=');
    assertError('email_subscribed IN (true)', 'email_subscribed is true or false, so IN at column 18 does not apply — use = or !=', 'IN');
    assertError('email_subscribed NOT IN (true)', 'email_subscribed is true or false, so NOT IN at column 18 does not apply — use = or !=', 'NOT');
    assertError("stage BETWEEN 'a' AND 'b'", 'stage is text, so BETWEEN at column 7 does not apply — use =, != or IN', 'BETWEEN');
  });

  it('says what was expected after what, at the end of the text or where something else came', () => {
    assertError('amount_spent > ', 'Expected a value after ">" at column 14', '>');
    assertError('amount_spent > AND has email', 'Expected a value after ">", found "AND" at column 16', 'AND');
    assertError('amount_spent >', 'Expected a value after ">" at column 14', '>');
    assertError('has email AND', 'Expected a condition after "AND" at column 11', 'AND');
    assertError('has email OR OR has phone', 'Expected a condition after "OR", found "OR" at column 14', 'OR', 1);
    assertError('has', 'Expected an identity after "has" at column 1', 'has');
    assertError('amount_spent', 'Expected one of =, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, NOT BETWEEN, IS NULL, IS NOT NULL after "amount_spent" at column 1', 'amount_spent');
    assertError('country 5', 'Expected one of =, !=, IN, NOT IN, IS NULL, IS NOT NULL after "country", found "5" at column 9', '5');
    assertError('country IS', 'Expected NULL after "IS" at column 9', 'IS');
    assertError('amount_spent IN ()', 'Expected a value after "(", found ")" at column 18', ')');
    assertError('amount_spent IN (1, 2', 'Expected "," or ")" after "2" at column 21', '2');
    assertError('amount_spent IN 1', 'Expected "(" and a list of values after "IN", found "1" at column 17', '1');
    assertError('amount_spent BETWEEN 1 5', 'Expected AND after "1", found "5" at column 24', '5');
    assertError('completed in last 3 days', 'Expected "course" after "completed", found "in" at column 11', 'in');
    assertError('ordered at 3 times', 'Expected "least" after "at", found "3" at column 12', '3');
    assertError('ordered in last days', 'Expected a whole number after "last", found "days" at column 17', 'days');
    assertError('ordered in last 3', 'Expected "days" after "3" at column 17', '3');
    assertError("ordered product Rye", 'Expected the product title in quotes after "product", found "Rye" at column 17', 'Rye');
  });

  it('lists what could come next, for completion', () => {
    assert.deepEqual(failure('country ').expected, ['=', '!=', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL']);
    assert.deepEqual(failure('email_subscribed = ').expected, ['true', 'false']);
    assert.deepEqual(failure('has ').expected, [...SEGMENT_IDENTITIES]);
    const starts = failure('has email AND ').expected!;
    for (const word of [...Object.keys(SEGMENT_ATTRIBUTES), 'has', 'ordered', 'completed course', 'NOT', '(']) assert.ok(starts.includes(word), word);
  });

  it('reports unbalanced parentheses and stray characters', () => {
    assertError('(amount_spent > 1 OR sources >= 2)) AND has phone', 'Unexpected ")" at column 35', ')', 1);
    assertError('(amount_spent > 1 OR has email', 'Missing ")" to close the "(" at column 1', '(');
    assertError('(amount_spent > 1 has email)', 'Expected ")" to close the "(" at column 1, found "has" at column 19', 'has');
    assertError(')', 'Unexpected ")" at column 1', ')');
    assertError('has email has phone', 'Unexpected "has" at column 11', 'has', 1);
    assertError('amount_spent > 1 # note', 'Unexpected "#" at column 18', '#');
    assertError('has email 😀', 'Unexpected "😀" at column 11', '😀');
  });

  it('points at an unclosed quote from where it opens', () => {
    assertError("stage = 'lead' AND country = 'O'Brien'", 'Unexpected "Brien" at column 33', 'Brien');
    const error = failure("stage = 'lead' AND country = \"O'Brien");
    assert.deepEqual(error, { message: 'Unclosed quote starting at column 30', column: 30, length: 8 });
  });

  it('keeps "product" to "ordered", one of each clause, and one window', () => {
    assertError("commented product 'x'", '"product" only goes with "ordered" (column 11)', 'product');
    assertError('ordered at least 2 times at least 3 times', '"at least" appears twice in one event (column 26)', 'at', 1);
    assertError("ordered product 'a' product 'b'", '"product" appears twice in one event (column 21)', 'product', 1);
    assertError('ordered in last 3 days since 2026-01-01', 'An event takes one time window; "since" at column 24 starts a second', 'since');
  });

  it('explains the usual slips: bare text, = NULL, unsigned relative dates, events compared like numbers', () => {
    assertError('country = US', "Text goes in quotes: 'US' at column 11", 'US');
    assertError('country = null', 'To find people without a country, write "country IS NULL"; comparing with NULL matches no one (column 11)', 'null');
    assertError('last_order_date < 90d', 'Say which way 90d at column 19 goes: -90d for ago, +90d for ahead', '90d');
    assertError('amount_spent > abc', 'Expected a number after ">", found "abc" at column 16', 'abc');
    assertError('ordered > 3', '"ordered" is an event, so ">" at column 9 does not apply — write "ordered at least 3 times", or compare number_of_orders', '>');
    assertError('completed course = 2', '"completed course" is an event, so "=" at column 18 does not apply — write "completed course at least 3 times", or compare courses_completed', '=');
    assertError('ordered in last 30d', 'Write the window in words: "in last 30 days" ("30d" at column 17)', '30d');
    assertError('ordered since -30d', '"since" takes a calendar date like 2026-01-31, not -30d (column 15) — for a rolling window write "in last 30 days"', '-30d');
    assertError('last_seen_date = 2026-02-30', '2026-02-30 at column 18 is not a date in the calendar', '2026-02-30');
    assertError("last_seen_date = '2025-02-29'", "'2025-02-29' at column 18 is not a date in the calendar", "'2025-02-29'");
    assertError('last_seen_date = 2026-2-3', 'Write dates as YYYY-MM-DD, like 2026-01-31 ("2026-2-3" at column 18)', '2026-2-3');
    assertError('amount_spent > 12.5d', 'Unexpected "12.5d" at column 16 — write relative dates like -90d (days) or -12w (weeks)', '12.5d');
    assertError('amount_spent > 1e400', '1e400 at column 16 is too large a number', '1e400');
    assertError('ordered at least 0 times', '"at least" takes a whole number from 1 to 100000; 0 at column 18 is not', '0');
    assertError('ordered at least 2.5 times', 'Expected a whole number after "least", found "2.5" at column 18', '2.5');
  });

  it('says so when the text is empty', () => {
    for (const empty of ['', '   ', '\n\t']) {
      const error = failure(empty);
      assert.match(error.message, /^The segment is empty/);
      assert.deepEqual([error.column, error.length], [1, 0]);
    }
  });

  it('does not read names from the object prototype as attributes', () => {
    assertError('constructor = 1', 'Unknown attribute "constructor" at column 1', 'constructor');
    assertError('toString = 1', 'Unknown attribute "toString" at column 1', 'toString');
    assertError('has __proto__', 'Unknown identity "__proto__" at column 5', '__proto__');
  });
});

describe('parseSegment: injection attempts are just text', () => {
  it('keeps a quoted SQL fragment as one text value, quotes and all', () => {
    assert.deepEqual(parsed("first_seen_source = 'x''; drop table profiles; --'"),
      { kind: 'compare', attribute: 'first_seen_source', op: '=', value: text("x'; drop table profiles; --") });
  });

  it('stops at the semicolon of an unquoted statement', () => {
    assertError('amount_spent > 1; drop table x', 'Unexpected ";" at column 17', ';');
    assertError("country = 'US' -- comment", 'Unexpected "-" at column 16', '-');
    assertError("country = 'US' /* x */", 'Unexpected "/" at column 16', '/');
  });
});

describe('parseSegment: limits', () => {
  it(`reads up to ${SEGMENT_LIMITS.length} characters and refuses one more`, () => {
    const query = 'amount_spent > 1';
    assert.deepEqual(parsed(query.padEnd(10_000)), spent('>', 1));
    const error = failure(query.padEnd(10_001));
    assert.equal(error.message, 'A segment holds at most 10000 characters; this one has 10001');
    assert.deepEqual([error.column, error.length], [10_001, 1]);
  });

  it('nests 50 parentheses or NOTs deep and no deeper', () => {
    assert.deepEqual(parsed(`${'('.repeat(50)}has email${')'.repeat(50)}`), has('email'));
    assertError(`${'('.repeat(51)}has email${')'.repeat(51)}`, 'Conditions nest at most 50 deep (parentheses and NOTs); "(" at column 51 goes deeper', '(', 50);
    let fifty: SegmentNode = has('email');
    for (let n = 0; n < 50; n++) fifty = not(fifty);
    assert.deepEqual(parsed(`${'NOT '.repeat(50)}has email`), fifty);
    assertError(`${'NOT '.repeat(51)}has email`, 'Conditions nest at most 50 deep (parentheses and NOTs); "NOT" at column 201 goes deeper', 'NOT', 50);
    assertError(`${'NOT ('.repeat(25)}amount_spent NOT BETWEEN 1 AND 2${')'.repeat(25)}`,
      'Conditions nest at most 50 deep (parentheses and NOTs); "NOT" at column 139 goes deeper', 'NOT', 25);
  });

  it('refuses 10,000 characters of open parentheses with the depth error, not a stack overflow', () => {
    assert.match(failure('('.repeat(10_000)).message, /^Conditions nest at most 50 deep/);
    assert.match(failure('NOT '.repeat(2_500)).message, /^Conditions nest at most 50 deep/);
  });

  it('joins up to 100 conditions in one AND or OR list, counting merged parentheses', () => {
    const conditions = (count: number) => Array.from({ length: count }, (_, n) => `amount_spent > ${n}`);
    assert.equal((parsed(conditions(100).join(' OR ')) as { conditions: unknown[] }).conditions.length, 100);
    const list = conditions(101).join(' OR ');
    assertError(list, 'Too many conditions joined by OR: at most 100 in one list, and this one goes past that at column 2091 — for many values of one attribute, use IN (…)', 'amount_spent > 100');
    const grouped = `(${conditions(60).join(' AND ')}) AND (${conditions(41).join(' AND ')})`;
    assert.match(failure(grouped).message, /^Too many conditions joined by AND/);
    assert.equal((parsed(`(${conditions(60).join(' AND ')}) OR (${conditions(60).join(' AND ')})`) as { conditions: unknown[] }).conditions.length, 2);
  });

  it('takes up to 100 values in an IN list', () => {
    const values = (count: number) => Array.from({ length: count }, (_, n) => n).join(', ');
    assert.equal((parsed(`amount_spent IN (${values(100)})`) as { values: unknown[] }).values.length, 100);
    assertError(`amount_spent IN (${values(101)})`, 'An IN list holds at most 100 values; the 101st is at column 408', '100');
  });

  it('takes text up to 500 characters, as a value and as a product title', () => {
    assert.deepEqual(parsed(`country = '${'x'.repeat(500)}'`), country('x'.repeat(500)));
    assertError(`country = '${'x'.repeat(501)}'`, 'Text holds at most 500 characters; the one at column 11 has 501', `'${'x'.repeat(501)}'`);
    assert.match(failure(`ordered product '${"''".repeat(501)}'`).message, /^Text holds at most 500 characters; the one at column 17 has 501$/);
  });

  it('keeps counts and spans within the schema: at least 100000, last 36500 days, relative dates 100 years either way', () => {
    assert.deepEqual(parsed('ordered at least 100000 times'), { kind: 'event', verb: 'ordered', atLeast: 100_000 });
    assertError('ordered at least 100001 times', '"at least" takes a whole number from 1 to 100000; 100001 at column 18 is not', '100001');
    assert.deepEqual(parsed('ordered in last 36500 days'), { kind: 'event', verb: 'ordered', window: { kind: 'last_days', days: 36_500 } });
    assertError('ordered in last 36501 days', '"in last" takes a whole number from 1 to 36500; 36501 at column 17 is not', '36501');
    assertError('ordered in last 0 days', '"in last" takes a whole number from 1 to 36500; 0 at column 17 is not', '0');
    assertError('last_seen_date > +36501d', '+36501d at column 18 reaches 36501 days; relative dates reach at most 36500 days (100 years)', '+36501d');
    assertError('last_seen_date > -5215w', '-5215w at column 18 reaches 36505 days; relative dates reach at most 36500 days (100 years)', '-5215w');
  });
});

describe('parseSegment: any input', () => {
  /** Pieces of the language (and of things that are not), so random sequences get far into the grammar. */
  const piece = fc.constantFrom(
    'amount_spent', 'country', 'last_order_date', 'email_subscribed', 'churn_risk', 'amount_spnt', 'has', 'email', 'instagram', 'ordered', 'completed',
    'course', 'commented', 'product', 'at', 'least', 'times', 'in', 'last', 'days', 'since', 'between', 'and', 'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL',
    'BETWEEN', 'true', 'false', '=', '!=', '<', '>=', '<>', '(', ')', ',', '100', '-3', '12.5', '1e3', '-90d', '+7d', '0d', '90d', '-12w', '2026-01-31',
    '2026-02-30', "'US'", "'O''Brien'", '"x"', "'", ';', '--', '\\', '\n', '😀', '',
  );
  const soup = fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join(' '));
  /** Printed valid trees with words deleted, repeated, swapped or replaced: near misses, where errors are subtle. */
  const mutated = fc
    .tuple(segmentArbitrary(NEAR, 3).map(printSegment), fc.array(fc.tuple(fc.nat(), fc.nat(), piece, fc.constantFrom('delete', 'repeat', 'swap', 'replace')), { maxLength: 3 }))
    .map(([printed, edits]) => {
      const words = printed.split(' ');
      for (const [i, j, word, edit] of edits) {
        const [at, other] = [i % words.length, j % words.length];
        if (edit === 'delete') words.splice(at, 1);
        if (edit === 'repeat') words.splice(at, 0, words[at]!);
        if (edit === 'swap') [words[at], words[other]] = [words[other]!, words[at]!];
        if (edit === 'replace') words[at] = word;
      }
      return words.join(' ');
    });

  function assertWellFormed(text: string) {
    const result = parseSegment(text);
    if (result.ok) {
      assert.ok(SegmentCondition.safeParse(result.segment).success, `schema-valid: ${text}`);
      assert.deepEqual(checkSegment(result.segment), [], `type-correct: ${text}`);
      assert.deepEqual(parseSegment(printSegment(result.segment)), result, `reads back from its printed form: ${text}`);
    } else {
      const { message, column, length } = result.error;
      assert.ok(message.length > 0);
      assert.ok(Number.isInteger(column) && column >= 1 && column <= text.length + 1, `column ${column} within ${JSON.stringify(text)}`);
      assert.ok(Number.isInteger(length) && length >= 0 && column - 1 + length <= text.length, `length ${length} within the text`);
    }
  }

  it('never throws for random text, and every error points inside the text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), assertWellFormed), { numRuns: 3000 });
  });

  it('never throws for random sequences of the language\'s own words; what parses is valid and prints back to itself', () => {
    fc.assert(fc.property(soup, assertWellFormed), { numRuns: 5000 });
  });

  it('never throws for valid segments with words deleted, repeated, swapped or replaced', () => {
    fc.assert(fc.property(mutated, assertWellFormed), { numRuns: 5000 });
  });

  it('parses a fair share of those near misses, so the property above is about successes too', () => {
    const ok = fc.sample(mutated, { numRuns: 2000, seed: 1 }).filter((text) => parseSegment(text).ok).length;
    assert.ok(ok > 200 && ok < 1800, `${ok} of 2000 parsed`);
  });
});

describe('parseSegmentOrThrow', () => {
  it('returns the tree, or throws a SegmentSyntaxError (a TesseraError coded invalid_argument) with the same details', () => {
    assert.deepEqual(parseSegmentOrThrow('has email'), has('email'));
    assert.throws(() => parseSegmentOrThrow('amount_spnt > 1'), (error: unknown) => {
      assert.ok(error instanceof SegmentSyntaxError);
      assert.equal(error.code, 'invalid_argument');
      assert.deepEqual([error.message, error.column, error.length], ['Unknown attribute "amount_spnt" at column 1 — did you mean amount_spent?', 1, 11]);
      return true;
    });
  });
});
