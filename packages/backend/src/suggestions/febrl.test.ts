import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FebrlFormatError, febrlPerson, parseFebrl } from './febrl.ts';

// The first lines of FEBRL dataset1.csv, verbatim (a space after every comma, blanks for missing values).
const DATASET1_HEAD = `rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id
rec-223-org, , waller, 6, tullaroop street, willaroo, st james, 4011, wa, 19081209, 6988048
rec-122-org, lachlan, berry, 69, giblin street, killarney, bittern, 4814, qld, 19990219, 7364009
`;

test('reads FEBRL CSV: spaces after commas trimmed, blank cells empty, suburb as city', () => {
  const [waller, berry] = parseFebrl(DATASET1_HEAD);
  assert.deepEqual(berry, {
    id: 'rec-122-org', givenName: 'lachlan', surname: 'berry', streetNumber: '69', addressLine1: 'giblin street',
    addressLine2: 'killarney', city: 'bittern', postcode: '4814', state: 'qld', dateOfBirth: '19990219',
  });
  assert.equal(waller!.givenName, '');
});

test('never reads soc_sec_id: customer profiles have no such number', () => {
  for (const record of parseFebrl(DATASET1_HEAD)) {
    assert.ok(!JSON.stringify(record).includes('6988048') && !JSON.stringify(record).includes('7364009'));
  }
});

test('a group names the file, for linking two files', () => {
  assert.deepEqual(parseFebrl(DATASET1_HEAD, 'dataset4a.csv').map((record) => record.group), ['dataset4a.csv', 'dataset4a.csv']);
});

test('a file without the FEBRL columns is refused with what is missing', () => {
  assert.throws(() => parseFebrl('id,name\n1,jane\n'), (error: unknown) =>
    error instanceof FebrlFormatError && error.code === 'febrl_format' && /rec_id, given_name, surname/.test(error.message),
  );
});

test('the person behind a record id', () => {
  assert.equal(febrlPerson('rec-12-org'), '12');
  assert.equal(febrlPerson('rec-12-dup-3'), '12');
  assert.throws(() => febrlPerson('12'), FebrlFormatError);
});
