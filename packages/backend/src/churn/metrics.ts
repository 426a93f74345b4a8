/**
 * How well a churn score ranks people (AUC, lift) and how honest its
 * probabilities are (Brier score, log loss, calibration), measured on a
 * backtest: scores made at a cut-off date against who actually lapsed after it.
 * Every function takes the scores and the outcomes as parallel arrays; label 1
 * (or `true`) means the person churned.
 */

/** Outcomes, one per scored person: 1 or `true` for churned. */
export type BinaryLabels = ArrayLike<0 | 1 | boolean>;

/** One equal-width bin of predicted probability and what was observed in it. */
export interface CalibrationBin {
  /** Lower edge, inclusive. */
  from: number;
  /** Upper edge, exclusive, except for the last bin which includes 1. */
  to: number;
  count: number;
  /** Mean predicted probability in the bin, or null when the bin is empty. */
  meanPredicted: number | null;
  /** Share of the bin that churned, or null when the bin is empty. */
  observedRate: number | null;
}

/** One model's row in the report `tessera churn backtest` prints. */
export interface BacktestRow {
  model: string;
  n: number;
  positives: number;
  auc: number;
  brier: number;
  logLoss: number;
  /** Lift in the top 10% by score. */
  lift: number;
  meanPredicted: number;
  observedRate: number;
  calibration: CalibrationBin[];
}

/**
 * Reads outcomes as 0/1, checking there is exactly one per scored person.
 *
 * @example binaryLabels([true, 0, 1], 3) // Uint8Array [1, 0, 1]
 */
export function binaryLabels(labels: BinaryLabels, expectedLength: number): Uint8Array {
  if (labels.length !== expectedLength) {
    throw new RangeError(`Expected one label per person: got ${labels.length} labels for ${expectedLength} people.`);
  }
  if (expectedLength === 0) throw new RangeError('Got no people: at least one person with a label is needed.');
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1 && label !== true && label !== false) {
      throw new RangeError(`Label ${i} is ${String(label)}; labels must be 0, 1, true or false.`);
    }
    out[i] = label === 1 || label === true ? 1 : 0;
  }
  return out;
}

function checkScores(scores: ArrayLike<number>): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`Score ${i} is ${scores[i]}; scores must be finite numbers.`);
  }
}

