import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockingKeys, candidatePairs } from './blocking.ts';
import { soundex } from './phonetic.ts';
import { preparePerson, type PersonRecord } from './person.ts';

// FEBRL dataset3, person 1695: the original and a copy whose surname typo changes its Soundex code.
const lydia: PersonRecord = {
  id: 'rec-1695-org', givenName: 'lydia', surname: 'mccarthy', streetNumber: '6', addressLine1: 'mckillop circuit',
  addressLine2: 'telemon orchards', city: 'corio', postcode: '4670', state: 'nsw', dateOfBirth: '19751220',
};
const lydiaTypo: PersonRecord = {
  id: 'rec-1695-dup-3', givenName: 'lydia', surname: 'mccattmhy', streetNumber: '32', addressLine1: 'mckillop ecircuit',
  addressLine2: 'telemon orchards', city: 'corio', postcode: '4670', state: 'nsw', dateOfBirth: '19751220',
};

/** Strangers with varied, distinct values (names built from syllables): a population for the pair to hide in. */
function strangers(count: number, overrides: (index: number) => Partial<PersonRecord> = () => ({})): PersonRecord[] {
  const syllables = ['ja', 'mi', 'lo', 'ra', 'be', 'ka', 'to', 'ne', 'si', 'du', 'fe', 'go', 'pa', 'vi', 'wy'];
  const name = (n: number) => syllables[n % 15]! + syllables[Math.floor(n / 15) % 15]! + syllables[Math.floor(n / 225) % 15]!;
  const streets = ['giblin street', 'forbes street', 'milne cove', 'togo place', 'roxon place', 'hawker place'];
  return Array.from({ length: count }, (_, i) => ({
    id: `stranger-${i}`,
    givenName: name(i * 7 + 3),
    surname: name(i * 11 + 5) + 'son',
    streetNumber: String(1 + (i % 97)),
    addressLine1: streets[i % streets.length],
    city: `suburb ${i % 53}`,
    postcode: String(2000 + ((i * 37) % 4000)),
    dateOfBirth: `19${String(10 + (i % 89)).padStart(2, '0')}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`,
    ...overrides(i),
  }));
}

function isCandidate(records: PersonRecord[], a: string, b: string): boolean {
  const people = records.map(preparePerson);
  return candidatePairs(people).some(([i, j]) => (people[i]!.id === a && people[j]!.id === b) || (people[i]!.id === b && people[j]!.id === a));
}

describe('blocking', () => {
  test('a true pair with a surname typo that changes its Soundex code is still a candidate', () => {
    assert.notEqual(soundex('mccarthy'), soundex('mccattmhy'));
    const records = [...strangers(300), lydia, lydiaTypo];
    assert.ok(isCandidate(records, 'rec-1695-org', 'rec-1695-dup-3'));
    // Also without the birth date: the given name and postcode still bring them together.
    const withoutBirth = records.map((record) => (record.id.startsWith('rec-1695') ? { ...record, dateOfBirth: null } : record));
    assert.ok(isCandidate(withoutBirth, 'rec-1695-org', 'rec-1695-dup-3'));
  });

  test('names written the other way round share the name key', () => {
    const keys = (record: PersonRecord) => blockingKeys(preparePerson(record)).filter((key) => key.startsWith('names:'));
    assert.deepEqual(keys({ id: 'a', givenName: 'madeline', surname: 'mason' }), keys({ id: 'b', givenName: 'mason', surname: 'madeline' }));
  });

  test('a pair that shares no blocking key is found by the sorted neighbourhood of "surname given"', () => {
    // Different postcode, no birth date or street number; given names differ in the first letter.
    const a = { id: 'a', givenName: 'deakin', surname: 'sondergeld', postcode: '2776' };
    const b = { id: 'b', givenName: 'peakin', surname: 'sondergeld', postcode: '2786' };
    const shared = blockingKeys(preparePerson(a)).filter((key) => blockingKeys(preparePerson(b)).includes(key));
    assert.deepEqual(shared, []);
    assert.ok(isCandidate([...strangers(300), a, b], 'a', 'b'));
  });

  test('an oversized block is skipped, so 400 people at one postcode do not make 79,800 pairs; a true pair among them is still found', () => {
    const crowd = strangers(400, () => ({ surname: 'smith', postcode: '2000', streetNumber: null, city: null }));
    const twin = { ...crowd[7]!, id: 'twin', givenName: 'oliva' };
    const people = [...crowd, twin].map(preparePerson);
    const pairs = candidatePairs(people);
    assert.ok(pairs.length < 10 * people.length, `${pairs.length} candidate pairs`);
    assert.ok(isCandidate([...crowd, twin], crowd[7]!.id, 'twin'));
  });

  test('records of the same group are never paired; each pair appears once, lower index first', () => {
    const people = [
      { ...lydia, group: 'a.csv' },
      { ...lydia, id: 'copy', group: 'a.csv' },
      { ...lydiaTypo, group: 'b.csv' },
    ].map(preparePerson);
    const pairs = candidatePairs(people);
    assert.deepEqual(pairs.map(([i, j]) => `${i}-${j}`).sort(), ['0-2', '1-2']);
  });
});
