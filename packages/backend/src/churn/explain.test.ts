import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bandOf, explainRisk } from './explain.ts';

describe('churn reasons in plain words', () => {
  it('says a regular buyer is overdue against their own rhythm', () => {
    // Four repeat purchases over 124 days (every 31), last one 94 days ago.
    const reasons = explainRisk({ frequency: 4, recencyDays: 124, ageDays: 218 }, { palive: 0.31, expected: 0.42, horizonDays: 90 });
    assert.deepEqual(reasons.map((r) => r.code), ['overdue', 'likely_lapsed', 'expected_purchases']);
    assert.equal(reasons[0]!.text, 'No purchase in 94 days; this customer usually buys every 31.');
    assert.equal(reasons[1]!.text, 'Only a 31% chance they are still an active customer.');
    assert.equal(reasons[2]!.text, 'Expected to buy 0.4 times in the next 90 days.');
  });

  it('says a customer on their usual rhythm is, and that a recent buyer just bought', () => {
    const reasons = explainRisk({ frequency: 6, recencyDays: 180, ageDays: 190 }, { palive: 0.97, expected: 2.9, horizonDays: 90 });
    assert.deepEqual(reasons.map((r) => r.code), ['on_rhythm', 'recent_purchase', 'expected_purchases']);
    assert.equal(reasons[0]!.text, 'Last bought 10 days ago; this customer usually buys every 30.');
  });

  it('names a one-time buyer as such (P(alive) is 1 for them, yet they are the likeliest not to return)', () => {
    const reasons = explainRisk({ frequency: 0, recencyDays: 0, ageDays: 120 }, { palive: 1, expected: 0.05, horizonDays: 90 });
    assert.deepEqual(reasons.map((r) => r.code), ['one_time_buyer', 'expected_purchases']);
    assert.equal(reasons[1]!.text, 'Expected to buy almost never in the next 90 days.');
  });

  it('bands the probability of no purchase', () => {
    assert.deepEqual([0.1, 0.49, 0.5, 0.79, 0.8, 0.99].map((r) => bandOf(r)), ['low', 'low', 'medium', 'medium', 'high', 'high']);
  });
});
