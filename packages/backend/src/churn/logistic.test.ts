import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom, type Random } from '../seed/random.ts';
import { contributions, fitLogistic, type LogisticModel, predictLogistic } from './logistic.ts';

/** A standard normal draw (Box–Muller). */
const normal = (random: Random) => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
const logistic = (eta: number) => 1 / (1 + Math.exp(-eta));

const column = (rows: number[][], j: number) => rows.map((row) => row[j]!);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

const close = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);

// Raw coefficients of a churn model on four features measured on very different scales.
const TRUE_INTERCEPT = 0.5;
const TRUE = [
  { name: 'engagement', coefficient: 0.7 }, // a z-score already
  { name: 'days_since_order', coefficient: 0.02 }, // exponential, mean 60 days
  { name: 'spend', coefficient: -0.004 }, // dollars, about 500 ± 200
  { name: 'subscriber', coefficient: 1.0 }, // 0/1, 30% are
];

function simulate(seed: number, n: number) {
  const random = createRandom(seed);
  const rows = Array.from({ length: n }, () => [normal(random), random.exponential(60), 500 + 200 * normal(random), random.chance(0.3) ? 1 : 0]);
  const labels = rows.map((row) => {
    const eta = row.reduce((sum, x, j) => sum + TRUE[j]!.coefficient * x, TRUE_INTERCEPT);
    return (random.chance(logistic(eta)) ? 1 : 0) as 0 | 1;
  });
  return { rows, labels };
}

/**
 * The penalised score equations, checked from the outside: at the optimum, Σ (yᵢ − p̂ᵢ) = 0 and
 * Σ (yᵢ − p̂ᵢ)·zᵢⱼ = l2·wⱼ for each standardised feature (means and sds recomputed here).
 */
function assertStationary(model: LogisticModel, rows: number[][], labels: (0 | 1)[], l2: number, tolerance: number) {
  const residuals = rows.map((row, i) => labels[i]! - predictLogistic(model, row));
  close(mean(residuals), 0, tolerance, 'intercept score');
  model.weights.forEach((w, j) => {
    const xs = column(rows, j);
    const [m, s] = [mean(xs), sd(xs)];
    if (s === 0) return;
    const score = residuals.reduce((sum, r, i) => sum + (r * (xs[i]! - m)) / s, 0);
    close(score / rows.length, (l2 * w) / rows.length, tolerance, `score for feature ${j + 1}`);
  });
}

