import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { SEGMENT_ATTRIBUTES, type SegmentAttribute, type SegmentNode, type SegmentValue } from '../schemas/segment.ts';
import { NEAR, NOW, conditionArbitrary, personArbitrary, segmentArbitrary } from './arbitraries.ts';
import { checkSegment } from './check.ts';
import { evaluateSegment, matchesSegment, type SegmentFacts } from './evaluate.ts';
import { parseSegmentOrThrow } from './parse.ts';

/** A realistic customer: bought sourdough kits, follows on Instagram, never said whether she wants email. */
const maya: SegmentFacts = {
  amount_spent: 245.5,
  number_of_orders: 3,
  average_order_value: 81.83,
  first_order_date: '2026-02-15T10:00:00Z',
  last_order_date: '2026-01-31T23:59:00Z',
  first_seen_date: '2025-05-02T18:40:00Z',
  last_seen_date: '2026-04-30T08:00:00Z',
  first_seen_source: 'Instagram',
  sources: 3,
  courses_completed: 1,
  churn_risk: null,
  churn_band: null,
  stage: 'Customer',
  social_followers: 1200,
  social_interactions: 14,
  email_subscribed: null,
  country: 'US',
  identities: ['email', 'instagram', 'shopify_customer'],
  events: [
    { type: 'order_placed', occurred_at: '2026-04-01T00:30:00Z', products: ['Sourdough Starter Kit'] },
    { type: 'order_placed', occurred_at: '2026-04-01T00:29:59.999Z', products: [' sourdough STARTER kit ', 'Banneton'] },
    { type: 'order_placed', occurred_at: '2026-02-15T10:00:00Z', products: ['Rye Flour 1kg'] },
    { type: 'refund_issued', occurred_at: '2026-03-31T23:59:59Z', products: [] },
    { type: 'reacted', occurred_at: '2026-04-20T12:00:00Z', products: [] },
    { type: 'course_completed', occurred_at: '2026-01-01T00:00:00Z', products: [] },
    { type: 'page_viewed', occurred_at: '2026-04-30T09:00:00Z', products: [] },
    { type: 'followed', occurred_at: '2026-05-03T00:00:00Z', products: [] },
  ],
};
/** Half past midnight UTC on 1 May 2026. 90 days before 2026-05-01 is 2026-01-31 (30 + 31 + 28 + 1). */
const now = new Date('2026-05-01T00:30:00Z');

const evaluate = (text: string, person: SegmentFacts = maya, at: Date = now) => evaluateSegment(parseSegmentOrThrow(text), person, at);

function assertResults(cases: Record<string, boolean | null>, person: SegmentFacts = maya, at: Date = now) {
  for (const [text, expected] of Object.entries(cases)) assert.equal(evaluate(text, person, at), expected, text);
}

describe('evaluateSegment: missing attributes (SQL NULL)', () => {
  it('makes every comparison, IN, NOT IN and BETWEEN on a missing number unknown', () => {
    assertResults({
      'churn_risk > 0.5': null,
      'churn_risk <= 0.5': null,
      'churn_risk = 0.5': null,
      'churn_risk != 0.5': null,
      'churn_risk IN (0.5, 0.8)': null,
      'churn_risk NOT IN (0.5, 0.8)': null,
      'churn_risk BETWEEN 0 AND 1': null,
      'churn_risk NOT BETWEEN 0 AND 1': null,
      'NOT churn_risk > 0.5': null,
    });
  });

  it('does the same for missing text, dates and booleans', () => {
    assertResults({
      "churn_band = 'high'": null,
      "churn_band != 'high'": null,
      "churn_band NOT IN ('high')": null,
      'email_subscribed = true': null,
      'email_subscribed != true': null,
      "stage = 'customer'": true, // a present attribute still gets a plain answer
    });
    assertResults({ 'last_order_date < -90d': null, 'last_order_date BETWEEN 2020-01-01 AND 0d': null, 'last_order_date IN (-1d)': null }, { ...maya, last_order_date: null });
  });

  it('answers IS NULL and IS NOT NULL for sure, never unknown', () => {
    assertResults({
      'churn_risk IS NULL': true,
      'churn_risk IS NOT NULL': false,
      'email_subscribed IS NULL': true,
      'country IS NULL': false,
      'country IS NOT NULL': true,
      'NOT churn_risk IS NULL': false,
    });
  });

  it('leaves a person out when the answer is unknown, whichever way the condition is put', () => {
    for (const text of ['churn_risk > 0.5', 'NOT churn_risk > 0.5', 'churn_risk <= 0.5']) assert.equal(matchesSegment(parseSegmentOrThrow(text), maya, now), false, text);
  });
});

