/**
 * How good the suggestions are on data where the truth is known (FEBRL): precision
 * (how many suggestions are real duplicates), recall (how many real duplicates are
 * suggested), F1, how many pairs blocking compared, and how long it took.
 */
import { candidatePairs } from './blocking.ts';
import { febrlPerson } from './febrl.ts';
import { pairable, preparePerson, type PersonRecord, type PreparedPerson } from './person.ts';
import { runSuggestions, type SuggestOptions } from './suggest.ts';

export interface Evaluation {
  records: number;
  /** Pairs that are one person (pairable ones only: across files when linking). */
  truePairs: number;
  /** Pairs the engine compared. */
  candidates: number;
  /** Pairs a comparison of everything would have compared. */
  allPairs: number;
  /** Share of true pairs that blocking made candidates: the ceiling on recall. */
  blockingRecall: number;
  suggested: number;
  precision: number;
  recall: number;
  f1: number;
  /** Wall-clock time of the suggestion run (blocking, comparison, estimation, scoring). */
  seconds: number;
}

/** Runs the engine on FEBRL records and scores it against the truth in their ids. */
export function evaluate(records: readonly PersonRecord[], options: SuggestOptions = {}): Evaluation {
  const started = performance.now();
  const run = runSuggestions(records, options);
  const seconds = (performance.now() - started) / 1000;

  const people = records.map(preparePerson);
  const truth = people.map((person) => febrlPerson(person.id));
  const correct = run.suggestions.filter(({ a, b }) => febrlPerson(a) === febrlPerson(b)).length;
  const truePairs = countTruePairs(people, truth);
  const candidatesThatAreTrue = candidatePairs(people, options.blocking).filter(([i, j]) => truth[i] === truth[j]).length;

  const precision = run.suggestions.length ? correct / run.suggestions.length : 1;
  const recall = truePairs ? correct / truePairs : 1;
  return {
    records: records.length,
    truePairs,
    candidates: run.candidates,
    allPairs: countPairablePairs(people),
    blockingRecall: truePairs ? candidatesThatAreTrue / truePairs : 1,
    suggested: run.suggestions.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    seconds,
  };
}

/** Pairs of records of one person that the engine may pair (so, across files when linking). */
function countTruePairs(people: readonly PreparedPerson[], truth: readonly string[]): number {
  const byPerson = new Map<string, PreparedPerson[]>();
  people.forEach((person, index) => byPerson.set(truth[index]!, [...(byPerson.get(truth[index]!) ?? []), person]));
  let pairs = 0;
  for (const same of byPerson.values()) {
    for (let a = 0; a < same.length; a++) for (let b = a + 1; b < same.length; b++) if (pairable(same[a]!, same[b]!)) pairs++;
  }
  return pairs;
}

/** Pairs comparing everything would make: every pair, less those within one group. */
function countPairablePairs(people: readonly PreparedPerson[]): number {
  const groupSizes = new Map<string, number>();
  for (const { group } of people) if (group !== undefined) groupSizes.set(group, (groupSizes.get(group) ?? 0) + 1);
  let pairs = (people.length * (people.length - 1)) / 2;
  for (const size of groupSizes.values()) pairs -= (size * (size - 1)) / 2;
  return pairs;
}
