// BG/NBD fit time at 10k/100k/1M customers, simulated from known parameters
// (days, T uniform over 30–730) and fitted by maximum likelihood, and on the
// real CDNOW cohort (2,357 customers, weeks) against Fader, Hardie & Lee's
// published fit; the fitted parameters against the truth show what the time
// bought (bgnbd.test.ts holds CDNOW to the published figures).
//
// Baseline, same run, same data: one log-likelihood + gradient evaluation, a
// single pass over the customers and the least any fit could cost. Its ratio
// (pass ÷ fit) is 1 ÷ the passes the optimiser needed, so it does not move
// with the machine the way seconds do.
//   node --conditions=source --import tsx bench/churn-fit.ts [customers...]   (or npm run bench)
import { bgnbdLogLikelihood, fitBgNbd, type BgNbdFit, type BgNbdParams } from '../packages/backend/src/churn/bgnbd.ts';
import { cdnowFile } from '../packages/backend/src/churn/cdnow.ts';
import { groupCounts, type Histories } from '../packages/backend/src/churn/histories.ts';
import { readSummaryCsv } from '../packages/backend/src/churn/read-inputs.ts';
import { simulateBgNbd } from '../packages/backend/src/churn/simulate.ts';
import { record, writeResults } from './results.ts';

const TRUTH: BgNbdParams = { r: 0.6, alpha: 40, a: 0.8, b: 3.5 };
/** Fader, Hardie & Lee (2005), CDNOW in weeks. */
const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const KEYS = ['r', 'alpha', 'a', 'b'] as const;

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const msSince = (started: number) => performance.now() - started;
const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Fits are repeated where they are quick enough for a median to be cheap; a million customers is fitted once. */
const fitRuns = (customers: number) => (customers <= 10_000 ? 5 : 1);

/** The median fit and the median single pass (the evaluation exactly as the fit's objective calls it: repeat counts grouped once, outside the pass). */
function timeFit(data: Histories) {
  const fitMs: number[] = [];
  let fit: BgNbdFit | undefined;
  for (let run = 0; run < fitRuns(data.frequency.length); run++) {
    const started = performance.now();
    fit = fitBgNbd(data);
    fitMs.push(msSince(started));
  }
  const repeats = groupCounts(data.frequency);
  bgnbdLogLikelihood(fit!.params, data, repeats);
  const passMs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const started = performance.now();
    bgnbdLogLikelihood(fit!.params, data, repeats);
    passMs.push(msSince(started));
  }
  return { fit: fit!, fitMs: median(fitMs), passMs: median(passMs) };
}

/**
 * Times fitting BG/NBD at each size and on CDNOW (when its data is there), printing one row each and recording fit
 * time against one pass.
 * @example await churnFitBench([10_000]);
 */
export async function churnFitBench(sizes = [10_000, 100_000, 1_000_000]) {
  console.log(`BG/NBD fit: simulated customers (days, T uniform 30–730), truth r ${TRUTH.r}, α ${TRUTH.alpha}, a ${TRUTH.a}, b ${TRUTH.b}; CDNOW against the published fit`);
  console.log(
    `${'customers'.padStart(12)} ${'load s'.padStart(7)} ${'fit s'.padStart(7)} ${'iters'.padStart(6)} ${'conv'.padStart(5)} ` +
      `${'r'.padStart(6)} ${'α'.padStart(7)} ${'a'.padStart(6)} ${'b'.padStart(6)} ${'max err'.padStart(8)} ` +
      `${'customers/s'.padStart(12)} ${'1 pass ms'.padStart(10)} ${'passes'.padStart(7)}`,
  );
  const measure = (label: string, data: Histories, loadMs: number, expected: BgNbdParams) => {
    const { fit, fitMs, passMs } = timeFit(data);
    const { params, iterations, converged, n } = fit;
    const maxError = Math.max(...KEYS.map((key) => Math.abs(params[key] / expected[key] - 1)));
    console.log(
      `${label.padStart(12)} ${(loadMs / 1000).toFixed(2).padStart(7)} ${(fitMs / 1000).toFixed(3).padStart(7)} ` +
        `${String(iterations).padStart(6)} ${(converged ? 'yes' : 'NO').padStart(5)} ` +
        `${params.r.toFixed(3).padStart(6)} ${params.alpha.toFixed(2).padStart(7)} ${params.a.toFixed(3).padStart(6)} ${params.b.toFixed(3).padStart(6)} ` +
        `${`${(maxError * 100).toFixed(1)}%`.padStart(8)} ${Math.round(n / (fitMs / 1000)).toLocaleString('en-US').padStart(12)} ` +
        `${passMs.toFixed(2).padStart(10)} ${(fitMs / passMs).toFixed(0).padStart(7)}`,
    );
    record({
      name: `BG/NBD fit, ${label} customers`, value: round(fitMs), unit: 'ms',
      baseline: 'one log-likelihood + gradient pass over the same customers', baselineValue: round(passMs), higherIsBetter: false,
    });
  };

  for (const customers of sizes) {
    const started = performance.now();
    const data = simulateBgNbd(TRUTH, customers, { seed: 20261124, T: (_, random) => 30 + 700 * random.next() });
    measure(customers.toLocaleString('en-US'), data, msSince(started), TRUTH);
  }
  const cdnow = cdnowFile('cdnow_customers_summary.csv');
  if (cdnow.skip) return console.log(`  CDNOW skipped: ${cdnow.skip}`);
  const started = performance.now();
  const data = await readSummaryCsv(cdnow.path, ['frequency', 'recency', 'T']);
  measure(`CDNOW ${data.frequency.length.toLocaleString('en-US')}`, data, msSince(started), PUBLISHED);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  await churnFitBench(sizes.length ? sizes : undefined);
  console.log(`results: ${writeResults()}`);
}