describe('evaluateSegment: AND, OR, NOT are Kleene\'s three-valued logic', () => {
  const T = 'has email';
  const F = 'has tiktok';
  const U = 'churn_risk > 0.5';
  const names: Record<string, string> = { [T]: 'true', [F]: 'false', [U]: 'unknown' };

  it('has the truth tables SQL has', () => {
    const table: [string, string, boolean | null, boolean | null][] = [
      // a, b, a AND b, a OR b
      [T, T, true, true],
      [T, F, false, true],
      [T, U, null, true],
      [F, T, false, true],
      [F, F, false, false],
      [F, U, false, null],
      [U, T, null, true],
      [U, F, false, null],
      [U, U, null, null],
    ];
    for (const [a, b, conjunction, disjunction] of table) {
      assert.equal(evaluate(`${a} AND ${b}`), conjunction, `${names[a]} AND ${names[b]}`);
      assert.equal(evaluate(`${a} OR ${b}`), disjunction, `${names[a]} OR ${names[b]}`);
    }
    assert.equal(evaluate(`NOT ${T}`), false);
    assert.equal(evaluate(`NOT ${F}`), true);
    assert.equal(evaluate(`NOT ${U}`), null);
  });

  it('lets one false settle an AND and one true settle an OR, however many unknowns there are', () => {
    assert.equal(evaluate(`${U} AND ${U} AND ${F} AND ${U}`), false);
    assert.equal(evaluate(`${U} OR ${U} OR ${T} OR ${U}`), true);
  });
});

describe('evaluateSegment: values', () => {
  it('compares text without regard to case, in =, != and IN', () => {
    assertResults({
      "country = 'us'": true,
      "country != 'uS'": false,
      "country IN ('ca', 'Us')": true,
      "country NOT IN ('us')": false,
      "stage = 'CUSTOMER'": true,
      "first_seen_source = 'INSTAGRAM'": true,
      "first_seen_source = 'Instagram '": false,
    });
    assert.equal(evaluate("country = 'ÉIRE'", { ...maya, country: 'Éire' }), true, 'beyond ASCII too');
  });

  it('compares numbers, BETWEEN including both ends, reversed bounds matching no one', () => {
    assertResults({
      'amount_spent > 245': true,
      'amount_spent > 245.5': false,
      'amount_spent >= 245.5': true,
      'amount_spent = 245.5': true,
      'amount_spent BETWEEN 245.5 AND 300': true,
      'amount_spent BETWEEN 100 AND 245.5': true,
      'amount_spent BETWEEN 300 AND 100': false,
      'amount_spent NOT BETWEEN 300 AND 100': true,
      'number_of_orders IN (1, 2, 3)': true,
      'number_of_orders NOT IN (1, 2, 3)': false,
    });
  });

  it('compares true/false', () => {
    const subscribed = { ...maya, email_subscribed: true };
    assertResults({ 'email_subscribed = true': true, 'email_subscribed != true': false, 'email_subscribed = false': false }, subscribed);
  });

  it('tests identities with has', () => {
    assertResults({ 'has email': true, 'has instagram': true, 'has tiktok': false, 'NOT has phone': true });
  });
});

