/**
 * Ridge-penalised logistic regression for churn: P(churn) = σ(b + Σ wⱼ zⱼ),
 * where zⱼ is feature j standardised by the training mean and standard
 * deviation. Standardising makes one penalty fair to features measured in days
 * and in dollars alike, and makes each weight read as "log-odds per standard
 * deviation". Fitted by Newton's method (IRLS) with step halving; the fitted
 * model is a plain object, stored as jsonb and applied to raw features.
 */

import { type BinaryLabels, binaryLabels } from './metrics.ts';

/** A fitted model: everything needed to score a raw feature row, and how the fit went. */
export interface LogisticModel {
  featureNames: string[];
  /** Training mean of each raw feature. */
  means: number[];
  /** Training standard deviation of each raw feature; 0 marks a constant column, which the model ignores. */
  scales: number[];
  /** Log-odds per standard deviation of each feature (0 for constant columns). */
  weights: number[];
  /** Log-odds of churn for someone at the training mean of every feature. */
  intercept: number;
  /** Newton steps taken. */
  iterations: number;
  /** Penalised log-likelihood at the fitted weights: Σ log P(yᵢ) − (l2 / 2)·Σ wⱼ². */
  logLikelihood: number;
  /** Whether the gradient fell below the tolerance within `maxIterations`. */
  converged: boolean;
}

export interface LogisticOptions {
  /** Ridge penalty on the standardised weights (a Normal(0, 1/l2) prior); the intercept is not penalised. Default 1. */
  l2?: number;
  /** Default 50. */
  maxIterations?: number;
  /** Stop when the penalised gradient's Euclidean norm divided by the number of rows is below this. Default 1e-8. */
  tolerance?: number;
  /** One name per column; default x1, x2, … */
  featureNames?: string[];
}

/** One feature's share of a person's score, in log-odds. */
export interface FeatureContribution {
  name: string;
  /** The person's raw value. */
  value: number;
  /** Weight × standardised value: how far this feature moves the log-odds from the average person's. */
  effect: number;
}

/** σ(x) without overflow for large |x|. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + eˣ) without overflow. */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Solves A x = b for a symmetric positive definite p×p matrix A (row-major) by
 * Cholesky factorisation A = L Lᵀ, then forward and back substitution.
 */
function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let diagonal = a[j * p + j]!;
    for (let k = 0; k < j; k++) diagonal -= l[j * p + k]! ** 2;
    if (!(diagonal > 0)) {
      throw new RangeError('The Newton system is not positive definite (collinear features or separable data); fit with l2 > 0.');
    }
    const pivot = Math.sqrt(diagonal);
    l[j * p + j] = pivot;
    for (let i = j + 1; i < p; i++) {
      let sum = a[i * p + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = sum / pivot;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < i; k++) x[i]! -= l[i * p + k]! * x[k]!;
    x[i]! /= l[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    for (let k = i + 1; k < p; k++) x[i]! -= l[k * p + i]! * x[k]!;
    x[i]! /= l[i * p + i]!;
  }
  return x;
}

function checkRow(row: ArrayLike<number>, width: number, which: string): void {
  if (row.length !== width) throw new RangeError(`${which} has ${row.length} features; expected ${width}.`);
  for (let j = 0; j < width; j++) {
    if (!Number.isFinite(row[j])) throw new RangeError(`${which}, feature ${j + 1}, is ${row[j]}; features must be finite numbers.`);
  }
}

/**
 * Fits P(churn) from feature rows by penalised maximum likelihood.
 *
 * @throws RangeError on ragged or non-finite rows, or when everyone churned or nobody did.
 * @example
 * const model = fitLogistic([[12, 3], [200, 0], [45, 1]], [0, 1, 0], { featureNames: ['days_since_order', 'orders_90d'] });
 * predictLogistic(model, [150, 0]); // the probability that someone 150 days out, with no recent orders, churns
 */
