import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from './evaluate.ts';
import { parseFebrl } from './febrl.ts';

const HEADER = 'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id';
// FEBRL dataset2 person 712 (an original and three copies) and person 552 (an original and two copies).
const RECORDS = `${HEADER}
rec-712-dup-0, jacob, lanyon, 5, milne cove, wellwod, beaconsfield upper, 2602, vic, 19080712, 9497788
rec-712-dup-1, jacob, lanyln, 5, milne cove, wellwood, beaconsfieod upper, 2602, vic, 19080712, 9497788
rec-712-dup-2, jac ob, lanyon, 5, milne cove, , oatlands, 2602, vic, 19080712, 9497788
rec-712-org, jacob, lanyon, 5, milne cove, wellwood, beaconsfield upper, 2602, vic, 19080712, 9497788
rec-552-dup-1, brianna, geode, 15, hardman street, fairhl ome, roseb ud, 2774, qld, 19980129, 8471487
rec-552-dup-0, brianna, goode, 15, hardma n street, fairholme, rosebud, 2774, qld, 19980129, 8471487
rec-552-org, brianna, goode, 15, hardman street, fairholme, rosebud, 2774, qld, 19980129, 8471487
rec-2778-org, sarah, bruhn, 44, forbes street, wintersloe, kellerberrin, 4510, vic, 19300213, 7535316
`;

test('every pair of records of one person is a true pair: 4 records make 6, 3 make 3', () => {
  const result = evaluate(parseFebrl(RECORDS));
  assert.equal(result.truePairs, 9);
  assert.equal(result.allPairs, 28);
  assert.equal(result.records, 8);
  assert.deepEqual([result.precision, result.recall, result.f1, result.blockingRecall], [1, 1, 1, 1]);
});

test('when linking, only pairs across the files count, and all pairs means |A| × |B|', () => {
  const lines = RECORDS.trim().split('\n');
  const a = parseFebrl([HEADER, ...lines.slice(1, 5)].join('\n'), 'a');
  const b = parseFebrl([HEADER, ...lines.slice(5)].join('\n'), 'b');
  const result = evaluate([...a, ...b]);
  assert.equal(result.truePairs, 0, 'person 712 is all in file a, person 552 all in file b');
  assert.equal(result.allPairs, 16);
  assert.equal(result.suggested, 0);
});

test('precision and recall count what the threshold lets through', () => {
  const result = evaluate(parseFebrl(RECORDS), { threshold: 1.1 });
  assert.equal(result.suggested, 0);
  assert.equal(result.recall, 0);
  assert.equal(result.f1, 0);
});