describe('evaluateSegment: dates by UTC calendar day', () => {
  it('puts a 23:59 UTC order on its own day, whatever its time', () => {
    assertResults({
      'last_order_date = 2026-01-31': true,
      'last_order_date <= 2026-01-31': true,
      'last_order_date > 2026-01-31': false,
      'last_order_date < 2026-02-01': true,
      'last_order_date > 2026-01-30': true,
      'last_order_date BETWEEN 2026-01-01 AND 2026-01-31': true,
      'last_order_date IN (2026-01-31)': true,
    });
  });

  it('puts a midnight UTC order on the next day', () => {
    const midnight = { ...maya, last_order_date: '2026-02-01T00:00:00Z' };
    assertResults({ 'last_order_date = 2026-01-31': false, 'last_order_date = 2026-02-01': true, 'last_order_date > 2026-01-31': true }, midnight);
  });

  it('reads a timestamp with an offset in UTC: 20:00 in New York on 31 January is 1 February', () => {
    const newYork = { ...maya, last_order_date: '2026-01-31T20:00:00-05:00' };
    assertResults({ 'last_order_date = 2026-02-01': true, 'last_order_date = 2026-01-31': false }, newYork);
  });

  it('counts relative dates in days back from the UTC date of now: -90d is 2026-01-31 on 1 May', () => {
    assertResults({
      'last_order_date = -90d': true,
      'last_order_date < -90d': false,
      'last_order_date < -89d': true,
      'last_order_date >= -90d': true,
      'last_order_date < -13w': false,
      'last_order_date > -13w': true,
      'last_seen_date = -1d': true,
      'last_seen_date < 0d': true,
      'last_seen_date < +7d': true,
    });
    const midnight = { ...maya, last_order_date: '2026-02-01T00:00:00Z' };
    assertResults({ 'last_order_date = -90d': false, 'last_order_date > -90d': true, 'last_order_date = -89d': true }, midnight);
  });

  it('moves "-90d" only when the UTC date of now changes, not with the hour', () => {
    const lastSecond = new Date('2026-05-01T23:59:59Z');
    const nextDay = new Date('2026-05-02T00:00:00Z');
    assert.equal(evaluate('last_order_date = -90d', maya, lastSecond), true);
    assert.equal(evaluate('last_order_date = -90d', maya, nextDay), false);
    assert.equal(evaluate('last_order_date < -90d', maya, nextDay), true);
  });

  it('refuses a timestamp without a time zone, whose day would depend on where the code runs', () => {
    assert.throws(() => evaluate('last_order_date < -90d', { ...maya, last_order_date: '2026-01-31T23:59:00' }), TypeError);
    assert.throws(() => evaluate('ordered', { ...maya, events: [{ type: 'order_placed', occurred_at: 'yesterday', products: [] }] }), TypeError);
  });
});

describe('evaluateSegment: events', () => {
  it('counts events of the verb\'s types, all time when there is no window', () => {
    assertResults({
      ordered: true,
      'ordered at least 3 times': true,
      'ordered at least 4 times': false,
      refunded: true,
      liked: true, // Maya reacted; "liked" covers liked and reacted
      'completed course': true,
      messaged: false,
      'NOT messaged': true,
      followed: true,
    });
  });

  it('counts from exactly N × 24 hours before now for "in last N days"', () => {
    assertResults({
      'ordered in last 30 days': true, // 2026-04-01T00:30:00Z is exactly 30 days before now, and counts
      'ordered at least 2 times in last 30 days': false, // a millisecond earlier does not
      'liked in last 10 days': false, // 20 April 12:00 is before 21 April 00:30
      'liked in last 11 days': true,
      'followed in last 1 day': true, // stamped after now: windows have no upper end but "between"
    });
  });

  it('counts from midnight UTC for "since", and through the whole last day for "between"', () => {
    assertResults({
      "ordered product 'Rye Flour 1kg' since 2026-02-15": true,
      "ordered product 'Rye Flour 1kg' since 2026-02-16": false,
      'refunded between 2026-03-01 and 2026-03-31': true, // 23:59:59 on the last day
      'refunded between 2026-03-01 and 2026-03-30': false,
      'refunded since 2026-04-01': false,
      'completed course between 2026-01-01 and 2026-01-01': true,
      'completed course since 2026-01-02': false,
      'completed course between 2026-01-02 and 2025-12-31': false,
    });
  });

  it('matches a product title whole, ignoring case and surrounding spaces', () => {
    assertResults({
      "ordered product 'sourdough starter kit' at least 2 times": true,
      "ordered product '  Sourdough Starter Kit ' at least 2 times": true,
      "ordered product 'Sourdough Starter Kit' at least 2 times in last 30 days": false,
      "ordered product 'Sourdough'": false,
      "ordered product 'Banneton'": true,
    });
  });

  it('is never unknown, even for someone with every attribute missing', () => {
    const stranger: SegmentFacts = {
      ...maya,
      average_order_value: null, first_order_date: null, last_order_date: null, first_seen_date: null, last_seen_date: null,
      first_seen_source: null, stage: null, social_followers: null, country: null, identities: [], events: [],
    };
    assertResults({ ordered: false, 'NOT ordered': true, 'has email': false, 'commented in last 30 days': false }, stranger);
  });
});

