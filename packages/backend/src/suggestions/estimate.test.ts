import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELDS, MISSING } from './compare.ts';
import { countPatterns, estimateChanceAgreement, estimateModel } from './estimate.ts';
import { preparePerson } from './person.ts';

/** Draws a level from a distribution with a fixed sequence of uniforms, so the test is repeatable. */
function draw(probabilities: readonly number[], uniform: number): number {
  let cumulative = 0;
  for (let level = 0; level < probabilities.length; level++) {
    cumulative += probabilities[level]!;
    if (uniform < cumulative) return level;
  }
  return probabilities.length - 1;
}

test('EM recovers the share of duplicates among candidate pairs generated from the model itself', () => {
  const u = FIELDS.map((field) => [...field.prior.chance]);
  let seed = 7;
  const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const share of [0.03, 0.125, 0.4]) {
    const vectors: Int8Array[] = [];
    for (let pair = 0; pair < 20_000; pair++) {
      const duplicate = uniform() < share;
      vectors.push(Int8Array.from(FIELDS, (field, index) =>
        // Like profiles: no birth date, address, or phone.
        [2, 3, 4, 8, 10].includes(index) ? MISSING : draw(duplicate ? field.prior.same : u[index]!, uniform()),
      ));
    }
    const model = estimateModel(countPatterns(vectors), u);
    assert.ok(Math.abs(model.prior - share) < 0.01, `estimated ${model.prior} for a true share of ${share}`);
  }
});

test('equal comparison vectors are counted once, with their multiplicity', () => {
  const patterns = countPatterns([Int8Array.of(0, 1), Int8Array.of(0, 1), Int8Array.of(MISSING, 1)]);
  assert.deepEqual(patterns.map(({ levels, count }) => [[...levels], count]), [[[0, 1], 2], [[MISSING, 1], 1]]);
});

test('chance agreement comes from the records: a shop whose customers all live in one city learns that city says little', () => {
  const people = Array.from({ length: 400 }, (_, i) =>
    preparePerson({ id: String(i), givenName: `given${i}`, surname: `surname${i % 97}`, city: i % 10 === 0 ? 'Toronto' : 'Leeds' }),
  );
  const u = estimateChanceAgreement(people);
  const city = FIELDS.findIndex((field) => field.name === 'city');
  // 90% Leeds and 10% Toronto: two random customers share a city 82% of the time.
  assert.ok(Math.abs(u[city]![0]! - 0.82) < 0.02, `u(city exact) = ${u[city]![0]}`);
});

test('with a handful of records the priors carry the estimate instead of noise', () => {
  const people = [
    { id: 'p1', givenName: 'Amara', surname: 'Okafor', city: 'Leeds' },
    { id: 'p2', givenName: 'Amara', surname: 'Okafor', city: 'Leeds' },
  ].map(preparePerson);
  const u = estimateChanceAgreement(people);
  // The only pair agrees on everything; taken at face value, strangers would always agree.
  FIELDS.forEach((field, index) => {
    assert.ok(Math.abs(u[index]![0]! - field.prior.chance[0]!) < 0.002, `${field.name}: ${u[index]![0]}`);
  });
});
