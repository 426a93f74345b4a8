/**
 * Fellegi–Sunter scoring (I. P. Fellegi and A. B. Sunter, "A Theory for Record
 * Linkage", JASA 1969). For each field and agreement level the model knows
 *   m = P(level | the two records are the same person)
 *   u = P(level | they are different people)
 * and, treating fields as independent given the truth, a pair's evidence is the
 * sum over its fields of log2(m / u): its match weight. A missing value adds 0.
 * With the share of candidate pairs that are true duplicates (`prior`), Bayes'
 * rule turns the weight into the probability that the pair is one person, which
 * is the score a person reviewing suggestions sees.
 */
import { MISSING } from './compare.ts';

export interface MatchModel {
  /** m[field][level]: how often the same person reaches that level. */
  m: number[][];
  /** u[field][level]: how often two different people reach it by chance. */
  u: number[][];
  /** Share of candidate pairs that are one person. */
  prior: number;
}

/** log2(m/u) for every field and level, computed once per model. */
export function levelWeights(model: MatchModel): number[][] {
  return model.m.map((levels, field) => levels.map((m, level) => Math.log2(m / model.u[field]![level]!)));
}

/** The pair's total evidence in bits: positive says "same person", negative says "different". */
export function matchWeight(weights: readonly (readonly number[])[], levels: Int8Array): number {
  let weight = 0;
  for (let field = 0; field < levels.length; field++) {
    const level = levels[field]!;
    if (level !== MISSING) weight += weights[field]![level]!;
  }
  return weight;
}

/** P(same person | evidence) for a pair with this match weight. */
export function matchProbability(weight: number, prior: number): number {
  const logOdds = weight + Math.log2(prior / (1 - prior));
  return 1 / (1 + 2 ** -logOdds);
}
