import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../seed/random.ts';
import { backtestReport, brierScore, calibrationTable, lift, logLoss, rocAuc } from './metrics.ts';

/** The AUC by its definition: over every (churner, stayer) pair, 1 if the churner scores higher, ½ on a tie. */
function pairwiseAuc(scores: number[], labels: (0 | 1)[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

const close = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);

describe('rocAuc', () => {
  it('equals the pairwise count, ties counted one half, on scores with many ties', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = createRandom(seed);
      // Ten distinct score levels over 400 people: most pairs of people share a score.
      const scores = Array.from({ length: 400 }, () => random.int(0, 9) / 10);
      const labels = scores.map((s) => (random.chance(0.2 + 0.5 * s) ? 1 : 0) as 0 | 1);
      close(rocAuc(scores, labels), pairwiseAuc(scores, labels), 1e-12, `seed ${seed}:`);
    }
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and ½ when everyone ties', () => {
    const labels = [0, 0, 1, 0, 1, 1] as const;
    const perfect = [0.1, 0.2, 0.7, 0.3, 0.8, 0.9];
    assert.equal(rocAuc(perfect, labels), 1);
    assert.equal(rocAuc(perfect.map((s) => -s), labels), 0);
    assert.equal(rocAuc([0.4, 0.4, 0.4, 0.4, 0.4, 0.4], labels), 0.5);
  });

  it('takes booleans as labels', () => {
    assert.equal(rocAuc([0.9, 0.8, 0.3, 0.1], [true, false, true, false]), 0.75);
  });

  it('refuses data with only one class, or labels that do not pair with scores', () => {
    assert.throws(() => rocAuc([0.2, 0.5], [1, 1]), /both churners and stayers/);
    assert.throws(() => rocAuc([0.2, 0.5], [0, 0]), /both churners and stayers/);
    assert.throws(() => rocAuc([0.2, 0.5, 0.1], [0, 1]), /one label per person/);
    assert.throws(() => rocAuc([0.2, Number.NaN], [0, 1]), /finite/);
  });
});

describe('brierScore and logLoss', () => {
  const probabilities = [0.9, 0.2, 0.6, 0.5];
  const labels = [1, 0, 0, 1] as const;

  it('match hand computations', () => {
    // Squared errors 0.01, 0.04, 0.36, 0.25.
    close(brierScore(probabilities, labels), 0.66 / 4, 1e-15);
    // −(ln 0.9 + ln 0.8 + ln 0.4 + ln 0.5) / 4 = (0.1053605 + 0.2231436 + 0.9162907 + 0.6931472) / 4.
    close(logLoss(probabilities, labels), 0.4844855, 1e-7);
  });

  it('caps a confident miss at −ln 1e-15 = 15 ln 10', () => {
    close(logLoss([1], [0]), 15 * Math.LN10, 1e-12);
    close(logLoss([0], [1]), 15 * Math.LN10, 1e-12);
    assert.equal(logLoss([1, 0], [1, 0]), 0);
  });

  it('refuses probabilities outside [0, 1]', () => {
    assert.throws(() => brierScore([1.2], [1]), /\[0, 1\]/);
    assert.throws(() => logLoss([-0.1], [0]), /\[0, 1\]/);
  });
});

describe('calibrationTable', () => {
  it('finds observed rates matching the predictions when outcomes are drawn from them', () => {
    const random = createRandom(42);
    const probabilities = Array.from({ length: 100_000 }, () => random.next());
    const labels = probabilities.map((p) => (random.chance(p) ? 1 : 0) as 0 | 1);
    const table = calibrationTable(probabilities, labels);
    assert.equal(table.length, 10);
    assert.equal(table.reduce((sum, bin) => sum + bin.count, 0), 100_000);
    table.forEach((bin, i) => {
      close(bin.from, i / 10, 1e-12, 'from');
      close(bin.to, (i + 1) / 10, 1e-12, 'to');
      close(bin.meanPredicted!, (i + 0.5) / 10, 0.005, `bin ${i} mean predicted`);
      // Four binomial standard errors.
      const tolerance = 4 * Math.sqrt((bin.meanPredicted! * (1 - bin.meanPredicted!)) / bin.count);
      close(bin.observedRate!, bin.meanPredicted!, tolerance, `bin ${i} observed rate`);
    });
  });

  it('keeps empty bins, and puts edges in the bin they open (1 in the last)', () => {
    const table = calibrationTable([0, 0.5, 0.5, 1], [0, 1, 0, 1], 4);
    assert.deepEqual(
      table.map((b) => [b.from, b.to, b.count, b.meanPredicted, b.observedRate]),
      [
        [0, 0.25, 1, 0, 0],
        [0.25, 0.5, 0, null, null],
        [0.5, 0.75, 2, 0.5, 0.5],
        [0.75, 1, 1, 1, 1],
      ],
    );
  });
});

describe('lift', () => {
  // 1000 people, 50 churners (base rate 5%), every churner scored above every stayer.
  const random = createRandom(7);
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 20 === 0 ? 1 : 0) as 0 | 1);
  const perfect = labels.map((y) => y + random.next() * 0.5);

  it('of a perfect ranker is 1 / base rate while the top slice holds only churners, then 1 / fraction', () => {
    close(lift(perfect, labels, 0.02), 20, 1e-12);
    close(lift(perfect, labels, 0.05), 20, 1e-12);
    close(lift(perfect, labels, 0.1), 10, 1e-12);
    close(lift(perfect, labels, 1), 1, 1e-12);
  });

  it('is about 1 for a random score and exactly 1 when everyone ties', () => {
    close(lift(labels.map(() => random.next()), labels, 0.5), 1, 0.3);
    assert.equal(lift(labels.map(() => 0.3), labels, 0.1), 1);
  });

  it('shares the cut among tied people, whatever their input order', () => {
    // Top 2 of 5: the 3 (a stayer), then one of the three 2s, of whom one churned: 1/3 of a churner
    // in 2 people, against a base rate of 2/5: (1/6) / (2/5) = 5/12.
    close(lift([3, 2, 2, 2, 1], [0, 1, 0, 0, 1], 0.4), 5 / 12, 1e-12);
    close(lift([2, 1, 2, 3, 2], [0, 1, 1, 0, 0], 0.4), 5 / 12, 1e-12);
  });

  it('refuses a fraction outside (0, 1] and data with no churners', () => {
    assert.throws(() => lift([1, 2], [0, 1], 0), /fraction/);
    assert.throws(() => lift([1, 2], [0, 0]), /nobody churned/);
  });
});

describe('backtestReport', () => {
  it('gathers every measure for one model into a plain row', () => {
    const row = backtestReport('bgnbd', [0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]);
    assert.equal(row.model, 'bgnbd');
    assert.equal(row.n, 4);
    assert.equal(row.positives, 2);
    // Pairs (churner, stayer): (0.9, 0.8) ✓, (0.9, 0.1) ✓, (0.3, 0.8) ✗, (0.3, 0.1) ✓.
    assert.equal(row.auc, 0.75);
    close(row.brier, (0.01 + 0.64 + 0.49 + 0.01) / 4, 1e-15);
    close(row.logLoss, -(Math.log(0.9) + Math.log(0.2) + Math.log(0.3) + Math.log(0.9)) / 4, 1e-15);
    // Top 10% of 4 rounds to the one top person, a churner, against a base rate of ½.
    assert.equal(row.lift, 2);
    close(row.meanPredicted, 0.525, 1e-15);
    assert.equal(row.observedRate, 0.5);
    assert.equal(row.calibration.length, 10);
    assert.deepEqual(JSON.parse(JSON.stringify(row)), row);
  });
});
