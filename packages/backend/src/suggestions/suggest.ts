/**
 * "Possible duplicate" suggestions: pairs of people who are probably one person but
 * share no identity, so deterministic resolution could not merge them. A person
 * confirms each suggestion; nothing here merges anything.
 *
 * The pipeline, each step its own module:
 *   person.ts    tidy every record once
 *   blocking.ts  candidate pairs, near-linear in the number of records
 *   compare.ts   each candidate pair → agreement level per field
 *   estimate.ts  learn the model from these records (no labels): u from random pairs, duplicate share by EM
 *   score.ts     Fellegi–Sunter match weight → probability of being one person
 *   term-frequency.ts  rare names weigh more than common ones
 * See docs/suggestions.md for the model and its measured accuracy.
 */
import { candidatePairs, type BlockingOptions } from './blocking.ts';
import { FIELD, FIELDS, MISSING, compare } from './compare.ts';
import { countPatterns, estimateChanceAgreement, estimateModel } from './estimate.ts';
import { preparePerson, type PersonRecord } from './person.ts';
import { levelWeights, matchProbability, matchWeight, type MatchModel } from './score.ts';
import { commonNameAdjustment, countNames } from './term-frequency.ts';

/** Two records that are probably one person, with the probability that they are. */
export interface Suggestion {
  a: string;
  b: string;
  /** P(same person), in [0, 1]. */
  score: number;
  /** For the person reviewing it: how each field present on both records compared, e.g. `{ surname: 'exact', postcode: 'one typo or swap' }`. */
  evidence: Record<string, string>;
}

export interface SuggestOptions {
  /** Suggest pairs scoring at least this; default DEFAULT_THRESHOLD. */
  threshold?: number;
  blocking?: BlockingOptions;
}

/**
 * 0.5 would be right if the probabilities were calibrated, but treating fields as
 * independent counts correlated evidence twice (city and postcode; names that blocking
 * already made agree), so scores run high. On FEBRL, F1 rose with the threshold up to
 * 0.95–0.99 in all eight settings measured (docs/suggestions.md); 0.9 takes most of the
 * gain without fitting the benchmark's optimum.
 */
export const DEFAULT_THRESHOLD = 0.9;

export interface SuggestionRun {
  /** Best first. */
  suggestions: Suggestion[];
  /** How many pairs were compared, against n(n−1)/2 for all pairs. */
  candidates: number;
  model: MatchModel;
}

/** Suggestions with what it took to find them: how many pairs were compared and the fitted model. */
export function runSuggestions(records: readonly PersonRecord[], options: SuggestOptions = {}): SuggestionRun {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const people = records.map(preparePerson);
  const pairs = candidatePairs(people, options.blocking);
  // One flat array for all comparison vectors: compared once, read by estimation and again by scoring.
  const vectors = new Int8Array(pairs.length * FIELDS.length);
  const vectorOf = (index: number) => vectors.subarray(index * FIELDS.length, (index + 1) * FIELDS.length);
  pairs.forEach(([i, j], index) => compare(people[i]!, people[j]!, vectorOf(index)));
  const model = estimateModel(countPatterns(pairs.map((_, index) => vectorOf(index))), estimateChanceAgreement(people));
  const weights = levelWeights(model);
  const names = countNames(people);
  const chanceOfExact = { given: model.u[FIELD.givenName]![0]!, surname: model.u[FIELD.surname]![0]! };
  const suggestions: Suggestion[] = [];
  pairs.forEach(([i, j], index) => {
    const levels = vectorOf(index);
    const exact = { given: levels[FIELD.givenName] === 0, surname: levels[FIELD.surname] === 0 };
    const weight = matchWeight(weights, levels) + commonNameAdjustment(names, people[i]!, exact, chanceOfExact);
    const score = matchProbability(weight, model.prior);
    if (score >= threshold) suggestions.push({ a: people[i]!.id, b: people[j]!.id, score, evidence: describe(levels) });
  });
  suggestions.sort((x, y) => y.score - x.score);
  return { suggestions, candidates: pairs.length, model };
}

/** The comparison vector in words: field name → level name, for fields present on both records. */
function describe(levels: Int8Array): Record<string, string> {
  const evidence: Record<string, string> = {};
  FIELDS.forEach((field, index) => {
    const level = levels[index]!;
    if (level !== MISSING) evidence[field.name] = field.levels[level]!;
  });
  return evidence;
}

/**
 * Pairs of records that are probably one person, best first.
 *
 * @example
 * suggestDuplicates([
 *   { id: 'p1', givenName: 'Amara', surname: 'Okafor', city: 'Leeds', postcode: 'LS6 1AA', emails: ['amara.okafor@example.com'] },
 *   { id: 'p2', givenName: 'Amara', surname: 'Okafr', city: 'Leeds', postcode: 'LS6 1AA', handles: ['amaraokafor'] },
 * ]) // [{ a: 'p1', b: 'p2', score: 0.99…, evidence: { given_name: 'exact', surname: 'Jaro–Winkler ≥ 0.94', … } }]
 */
export function suggestDuplicates(records: readonly PersonRecord[], options: SuggestOptions = {}): Suggestion[] {
  return runSuggestions(records, options).suggestions;
}
