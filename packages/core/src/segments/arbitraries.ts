import * as fc from 'fast-check';
import { SEGMENT_ATTRIBUTES, SEGMENT_IDENTITIES, SEGMENT_VERBS } from '../schemas/segment.ts';
import type { SegmentAttribute, SegmentNode, SegmentValue, SegmentVerb, SegmentWindow } from '../schemas/segment.ts';
import type { SegmentFacts } from './evaluate.ts';

/**
 * fast-check generators of segment trees and people, for the tests only (not
 * exported from index.ts, so never bundled). The typing rules are written out
 * here from the language's definition rather than imported from check.ts, so
 * a mistake there cannot hide itself.
 */

type Type = 'number' | 'date' | 'text' | 'boolean';
const ATTRIBUTES = Object.keys(SEGMENT_ATTRIBUTES) as SegmentAttribute[];
const VERBS = Object.keys(SEGMENT_VERBS) as SegmentVerb[];
const OPERATORS_BY_TYPE = {
  number: ['=', '!=', '<', '<=', '>', '>='],
  date: ['=', '!=', '<', '<=', '>', '>='],
  text: ['=', '!='],
  boolean: ['=', '!='],
} as const;
/** fast-check sometimes makes records without a prototype; the parser's trees are plain objects, so keep them comparable. */
const record = ((model: never, constraints?: object) => fc.record(model, { noNullPrototype: true, ...constraints })) as typeof fc.record;
const attributesOf = (...types: Type[]) => ATTRIBUTES.filter((attribute) => types.includes(SEGMENT_ATTRIBUTES[attribute]));

/** The moment the evaluation tests treat as now: midday, so "today" and "24 hours ago" differ. */
export const NOW = new Date('2026-05-01T12:00:00Z');
const DAY = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** Values of each type to put in trees. */
export interface ValuePools {
  number: fc.Arbitrary<number>;
  /** YYYY-MM-DD, real calendar dates. */
  date: fc.Arbitrary<string>;
  relativeDays: fc.Arbitrary<number>;
  text: fc.Arbitrary<string>;
}

/** Anything the schema allows: any finite double, any string (quotes, backslashes, astral characters…), dates over three centuries. */
export const WIDE: ValuePools = {
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  date: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => isoDay(date.getTime())),
  relativeDays: fc.integer({ min: -36_500, max: 36_500 }),
  text: fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom("O'Brien", 'C:\\', "\\'", '"quoted"', "x''; drop table profiles; --", ' padded ', ''),
  ),
};

/** Values close to the people of `person` and to NOW, so comparisons often land on equality and on boundaries. */
export const NEAR: ValuePools = {
  number: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(0.5, 0.8, 99.99)),
  date: fc.integer({ min: -40, max: 5 }).map((days) => isoDay(NOW.getTime() + days * DAY)),
  relativeDays: fc.integer({ min: -40, max: 5 }),
  text: fc.constantFrom('US', 'us', 'Ca', 'shopify', 'KAJABI', 'instagram', 'lead', 'customer', 'high', "O'Brien", ''),
};

function valueFor(type: Type, pools: ValuePools): fc.Arbitrary<SegmentValue> {
  switch (type) {
    case 'number':
      return pools.number.map((value) => ({ type: 'number', value }));
    case 'date':
      return fc.oneof(
        pools.date.map((value): SegmentValue => ({ type: 'date', value })),
        pools.relativeDays.map((days): SegmentValue => ({ type: 'relative_date', days })),
      );
    case 'text':
      return pools.text.map((value) => ({ type: 'text', value }));
    case 'boolean':
      return fc.boolean().map((value) => ({ type: 'boolean', value }));
  }
}

function windowFor(pools: ValuePools): fc.Arbitrary<SegmentWindow> {
  return fc.oneof(
    fc.integer({ min: 1, max: 400 }).map((days): SegmentWindow => ({ kind: 'last_days', days })),
    pools.date.map((date): SegmentWindow => ({ kind: 'since', date })),
    fc.tuple(pools.date, pools.date).map(([from, to]): SegmentWindow => ({ kind: 'between', from, to })),
  );
}

