/**
 * The optimiser every churn model fits with: L-BFGS on unconstrained
 * parameters (the models optimise the logs of their positive parameters),
 * with analytic gradients and a backtracking line search that treats a
 * non-finite likelihood as "too far". The models hand it the mean negative
 * log-likelihood per customer, so the tolerance means the same thing for 900
 * customers and for a million.
 */

export interface Objective {
  /** The value to minimise and its gradient at `x`. */
  (x: readonly number[]): { value: number; gradient: number[] };
}

export interface MinimiseResult {
  x: number[];
  value: number;
  gradientNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

export interface MinimiseOptions {
  /** Stop when the largest gradient component falls below this. */
  gradientTolerance?: number;
  maxIterations?: number;
  /** How many past steps approximate the inverse Hessian. */
  memory?: number;
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
const maxAbs = (a: readonly number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Minimises `objective` from `start`. Restarts its curvature memory when a step goes wrong rather than giving up. */
export function minimise(objective: Objective, start: readonly number[], options: MinimiseOptions = {}): MinimiseResult {
  const tolerance = options.gradientTolerance ?? 1e-7;
  const maxIterations = options.maxIterations ?? 500;
  const memory = options.memory ?? 8;
  let x = [...start];
  let { value, gradient } = objective(x);
  let evaluations = 1;
  if (!Number.isFinite(value) || gradient.some((g) => !Number.isFinite(g))) {
    throw new RangeError(`The starting point ${JSON.stringify(start)} has no finite likelihood`);
  }
  const steps: number[][] = [];
  const changes: number[][] = [];
  let iterations = 0;
  let stalled = 0;
  while (iterations < maxIterations && maxAbs(gradient) > tolerance) {
    iterations++;
    const direction = searchDirection(gradient, steps, changes);
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // Not a descent direction: forget the curvature and go downhill.
      steps.length = changes.length = 0;
      for (let i = 0; i < direction.length; i++) direction[i] = -gradient[i]!;
      slope = dot(direction, gradient);
    }
    // The first step of a fresh memory is scaled so that it moves x by at most 1 in log space.
    let step = steps.length === 0 ? Math.min(1, 1 / maxAbs(direction)) : 1;
    let accepted: { x: number[]; value: number; gradient: number[] } | null = null;
    for (let tries = 0; tries < 60; tries++, step /= 2) {
      const candidate = x.map((v, i) => v + step * direction[i]!);
      const next = objective(candidate);
      evaluations++;
      if (Number.isFinite(next.value) && next.value <= value + 1e-4 * step * slope && next.gradient.every(Number.isFinite)) {
        accepted = { x: candidate, ...next };
        break;
      }
    }
    if (!accepted) {
      if (steps.length === 0) break; // even steepest descent cannot improve: a minimum to machine precision
      steps.length = changes.length = 0;
      continue;
    }
    const s = accepted.x.map((v, i) => v - x[i]!);
    const y = accepted.gradient.map((g, i) => g - gradient[i]!);
    if (dot(s, y) > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      steps.push(s);
      changes.push(y);
      if (steps.length > memory) {
        steps.shift();
        changes.shift();
      }
    }
    // A run of steps that change nothing in the 13th digit is as converged as doubles allow.
    stalled = Math.abs(value - accepted.value) <= 1e-13 * Math.max(1, Math.abs(value)) ? stalled + 1 : 0;
    ({ x, value, gradient } = accepted);
    if (stalled >= 5) break;
  }
  const gradientNorm = maxAbs(gradient);
  return { x, value, gradientNorm, iterations, evaluations, converged: gradientNorm <= tolerance || stalled >= 5 };
}

/** The two-loop recursion: −H·g with H the L-BFGS inverse-Hessian estimate. */
function searchDirection(gradient: readonly number[], steps: number[][], changes: number[][]): number[] {
  const q = [...gradient];
  const alphas: number[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const rho = 1 / dot(changes[i]!, steps[i]!);
    const alpha = rho * dot(steps[i]!, q);
    alphas[i] = alpha;
    for (let j = 0; j < q.length; j++) q[j]! -= alpha * changes[i]![j]!;
  }
  if (steps.length > 0) {
    const last = steps.length - 1;
    const scale = dot(steps[last]!, changes[last]!) / dot(changes[last]!, changes[last]!);
    for (let j = 0; j < q.length; j++) q[j]! *= scale;
  }
  for (let i = 0; i < steps.length; i++) {
    const rho = 1 / dot(changes[i]!, steps[i]!);
    const beta = rho * dot(changes[i]!, q);
    for (let j = 0; j < q.length; j++) q[j]! += steps[i]![j]! * (alphas[i]! - beta);
  }
  return q.map((v) => -v);
}
