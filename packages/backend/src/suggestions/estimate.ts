/**
 * Learning the scoring model from the records themselves, with no labelled pairs:
 *
 * - u (chance agreement) from random pairs. Almost every random pair is two different
 *   people, so how often random pairs agree is how often strangers agree here: in a
 *   shop whose customers mostly live in one city, sharing that city says little.
 * - the share of candidate pairs that are duplicates by expectation–maximisation over
 *   the candidate pairs (Winkler 1988; Jaro 1989), with m and u held fixed.
 * - m (how often one person's two records agree) stays at the fields' priors
 *   (compare.ts): it describes typing and copying errors, which vary little between
 *   shops. Fitting m by EM as well gained nothing measurable on FEBRL and failed
 *   badly with only the fields profiles have (names, city, postcode): blocking makes
 *   every candidate agree on some of them, and EM then splits "same postcode" from
 *   "different postcode" instead of same person from different (docs/suggestions.md).
 *
 * Estimates start from priors worth a fixed number of pairs, so a small workspace,
 * with too few pairs to learn from, falls back on them instead of on noise.
 */
import { FIELDS, MISSING, compare } from './compare.ts';
import { pairable, type PreparedPerson } from './person.ts';
import type { MatchModel } from './score.ts';

/** How many pairs of evidence each prior is worth. */
const PRIOR_PAIRS = { chance: 1_000, duplicateShare: 20 };
/** Before the data speaks: one candidate pair in twenty is a duplicate. */
const PRIOR_DUPLICATE_SHARE = 0.05;

/** Deterministic pseudo-random numbers (mulberry32), so a run can be repeated exactly. */
function randomNumbers(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every pairable pair when there are at most `samples` pairs, else `samples` random ones. */
function* chancePairs(people: readonly PreparedPerson[], samples: number, seed: number): Generator<[PreparedPerson, PreparedPerson]> {
  if ((people.length * (people.length - 1)) / 2 <= samples) {
    for (let i = 0; i < people.length; i++) {
      for (let j = i + 1; j < people.length; j++) if (pairable(people[i]!, people[j]!)) yield [people[i]!, people[j]!];
    }
    return;
  }
  const next = randomNumbers(seed);
  let drawn = 0;
  // Attempts are bounded: in a linkage of a huge file with a tiny one most random pairs are not pairable.
  for (let attempt = 0; drawn < samples && attempt < samples * 20; attempt++) {
    const a = people[Math.floor(next() * people.length)]!;
    const b = people[Math.floor(next() * people.length)]!;
    if (a === b || !pairable(a, b)) continue;
    drawn++;
    yield [a, b];
  }
}

/** u[field][level]: how often two strangers agree at each level. */
export function estimateChanceAgreement(people: readonly PreparedPerson[], samples = 50_000, seed = 1): number[][] {
  const counts = FIELDS.map((field) => field.prior.chance.map((p) => p * PRIOR_PAIRS.chance));
  const levels = new Int8Array(FIELDS.length);
  for (const [a, b] of chancePairs(people, samples, seed)) {
    compare(a, b, levels);
    for (let field = 0; field < FIELDS.length; field++) {
      const level = levels[field]!;
      if (level !== MISSING) counts[field]![level]!++;
    }
  }
  return counts.map(normalise);
}

function normalise(counts: number[]): number[] {
  const sum = counts.reduce((total, count) => total + count, 0);
  return counts.map((count) => count / sum);
}

/** A comparison vector and how many candidate pairs have it: EM iterates over these, not over pairs. */
export interface Pattern {
  levels: Int8Array;
  count: number;
}

/** Groups equal comparison vectors; there are far fewer distinct vectors than pairs. */
export function countPatterns(vectors: Iterable<Int8Array>): Pattern[] {
  const patterns = new Map<string, Pattern>();
  for (const levels of vectors) {
    const key = levels.join(',');
    const pattern = patterns.get(key);
    if (pattern) pattern.count++;
    else patterns.set(key, { levels: levels.slice(), count: 1 });
  }
  return [...patterns.values()];
}

/**
 * The model for these candidate pairs: m from the priors, u as given, and the share
 * of duplicates fitted by EM. With m and u fixed the likelihood is concave in the
 * share, so EM cannot wander off; it stops when the share moves by less than 1e-7.
 */
export function estimateModel(patterns: readonly Pattern[], u: number[][], maxIterations = 500): MatchModel {
  const m = FIELDS.map((field) => [...field.prior.same]);
  // The likelihood ratio of each pattern does not change between iterations.
  const ratios = patterns.map(({ levels }) => {
    let ratio = 1;
    for (let field = 0; field < levels.length; field++) {
      const level = levels[field]!;
      if (level !== MISSING) ratio *= m[field]![level]! / u[field]![level]!;
    }
    return ratio;
  });
  let prior = PRIOR_DUPLICATE_SHARE;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let duplicates = PRIOR_DUPLICATE_SHARE * PRIOR_PAIRS.duplicateShare;
    let pairs = PRIOR_PAIRS.duplicateShare;
    patterns.forEach(({ count }, index) => {
      const odds = (prior / (1 - prior)) * ratios[index]!;
      duplicates += (Number.isFinite(odds) ? odds / (1 + odds) : 1) * count;
      pairs += count;
    });
    const next = duplicates / pairs;
    const settled = Math.abs(next - prior) < 1e-7;
    prior = next;
    if (settled) break;
  }
  return { m, u, prior };
}
