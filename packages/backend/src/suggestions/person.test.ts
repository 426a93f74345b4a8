import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairable, preparePerson, tidy } from './person.ts';

test('tidy: lower case, accents, spaces and punctuation gone', () => {
  assert.equal(tidy("  O'Brien-Smith "), 'obriensmith');
  assert.equal(tidy('Zoë Lefèvre'), 'zoelefevre');
  assert.equal(tidy('Pridham  Street'), tidy('pridhamstreet'));
  assert.equal(tidy(null), '');
});

test('dates as YYYYMMDD, whether written with dashes or not; anything else is missing', () => {
  assert.equal(preparePerson({ id: 'a', dateOfBirth: '1908-04-19' }).dateOfBirth, '19080419');
  assert.equal(preparePerson({ id: 'a', dateOfBirth: '19080419' }).dateOfBirth, '19080419');
  assert.equal(preparePerson({ id: 'a', dateOfBirth: '19/4/08' }).dateOfBirth, '');
});

test('emails keep their name part; role mailboxes and too-short phones are dropped; handles join email names', () => {
  const person = preparePerson({
    id: 'a',
    emails: ['Jane.Doe@Gmail.com', 'info@janedoe.studio', 'jane.doe@work.example'],
    handles: ['@jane_doe'],
    phones: ['+44 7700 900123', '07700 900123', '112'],
  });
  assert.deepEqual(person.onlineNames, ['janedoe']);
  assert.deepEqual(person.phones, ['700900123']);
});

test('records of one group never pair; records without a group pair with anyone', () => {
  const [a, b, c] = [{ id: 'a', group: 'x' }, { id: 'b', group: 'x' }, { id: 'c' }].map(preparePerson);
  assert.equal(pairable(a!, b!), false);
  assert.equal(pairable(a!, c!), true);
  assert.equal(pairable(c!, a!), true);
});
