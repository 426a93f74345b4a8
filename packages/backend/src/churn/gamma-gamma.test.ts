import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cdnowFile } from './cdnow.ts';
import { expectedOrderValue, fitGammaGamma, gammaGammaLogLikelihood, repeatSpend } from './gamma-gamma.ts';
import { readSummaryCsv } from './read-inputs.ts';
import { createRandom } from '../seed/random.ts';
import { simulateGammaGamma } from './simulate.ts';

const summary = cdnowFile('cdnow_customers_summary_with_transactions.csv');

describe('Gamma-Gamma spend model', () => {
  it('reproduces the published CDNOW fit: p 6.25, q 3.74, γ 15.44 on the 946 repeat buyers', { skip: summary.skip }, async () => {
    const { x, zbar } = await readSummaryCsv(summary.path, ['x', 'zbar']);
    const fit = fitGammaGamma(repeatSpend(x, zbar));
    assert.equal(fit.n, 946);
    assert.ok(fit.converged);
    assert.equal(fit.params.p.toFixed(2), '6.25');
    assert.equal(fit.params.q.toFixed(2), '3.74');
    assert.ok(Math.abs(fit.params.gamma - 15.44) < 0.01, `γ ${fit.params.gamma}`);
  });

  it('recovers simulated parameters', () => {
    const random = createRandom(8);
    const frequency = Array.from({ length: 8000 }, () => 1 + Math.floor(random.exponential(3)));
    const truth = { p: 4, q: 6, gamma: 30 };
    const fit = fitGammaGamma(simulateGammaGamma(truth, frequency, 11));
    for (const key of ['p', 'q', 'gamma'] as const) {
      const error = Math.abs(fit.params[key] / truth[key] - 1);
      assert.ok(error < 0.1, `${key}: fitted ${fit.params[key].toFixed(3)}, truth ${truth[key]}`);
    }
  });

  it('has a gradient that matches finite differences', () => {
    const spend = simulateGammaGamma({ p: 3, q: 4, gamma: 20 }, [1, 2, 2, 5, 9, 1, 3], 2);
    const at = { p: 2.5, q: 3.5, gamma: 18 };
    const { gradient } = gammaGammaLogLikelihood(at, spend);
    (['p', 'q', 'gamma'] as const).forEach((key, i) => {
      const h = 1e-6;
      const numeric = (gammaGammaLogLikelihood({ ...at, [key]: at[key] * Math.exp(h) }, spend).logLikelihood - gammaGammaLogLikelihood({ ...at, [key]: at[key] * Math.exp(-h) }, spend).logLikelihood) / (2 * h);
      assert.ok(Math.abs(gradient[i]! - numeric) < 1e-5 * Math.max(1, Math.abs(numeric)), `∂/∂ln ${key}: ${gradient[i]} vs ${numeric}`);
    });
  });

  it('shrinks a customer\'s own average towards the population\'s, less the more they have bought', () => {
    const params = { p: 6.25, q: 3.74, gamma: 15.44 };
    const population = (params.p * params.gamma) / (params.q - 1);
    const few = expectedOrderValue(params, 1, 100);
    const many = expectedOrderValue(params, 20, 100);
    assert.ok(population < few && few < many && many < 100, `${population} < ${few} < ${many} < 100`);
    assert.equal(expectedOrderValue(params, 0, null), population);
  });

  it('leaves out customers without a repeat purchase or with a non-positive mean', () => {
    const spend = repeatSpend([0, 2, 3, 1], [null, 20, 0, 15]);
    assert.deepEqual(spend, { frequency: [2, 1], monetaryValue: [20, 15] });
  });
});
