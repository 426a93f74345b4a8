import { isCalendarDate, type ComparisonOperator } from './check.ts';
import { SegmentSyntaxError } from './syntax-error.ts';

/**
 * Splits segment text into tokens, one at a time, as the parser asks for them,
 * so that the first mistake in the text is the one reported.
 */

export type Token = { start: number; end: number; text: string } & (
  | { kind: 'word' }
  | { kind: 'number'; value: number }
  | { kind: 'date'; value: string }
  /** `-90d`, `+7d`, `-12w` (in days); `signed` is false for a bare `30d`, which only the parser can judge. */
  | { kind: 'relative_date'; days: number; signed: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'operator'; op: ComparisonOperator }
  | { kind: '(' | ')' | ',' | 'end' }
);

/** Furthest a relative date may reach, as the schema allows: 100 years either way. */
export const MAX_RELATIVE_DAYS = 36_500;

const SPACE = /\s*/y;
const WORD = /[A-Za-z_]\w*/y;
const OPERATOR = /!=|<>|<=|>=|=|<|>/y;
const DATE_LIKE = /\d+-\d+-\d+\w*/y;
const NUMBER = /[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const TRAILING = /\w*/y;

/** The token that starts at or after `offset` (whitespace skipped); `end` once the text runs out. */
export function readToken(source: string, offset: number): Token {
  const start = offset + match(SPACE, source, offset).length;
  if (start >= source.length) return { kind: 'end', start: source.length, end: source.length, text: '' };
  const char = source[start]!;
  if (char === '(' || char === ')' || char === ',') return { kind: char, start, end: start + 1, text: char };
  if (char === "'" || char === '"') return readString(source, start);
  const operator = match(OPERATOR, source, start);
  if (operator) {
    const op = operator === '<>' ? '!=' : (operator as ComparisonOperator);
    return { kind: 'operator', op, start, end: start + operator.length, text: operator };
  }
  if (/\d/.test(char) || (/[+-]/.test(char) && /\d/.test(source[start + 1] ?? ''))) return readNumber(source, start);
  const word = match(WORD, source, start);
  if (word) return { kind: 'word', start, end: start + word.length, text: word };
  const shown = String.fromCodePoint(source.codePointAt(start)!);
  throw new SegmentSyntaxError(`Unexpected "${shown}" at column ${start + 1}`, start + 1, shown.length);
}

/** Numbers (`100`, `12.5`, `-3`, `1e6`), dates (`2026-01-31`) and relative dates (`-90d`, `-12w`). */
function readNumber(source: string, start: number): Token {
  const column = start + 1;
  const dateLike = /\d/.test(source[start]!) ? match(DATE_LIKE, source, start) : '';
  if (dateLike) {
    const end = start + dateLike.length;
    if (isCalendarDate(dateLike)) return { kind: 'date', value: dateLike, start, end, text: dateLike };
    const message = /^\d{4}-\d{2}-\d{2}$/.test(dateLike)
      ? `${dateLike} at column ${column} is not a date in the calendar`
      : `Write dates as YYYY-MM-DD, like 2026-01-31 ("${dateLike}" at column ${column})`;
    throw new SegmentSyntaxError(message, column, dateLike.length);
  }
  const number = match(NUMBER, source, start);
  const suffix = match(TRAILING, source, start + number.length);
  const text = number + suffix;
  const end = start + text.length;
  if (suffix === '') {
    const value = Number(number);
    if (!Number.isFinite(value)) throw new SegmentSyntaxError(`${number} at column ${column} is too large a number`, column, text.length);
    return { kind: 'number', value, start, end, text };
  }
  if (/^[dw]$/i.test(suffix) && /^[+-]?\d+$/.test(number)) {
    // `|| 0` turns -0d into plain 0: "today" has no sign.
    const days = Number(number) * (/w/i.test(suffix) ? 7 : 1) || 0;
    if (Math.abs(days) > MAX_RELATIVE_DAYS) {
      throw new SegmentSyntaxError(`${text} at column ${column} reaches ${Math.abs(days)} days; relative dates reach at most ${MAX_RELATIVE_DAYS} days (100 years)`, column, text.length);
    }
    return { kind: 'relative_date', days, signed: /^[+-]/.test(number), start, end, text };
  }
  const hint = /^[dw]/i.test(suffix) ? ' — write relative dates like -90d (days) or -12w (weeks)' : '';
  throw new SegmentSyntaxError(`Unexpected "${text}" at column ${column}${hint}`, column, text.length);
}

/** A quoted string; a doubled quote or a backslash before a quote (or a backslash) stands for that character. */
function readString(source: string, start: number): Token {
  const quote = source[start]!;
  let value = '';
  let at = start + 1;
  while (at < source.length) {
    const char = source[at]!;
    const next = source[at + 1];
    if (char === quote && next !== quote) return { kind: 'string', value, start, end: at + 1, text: source.slice(start, at + 1) };
    if (char === quote || (char === '\\' && (next === "'" || next === '"' || next === '\\'))) {
      value += next;
      at += 2;
    } else {
      value += char;
      at += 1;
    }
  }
  throw new SegmentSyntaxError(`Unclosed quote starting at column ${start + 1}`, start + 1, source.length - start);
}

function match(pattern: RegExp, source: string, at: number): string {
  pattern.lastIndex = at;
  return pattern.exec(source)?.[0] ?? '';
}