/** One condition (no AND/OR/NOT) with a value of the right type for its attribute. */
export function conditionArbitrary(pools: ValuePools): fc.Arbitrary<SegmentNode> {
  const attribute = (...types: Type[]) => fc.constantFrom(...attributesOf(...types));
  return fc.oneof(
    attribute('number', 'date', 'text', 'boolean').chain((name) => {
      const type = SEGMENT_ATTRIBUTES[name];
      return record({ kind: fc.constant('compare'), attribute: fc.constant(name), op: fc.constantFrom(...OPERATORS_BY_TYPE[type]), value: valueFor(type, pools) });
    }),
    attribute('number', 'date', 'text').chain((name) =>
      record({ kind: fc.constant('in'), attribute: fc.constant(name), values: fc.array(valueFor(SEGMENT_ATTRIBUTES[name], pools), { minLength: 1, maxLength: 4 }), negated: fc.boolean() }),
    ),
    attribute('number', 'date').chain((name) =>
      record({ kind: fc.constant('between'), attribute: fc.constant(name), low: valueFor(SEGMENT_ATTRIBUTES[name], pools), high: valueFor(SEGMENT_ATTRIBUTES[name], pools) }),
    ),
    record({ kind: fc.constant('is_null'), attribute: attribute('number', 'date', 'text', 'boolean'), negated: fc.boolean() }),
    record({ kind: fc.constant('has'), identity: fc.constantFrom(...SEGMENT_IDENTITIES) }),
    fc.constantFrom(...VERBS).chain((verb) =>
      record(
        {
          kind: fc.constant('event'),
          verb: fc.constant(verb),
          ...(verb === 'ordered' ? { product: fc.oneof(pools.text, fc.constantFrom('Sourdough Starter Kit', ' sourdough starter kit ')) } : {}),
          window: windowFor(pools),
          atLeast: fc.integer({ min: 1, max: 4 }),
        },
        { requiredKeys: ['kind', 'verb'] },
      ),
    ),
  ) as fc.Arbitrary<SegmentNode>;
}

/**
 * Trees of conditions under AND, OR and NOT, never an AND directly inside an
 * AND nor an OR inside an OR (the parser merges those, so they would not come
 * back as they went in).
 */
export function segmentArbitrary(pools: ValuePools, maxDepth = 5): fc.Arbitrary<SegmentNode> {
  const leaf = conditionArbitrary(pools);
  const depthIdentifier = fc.createDepthIdentifier();
  const options = { depthIdentifier, maxDepth, depthSize: 'small' } as const;
  const list = (kind: 'and' | 'or', child: fc.Arbitrary<SegmentNode>) =>
    fc.array(child, { minLength: 2, maxLength: 4, depthIdentifier }).map((conditions): SegmentNode => ({ kind, conditions }));
  const { node } = fc.letrec<{ node: SegmentNode; and: SegmentNode; or: SegmentNode; not: SegmentNode }>((tie) => ({
    node: fc.oneof(options, leaf, tie('and'), tie('or'), tie('not')),
    and: list('and', fc.oneof(options, leaf, tie('or'), tie('not'))),
    or: list('or', fc.oneof(options, leaf, tie('and'), tie('not'))),
    not: tie('node').map((condition): SegmentNode => ({ kind: 'not', condition })),
  }));
  return node;
}

/** A timestamp within a few weeks of NOW, at any millisecond of the day. */
const nearTimestamp = fc.integer({ min: -45 * DAY, max: 5 * DAY }).map((offset) => new Date(NOW.getTime() + offset).toISOString());
const orNull = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null, freq: 4 });

/** A person whose facts sit in the same neighbourhood as NEAR's values, with nulls wherever the facts allow them. */
export const personArbitrary: fc.Arbitrary<SegmentFacts> = record({
  amount_spent: NEAR.number,
  number_of_orders: fc.integer({ min: 0, max: 12 }),
  average_order_value: orNull(NEAR.number),
  first_order_date: orNull(nearTimestamp),
  last_order_date: orNull(nearTimestamp),
  first_seen_date: orNull(nearTimestamp),
  last_seen_date: orNull(nearTimestamp),
  first_seen_source: orNull(NEAR.text),
  sources: fc.integer({ min: 1, max: 3 }),
  courses_completed: fc.integer({ min: 0, max: 5 }),
  churn_risk: orNull(fc.constantFrom(0, 0.5, 0.8, 1)),
  churn_band: orNull(NEAR.text),
  stage: orNull(NEAR.text),
  social_followers: orNull(NEAR.number),
  social_interactions: fc.integer({ min: 0, max: 12 }),
  email_subscribed: orNull(fc.boolean()),
  country: orNull(NEAR.text),
  identities: fc.subarray([...SEGMENT_IDENTITIES]),
  events: fc.array(
    record({
      type: fc.constantFrom(...Object.values(SEGMENT_VERBS).flat(), 'page_viewed'),
      occurred_at: nearTimestamp,
      products: fc.subarray(['Sourdough Starter Kit', 'Rye Flour 1kg', ' sourdough STARTER kit']),
    }),
    { maxLength: 6 },
  ),
});
