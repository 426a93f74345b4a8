/** A small seeded PRNG (mulberry32) and the distributions the generators draw from: the same seed gives the same demo store on every machine. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  /** Gamma(shape, rate) by Marsaglia & Tsang (2000), boosted for shape < 1. */
  const gamma = (shape: number, rate = 1): number => {
    if (shape < 1) return gamma(shape + 1, rate) * Math.pow(1 - next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = normal();
      const v = (1 + c * z) ** 3;
      if (v > 0 && Math.log(1 - next()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  };
  return {
    next,
    normal,
    gamma,
    beta: (a: number, b: number) => {
      const x = gamma(a);
      return x / (x + gamma(b));
    },
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    /** Exponentially distributed with the given mean: gaps between a customer's orders. */
    exponential: (mean: number) => -Math.log(1 - next()) * mean,
  };
}

export type Random = ReturnType<typeof createRandom>;
