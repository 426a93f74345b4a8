import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { SegmentCondition, type SegmentNode, type SegmentValue } from '../schemas/segment.ts';
import { NEAR, WIDE, segmentArbitrary } from './arbitraries.ts';
import { checkSegment } from './check.ts';
import { parseSegment } from './parse.ts';
import { printSegment } from './print.ts';

const spent = (op: '>' | '<', value: number): SegmentNode => ({ kind: 'compare', attribute: 'amount_spent', op, value: { type: 'number', value } });
const has = (identity: 'email' | 'phone' | 'instagram'): SegmentNode => ({ kind: 'has', identity });
const country = (value: string): SegmentNode => ({ kind: 'compare', attribute: 'country', op: '=', value: { type: 'text', value } });
const and = (...conditions: SegmentNode[]): SegmentNode => ({ kind: 'and', conditions });
const or = (...conditions: SegmentNode[]): SegmentNode => ({ kind: 'or', conditions });
const not = (condition: SegmentNode): SegmentNode => ({ kind: 'not', condition });
const lastOrder = (value: SegmentValue): SegmentNode => ({ kind: 'compare', attribute: 'last_order_date', op: '<', value });

function roundTrip(tree: SegmentNode): SegmentNode {
  const result = parseSegment(printSegment(tree));
  assert.ok(result.ok, `${printSegment(tree)} → ${result.ok ? '' : result.error.message}`);
  return result.segment;
}

