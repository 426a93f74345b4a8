import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISSING } from './compare.ts';
import { levelWeights, matchProbability, matchWeight } from './score.ts';

const model = {
  // Two fields: a surname (exact / different) and a postcode (exact / one slip / different).
  m: [[0.9, 0.1], [0.8, 0.15, 0.05]],
  u: [[0.01, 0.99], [0.002, 0.018, 0.98]],
  prior: 0.1,
};

test('a pair\'s match weight is the sum of log2(m/u) over the fields present', () => {
  const weights = levelWeights(model);
  assert.ok(Math.abs(matchWeight(weights, Int8Array.of(0, 0)) - (Math.log2(90) + Math.log2(400))) < 1e-12);
  assert.ok(Math.abs(matchWeight(weights, Int8Array.of(0, 2)) - (Math.log2(90) + Math.log2(0.05 / 0.98))) < 1e-12);
  assert.equal(matchWeight(weights, Int8Array.of(MISSING, MISSING)), 0, 'missing values are no evidence');
});

test('the probability follows Bayes\' rule: prior odds times the likelihood ratio', () => {
  assert.equal(matchProbability(0, 0.5), 0.5);
  assert.ok(Math.abs(matchProbability(0, 0.1) - 0.1) < 1e-9, 'no evidence leaves the prior');
  // Surname and postcode agree: odds 1/9 × 90 × 400 = 4000 → 4000/4001.
  const weight = matchWeight(levelWeights(model), Int8Array.of(0, 0));
  assert.ok(Math.abs(matchProbability(weight, 0.1) - 4000 / 4001) < 1e-9);
  assert.ok(matchProbability(-40, 0.1) < 1e-11 && matchProbability(40, 0.1) > 1 - 1e-10, 'strong evidence outweighs the prior');
});
