/**
 * Shifted-beta-geometric (Fader & Hardie 2007, "How to Project Customer
 * Retention") for subscriptions: at the end of each period a member renews or
 * cancels with their own probability θ, and θ ~ Beta(α, β) across members.
 * Retention rises with tenure not because anyone changes but because the
 * likeliest cancellers leave first. Fitted from a cohort's survivor counts,
 * or from individual members who joined at different times.
 */
import { digamma, logBeta, logHypergeometric2F1 } from './special-functions.ts';
import { minimise } from './optimise.ts';

export interface SbgParams {
  alpha: number;
  beta: number;
}

export interface SbgFit {
  model: 'sbg';
  params: SbgParams;
  logLikelihood: number;
  n: number;
  iterations: number;
  converged: boolean;
}

/**
 * Members by how their subscription went: `lost[t]` cancelled after paying
 * for t periods (T = t), `active[t]` are still subscribed after t renewals
 * (T > t: the observation stops, not the member). Survivor counts of one
 * cohort and individual members who joined at different times both reduce
 * to this.
 */
export interface SbgCohort {
  lost: number[];
  active: number[];
}

/** A cohort from its survivor counts: members active at the start of period 1, 2, …, never increasing. */
export function survivorCohort(survivors: readonly number[]): SbgCohort {
  if (survivors.length < 2) throw new RangeError('sBG needs at least two survivor counts: the cohort size and the members left after one period');
  survivors.forEach((count, t) => {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`Survivor count ${t + 1} must be a whole number ≥ 0, not ${count}`);
    if (t > 0 && count > survivors[t - 1]!) throw new RangeError(`Survivor counts never rise: ${count} after ${survivors[t - 1]} (period ${t})`);
  });
  if (survivors[0] === 0) throw new RangeError('The cohort is empty');
  const last = survivors.length - 1;
  const lost = survivors.map((count, t) => (t === 0 ? 0 : survivors[t - 1]! - count));
  const active = survivors.map((count, t) => (t === last ? count : 0));
  return { lost, active };
}

/** Individual members: how many periods each has paid for and whether they still subscribe. */
export function memberCohort(members: Iterable<{ periodsPaid: number; active: boolean }>): SbgCohort {
  const cohort: SbgCohort = { lost: [], active: [] };
  for (const { periodsPaid, active } of members) {
    if (!(Number.isInteger(periodsPaid) && periodsPaid >= 1)) throw new RangeError(`A member pays for at least one period, not ${periodsPaid}`);
    // Paying for period n means n − 1 renewals so far; a lapsed member's lifetime was n periods.
    const [list, t] = active ? [cohort.active, periodsPaid - 1] : [cohort.lost, periodsPaid];
    while (list.length <= t) list.push(0);
    list[t]!++;
  }
  return cohort;
}

/**
 * Log-likelihood of a cohort: members lost after t periods contribute
 * ln P(T = t), members still active after t renewals ln S(t).
 * Gradient with respect to (ln α, ln β).
 */
export function sbgLogLikelihood(params: SbgParams, cohort: SbgCohort) {
  const { alpha, beta } = params;
  const base = logBeta(alpha, beta);
  const psiA = digamma(alpha);
  const psiB = digamma(beta);
  const psiAB = digamma(alpha + beta);
  let ll = 0;
  let dAlpha = 0;
  let dBeta = 0;
  cohort.lost.forEach((lost, t) => {
    if (lost === 0) return;
    const psiTotal = digamma(alpha + beta + t);
    ll += lost * (logBeta(alpha + 1, beta + t - 1) - base);
    dAlpha += lost * (digamma(alpha + 1) - psiTotal - psiA + psiAB);
    dBeta += lost * (digamma(beta + t - 1) - psiTotal - psiB + psiAB);
  });
  cohort.active.forEach((active, t) => {
    if (active === 0) return;
    const psiTotal = digamma(alpha + beta + t);
    ll += active * (logBeta(alpha, beta + t) - base);
    dAlpha += active * (psiAB - psiTotal);
    dBeta += active * (digamma(beta + t) - psiTotal - psiB + psiAB);
  });
  return { logLikelihood: ll, gradient: [dAlpha * alpha, dBeta * beta] };
}

/** Maximum-likelihood fit from α = β = 1. */
export function fitSbg(cohort: SbgCohort): SbgFit {
  const n = [...cohort.lost, ...cohort.active].reduce((sum, count) => sum + count, 0);
  if (n === 0) throw new RangeError('sBG needs at least one member');
  if (cohort.lost.every((count) => count === 0)) throw new RangeError('sBG needs at least one member who cancelled: with none, retention looks perfect and α runs to 0');
  const unpack = (x: readonly number[]): SbgParams => ({ alpha: Math.exp(x[0]!), beta: Math.exp(x[1]!) });
  const result = minimise((x) => {
    const { logLikelihood, gradient } = sbgLogLikelihood(unpack(x), cohort);
    return { value: -logLikelihood / n, gradient: gradient.map((g) => -g / n) };
  }, [0, 0]);
  return { model: 'sbg', params: unpack(result.x), logLikelihood: -result.value * n, n, iterations: result.iterations, converged: result.converged };
}

/** S(t): the share of a cohort still subscribed after t periods. */
export function survival(params: SbgParams, t: number): number {
  return Math.exp(logBeta(params.alpha, params.beta + t) - logBeta(params.alpha, params.beta));
}

/** r(t) = S(t)/S(t−1): the share of those active in period t who renew into period t+1… and it rises with t. */
export function retentionRate(params: SbgParams, t: number): number {
  return (params.beta + t - 1) / (params.alpha + params.beta + t - 1);
}

/** The probability that a member who is in their n-th paid period cancels at its end (n ≥ 1). */
export function churnProbability(params: SbgParams, periodsPaid: number): number {
  return params.alpha / (params.alpha + params.beta + periodsPaid - 1);
}

/** Expected lifetime in periods of a new member, Σ S(t) = (α+β−1)/(α−1); infinite when α ≤ 1 (the heavy tail never runs out). */
export function expectedLifetime(params: SbgParams): number {
  return params.alpha > 1 ? (params.alpha + params.beta - 1) / (params.alpha - 1) : Infinity;
}

/**
 * Discounted expected residual lifetime of a member who has paid `periodsPaid`
 * periods (Fader & Hardie 2010, "Customer-Base Valuation in a Contractual
 * Setting"): the number of further payments to expect, the next renewal
 * counted in full and each later one discounted by `discountRate` per period
 * more. Multiply by the price for the member's residual value.
 */
export function discountedResidualLifetime(params: SbgParams, periodsPaid: number, discountRate: number): number {
  if (!(discountRate > 0)) throw new RangeError('The discount rate must be positive (a residual lifetime can be infinite without one)');
  const { alpha, beta } = params;
  const n = periodsPaid;
  const log2F1 = logHypergeometric2F1(1, beta + n, alpha + beta + n, 1 / (1 + discountRate));
  return ((beta + n - 1) / (alpha + beta + n - 1)) * Math.exp(log2F1);
}
