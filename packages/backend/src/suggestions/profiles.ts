/**
 * Tessera profiles → suggestion records. A profile has names, its contact fields, its
 * identities (emails, phones, social handles) and newest-wins traits from each
 * source (city, postcode, …); this keeps what says who someone is and drops the rest.
 *
 * Emails and phones are compared even though identity resolution already merges
 * profiles that share one: two profiles can still hold emails with the same name
 * part (jane.doe@gmail.com, jane.doe@work.example) or the same number written with
 * and without a country code.
 */
import type { Identity, Profile, Trait } from '@tessera/core';
import type { PersonRecord } from './person.ts';

/** What the adapter reads of a profile: the `get_profile` shape, or the same columns from SQL. */
export type ProfileForSuggestions = Pick<Profile, 'id' | 'display_name' | 'first_name' | 'last_name' | 'email' | 'phone'> & {
  identities: readonly Pick<Identity, 'kind' | 'value'>[];
  traits: readonly Pick<Trait, 'name' | 'value' | 'observed_at'>[];
};

const HANDLE_KINDS = new Set(['instagram', 'tiktok', 'x', 'youtube_handle']);

/** Trait names sources use for the same thing, first match wins. */
const TRAIT_NAMES = {
  city: ['city'],
  postcode: ['postcode', 'zip', 'postal_code'],
  state: ['province_code', 'state', 'province'],
  streetAddress: ['address1', 'address_line_1', 'street_address'],
  dateOfBirth: ['date_of_birth', 'birthday', 'birth_date'],
};

/** The newest non-empty text any source gave for the first of `names` present. */
function newestTrait(traits: ProfileForSuggestions['traits'], names: readonly string[]): string | undefined {
  for (const name of names) {
    const values = traits
      .filter((trait) => trait.name === name && typeof trait.value === 'string' && trait.value.trim())
      .sort((a, b) => b.observed_at.localeCompare(a.observed_at));
    if (values[0]) return values[0].value as string;
  }
  return undefined;
}

/** "Amara Okafor" → ["Amara", "Okafor"]; a display name that is an email or a handle names no one. */
function splitDisplayName(displayName: string | null): [string | undefined, string | undefined] {
  if (!displayName || displayName.includes('@')) return [undefined, undefined];
  const words = displayName.trim().split(/\s+/);
  if (words.length < 2) return [words[0], undefined];
  return [words[0], words.slice(1).join(' ')];
}

/**
 * The suggestion record of one profile.
 *
 * @example
 * suggestDuplicates(profiles.map(profileToPerson), { threshold: 0.9 })
 */
export function profileToPerson(profile: ProfileForSuggestions): PersonRecord {
  const [displayGiven, displaySurname] = profile.first_name || profile.last_name ? [undefined, undefined] : splitDisplayName(profile.display_name);
  const identities = (kind: (k: string) => boolean) => profile.identities.filter((identity) => kind(identity.kind)).map((identity) => identity.value);
  // A street address trait holds "88 Harbour Street": the number goes where FEBRL keeps it.
  const street = newestTrait(profile.traits, TRAIT_NAMES.streetAddress);
  const [, streetNumber, streetName] = street ? (/^\s*(\d+[a-z]?)\s+(.*)$/i.exec(street) ?? [street, undefined, street]) : [];
  return {
    id: profile.id,
    givenName: profile.first_name ?? displayGiven,
    surname: profile.last_name ?? displaySurname,
    streetNumber,
    addressLine1: streetName,
    city: newestTrait(profile.traits, TRAIT_NAMES.city),
    postcode: newestTrait(profile.traits, TRAIT_NAMES.postcode),
    state: newestTrait(profile.traits, TRAIT_NAMES.state),
    dateOfBirth: newestTrait(profile.traits, TRAIT_NAMES.dateOfBirth),
    emails: [...new Set([profile.email, ...identities((kind) => kind === 'email')].filter((email): email is string => !!email))],
    phones: [...new Set([profile.phone, ...identities((kind) => kind === 'phone')].filter((phone): phone is string => !!phone))],
    handles: identities((kind) => HANDLE_KINDS.has(kind)),
  };
}
