// BG/NBD fit at scale: customers simulated from known parameters (days, T
// uniform over 30–730), then fitted by maximum likelihood. One log-likelihood
// + gradient evaluation is one pass over the data, so fit time ÷ evaluation
// time is how many passes the optimiser needed; the fitted parameters against
// the truth show what the time bought.
//   node --conditions=source --import tsx bench/churn-fit.ts [customers...]   (or npm run bench)
import { bgnbdLogLikelihood, fitBgNbd, type BgNbdFit, type BgNbdParams } from '../packages/backend/src/churn/bgnbd.ts';
import { groupCounts } from '../packages/backend/src/churn/histories.ts';
import { simulateBgNbd } from '../packages/backend/src/churn/simulate.ts';

const TRUTH: BgNbdParams = { r: 0.6, alpha: 40, a: 0.8, b: 3.5 };
const KEYS = ['r', 'alpha', 'a', 'b'] as const;

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const secondsSince = (started: number) => (performance.now() - started) / 1000;

/** Fits are repeated where they are quick enough for a median to be cheap; a million customers is fitted once. */
const fitRuns = (customers: number) => (customers <= 10_000 ? 3 : 1);

/**
 * Times simulating and fitting BG/NBD at each size and prints one row per size.
 * @example await churnFitBench([10_000]);
 */
export async function churnFitBench(sizes = [10_000, 100_000, 1_000_000]) {
  console.log(`BG/NBD fit: simulated customers (days, T uniform 30–730), truth r ${TRUTH.r}, α ${TRUTH.alpha}, a ${TRUTH.a}, b ${TRUTH.b}`);
  console.log(
    `${'customers'.padStart(10)} ${'sim s'.padStart(7)} ${'fit s'.padStart(7)} ${'iters'.padStart(6)} ${'conv'.padStart(5)} ` +
      `${'r'.padStart(6)} ${'α'.padStart(7)} ${'a'.padStart(6)} ${'b'.padStart(6)} ${'max err'.padStart(8)} ` +
      `${'customers/s'.padStart(12)} ${'1 pass ms'.padStart(10)} ${'passes'.padStart(7)}`,
  );
  for (const customers of sizes) {
    let started = performance.now();
    const data = simulateBgNbd(TRUTH, customers, { seed: 20261124, T: (_, random) => 30 + 700 * random.next() });
    const simulateSeconds = secondsSince(started);

    const fitSeconds: number[] = [];
    let fit: BgNbdFit | undefined;
    for (let run = 0; run < fitRuns(customers); run++) {
      started = performance.now();
      fit = fitBgNbd(data);
      fitSeconds.push(secondsSince(started));
    }
    const { params, iterations, converged } = fit!;
    const fitTime = median(fitSeconds);

    // The evaluation exactly as the fit's objective calls it: repeat counts grouped once, outside the pass.
    const repeats = groupCounts(data.frequency);
    bgnbdLogLikelihood(params, data, repeats);
    const passSeconds: number[] = [];
    for (let run = 0; run < 7; run++) {
      started = performance.now();
      bgnbdLogLikelihood(params, data, repeats);
      passSeconds.push(secondsSince(started));
    }
    const passTime = median(passSeconds);

    const maxError = Math.max(...KEYS.map((key) => Math.abs(params[key] / TRUTH[key] - 1)));
    console.log(
      `${customers.toLocaleString('en-US').padStart(10)} ${simulateSeconds.toFixed(2).padStart(7)} ${fitTime.toFixed(3).padStart(7)} ` +
        `${String(iterations).padStart(6)} ${(converged ? 'yes' : 'NO').padStart(5)} ` +
        `${params.r.toFixed(3).padStart(6)} ${params.alpha.toFixed(2).padStart(7)} ${params.a.toFixed(3).padStart(6)} ${params.b.toFixed(3).padStart(6)} ` +
        `${`${(maxError * 100).toFixed(1)}%`.padStart(8)} ${Math.round(customers / fitTime).toLocaleString('en-US').padStart(12)} ` +
        `${(passTime * 1000).toFixed(2).padStart(10)} ${(fitTime / passTime).toFixed(0).padStart(7)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  await churnFitBench(sizes.length ? sizes : undefined);
}
