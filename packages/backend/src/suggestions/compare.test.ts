import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIELD, FIELDS, MISSING, compare } from './compare.ts';
import { preparePerson, type PersonRecord } from './person.ts';

// rec-552-org of FEBRL dataset3.
const harley: PersonRecord = {
  id: 'rec-552-org', givenName: 'harley', surname: 'mccarthy', streetNumber: '177', addressLine1: 'pridham street',
  addressLine2: 'milton', city: 'marsden', postcode: '3165', state: 'nsw', dateOfBirth: '19080419',
};
const levels = (a: PersonRecord, b: PersonRecord) => compare(preparePerson(a), preparePerson(b));
const level = (a: PersonRecord, b: PersonRecord, field: keyof typeof FIELD) => levels(a, b)[FIELD[field]];

describe('comparison vector', () => {
  test('FIELD positions name the fields of FIELDS, and every prior is a distribution over its levels', () => {
    for (const [name, index] of Object.entries(FIELD)) {
      assert.equal(FIELDS[index]!.name, name.replace(/[A-Z0-9]/g, (c) => `_${c.toLowerCase()}`));
    }
    for (const field of FIELDS) {
      for (const prior of [field.prior.same, field.prior.chance]) {
        assert.equal(prior.length, field.levels.length, field.name);
        assert.ok(Math.abs(prior.reduce((a, b) => a + b, 0) - 1) < 1e-9, field.name);
      }
    }
  });

  test('a record against itself agrees exactly wherever it has a value, and is missing elsewhere', () => {
    const vector = levels(harley, harley);
    assert.deepEqual([...vector], [0, 0, 0, 0, 0, 0, 0, 0, 0, MISSING, MISSING]);
  });

  test('given name and surname written in each other\'s place (FEBRL rec-988-dup-0: "masno, madeline")', () => {
    const madeline = { id: 'a', givenName: 'madeline', surname: 'mason' };
    const swapped = { id: 'b', givenName: 'masno', surname: 'madeline' };
    // Slots are named after the first record's fields: its given name found exactly, its surname with a transposition.
    assert.equal(level(madeline, swapped, 'givenName'), 0);
    assert.equal(level(madeline, swapped, 'surname'), 1, 'mason/masno: Jaro–Winkler ≥ 0.94');
  });

  test('a space or punctuation typed inside a name makes no difference (FEBRL rec-712-dup-2: "jac ob")', () => {
    assert.equal(level({ id: 'a', givenName: 'jacob' }, { id: 'b', givenName: 'jac ob' }, 'givenName'), 0);
    assert.equal(level({ id: 'a', surname: "O'Brien-Smith" }, { id: 'b', surname: 'obrien smith' }, 'surname'), 0);
  });

  test('address lines 1 and 2 swapped still agree (FEBRL: "fawkner street" / "emerald agricultural college")', () => {
    const a = { id: 'a', addressLine1: 'fawkner street', addressLine2: 'emerald agricultural college' };
    const b = { id: 'b', addressLine1: 'emerald agricultural college', addressLine2: 'fawkner street' };
    assert.equal(level(a, b, 'addressLine1'), 0);
    assert.equal(level(a, b, 'addressLine2'), 0);
  });

  test('spaces dropped from an address are a close match ("pridhamstreet")', () => {
    assert.equal(level(harley, { ...harley, addressLine1: 'pridhamstreet' }, 'addressLine1'), 0);
    assert.equal(level(harley, { ...harley, addressLine1: 'pridham tstreet' }, 'addressLine1'), 1);
    assert.equal(level(harley, { ...harley, addressLine1: 'northbourne avenue' }, 'addressLine1'), 3);
  });

  test('postcodes: a transposition or one wrong digit is one slip; more is different', () => {
    assert.equal(level({ id: 'a', postcode: '4818' }, { id: 'b', postcode: '4881' }, 'postcode'), 1);
    assert.equal(level({ id: 'a', postcode: '3165' }, { id: 'b', postcode: '3167' }, 'postcode'), 1);
    assert.equal(level({ id: 'a', postcode: '4216' }, { id: 'b', postcode: '6111' }, 'postcode'), 2);
  });

  test('dates of birth: day and month swapped, one wrong digit, or two swapped digits are one slip', () => {
    assert.equal(level(harley, { ...harley, dateOfBirth: '19081904' }, 'dateOfBirth'), 1);
    assert.equal(level(harley, { ...harley, dateOfBirth: '19080449' }, 'dateOfBirth'), 1);
    assert.equal(level(harley, { ...harley, dateOfBirth: '19800419' }, 'dateOfBirth'), 1);
    assert.equal(level(harley, { ...harley, dateOfBirth: '1908-04-19' }, 'dateOfBirth'), 0);
    assert.equal(level(harley, { ...harley, dateOfBirth: '19340909' }, 'dateOfBirth'), 2);
    assert.equal(level(harley, { ...harley, dateOfBirth: 'not a date' }, 'dateOfBirth'), MISSING);
  });

  test('a value missing on either side is no evidence, not a disagreement', () => {
    assert.equal(level(harley, { ...harley, givenName: '' }, 'givenName'), MISSING);
    assert.equal(level(harley, { ...harley, state: null }, 'state'), MISSING);
  });

  test('email names, handles and phones: jane.doe@ matches the handle janedoe; a phone with or without country code', () => {
    const a = { id: 'a', emails: ['Jane.Doe@gmail.com'], phones: ['+61 412 345 678'] };
    const b = { id: 'b', handles: ['janedoe'], phones: ['0412 345 678'] };
    assert.equal(level(a, b, 'onlineName'), 0);
    assert.equal(level(a, b, 'phone'), 0);
    assert.equal(level(a, { id: 'c', handles: ['jane_doe_art'] }, 'onlineName'), 1);
    assert.equal(level({ id: 'a', emails: ['jsmith1970@example.com'] }, { id: 'b', emails: ['jsmith1971@example.com'] }, 'onlineName'), 2);
    assert.equal(level({ id: 'd', emails: ['info@shop.example'] }, { id: 'e', emails: ['info@other.example'] }, 'onlineName'), MISSING);
  });
});
