import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preparePerson } from './person.ts';
import { commonNameAdjustment, countNames } from './term-frequency.ts';

// A customer list where one surname in five is Smith and one person is a Sondergeld.
const people = [
  ...Array.from({ length: 20 }, (_, i) => ({ id: `s${i}`, givenName: i % 2 ? 'john' : 'jane', surname: 'smith' })),
  ...Array.from({ length: 79 }, (_, i) => ({ id: `o${i}`, givenName: `given${i}`, surname: `surname${i}` })),
  { id: 'd', givenName: 'deakin', surname: 'sondergeld' },
].map(preparePerson);
const frequencies = countNames(people);
const chance = { given: 0.01, surname: 0.01 };
const bits = (person: (typeof people)[number], exact: { given: boolean; surname: boolean }) =>
  commonNameAdjustment(frequencies, person, exact, chance);

test('sharing a common surname counts for less than average, a rare one for more', () => {
  const smith = people[0]!;
  const sondergeld = people.at(-1)!;
  // Smith: 20 of 100 surnames → log2(0.01 / 0.2); Sondergeld: 1 of 100 → log2(0.01 / 0.01) = 0.
  assert.ok(Math.abs(bits(smith, { given: false, surname: true }) - Math.log2(0.01 / 0.2)) < 1e-12);
  assert.equal(bits(sondergeld, { given: false, surname: true }), 0);
  assert.ok(bits(smith, { given: false, surname: true }) < bits(sondergeld, { given: false, surname: true }));
});

test('only names that agree exactly are adjusted; given names have their own table', () => {
  assert.equal(bits(people[0]!, { given: false, surname: false }), 0);
  // jane: 10 of 100 given names.
  assert.ok(Math.abs(bits(people[0]!, { given: true, surname: false }) - Math.log2(0.01 / 0.1)) < 1e-12);
});
