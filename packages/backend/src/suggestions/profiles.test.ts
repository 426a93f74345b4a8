import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { profileToPerson, type ProfileForSuggestions } from './profiles.ts';
import { DEFAULT_THRESHOLD, suggestDuplicates } from './suggest.ts';

const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T10:00:00.000Z`;
let next = 0;
/** A profile as get_profile returns it (the fields the adapter reads), with its traits from each source. */
function profile(fields: Partial<ProfileForSuggestions> & { traits?: ProfileForSuggestions['traits'] }): ProfileForSuggestions {
  next++;
  return {
    id: `0b5c3a4e-8f1d-4c2a-9e7b-${String(next).padStart(12, '0')}`,
    display_name: null, first_name: null, last_name: null, email: null, phone: null,
    identities: [], traits: [],
    ...fields,
  };
}
const city = (value: string, day = 1, source = 'shopify') => ({ name: 'city', value, source, observed_at: at(day) });

describe('profiles → suggestion records', () => {
  test('names, newest city, postcode under any of its names, every email, phone and handle', () => {
    const person = profileToPerson(profile({
      first_name: 'Amara', last_name: 'Okafor', email: 'amara.okafor@gmail.com', phone: '+14165550142',
      identities: [
        { kind: 'email', value: 'amara.okafor@gmail.com' },
        { kind: 'email', value: 'amara@okafor-studio.ca' },
        { kind: 'shopify_customer', value: '7364009' },
        { kind: 'instagram', value: 'amaraokafor' },
        { kind: 'tiktok', value: 'amara.makes' },
      ],
      traits: [
        city('Hamilton', 1), city('Toronto', 9, 'kajabi'),
        { name: 'zip', value: 'M5J 2G2', observed_at: at(9) },
        { name: 'province_code', value: 'ON', observed_at: at(9) },
        { name: 'address1', value: '88 Harbour Street', observed_at: at(9) },
        { name: 'accepts_email_marketing', value: true, observed_at: at(9) },
      ],
    }));
    assert.equal(person.givenName, 'Amara');
    assert.equal(person.surname, 'Okafor');
    assert.equal(person.city, 'Toronto', 'newest observation wins');
    assert.equal(person.postcode, 'M5J 2G2');
    assert.equal(person.state, 'ON');
    assert.equal(person.streetNumber, '88');
    assert.equal(person.addressLine1, 'Harbour Street');
    assert.deepEqual(person.emails, ['amara.okafor@gmail.com', 'amara@okafor-studio.ca']);
    assert.deepEqual(person.phones, ['+14165550142']);
    assert.deepEqual(person.handles, ['amaraokafor', 'amara.makes'], 'platform ids such as shopify_customer are not handles');
  });

  test('without first and last name the display name is split; an email as display name names no one', () => {
    assert.deepEqual(
      [profileToPerson(profile({ display_name: 'Mary Anne de Souza' }))].map((p) => [p.givenName, p.surname]),
      [['Mary', 'Anne de Souza']],
    );
    const fromEmail = profileToPerson(profile({ display_name: 'amara.okafor@gmail.com' }));
    assert.equal(fromEmail.givenName, undefined);
    assert.equal(fromEmail.surname, undefined);
  });
});

describe('suggestDuplicates on a shop\'s profiles', () => {
  const amaraShopify = profile({
    first_name: 'Amara', last_name: 'Okafor', email: 'amara.okafor@gmail.com',
    identities: [{ kind: 'email', value: 'amara.okafor@gmail.com' }], traits: [city('Toronto')],
  });
  // Bought a course on Kajabi with her work address and a typo in her surname.
  const amaraKajabi = profile({
    first_name: 'Amara', last_name: 'Okafur', email: 'amara.okafor@okafor-studio.ca',
    identities: [{ kind: 'email', value: 'amara.okafor@okafor-studio.ca' }], traits: [city('Toronto', 3, 'kajabi')],
  });
  // Commented on Instagram; the handle is her email name.
  const amaraInstagram = profile({
    display_name: 'Amara Okafor', identities: [{ kind: 'instagram', value: 'amaraokafor' }],
  });
  const namesakes = ['Toronto', 'Vancouver', 'Calgary', 'Ottawa'].map((town, i) => profile({
    first_name: 'John', last_name: 'Smith', email: `jsmith${1970 + i}@example.com`,
    identities: [{ kind: 'email', value: `jsmith${1970 + i}@example.com` }], traits: [city(town)],
  }));
  const others = [
    ['Priya', 'Raman', 'Mississauga'], ['Liam', 'Tremblay', 'Montréal'], ['Chen', 'Wei', 'Toronto'],
    ['Sofia', 'Rossi', 'Hamilton'], ['Noah', 'Gagnon', 'Québec'], ['Olivia', 'Brown', 'Toronto'],
  ].map(([first, last, town]) => profile({
    first_name: first!, last_name: last!, email: `${first!.toLowerCase()}.${last!.toLowerCase()}@example.com`,
    identities: [{ kind: 'email', value: `${first!.toLowerCase()}.${last!.toLowerCase()}@example.com` }], traits: [city(town!)],
  }));
  const profiles = [amaraShopify, ...namesakes, amaraKajabi, ...others, amaraInstagram];
  const suggestions = suggestDuplicates(profiles.map(profileToPerson));
  const suggested = (a: ProfileForSuggestions, b: ProfileForSuggestions) =>
    suggestions.find((s) => (s.a === a.id && s.b === b.id) || (s.a === b.id && s.b === a.id));

  test('the same customer across Shopify, Kajabi and Instagram is suggested, each pair once', () => {
    assert.ok(suggested(amaraShopify, amaraKajabi), 'typo in the surname, different email domains');
    assert.ok(suggested(amaraShopify, amaraInstagram), 'handle equals the email name');
    assert.ok(suggested(amaraKajabi, amaraInstagram));
    assert.equal(new Set(suggestions.map((s) => [s.a, s.b].sort().join())).size, suggestions.length);
  });

  test('four John Smiths in four cities are not suggested: a common name in different places is not one person', () => {
    for (let i = 0; i < namesakes.length; i++) {
      for (let j = i + 1; j < namesakes.length; j++) assert.equal(suggested(namesakes[i]!, namesakes[j]!), undefined);
    }
  });

  test('each suggestion says why, for the person confirming it', () => {
    const kajabi = suggested(amaraShopify, amaraKajabi)!;
    assert.deepEqual(kajabi.evidence, {
      given_name: 'exact', surname: 'Jaro–Winkler ≥ 0.85', city: 'exact', online_name: 'exact', // okafor/okafur: 0.933
    });
    assert.ok(suggestions.every((s) => s.score >= DEFAULT_THRESHOLD && s.score <= 1));
  });
});
