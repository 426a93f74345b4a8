import assert from 'node:assert/strict';
import { test } from 'node:test';
import { soundex } from './phonetic.ts';

// The examples of the US National Archives' "The Soundex Indexing System".
test('Soundex codes the National Archives give as examples', () => {
  assert.equal(soundex('Robert'), 'R163');
  assert.equal(soundex('Rupert'), 'R163');
  assert.equal(soundex('Ashcraft'), 'A261'); // h does not separate s and c
  assert.equal(soundex('Tymczak'), 'T522'); // a vowel does separate z and k
  assert.equal(soundex('Pfister'), 'P236'); // f codes like the first letter p
  assert.equal(soundex('Honeyman'), 'H555');
});

test('many typos keep the code, some do not; names without letters have none', () => {
  // Typos from FEBRL's dataset2 and 3 (original → corrupted copy).
  assert.equal(soundex('stubbs'), soundex('stubs')); // S312
  assert.equal(soundex('colegate'), soundex('colegte')); // C423
  assert.equal(soundex('roussounis'), soundex('roussonuis')); // R252
  // …but not all, which is why blocking never relies on one key (blocking.ts).
  assert.notEqual(soundex('mccarthy'), soundex('mccattmhy'));
  assert.notEqual(soundex('pinto'), soundex('pitno'));
  assert.equal(soundex('Lee'), 'L000');
  assert.equal(soundex(''), '');
  assert.equal(soundex('123'), '');
});
