import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bgnbdLogLikelihood, expectedPurchases, expectedPurchasesOfNewCustomer, fitBgNbd, probabilityAlive, probabilityNoPurchase, type BgNbdParams } from './bgnbd.ts';
import { cdnowFile } from './cdnow.ts';
import { toHistories } from './histories.ts';
import { readSummaryCsv } from './read-inputs.ts';
import { simulateBgNbd } from './simulate.ts';

/** Fader, Hardie & Lee (2005), table 1 / section 5, CDNOW in weeks. */
const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const summary = cdnowFile('cdnow_customers_summary.csv');

describe('BG/NBD', () => {
  it('reproduces the published CDNOW fit: r 0.243, α 4.414, a 0.793, b 2.426, LL −9582.4', { skip: summary.skip }, async () => {
    const { frequency, recency, T } = await readSummaryCsv(summary.path, ['frequency', 'recency', 'T']);
    const fit = fitBgNbd({ frequency, recency, T });
    assert.equal(fit.n, 2357);
    assert.ok(fit.converged);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      assert.ok(Math.abs(fit.params[key] - PUBLISHED[key]) < 0.0006, `${key} = ${fit.params[key]}, published ${PUBLISHED[key]}`);
    }
    assert.ok(Math.abs(fit.logLikelihood - -9582.4) < 0.05, `LL ${fit.logLikelihood}`);
  });

  it('gives the paper\'s worked example: 1.226 purchases in 39 weeks for x = 2, tₓ = 30.43, T = 38.86', () => {
    assert.equal(expectedPurchases(PUBLISHED, 39, 2, 30.43, 38.86).toFixed(3), '1.226');
  });

  it('has a gradient that matches finite differences of its likelihood', () => {
    const data = simulateBgNbd({ r: 0.7, alpha: 12, a: 0.9, b: 3 }, 500, { seed: 3, T: (_, random) => 30 + 300 * random.next() });
    const at = { r: 0.5, alpha: 9, a: 1.3, b: 2.2 };
    const { gradient } = bgnbdLogLikelihood(at, data);
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    keys.forEach((key, i) => {
      const h = 1e-6;
      const up = bgnbdLogLikelihood({ ...at, [key]: at[key] * Math.exp(h) }, data).logLikelihood;
      const down = bgnbdLogLikelihood({ ...at, [key]: at[key] * Math.exp(-h) }, data).logLikelihood;
      const numeric = (up - down) / (2 * h);
      assert.ok(Math.abs(gradient[i]! - numeric) < 1e-4 * Math.max(1, Math.abs(numeric)), `∂/∂ln ${key}: ${gradient[i]} vs ${numeric}`);
    });
  });

  it('recovers the parameters it simulated from (30,000 customers, days)', () => {
    const truth = { r: 0.6, alpha: 40, a: 0.8, b: 3.5 };
    const data = simulateBgNbd(truth, 30_000, { seed: 20261124, T: (_, random) => 60 + 600 * random.next() });
    const fit = fitBgNbd(data);
    assert.ok(fit.converged);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      const error = Math.abs(fit.params[key] / truth[key] - 1);
      assert.ok(error < 0.12, `${key}: fitted ${fit.params[key].toFixed(3)}, truth ${truth[key]} (${(error * 100).toFixed(1)}% off)`);
    }
  });

  it('predicts the future it has not seen: expected purchases and no-purchase odds match simulated holdouts', () => {
    const truth = { r: 0.6, alpha: 40, a: 0.8, b: 3.5 };
    const horizon = 90;
    const data = simulateBgNbd(truth, 20_000, { seed: 99, T: (_, random) => 60 + 600 * random.next(), horizon });
    let expected = 0;
    let actual = 0;
    let predictedQuiet = 0;
    let quiet = 0;
    for (let i = 0; i < data.T.length; i++) {
      expected += expectedPurchases(truth, horizon, data.frequency[i]!, data.recency[i]!, data.T[i]!);
      actual += data.future[i]!;
      predictedQuiet += probabilityNoPurchase(truth, horizon, data.frequency[i]!, data.recency[i]!, data.T[i]!);
      if (data.future[i] === 0) quiet++;
    }
    assert.ok(Math.abs(expected / actual - 1) < 0.05, `expected ${expected.toFixed(0)} purchases, simulated ${actual}`);
    assert.ok(Math.abs(predictedQuiet - quiet) / data.T.length < 0.01, `predicted ${predictedQuiet.toFixed(0)} quiet customers, simulated ${quiet}`);
  });

  it('expects of a new customer what the process delivers on average (E[X(t)] through ₂F₁)', () => {
    const truth = { r: 0.9, alpha: 25, a: 1.4, b: 4 };
    const data = simulateBgNbd(truth, 40_000, { seed: 5, T: () => 365 });
    const mean = data.frequency.reduce((sum, x) => sum + x, 0) / data.frequency.length;
    const predicted = expectedPurchasesOfNewCustomer(truth, 365);
    assert.ok(Math.abs(mean / predicted - 1) < 0.03, `simulated ${mean.toFixed(3)}, predicted ${predicted.toFixed(3)}`);
  });

  it('stays finite for customers with hundreds of purchases', () => {
    for (const x of [200, 800, 3000]) {
      const palive = probabilityAlive(PUBLISHED, x, 38, 39);
      const expected = expectedPurchases(PUBLISHED, 39, x, 38, 39);
      const risk = probabilityNoPurchase(PUBLISHED, 39, x, 38, 39);
      // A live customer buys at most at their posterior rate (r+x)/(α+T) for the whole horizon; dropping out only lowers it.
      const ceiling = (palive * (PUBLISHED.r + x) * 39) / (PUBLISHED.alpha + 39);
      assert.ok(palive > 0 && palive <= 1 && expected > 0 && expected <= ceiling, `x=${x}: palive ${palive}, expected ${expected} (ceiling ${ceiling})`);
      // Alive, they would surely buy within 39 weeks at ~5 a week: the risk is the chance they have left.
      assert.ok(Math.abs(risk - (1 - palive)) < 1e-9, `x=${x}: risk ${risk}, 1 − P(alive) ${1 - palive}`);
      // A devoted buyer who stopped long ago: near-certainly gone, never NaN.
      assert.ok(probabilityAlive(PUBLISHED, x, 5, 39) < 1e-10);
    }
    const fit = fitBgNbd(toHistories([{ frequency: 900, recency: 300, T: 301 }, { frequency: 0, recency: 0, T: 200 }, { frequency: 3, recency: 40, T: 250 }]));
    assert.ok(Object.values(fit.params).every(Number.isFinite));
  });

  it('rates a one-time buyer as likelier to stay away than a regular, though P(alive) says 1', () => {
    const oneTime = probabilityNoPurchase(PUBLISHED, 39, 0, 0, 38);
    const regular = probabilityNoPurchase(PUBLISHED, 39, 6, 36, 38);
    assert.equal(probabilityAlive(PUBLISHED, 0, 0, 38), 1);
    assert.ok(oneTime > 0.5 && regular < oneTime, `one-time ${oneTime}, regular ${regular}`);
  });
});
