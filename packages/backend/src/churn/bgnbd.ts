/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"):
 * while alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
 * after each purchase they drop out with probability p ~ Beta(a, b). A
 * customer's history is (x, tₓ, T): repeat purchases, the time of the last
 * one and the time since the first, all in the same unit (days in Tessera,
 * weeks in the paper). The likelihood is written once, in log space, with
 * its gradient; predictions are plain functions of the parameters and a
 * history.
 */
import { digamma, logAddExp, logGamma, logHypergeometric2F1 } from './special-functions.ts';
import { minimise } from './optimise.ts';
import { groupCounts, type Histories } from './histories.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit {
  model: 'bgnbd';
  params: BgNbdParams;
  logLikelihood: number;
  n: number;
  iterations: number;
  converged: boolean;
}

/** Total log-likelihood of the histories, and its gradient with respect to (ln r, ln α, ln a, ln b). */
export function bgnbdLogLikelihood(params: BgNbdParams, data: Histories, repeats = groupCounts(data.frequency)) {
  const { r, alpha, a, b } = params;
  const n = data.frequency.length;
  const logAlpha = Math.log(alpha);
  let ll = n * r * logAlpha;
  let dr = n * logAlpha;
  let dAlpha = (n * r) / alpha;
  let da = 0;
  let db = 0;
  // Terms that depend on x alone: once per distinct purchase count.
  const psiR = digamma(r);
  const psiAB = digamma(a + b);
  const psiB = digamma(b);
  const lgR = logGamma(r);
  const lgAB = logGamma(a + b);
  const lgB = logGamma(b);
  for (const [x, count] of repeats) {
    ll += count * (logGamma(r + x) - lgR + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x));
    dr += count * (digamma(r + x) - psiR);
    da += count * (psiAB - digamma(a + b + x));
    db += count * (psiAB + digamma(b + x) - psiB - digamma(a + b + x));
  }
  const logA = Math.log(a);
  // Per-customer terms are summed with Neumaier's compensation: a million of
  // them in a plain sum leave rounding noise larger than the last improvements
  // the optimiser looks for, and it would spend its time halving steps.
  let sum = 0;
  let compensation = 0;
  const add = (term: number) => {
    const total = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - total + term : term - total + sum;
    sum = total;
  };
  for (let i = 0; i < n; i++) {
    const x = data.frequency[i]!;
    const logAT = Math.log(alpha + data.T[i]!);
    const stillAlive = -(r + x) * logAT;
    if (x === 0) {
      add(stillAlive);
      dr -= logAT;
      dAlpha -= r / (alpha + data.T[i]!);
      continue;
    }
    const logAtx = Math.log(alpha + data.recency[i]!);
    const droppedOut = logA - Math.log(b + x - 1) - (r + x) * logAtx;
    const total = logAddExp(stillAlive, droppedOut);
    // w: the share of this customer's likelihood that says they dropped out after their last purchase.
    const w = Math.exp(droppedOut - total);
    add(total);
    dr -= (1 - w) * logAT + w * logAtx;
    dAlpha -= (r + x) * ((1 - w) / (alpha + data.T[i]!) + w / (alpha + data.recency[i]!));
    da += w / a;
    db -= w / (b + x - 1);
  }
  return { logLikelihood: ll + sum + compensation, gradient: [dr * r, dAlpha * alpha, da * a, db * b] };
}

/** Maximum-likelihood fit. Starts from r = a = b = 1 and α = the mean customer age, which scales with the time unit. */
export function fitBgNbd(data: Histories): BgNbdFit {
  const n = data.frequency.length;
  if (n === 0) throw new RangeError('BG/NBD needs at least one customer');
  const repeats = groupCounts(data.frequency);
  let meanT = 0;
  for (let i = 0; i < n; i++) meanT += data.T[i]! / n;
  const unpack = (x: readonly number[]): BgNbdParams => ({ r: Math.exp(x[0]!), alpha: Math.exp(x[1]!), a: Math.exp(x[2]!), b: Math.exp(x[3]!) });
  const result = minimise((x) => {
    const { logLikelihood, gradient } = bgnbdLogLikelihood(unpack(x), data, repeats);
    return { value: -logLikelihood / n, gradient: gradient.map((g) => -g / n) };
  }, [0, Math.log(Math.max(meanT, 1e-6)), 0, 0]);
  return {
    model: 'bgnbd',
    params: unpack(result.x),
    logLikelihood: -result.value * n,
    n,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/** P(alive at T | x, tₓ, T). A customer who never bought again is certainly alive under BG/NBD: dropout happens only after a purchase. */
export function probabilityAlive(params: BgNbdParams, x: number, recency: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + recency));
  return 1 / (1 + Math.exp(logOdds));
}

/** E[purchases in (T, T + t] | x, tₓ, T]: equation (10) of the paper. */
export function expectedPurchases(params: BgNbdParams, t: number, x: number, recency: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = params;
  const z = t / (alpha + T + t);
  const logSurvive = (r + x) * Math.log((alpha + T) / (alpha + T + t));
  const bracket = -Math.expm1(logSurvive + logHypergeometric2F1(r + x, b + x, a + b + x - 1, z));
  const numerator = ((a + b + x - 1) / (a - 1)) * bracket;
  if (x === 0) return numerator;
  return numerator / (1 + Math.exp(Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + recency))));
}

/**
 * P(no purchase in (T, T + t] | x, tₓ, T): the churn risk Tessera reports.
 * Dead customers never buy; a live one's rate has the posterior Gamma(r + x, α + T),
 * so they go t without buying with probability ((α+T)/(α+T+t))^(r+x).
 */
export function probabilityNoPurchase(params: BgNbdParams, t: number, x: number, recency: number, T: number): number {
  const alive = probabilityAlive(params, x, recency, T);
  const quiet = Math.exp((params.r + x) * Math.log((params.alpha + T) / (params.alpha + T + t)));
  return 1 - alive + alive * quiet;
}

/** E[X(t)]: purchases a new customer is expected to make in their first t (equation 9). */
export function expectedPurchasesOfNewCustomer(params: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = params;
  const log2F1 = logHypergeometric2F1(r, b, a + b - 1, t / (alpha + t));
  return ((a + b - 1) / (a - 1)) * -Math.expm1(r * Math.log(alpha / (alpha + t)) + log2F1);
}