describe('fitLogistic', () => {
  it('recovers the coefficients it was simulated from, on raw features of very different scales', () => {
    const { rows, labels } = simulate(2024, 20_000);
    const model = fitLogistic(rows, labels, { l2: 1e-6, featureNames: TRUE.map((t) => t.name) });
    assert.equal(model.converged, true);
    assert.ok(model.iterations <= 10, `took ${model.iterations} Newton steps`);
    assert.deepEqual(model.featureNames, ['engagement', 'days_since_order', 'spend', 'subscriber']);
    // A weight is per standard deviation, so it should be the raw coefficient × the feature's sd;
    // on that scale the sampling error is about 0.025 for every feature (0.1 is four of them).
    TRUE.forEach(({ name, coefficient }, j) => close(model.weights[j]!, coefficient * sd(column(rows, j)), 0.1, name));
    const interceptAtMeans = TRUE.reduce((sum, t, j) => sum + t.coefficient * mean(column(rows, j)), TRUE_INTERCEPT);
    close(model.intercept, interceptAtMeans, 0.1, 'intercept at the mean customer');
    assertStationary(model, rows, labels, 1e-6, 1e-9);
  });

  it('reports the penalised log-likelihood of its own predictions', () => {
    const { rows, labels } = simulate(5, 2_000);
    const model = fitLogistic(rows, labels, { l2: 3 });
    const logLikelihood = rows.reduce((sum, row, i) => sum + Math.log(labels[i] ? predictLogistic(model, row) : 1 - predictLogistic(model, row)), 0);
    const penalty = (3 / 2) * model.weights.reduce((sum, w) => sum + w * w, 0);
    close(model.logLikelihood, logLikelihood - penalty, 1e-8);
  });

  it('stays finite and converges on perfectly separable data', () => {
    const random = createRandom(9);
    const rows = Array.from({ length: 200 }, () => [random.next() * 2 - 1, normal(random)]);
    const labels = rows.map(([x]) => (x! > 0 ? 1 : 0) as 0 | 1);
    // Unpenalised, the best separating weight is infinite; every penalty keeps it finite, the weaker the larger.
    const separating = [1, 0.01, 1e-4].map((l2) => {
      const model = fitLogistic(rows, labels, { l2 });
      assert.equal(model.converged, true, `converged at l2 = ${l2}`);
      assert.ok(model.weights.every(Number.isFinite) && Number.isFinite(model.intercept));
      rows.forEach((row, i) => assert.equal(predictLogistic(model, row) > 0.5, labels[i] === 1));
      assertStationary(model, rows, labels, l2, 1e-9);
      return model.weights[0]!;
    });
    assert.ok(separating[0]! < separating[1]! && separating[1]! < separating[2]!, `separating weights ${separating.join(', ')}`);
  });

  it('gives a constant column weight 0 and leaves the other weights as they were without it', () => {
    const { rows, labels } = simulate(11, 2_000);
    // 0.1 has no exact binary form, so its computed mean is off by a rounding error: the column must still count as constant.
    const withConstant = fitLogistic(
      rows.map((row) => [...row, 0.1]),
      labels,
    );
    const without = fitLogistic(rows, labels);
    assert.equal(withConstant.weights[4], 0);
    assert.equal(withConstant.scales[4], 0);
    without.weights.forEach((w, j) => close(withConstant.weights[j]!, w, 1e-12, `weight ${j + 1}`));
    // The constant tells the model nothing, so whatever value a person has there is ignored.
    assert.equal(predictLogistic(withConstant, [...rows[0]!, 0.1]), predictLogistic(withConstant, [...rows[0]!, -300]));
  });

  it('shrinks the weights as the penalty grows, but keeps the mean prediction at the churn rate', () => {
    const { rows, labels } = simulate(3, 2_000);
    const norms = [0.01, 10, 100, 1_000, 10_000].map((l2) => {
      const model = fitLogistic(rows, labels, { l2 });
      // The intercept is not penalised, so Σ (y − p̂) = 0 however strong the penalty.
      close(mean(rows.map((row) => predictLogistic(model, row))), mean(labels), 1e-9, `mean prediction at l2 = ${l2}`);
      return Math.hypot(...model.weights);
    });
    norms.slice(1).forEach((norm, i) => assert.ok(norm < norms[i]!, `norms ${norms.join(', ')}`));
  });

  it('refuses data it cannot learn from', () => {
    assert.throws(() => fitLogistic([[1], [2]], [1, 1]), /both churners and stayers/);
    assert.throws(() => fitLogistic([[1], [2, 3]], [0, 1]), /Row 2 has 2 features; expected 1/);
    assert.throws(() => fitLogistic([[1], [Number.NaN]], [0, 1]), /finite/);
    assert.throws(() => fitLogistic([[1], [2]], [0, 1], { featureNames: ['a', 'b'] }), /2 feature names for 1 features/);
  });
});

describe('predictLogistic and contributions', () => {
  const model: LogisticModel = {
    featureNames: ['days_since_order', 'orders_90d', 'country_code'],
    means: [40, 2, 1],
    scales: [20, 1.5, 0],
    weights: [1.2, -0.8, 0],
    intercept: -1.1,
    iterations: 6,
    logLikelihood: -123.4,
    converged: true,
  };

  it('is the sigmoid of the linear predictor on standardised features', () => {
    // η = −1.1 + 1.2·(100 − 40)/20 − 0.8·(0.5 − 2)/1.5 = −1.1 + 3.6 + 0.8 = 3.3
    close(predictLogistic(model, [100, 0.5, 44]), 1 / (1 + Math.exp(-3.3)), 1e-15);
    close(predictLogistic(model, [40, 2, 1]), 1 / (1 + Math.exp(1.1)), 1e-15);
  });

  it('does not overflow far out in the tails', () => {
    assert.equal(predictLogistic(model, [40 + 20 * 1000, 2, 1]), 1);
    assert.equal(predictLogistic(model, [40 - 20 * 1000, 2, 1]), 0);
  });

  it('explains a score feature by feature, strongest first, adding up to the log-odds', () => {
    // Ten days past the average, but four sds more orders: the orders explain most of this (low) score.
    const explained = contributions(model, [50, 8, 44]);
    assert.deepEqual(explained, [
      { name: 'orders_90d', value: 8, effect: -0.8 * 4 },
      { name: 'days_since_order', value: 50, effect: 1.2 * 0.5 },
      { name: 'country_code', value: 44, effect: 0 },
    ]);
    const p = predictLogistic(model, [50, 8, 44]);
    close(model.intercept + explained.reduce((sum, c) => sum + c.effect, 0), Math.log(p / (1 - p)), 1e-12);
  });

  it('survives a round trip through JSON, as it is stored', () => {
    const { rows, labels } = simulate(8, 500);
    const fitted = fitLogistic(rows, labels);
    const stored: LogisticModel = JSON.parse(JSON.stringify(fitted));
    assert.deepEqual(stored, fitted);
    assert.equal(predictLogistic(stored, rows[0]!), predictLogistic(fitted, rows[0]!));
  });
});
