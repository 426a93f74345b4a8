/**
 * The special functions the churn models' likelihoods and predictions are
 * written in: log-gamma, digamma, log-beta and the Gauss hypergeometric
 * function, all in log space so that customers with hundreds of purchases
 * never overflow a double.
 */

// Lanczos approximation, g = 7, n = 9: ~1e-15 relative error for x > 0.5.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  // Below 0.5 Lanczos loses accuracy; Γ(x) = Γ(x + 1) / x keeps it.
  if (x < 0.5) return logGamma(x + 1) - Math.log(x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ψ(x) = d/dx ln Γ(x) for x > 0: recurrence up to 10, then the asymptotic series (next term ~2e-14 there). */
export function digamma(x: number): number {
  if (!(x > 0)) return NaN;
  let result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return result + Math.log(x) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * ln ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, summed as the power
 * series in log space. With positive parameters every term is positive, so
 * there is no cancellation; terms grow while (a+k)(b+k)z > (c+k)(k+1) and
 * then shrink geometrically, and the sum stops when a term no longer moves
 * it. The BG/NBD's z = t/(α+T+t) stays well below 1 for any horizon a
 * person would ask about.
 */
export function logHypergeometric2F1(a: number, b: number, c: number, z: number): number {
  if (!(a > 0 && b > 0 && c > 0)) throw new RangeError(`₂F₁ needs positive a, b, c (got ${a}, ${b}, ${c})`);
  if (!(z >= 0 && z < 1)) throw new RangeError(`₂F₁ series needs 0 ≤ z < 1 (got ${z})`);
  if (z === 0) return 0;
  const logZ = Math.log(z);
  let logTerm = 0;
  let logSum = 0;
  for (let k = 0; k < 1_000_000; k++) {
    logTerm += Math.log(a + k) + Math.log(b + k) - Math.log(c + k) - Math.log(k + 1) + logZ;
    const next = logAddExp(logSum, logTerm);
    // Past the peak (ratio below 1) and the term no longer changes the sum.
    if (next - logSum < 1e-17 && (a + k) * (b + k) * z < (c + k) * (k + 1)) return next;
    logSum = next;
  }
  throw new RangeError(`₂F₁(${a}, ${b}; ${c}; ${z}) did not converge in a million terms`);
}
