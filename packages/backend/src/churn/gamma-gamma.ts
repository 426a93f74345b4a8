/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader &
 * Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): each transaction's
 * value is Gamma(p, ν) around the customer's own mean, and ν ~ Gamma(q, γ)
 * across customers. Fitted on repeat customers' mean repeat-purchase value,
 * it predicts what a customer will spend per order: their own average,
 * shrunk towards the population's by how little we have seen of them.
 */
import { digamma, logGamma } from './special-functions.ts';
import { minimise } from './optimise.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit {
  model: 'gammagamma';
  params: GammaGammaParams;
  logLikelihood: number;
  n: number;
  iterations: number;
  converged: boolean;
}

/** Repeat customers' spend: x repeat purchases with mean value m (customers with x = 0 carry no information here). */
export interface Spend {
  frequency: ArrayLike<number>;
  monetaryValue: ArrayLike<number>;
}

/** Log-likelihood of the mean values, and its gradient with respect to (ln p, ln q, ln γ). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, spend: Spend) {
  const { p, q, gamma } = params;
  const logGammaParam = Math.log(gamma);
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  let ll = 0;
  let dp = 0;
  let dq = 0;
  let dGamma = 0;
  for (let i = 0; i < spend.frequency.length; i++) {
    const x = spend.frequency[i]!;
    const m = spend.monetaryValue[i]!;
    const px = p * x;
    const logTotal = Math.log(gamma + x * m);
    ll += logGamma(px + q) - logGamma(px) - lgQ + q * logGammaParam + px * Math.log(x) + (px - 1) * Math.log(m) - (px + q) * logTotal;
    const psiPxQ = digamma(px + q);
    dp += x * (psiPxQ - digamma(px) + Math.log(x) + Math.log(m) - logTotal);
    dq += psiPxQ - psiQ + logGammaParam - logTotal;
    dGamma += q / gamma - (px + q) / (gamma + x * m);
  }
  return { logLikelihood: ll, gradient: [dp * p, dq * q, dGamma * gamma] };
}

/** Keeps the customers the model can read: at least one repeat purchase and a positive mean value. */
export function repeatSpend(frequency: ArrayLike<number>, monetaryValue: ArrayLike<number | null>): Spend {
  const keptFrequency: number[] = [];
  const keptValue: number[] = [];
  for (let i = 0; i < frequency.length; i++) {
    const m = monetaryValue[i];
    if (frequency[i]! > 0 && m != null && m > 0) {
      keptFrequency.push(frequency[i]!);
      keptValue.push(m);
    }
  }
  return { frequency: keptFrequency, monetaryValue: keptValue };
}

/** Maximum-likelihood fit from p = q = 1 and γ = the mean order value. */
export function fitGammaGamma(spend: Spend): GammaGammaFit {
  const n = spend.frequency.length;
  if (n === 0) throw new RangeError('Gamma-Gamma needs at least one customer with a repeat purchase');
  let meanValue = 0;
  for (let i = 0; i < n; i++) meanValue += spend.monetaryValue[i]! / n;
  const unpack = (x: readonly number[]): GammaGammaParams => ({ p: Math.exp(x[0]!), q: Math.exp(x[1]!), gamma: Math.exp(x[2]!) });
  const result = minimise((x) => {
    const { logLikelihood, gradient } = gammaGammaLogLikelihood(unpack(x), spend);
    return { value: -logLikelihood / n, gradient: gradient.map((g) => -g / n) };
  }, [0, 0, Math.log(meanValue)]);
  return { model: 'gammagamma', params: unpack(result.x), logLikelihood: -result.value * n, n, iterations: result.iterations, converged: result.converged };
}

/**
 * E[value of an order | x repeat purchases averaging m]: a weighted mean of
 * the population mean pγ/(q−1) and the customer's own m. With no repeat
 * purchases it is the population mean (finite only when q > 1).
 */
export function expectedOrderValue(params: GammaGammaParams, x: number, m: number | null): number {
  const { p, q, gamma } = params;
  if (!x || m == null) return (p * gamma) / (q - 1);
  return (p * (gamma + x * m)) / (p * x + q - 1);
}