describe('evaluateSegment: trees that mean nothing', () => {
  it('refuses what checkSegment refuses, with its message', () => {
    const textOrder: SegmentNode = { kind: 'compare', attribute: 'country', op: '<', value: { type: 'text', value: 'M' } };
    assert.deepEqual(checkSegment(textOrder), ['country is text, so "<" does not apply — use =, != or IN']);
    assert.throws(() => evaluateSegment(textOrder, maya, now), { name: 'TypeError', message: 'Cannot evaluate this segment: country is text, so "<" does not apply — use =, != or IN' });
    const numberAsText: SegmentNode = { kind: 'in', attribute: 'amount_spent', values: [{ type: 'text', value: '100' }], negated: false };
    assert.deepEqual(checkSegment(numberAsText), ["amount_spent is a number; '100' is text"]);
    assert.deepEqual(checkSegment({ kind: 'compare', attribute: 'last_seen_date', op: '=', value: { type: 'date', value: '2026-02-30' } }), ['2026-02-30 is not a date in the calendar']);
    assert.deepEqual(checkSegment({ kind: 'event', verb: 'liked', product: 'Kit', window: { kind: 'since', date: '2026-13-01' } }), ['"product" only goes with "ordered", not "liked"', '2026-13-01 is not a date in the calendar']);
    assert.deepEqual(checkSegment({ kind: 'between', attribute: 'stage', low: { type: 'text', value: 'a' }, high: { type: 'text', value: 'b' } }), ['stage is text, so BETWEEN does not apply — use =, != or IN']);
  });
});

