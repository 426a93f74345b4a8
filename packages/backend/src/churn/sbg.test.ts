import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { churnProbability, discountedResidualLifetime, expectedLifetime, fitSbg, memberCohort, retentionRate, survival, survivorCohort } from './sbg.ts';
import { simulateSbg } from './simulate.ts';
import { createRandom } from '../seed/random.ts';

/** Members who joined over 24 months and are watched until month 24, each renewing with their own odds. */
function simulateMembers(truth: { alpha: number; beta: number }, members: number, seed: number) {
  const random = createRandom(seed);
  return Array.from({ length: members }, () => {
    const churn = random.beta(truth.alpha, truth.beta);
    const watched = 1 + Math.floor(random.next() * 24);
    let paid = 1;
    while (paid < watched && random.next() >= churn) paid++;
    // Paying in the last watched period means still active; stopping earlier means cancelled.
    return { periodsPaid: paid, active: paid === watched };
  });
}

// Fader & Hardie (2007), "How to Project Customer Retention", table 1: survivors of 1,000 customers, years 0–12.
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173];
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394];

describe('sBG retention', () => {
  it('reproduces the paper\'s fits on years 1–7 (Regular α 0.704 β 1.182, LL −1680.3; High End α 0.668 β 3.806, LL −1611.2)', () => {
    const regular = fitSbg(survivorCohort(REGULAR.slice(0, 8)));
    assert.deepEqual([regular.params.alpha.toFixed(3), regular.params.beta.toFixed(3), regular.logLikelihood.toFixed(1)], ['0.704', '1.182', '-1680.3']);
    const highEnd = fitSbg(survivorCohort(HIGH_END.slice(0, 8)));
    assert.deepEqual([highEnd.params.alpha.toFixed(3), highEnd.params.beta.toFixed(3), highEnd.logLikelihood.toFixed(1)], ['0.668', '3.806', '-1611.2']);
  });

  it('projects years 8–12 it never saw to within a few customers of what happened', () => {
    for (const cohort of [REGULAR, HIGH_END]) {
      const { params } = fitSbg(survivorCohort(cohort.slice(0, 8)));
      for (let t = 8; t <= 12; t++) {
        const projected = 1000 * survival(params, t);
        // The paper's figure 3: projections track the actuals closely (within 2.5% of the cohort at year 12).
        assert.ok(Math.abs(projected - cohort[t]!) < 25, `year ${t}: projected ${projected.toFixed(0)}, actual ${cohort[t]}`);
      }
    }
  });

  it('recovers simulated parameters', () => {
    const truth = { alpha: 1.6, beta: 5 };
    const fit = fitSbg(survivorCohort(simulateSbg(truth, 20_000, 12, 17)));
    assert.ok(Math.abs(fit.params.alpha / truth.alpha - 1) < 0.1, `α ${fit.params.alpha}`);
    assert.ok(Math.abs(fit.params.beta / truth.beta - 1) < 0.1, `β ${fit.params.beta}`);
  });

  it('has retention rising with tenure and survival the product of retention rates', () => {
    const params = { alpha: 0.704, beta: 1.182 };
    let product = 1;
    for (let t = 1; t <= 10; t++) {
      product *= retentionRate(params, t);
      assert.ok(Math.abs(survival(params, t) - product) < 1e-12);
      if (t > 1) assert.ok(retentionRate(params, t) > retentionRate(params, t - 1));
      assert.ok(Math.abs(churnProbability(params, t) - (1 - retentionRate(params, t))) < 1e-12);
    }
  });

  it('gives the expected lifetime as the sum of survival, infinite for a heavy tail', () => {
    const params = { alpha: 2.5, beta: 4 };
    let sum = 0;
    for (let t = 0; t < 200_000; t++) sum += survival(params, t);
    assert.ok(Math.abs(expectedLifetime(params) - sum) < 1e-3, `${expectedLifetime(params)} vs ${sum}`);
    assert.equal(expectedLifetime({ alpha: 0.7, beta: 1.2 }), Infinity);
  });

  it('discounts the residual lifetime as the sum of discounted survival odds', () => {
    const params = { alpha: 0.704, beta: 1.182 };
    const n = 3;
    const d = 0.1;
    // Σ_{t≥n} S(t)/S(n−1) / (1+d)^(t−n): each further renewal, weighted by the odds of reaching it, the next one undiscounted.
    let direct = 0;
    for (let t = n; t < 5000; t++) direct += survival(params, t) / survival(params, n - 1) / Math.pow(1 + d, t - n);
    assert.ok(Math.abs(discountedResidualLifetime(params, n, d) - direct) < 1e-6, `${discountedResidualLifetime(params, n, d)} vs ${direct}`);
  });

  it('reads individual members who joined at different times as the same likelihood as a cohort', () => {
    // The Regular cohort as 1,000 member records: lost ones by lifetime, 241 still active after 7 renewals.
    const members = REGULAR.slice(0, 8).flatMap((count, t) => {
      const lost = t === 0 ? 0 : REGULAR[t - 1]! - count;
      return Array.from({ length: lost }, () => ({ periodsPaid: t, active: false }));
    });
    members.push(...Array.from({ length: 241 }, () => ({ periodsPaid: 8, active: true })));
    const fit = fitSbg(memberCohort(members));
    assert.deepEqual([fit.params.alpha.toFixed(3), fit.params.beta.toFixed(3)], ['0.704', '1.182']);
    // Members who joined later are censored earlier: still a valid likelihood, and it still recovers the truth.
    const truth = { alpha: 1.2, beta: 3 };
    const staggered = simulateMembers(truth, 20_000, 23);
    const recovered = fitSbg(memberCohort(staggered));
    assert.ok(Math.abs(recovered.params.alpha / truth.alpha - 1) < 0.1 && Math.abs(recovered.params.beta / truth.beta - 1) < 0.1, JSON.stringify(recovered.params));
  });

  it('refuses survivor counts that cannot be a cohort', () => {
    assert.throws(() => survivorCohort([1000]), /at least two/);
    assert.throws(() => survivorCohort([1000, 900, 950]), /never rise/);
    assert.throws(() => survivorCohort([1000, 9.5]), /whole number/);
    assert.throws(() => fitSbg(survivorCohort([1000, 1000, 1000])), /at least one member who cancelled/);
  });
});
