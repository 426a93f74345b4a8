/**
 * The churn models' generative stories, run forward with a seeded RNG:
 * what parameter-recovery tests fit against and what the benchmark fits at
 * a million customers. Each simulation is the model's own assumptions and
 * nothing else, so a fit that misses the truth is the fit's fault.
 */
import { createRandom, type Random } from '../seed/random.ts';
import type { BgNbdParams } from './bgnbd.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';
import type { Histories } from './histories.ts';
import type { SbgParams } from './sbg.ts';

export interface SimulatedBgNbd extends Histories {
  /** Purchases each customer actually made in (T, T + horizon]. */
  future: Float64Array;
}

/**
 * Customers who each made a first purchase and were then watched for `T(i)`
 * time units (and `horizon` more, for the future), buying and dropping out
 * as the BG/NBD says.
 */
export function simulateBgNbd(params: BgNbdParams, customers: number, options: { seed: number; T: (i: number, random: Random) => number; horizon?: number }): SimulatedBgNbd {
  const random = createRandom(options.seed);
  const horizon = options.horizon ?? 0;
  const out = { frequency: new Float64Array(customers), recency: new Float64Array(customers), T: new Float64Array(customers), future: new Float64Array(customers) };
  for (let i = 0; i < customers; i++) {
    const T = options.T(i, random);
    const rate = random.gamma(params.r, params.alpha);
    const dropout = random.beta(params.a, params.b);
    let at = 0;
    let x = 0;
    let last = 0;
    let future = 0;
    // Dropout can follow any repeat purchase (not the first: equation 1 of the paper has (1−p)^x for x repeat purchases).
    for (;;) {
      at += -Math.log(1 - random.next()) / rate;
      if (at > T + horizon) break;
      if (at <= T) {
        x++;
        last = at;
      } else future++;
      if (random.next() < dropout) break;
    }
    out.frequency[i] = x;
    out.recency[i] = last;
    out.T[i] = T;
    out.future[i] = future;
  }
  return out;
}

/** Repeat customers' mean order values under Gamma-Gamma, for given repeat counts. */
export function simulateGammaGamma(params: GammaGammaParams, frequency: readonly number[], seed: number): { frequency: number[]; monetaryValue: number[] } {
  const random = createRandom(seed);
  const monetaryValue = frequency.map((x) => {
    const nu = random.gamma(params.q, params.gamma);
    let total = 0;
    for (let k = 0; k < x; k++) total += random.gamma(params.p, nu);
    return total / x;
  });
  return { frequency: [...frequency], monetaryValue };
}

/** A cohort's survivor counts over `periods` periods under the sBG. */
export function simulateSbg(params: SbgParams, members: number, periods: number, seed: number): number[] {
  const random = createRandom(seed);
  const survivors = new Array<number>(periods + 1).fill(0);
  for (let i = 0; i < members; i++) {
    const churn = random.beta(params.alpha, params.beta);
    survivors[0]!++;
    for (let t = 1; t <= periods && random.next() >= churn; t++) survivors[t]!++;
  }
  return survivors;
}
