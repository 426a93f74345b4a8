import type { SegmentNode, SegmentValue, SegmentWindow } from '../schemas/segment.ts';

/**
 * A segment tree as canonical text: upper-case logic keywords (AND, OR, NOT,
 * IN, BETWEEN, IS NULL), lower-case names and event phrases, only the
 * parentheses precedence needs (NOT binds tighter than AND, AND tighter than
 * OR), text in single quotes, relative dates in days.
 *
 * For every type-correct tree (see `checkSegment`) nested no deeper than
 * `SEGMENT_LIMITS.depth`, `parseSegment(printSegment(tree))` gives the tree
 * back, except that an AND directly inside an AND (or an OR inside an OR) comes
 * back merged into one list, as the parser always merges them.
 *
 * @example
 * printSegment({ kind: 'not', condition: { kind: 'has', identity: 'instagram' } }) // 'NOT has instagram'
 */
export function printSegment(node: SegmentNode): string {
  return printNode(node, OR);
}

const OR = 1;
const AND = 2;
const NOT = 3;
const CONDITION = 4;

/** Prints `node` where the surrounding operator binds with strength `context`: anything weaker needs parentheses. */
function printNode(node: SegmentNode, context: number): string {
  const [strength, text] = printBare(node);
  return strength < context ? `(${text})` : text;
}

function printBare(node: SegmentNode): [strength: number, text: string] {
  switch (node.kind) {
    case 'or':
      return [OR, node.conditions.map((condition) => printNode(condition, OR)).join(' OR ')];
    case 'and':
      return [AND, node.conditions.map((condition) => printNode(condition, AND)).join(' AND ')];
    case 'not':
      return [NOT, `NOT ${printNode(node.condition, NOT)}`];
    case 'compare':
      return [CONDITION, `${node.attribute} ${node.op} ${printValue(node.value)}`];
    case 'in':
      return [CONDITION, `${node.attribute} ${node.negated ? 'NOT IN' : 'IN'} (${node.values.map(printValue).join(', ')})`];
    case 'between':
      return [CONDITION, `${node.attribute} BETWEEN ${printValue(node.low)} AND ${printValue(node.high)}`];
    case 'is_null':
      return [CONDITION, `${node.attribute} IS ${node.negated ? 'NOT NULL' : 'NULL'}`];
    case 'has':
      return [CONDITION, `has ${node.identity}`];
    case 'event': {
      const words = [node.verb === 'completed_course' ? 'completed course' : node.verb];
      if (node.product !== undefined) words.push(`product ${quote(node.product)}`);
      if (node.atLeast !== undefined) words.push(`at least ${node.atLeast} ${node.atLeast === 1 ? 'time' : 'times'}`);
      if (node.window !== undefined) words.push(printWindow(node.window));
      return [CONDITION, words.join(' ')];
    }
  }
}

function printWindow(window: SegmentWindow): string {
  switch (window.kind) {
    case 'last_days':
      return `in last ${window.days} ${window.days === 1 ? 'day' : 'days'}`;
    case 'since':
      return `since ${window.date}`;
    case 'between':
      return `between ${window.from} and ${window.to}`;
  }
}

/** One literal as the language writes it: `12.5`, `'O''Brien'`, `2026-01-31`, `-90d`, `true`. */
export function printValue(value: SegmentValue): string {
  switch (value.type) {
    case 'number':
      // String(-0) is "0", which would read back as a different number.
      return Object.is(value.value, -0) ? '-0' : String(value.value);
    case 'text':
      return quote(value.value);
    case 'date':
      return value.value;
    case 'relative_date':
      return value.days === 0 ? '0d' : `${value.days > 0 ? '+' : ''}${value.days}d`;
    case 'boolean':
      return String(value.value);
  }
}

/** Single quotes, a quote doubled; backslashes doubled too, since the reader takes `\'` as an escaped quote. */
function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