describe('evaluateSegment: laws that hold for any segment and any person', () => {
  const trees = segmentArbitrary(NEAR, 4);
  const people = personArbitrary;
  const run = (tree: SegmentNode, person: SegmentFacts) => evaluateSegment(tree, person, NOW);
  const not = (condition: SegmentNode): SegmentNode => ({ kind: 'not', condition });
  const options = { numRuns: 1000 };

  it('NOT NOT x is x', () => {
    fc.assert(fc.property(trees, people, (x, person) => assert.equal(run(not(not(x)), person), run(x, person))), options);
  });

  it('De Morgan: NOT (a AND b) is NOT a OR NOT b, and NOT (a OR b) is NOT a AND NOT b', () => {
    fc.assert(
      fc.property(trees, trees, people, (a, b, person) => {
        assert.equal(run(not({ kind: 'and', conditions: [a, b] }), person), run({ kind: 'or', conditions: [not(a), not(b)] }, person));
        assert.equal(run(not({ kind: 'or', conditions: [a, b] }), person), run({ kind: 'and', conditions: [not(a), not(b)] }, person));
      }),
      options,
    );
  });

  it('AND and OR do not depend on the order of their conditions', () => {
    fc.assert(
      fc.property(trees, people, (tree, person) => {
        if (tree.kind !== 'and' && tree.kind !== 'or') return;
        assert.equal(run({ ...tree, conditions: [...tree.conditions].reverse() }, person), run(tree, person));
      }),
      options,
    );
  });

  const ordered = fc.constantFrom(...(Object.keys(SEGMENT_ATTRIBUTES) as SegmentAttribute[]).filter((name) => ['number', 'date'].includes(SEGMENT_ATTRIBUTES[name])));
  const valueOf = (attribute: SegmentAttribute): fc.Arbitrary<SegmentValue> =>
    SEGMENT_ATTRIBUTES[attribute] === 'number'
      ? NEAR.number.map((value) => ({ type: 'number', value }))
      : fc.oneof(NEAR.date.map((value): SegmentValue => ({ type: 'date', value })), NEAR.relativeDays.map((days): SegmentValue => ({ type: 'relative_date', days })));
  const compare = (attribute: SegmentAttribute, op: '=' | '!=' | '<' | '<=' | '>' | '>=', value: SegmentValue): SegmentNode => ({ kind: 'compare', attribute, op, value });

  it('x BETWEEN a AND b is x >= a AND x <= b, unknowns included', () => {
    fc.assert(
      fc.property(ordered.chain((attribute) => fc.tuple(fc.constant(attribute), valueOf(attribute), valueOf(attribute))), people, ([attribute, low, high], person) => {
        const between = run({ kind: 'between', attribute, low, high }, person);
        assert.equal(between, run({ kind: 'and', conditions: [compare(attribute, '>=', low), compare(attribute, '<=', high)] }, person));
      }),
      options,
    );
  });

  it('!= is NOT =, < is NOT >=, > is NOT <=', () => {
    fc.assert(
      fc.property(ordered.chain((attribute) => fc.tuple(fc.constant(attribute), valueOf(attribute))), people, ([attribute, value], person) => {
        assert.equal(run(compare(attribute, '!=', value), person), run(not(compare(attribute, '=', value)), person));
        assert.equal(run(compare(attribute, '<', value), person), run(not(compare(attribute, '>=', value)), person));
        assert.equal(run(compare(attribute, '>', value), person), run(not(compare(attribute, '<=', value)), person));
      }),
      options,
    );
  });

  it('IN is an OR of =, and NOT IN is NOT IN', () => {
    const inLists = conditionArbitrary(NEAR).filter((node) => node.kind === 'in');
    fc.assert(
      fc.property(inLists, people, (node, person) => {
        if (node.kind !== 'in') return;
        const equals = node.values.map((value) => compare(node.attribute, '=', value));
        const any = equals.length === 1 ? equals[0]! : ({ kind: 'or', conditions: equals } as SegmentNode);
        assert.equal(run(node, person), run(node.negated ? not(any) : any, person));
        assert.equal(run({ ...node, negated: !node.negated }, person), run(not(node), person));
      }),
      options,
    );
  });

  it('is unknown only when an attribute it compares is missing: a person with no gaps gets true or false', () => {
    const fill = { average_order_value: 50, first_order_date: '2026-01-02T03:04:05Z', last_order_date: '2026-04-02T03:04:05Z', first_seen_date: '2025-12-01T00:00:00Z',
      last_seen_date: '2026-04-30T23:59:59Z', first_seen_source: 'shopify', churn_risk: 0.5, churn_band: 'medium', stage: 'lead', social_followers: 10, email_subscribed: false, country: 'CA' };
    const complete = people.map((person) => Object.fromEntries(Object.entries(person).map(([key, value]) => [key, value ?? fill[key as keyof typeof fill]])) as unknown as SegmentFacts);
    fc.assert(fc.property(trees, complete, (tree, person) => assert.notEqual(run(tree, person), null)), options);
  });

  it('agrees with comparing YYYY-MM-DD strings for dates (an independent reckoning of UTC days)', () => {
    const day = (time: number) => new Date(time).toISOString().slice(0, 10);
    const dates = ordered.filter((attribute) => SEGMENT_ATTRIBUTES[attribute] === 'date');
    fc.assert(
      fc.property(dates.chain((attribute) => fc.tuple(fc.constant(attribute), valueOf(attribute))), fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), people, ([attribute, value, ], op, person) => {
        const stamp = person[attribute] as string | null;
        const result = run(compare(attribute, op, value), person);
        if (stamp === null) return assert.equal(result, null);
        const actual = day(Date.parse(stamp));
        const expected = value.type === 'date' ? value.value : value.type === 'relative_date' ? day(NOW.getTime() + value.days * 86_400_000) : '';
        const truth = { '=': actual === expected, '!=': actual !== expected, '<': actual < expected, '<=': actual <= expected, '>': actual > expected, '>=': actual >= expected }[op];
        assert.equal(result, truth, `${stamp} ${op} ${expected}`);
      }),
      options,
    );
  });

  it('counts "since" and "between" windows as comparing the event\'s UTC date with the window\'s dates', () => {
    fc.assert(
      fc.property(people, NEAR.date, NEAR.date, (person, from, to) => {
        const day = (event: { occurred_at: string }) => event.occurred_at.slice(0, 10); // the generator writes UTC ISO strings
        const orders = person.events.filter((event) => event.type === 'order_placed');
        const since = orders.filter((event) => day(event) >= from).length;
        const between = orders.filter((event) => day(event) >= from && day(event) <= to).length;
        for (const atLeast of [1, 2]) {
          assert.equal(run({ kind: 'event', verb: 'ordered', atLeast, window: { kind: 'since', date: from } }, person), since >= atLeast);
          assert.equal(run({ kind: 'event', verb: 'ordered', atLeast, window: { kind: 'between', from, to } }, person), between >= atLeast);
        }
      }),
      options,
    );
  });

  it('matchesSegment is evaluateSegment === true', () => {
    fc.assert(fc.property(trees, people, (tree, person) => assert.equal(matchesSegment(tree, person, NOW), run(tree, person) === true)), options);
  });
});
