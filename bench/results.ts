// The benchmarks' results file: bench/results.json, an array of
// { name, value, unit, baseline, baselineValue, ratio } rows, so runs can be
// compared over time. ratio = value ÷ baselineValue, turned round for
// lower-is-better measures (latencies) so that a higher ratio is always better.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with (e.g. "raw COPY into unindexed tables"). */
  baseline: string;
  baselineValue: number;
  /** value ÷ baselineValue for higher-is-better measures, baselineValue ÷ value otherwise. */
  ratio: number;
}

const results: BenchResult[] = [];

/**
 * Records one measurement against its baseline.
 *
 * @example
 * record({ name: 'seed 100k people (postgres)', value: 61_200, unit: 'rows/s', baseline: 'raw COPY, unindexed', baselineValue: 148_000, higherIsBetter: true });
 */
export function record(row: Omit<BenchResult, 'ratio'> & { higherIsBetter: boolean }): BenchResult {
  const { higherIsBetter, ...rest } = row;
  const ratio = higherIsBetter ? row.value / row.baselineValue : row.baselineValue / row.value;
  const result = { ...rest, ratio: Number.isFinite(ratio) ? Math.round(ratio * 1000) / 1000 : 0 };
  results.push(result);
  return result;
}

/** Everything recorded so far. */
export function recorded(): readonly BenchResult[] {
  return results;
}

/** Writes every recorded row to bench/results.json (or `file`); returns the path. */
export function writeResults(file = fileURLToPath(new URL('./results.json', import.meta.url))): string {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
