/**
 * Measures the suggestions on the FEBRL datasets and prints a table:
 *   node --conditions=source --import tsx packages/backend/src/suggestions/run-evaluation.ts [FEBRL directory] [--threshold X] [--profile-fields]
 * dataset1–3 are deduplicated within the file; dataset4a + 4b are linked across the two files.
 * --profile-fields keeps only what Tessera profiles usually have (names, suburb, postcode,
 * state), dropping street number, address lines and date of birth: a forecast for real shops.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate } from './evaluate.ts';
import { readFebrl } from './febrl.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { threshold: { type: 'string' }, 'profile-fields': { type: 'boolean', default: false } },
});
const directory = positionals[0] ?? '/work/shared/bench-data/febrl';
const threshold = values.threshold === undefined ? undefined : Number(values.threshold);

const datasets: Array<{ name: string; files: string[] }> = [
  { name: 'dataset1', files: ['dataset1.csv'] },
  { name: 'dataset2', files: ['dataset2.csv'] },
  { name: 'dataset3', files: ['dataset3.csv'] },
  { name: 'dataset4a+4b', files: ['dataset4a.csv', 'dataset4b.csv'] },
];

console.log('| dataset | records | true pairs | candidates (all pairs) | blocking recall | suggested | precision | recall | F1 | time |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const { name, files } of datasets) {
  const paths = files.map((file) => join(directory, file));
  if (!paths.every((path) => existsSync(path))) continue;
  const records = paths
    .flatMap((path) => readFebrl(path, { link: paths.length > 1 }))
    .map((record) => (values['profile-fields'] ? { ...record, streetNumber: null, addressLine1: null, addressLine2: null, dateOfBirth: null } : record));
  const result = evaluate(records, threshold === undefined ? {} : { threshold });
  const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
  const cells = [
    name,
    result.records,
    result.truePairs,
    `${result.candidates.toLocaleString('en')} (${result.allPairs.toLocaleString('en')})`,
    percent(result.blockingRecall),
    result.suggested,
    percent(result.precision),
    percent(result.recall),
    result.f1.toFixed(4),
    `${result.seconds.toFixed(2)} s`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
