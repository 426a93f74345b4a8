import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { editDistance, editSimilarity, jaro, jaroWinkler } from './string-similarity.ts';

const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 0.0005, `${actual} is not ≈ ${expected}`);

describe('Jaro and Jaro–Winkler', () => {
  // Worked examples from Winkler (1990) as reproduced in Wikipedia's "Jaro–Winkler distance".
  test('MARTHA / MARHTA: one transposition, prefix of three', () => {
    near(jaro('martha', 'marhta'), 0.944);
    near(jaroWinkler('martha', 'marhta'), 0.961);
  });
  test('DWAYNE / DUANE: different lengths, prefix of one', () => {
    near(jaro('dwayne', 'duane'), 0.822);
    near(jaroWinkler('dwayne', 'duane'), 0.84);
  });
  test('DIXON / DICKSONX: matches only inside the window count', () => {
    near(jaro('dixon', 'dicksonx'), 0.767);
    near(jaroWinkler('dixon', 'dicksonx'), 0.813);
  });
  test('the prefix bonus stops at four characters', () => {
    // Same Jaro for both pairs; only the shared prefix differs (4 vs 6 characters).
    near(jaroWinkler('abcdefgh', 'abcdefhg') - jaro('abcdefgh', 'abcdefhg'), 0.4 * (1 - jaro('abcdefgh', 'abcdefhg')));
  });
  test('identical strings score 1, nothing in common scores 0, an empty string scores 0 against a name', () => {
    assert.equal(jaroWinkler('sondergeld', 'sondergeld'), 1);
    assert.equal(jaroWinkler('abc', 'xyz'), 0);
    assert.equal(jaroWinkler('', 'smith'), 0);
  });
  test('is symmetric', () => {
    assert.equal(jaroWinkler('dixon', 'dicksonx'), jaroWinkler('dicksonx', 'dixon'));
  });
});

describe('edit distance (optimal string alignment)', () => {
  test('kitten → sitting takes three edits (Levenshtein\'s classic example)', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
  test('two swapped digits are one edit, as in a mistyped postcode', () => {
    assert.equal(editDistance('4818', '4881'), 1);
    // Day and month swapped (1908-04-19 → 1908-19-04) is not one edit: compare.ts recognises that slip itself.
    assert.equal(editDistance('19080419', '19081904'), 4);
  });
  test('no substring is edited twice: "ca" → "abc" is 3, not the unrestricted Damerau–Levenshtein 2', () => {
    assert.equal(editDistance('ca', 'abc'), 3);
  });
  test('against an empty string, the other string\'s length', () => {
    assert.equal(editDistance('', 'waller'), 6);
    assert.equal(editDistance('waller', ''), 6);
  });
  test('similarity scales by the longer string', () => {
    assert.equal(editSimilarity('pridham street', 'pridham street'), 1);
    near(editSimilarity('pridhamstreet', 'pridhampstreet'), 1 - 1 / 14);
    assert.equal(editSimilarity('', ''), 1);
  });
});