function checkProbabilities(probabilities: ArrayLike<number>): void {
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Probability ${i} is ${p}; probabilities must lie in [0, 1].`);
  }
}

function countOnes(y: Uint8Array): number {
  let positives = 0;
  for (const v of y) positives += v;
  return positives;
}

/** Indices ordered by score, lowest first. */
function byScore(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
}

/**
 * Area under the ROC curve: the chance that a randomly chosen churner scores
 * above a randomly chosen stayer, ties counting one half. Computed from the
 * Mann–Whitney rank sum with average ranks for ties, in O(n log n).
 *
 * @throws RangeError when everyone churned or nobody did (the AUC is undefined).
 * @example rocAuc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]) // 0.75
 */
export function rocAuc(scores: ArrayLike<number>, labels: BinaryLabels): number {
  const y = binaryLabels(labels, scores.length);
  checkScores(scores);
  const positives = countOnes(y);
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(`AUC needs both churners and stayers; got ${positives} churners and ${negatives} stayers.`);
  }
  const order = byScore(scores);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    // Ranks are 1-based; a tie group shares the mean of the ranks it spans.
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) positiveRankSum += y[order[k]!]! * averageRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean squared difference between predicted probability and outcome: 0 is
 * perfect, 0.25 is what always saying 50% earns.
 *
 * @example brierScore([0.9, 0.2], [1, 0]) // 0.025
 */
export function brierScore(probabilities: ArrayLike<number>, labels: BinaryLabels): number {
  const y = binaryLabels(labels, probabilities.length);
  checkProbabilities(probabilities);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (probabilities[i]! - y[i]!) ** 2;
  return sum / y.length;
}

const LOG_LOSS_FLOOR = 1e-15;

/**
 * Mean negative log-likelihood of the outcomes. The probability given to what
 * actually happened is floored at 1e-15, so one confident miss costs about 34.5
 * rather than infinity.
 *
 * @example logLoss([0.5, 0.5], [1, 0]) // Math.LN2
 */
export function logLoss(probabilities: ArrayLike<number>, labels: BinaryLabels): number {
  const y = binaryLabels(labels, probabilities.length);
  checkProbabilities(probabilities);
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const p = probabilities[i]!;
    sum -= Math.log(Math.max(y[i] ? p : 1 - p, LOG_LOSS_FLOOR));
  }
  return sum / y.length;
}

/**
 * Predicted against observed churn in `bins` equal-width probability bins
 * ([0, 0.1), [0.1, 0.2), …, [0.9, 1] for the default 10). Empty bins are kept,
 * with count 0 and null means, so tables from different models line up.
 *
 * @example calibrationTable([0.05, 0.95], [0, 1], 2) // [{ from: 0, to: 0.5, count: 1, … }, { from: 0.5, to: 1, … }]
 */
export function calibrationTable(probabilities: ArrayLike<number>, labels: BinaryLabels, bins = 10): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`Calibration needs a whole number of bins (at least 1); got ${bins}.`);
  const y = binaryLabels(labels, probabilities.length);
  checkProbabilities(probabilities);
  const counts = new Array<number>(bins).fill(0);
  const predicted = new Array<number>(bins).fill(0);
  const observed = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const p = probabilities[i]!;
    const bin = Math.min(Math.floor(p * bins), bins - 1); // p = 1 belongs to the last bin
    counts[bin]!++;
    predicted[bin]! += p;
    observed[bin]! += y[i]!;
  }
  return counts.map((count, bin) => ({
    from: bin / bins,
    to: (bin + 1) / bins,
    count,
    meanPredicted: count ? predicted[bin]! / count : null,
    observedRate: count ? observed[bin]! / count : null,
  }));
}

/**
 * How much richer in churners the top `fraction` of people by score is than
 * everyone: the churn rate among the top round(fraction·n) (at least one)
 * divided by the overall churn rate. People tied on the score at the cut count
 * in proportion, as a random tie-break would on average, so the answer does
 * not depend on input order. A perfect ranker reaches min(1 / base rate, 1 / fraction).
 *
 * @throws RangeError when nobody churned (the base rate is zero).
 * @example lift([0.9, 0.8, 0.3, 0.1], [1, 0, 0, 0], 0.25) // 4
 */
export function lift(scores: ArrayLike<number>, labels: BinaryLabels, fraction = 0.1): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`Lift needs a fraction in (0, 1]; got ${fraction}.`);
  const y = binaryLabels(labels, scores.length);
  checkScores(scores);
  const positives = countOnes(y);
  if (positives === 0) throw new RangeError('Lift is undefined when nobody churned.');
  const order = byScore(scores).reverse(); // highest first
  const take = Math.max(1, Math.round(fraction * y.length));
  let captured = 0;
  for (let start = 0; start < take; ) {
    let end = start;
    let groupPositives = y[order[start]!]!;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) groupPositives += y[order[++end]!]!;
    const groupSize = end - start + 1;
    const taken = Math.min(groupSize, take - start);
    captured += (groupPositives * taken) / groupSize;
    start = end + 1;
  }
  return captured / take / (positives / y.length);
}

/**
 * Every measure for one model's backtest, as the row `tessera churn backtest`
 * prints. `scores` are the model's churn probabilities.
 *
 * @throws RangeError when everyone churned or nobody did.
 * @example backtestReport('bgnbd', [0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]).auc // 0.75
 */
export function backtestReport(name: string, scores: ArrayLike<number>, labels: BinaryLabels): BacktestRow {
  const y = binaryLabels(labels, scores.length);
  const positives = countOnes(y);
  let predictedSum = 0;
  for (let i = 0; i < scores.length; i++) predictedSum += scores[i]!;
  return {
    model: name,
    n: y.length,
    positives,
    auc: rocAuc(scores, labels),
    brier: brierScore(scores, labels),
    logLoss: logLoss(scores, labels),
    lift: lift(scores, labels),
    meanPredicted: predictedSum / y.length,
    observedRate: positives / y.length,
    calibration: calibrationTable(scores, labels),
  };
}