describe('printSegment', () => {
  it('writes conditions the way the docs do: upper-case logic, lower-case names and event phrases', () => {
    assert.equal(printSegment(and(spent('>', 100), lastOrder({ type: 'relative_date', days: -90 }), not(has('instagram')))),
      'amount_spent > 100 AND last_order_date < -90d AND NOT has instagram');
    assert.equal(printSegment({ kind: 'in', attribute: 'country', values: [{ type: 'text', value: 'US' }, { type: 'text', value: 'CA' }], negated: true }),
      "country NOT IN ('US', 'CA')");
    assert.equal(printSegment({ kind: 'between', attribute: 'first_order_date', low: { type: 'date', value: '2026-01-01' }, high: { type: 'relative_date', days: 0 } }),
      'first_order_date BETWEEN 2026-01-01 AND 0d');
    assert.equal(printSegment({ kind: 'is_null', attribute: 'churn_band', negated: false }), 'churn_band IS NULL');
    assert.equal(printSegment({ kind: 'is_null', attribute: 'churn_band', negated: true }), 'churn_band IS NOT NULL');
    assert.equal(printSegment({ kind: 'compare', attribute: 'email_subscribed', op: '!=', value: { type: 'boolean', value: true } }), 'email_subscribed != true');
  });

  it('writes events in the fixed order verb, product, at least, window, with singular "time" and "day" for 1', () => {
    assert.equal(printSegment({ kind: 'event', verb: 'ordered', product: 'Sourdough Starter Kit', window: { kind: 'last_days', days: 30 }, atLeast: 2 }),
      "ordered product 'Sourdough Starter Kit' at least 2 times in last 30 days");
    assert.equal(printSegment({ kind: 'event', verb: 'completed_course', atLeast: 1, window: { kind: 'last_days', days: 1 } }), 'completed course at least 1 time in last 1 day');
    assert.equal(printSegment({ kind: 'event', verb: 'liked', window: { kind: 'since', date: '2026-03-01' } }), 'liked since 2026-03-01');
    assert.equal(printSegment({ kind: 'event', verb: 'paid', window: { kind: 'between', from: '2026-01-01', to: '2026-01-31' } }), 'paid between 2026-01-01 and 2026-01-31');
    assert.equal(printSegment({ kind: 'event', verb: 'refunded' }), 'refunded');
  });

  it('adds only the parentheses precedence needs (NOT > AND > OR)', () => {
    assert.equal(printSegment(or(spent('>', 1), and(has('email'), has('phone')))), 'amount_spent > 1 OR has email AND has phone');
    assert.equal(printSegment(and(spent('>', 1), or(has('email'), has('phone')))), 'amount_spent > 1 AND (has email OR has phone)');
    assert.equal(printSegment(not(and(has('email'), has('phone')))), 'NOT (has email AND has phone)');
    assert.equal(printSegment(not(or(has('email'), has('phone')))), 'NOT (has email OR has phone)');
    assert.equal(printSegment(not(not(has('email')))), 'NOT NOT has email');
    assert.equal(printSegment(or(not(has('email')), and(not(has('phone')), or(country('US'), country('CA'))))),
      "NOT has email OR NOT has phone AND (country = 'US' OR country = 'CA')");
  });

  it('quotes text with single quotes, doubling quotes and backslashes', () => {
    assert.equal(printSegment(country("O'Brien")), "country = 'O''Brien'");
    assert.equal(printSegment(country('say "hi"')), `country = 'say "hi"'`);
    assert.equal(printSegment(country('C:\\')), "country = 'C:\\\\'");
    assert.equal(printSegment(country("x'; drop table profiles; --")), "country = 'x''; drop table profiles; --'");
  });

  it('writes numbers so they read back exactly, -0 and exponents included', () => {
    for (const [value, text] of [[100, '100'], [12.5, '12.5'], [-3, '-3'], [-0, '-0'], [1e21, '1e+21'], [5e-7, '5e-7'], [0.1 + 0.2, '0.30000000000000004']] as const) {
      const tree = spent('>', value);
      assert.equal(printSegment(tree), `amount_spent > ${text}`);
      assert.deepEqual(roundTrip(tree), tree);
    }
  });

  it('writes relative dates in days with an explicit sign: -90d, 0d, +7d', () => {
    assert.equal(printSegment(lastOrder({ type: 'relative_date', days: -90 })), 'last_order_date < -90d');
    assert.equal(printSegment(lastOrder({ type: 'relative_date', days: 0 })), 'last_order_date < 0d');
    assert.equal(printSegment(lastOrder({ type: 'relative_date', days: 7 })), 'last_order_date < +7d');
  });

  it('gives back every generated tree through parseSegment (wide values: any double, any text, three centuries of dates)', () => {
    fc.assert(
      fc.property(segmentArbitrary(WIDE), (tree) => {
        assert.ok(SegmentCondition.safeParse(tree).success, 'the generator makes schema-valid trees');
        assert.deepEqual(checkSegment(tree), []);
        assert.deepEqual(roundTrip(tree), tree);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back trees built from the values the evaluation tests use', () => {
    fc.assert(fc.property(segmentArbitrary(NEAR), (tree) => assert.deepEqual(roundTrip(tree), tree)), { numRuns: 500 });
  });

  it('prints its own output unchanged (canonical form is a fixed point)', () => {
    fc.assert(fc.property(segmentArbitrary(WIDE), (tree) => assert.equal(printSegment(roundTrip(tree)), printSegment(tree))), { numRuns: 500 });
  });

  it('merges an AND inside an AND (and an OR inside an OR) on the way back, as the parser always does', () => {
    assert.deepEqual(roundTrip(and(and(has('email'), has('phone')), spent('>', 1))), and(has('email'), has('phone'), spent('>', 1)));
    assert.deepEqual(roundTrip(or(has('email'), or(has('phone'), or(country('US'), country('CA'))))), or(has('email'), has('phone'), country('US'), country('CA')));
  });

  it('round-trips trees as deep as the limit allows: 49 NOTs over an AND/OR ladder of depth 50', () => {
    let ladder: SegmentNode = has('email');
    for (let level = 0; level < 49; level++) ladder = level % 2 ? and(ladder, has('phone')) : or(ladder, country('US'));
    assert.deepEqual(roundTrip(ladder), ladder);
    let nots: SegmentNode = has('email');
    for (let level = 0; level < 50; level++) nots = not(nots);
    assert.deepEqual(roundTrip(nots), nots);
  });
});