export function fitLogistic(rows: number[][], labels: BinaryLabels, options: LogisticOptions = {}): LogisticModel {
  const { l2 = 1, maxIterations = 50, tolerance = 1e-8 } = options;
  if (!(l2 >= 0)) throw new RangeError(`l2 must be zero or positive; got ${l2}.`);
  const y = binaryLabels(labels, rows.length);
  const n = rows.length;
  const d = rows[0]!.length;
  rows.forEach((row, i) => checkRow(row, d, `Row ${i + 1}`));
  const featureNames = options.featureNames ?? Array.from({ length: d }, (_, j) => `x${j + 1}`);
  if (featureNames.length !== d) throw new RangeError(`Got ${featureNames.length} feature names for ${d} features.`);
  const positives = y.reduce((sum, v) => sum + v, 0);
  if (positives === 0 || positives === n) {
    throw new RangeError(`A churn model needs both churners and stayers to learn from; got ${positives} of ${n} churned.`);
  }

  const means = Array.from({ length: d }, (_, j) => rows.reduce((sum, row) => sum + row[j]!, 0) / n);
  const scales = means.map((mean, j) => {
    // Exactly constant columns carry no information; a rounding-level sd would blow them up instead.
    if (rows.every((row) => row[j] === rows[0]![j])) return 0;
    return Math.sqrt(rows.reduce((sum, row) => sum + (row[j]! - mean) ** 2, 0) / n);
  });
  const active = scales.flatMap((scale, j) => (scale > 0 ? [j] : []));

  // Design matrix: a leading 1 for the intercept, then the standardised active features.
  const p = 1 + active.length;
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    x[i * p] = 1;
    active.forEach((j, k) => (x[i * p + 1 + k] = (rows[i]![j]! - means[j]!) / scales[j]!));
  }

  const objective = (beta: Float64Array) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let k = 0; k < p; k++) eta += x[i * p + k]! * beta[k]!;
      total -= softplus(y[i] ? -eta : eta);
    }
    for (let k = 1; k < p; k++) total -= (l2 / 2) * beta[k]! ** 2;
    return total;
  };

  const beta = new Float64Array(p);
  beta[0] = Math.log(positives / (n - positives)); // the best fit with every weight at 0
  let current = objective(beta);
  let iterations = 0;
  let converged = false;
  for (;;) {
    // Gradient of the penalised log-likelihood and the negative Hessian Xᵀ W X + l2·I (intercept unpenalised).
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let k = 0; k < p; k++) eta += x[i * p + k]! * beta[k]!;
      const mu = sigmoid(eta);
      const w = mu * (1 - mu);
      for (let a = 0; a < p; a++) {
        const xa = x[i * p + a]!;
        gradient[a]! += (y[i]! - mu) * xa;
        for (let b = 0; b <= a; b++) hessian[a * p + b]! += w * xa * x[i * p + b]!;
      }
    }
    for (let k = 1; k < p; k++) {
      gradient[k]! -= l2 * beta[k]!;
      hessian[k * p + k]! += l2;
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) hessian[b * p + a] = hessian[a * p + b]!;

    if (Math.hypot(...gradient) / n < tolerance) {
      converged = true;
      break;
    }
    if (iterations === maxIterations) break;

    // Newton step, halved until the objective does not fall: far from the optimum a full step can overshoot.
    const step = choleskySolve(hessian, gradient, p);
    const trial = new Float64Array(p);
    let size = 1;
    let next = current;
    for (let halvings = 0; halvings < 30; halvings++, size /= 2) {
      for (let k = 0; k < p; k++) trial[k] = beta[k]! + size * step[k]!;
      next = objective(trial);
      if (next >= current) break;
    }
    beta.set(trial);
    current = next;
    iterations++;
  }

  const weights = new Array<number>(d).fill(0);
  active.forEach((j, k) => (weights[j] = beta[1 + k]!));
  return { featureNames, means, scales, weights, intercept: beta[0]!, iterations, logLikelihood: current, converged };
}

/** Each feature of a raw row in training standard deviations from the training mean (0 for constant columns). */
function standardise(model: LogisticModel, row: number[]): number[] {
  checkRow(row, model.means.length, 'The row');
  return row.map((value, j) => (model.scales[j]! > 0 ? (value - model.means[j]!) / model.scales[j]! : 0));
}

/**
 * The model's probability of churn for one raw feature row.
 *
 * @example predictLogistic(model, [150, 0]) // a probability in (0, 1)
 */
export function predictLogistic(model: LogisticModel, row: number[]): number {
  const z = standardise(model, row);
  return sigmoid(z.reduce((eta, zj, j) => eta + model.weights[j]! * zj, model.intercept));
}

/**
 * Why the model scores this person as it does: each feature's push on the
 * log-odds relative to the average customer, strongest first. The effects add
 * up, with the intercept, to the log-odds behind `predictLogistic`.
 *
 * @example contributions(model, [150, 0])[0] // { name: 'days_since_order', value: 150, effect: <log-odds> }
 */
export function contributions(model: LogisticModel, row: number[]): FeatureContribution[] {
  const z = standardise(model, row);
  return z
    .map((zj, j) => ({ name: model.featureNames[j]!, value: row[j]!, effect: model.weights[j]! * zj }))
    .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
}
