import { SEGMENT_ATTRIBUTES, type SegmentAttribute, type SegmentNode, type SegmentValue } from '../schemas/segment.ts';
import { printValue } from './print.ts';

/**
 * Which operators and values go with which attribute type. The zod schema
 * accepts any value with any attribute; these rules are what makes a tree mean
 * something. The parser applies them as it reads, `checkSegment` applies them
 * to trees built by hand, and the evaluator refuses trees that break them.
 */

export type AttributeType = (typeof SEGMENT_ATTRIBUTES)[SegmentAttribute];
export type ComparisonOperator = Extract<SegmentNode, { kind: 'compare' }>['op'];

const ORDERED_OPERATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
const EQUALITY_OPERATORS = ['=', '!='] as const;

/** Text and true/false have no order worth comparing, so they take only equality. */
export const OPERATORS: Record<AttributeType, readonly ComparisonOperator[]> = {
  number: ORDERED_OPERATORS,
  date: ORDERED_OPERATORS,
  text: EQUALITY_OPERATORS,
  boolean: EQUALITY_OPERATORS,
};

/** `IN (…)` fits every type but true/false, where `=` already says everything. */
export const takesIn = (type: AttributeType): boolean => type !== 'boolean';

/** BETWEEN needs an order. */
export const isOrdered = (type: AttributeType): boolean => type === 'number' || type === 'date';

/** How messages name an attribute's type and a literal's type. */
export const TYPE_NAMES: Record<AttributeType, string> = { number: 'a number', date: 'a date', text: 'text', boolean: 'true or false' };
export const VALUE_NAMES: Record<SegmentValue['type'], string> = {
  number: 'a number',
  text: 'text',
  date: 'a date',
  relative_date: 'a relative date',
  boolean: 'a true/false value',
};

const ALTERNATIVES: Record<AttributeType, string> = { number: '', date: '', text: ' — use =, != or IN', boolean: ' — use = or !=' };

/** Whether `value` is a literal an attribute of `type` can be compared with. */
export function fits(type: AttributeType, value: SegmentValue): boolean {
  switch (type) {
    case 'number':
      return value.type === 'number';
    case 'date':
      return (value.type === 'date' && isCalendarDate(value.value)) || value.type === 'relative_date';
    case 'text':
      return value.type === 'text';
    case 'boolean':
      return value.type === 'boolean';
  }
}

/** `2026-02-28` yes, `2026-02-30` no (JavaScript would quietly read it as 2 March). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === text;
}

/** "amount_spent is a number; 'abc' at column 16 is text" (`where` is " at column 16", or empty). */
export function mismatch(attribute: SegmentAttribute, valueText: string, value: SegmentValue, where: string): string {
  const type = SEGMENT_ATTRIBUTES[attribute];
  if (value.type === 'date' && type === 'date') return `${valueText}${where} is not a date in the calendar`;
  return `${attribute} is ${TYPE_NAMES[type]}; ${valueText}${where} is ${VALUE_NAMES[value.type]}`;
}

/** `country is text, so "<" at column 9 does not apply — use =, != or IN`. */
export function doesNotApply(attribute: SegmentAttribute, operator: string, where: string): string {
  const type = SEGMENT_ATTRIBUTES[attribute];
  return `${attribute} is ${TYPE_NAMES[type]}, so ${operator}${where} does not apply${ALTERNATIVES[type]}`;
}

/**
 * Everything wrong with a hand-built tree that the zod schema lets through:
 * values of the wrong type for their attribute, operators a type does not
 * take, dates not in the calendar, `product` on a verb other than `ordered`.
 * Empty when the tree means something. Parsed trees always pass.
 *
 * @example
 * checkSegment({ kind: 'compare', attribute: 'country', op: '<', value: { type: 'text', value: 'M' } })
 * // ['country is text, so "<" does not apply — use =, != or IN']
 */
export function checkSegment(node: SegmentNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.conditions.flatMap(checkSegment);
    case 'not':
      return checkSegment(node.condition);
    case 'compare':
      return [
        ...(OPERATORS[SEGMENT_ATTRIBUTES[node.attribute]].includes(node.op) ? [] : [doesNotApply(node.attribute, `"${node.op}"`, '')]),
        ...checkValues(node.attribute, [node.value]),
      ];
    case 'in':
      return [
        ...(takesIn(SEGMENT_ATTRIBUTES[node.attribute]) ? [] : [doesNotApply(node.attribute, 'IN', '')]),
        ...checkValues(node.attribute, node.values),
      ];
    case 'between':
      return [
        ...(isOrdered(SEGMENT_ATTRIBUTES[node.attribute]) ? [] : [doesNotApply(node.attribute, 'BETWEEN', '')]),
        ...checkValues(node.attribute, [node.low, node.high]),
      ];
    case 'is_null':
    case 'has':
      return [];
    case 'event': {
      const problems = node.product !== undefined && node.verb !== 'ordered' ? [`"product" only goes with "ordered", not "${node.verb}"`] : [];
      const window = node.window;
      const dates = window?.kind === 'since' ? [window.date] : window?.kind === 'between' ? [window.from, window.to] : [];
      return [...problems, ...dates.filter((date) => !isCalendarDate(date)).map((date) => `${date} is not a date in the calendar`)];
    }
  }
}

function checkValues(attribute: SegmentAttribute, values: SegmentValue[]): string[] {
  const type = SEGMENT_ATTRIBUTES[attribute];
  return values.filter((value) => !fits(type, value)).map((value) => mismatch(attribute, printValue(value), value, ''));
}
