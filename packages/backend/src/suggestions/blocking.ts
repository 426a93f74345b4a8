/**
 * Candidate pairs without comparing every pair. Comparing all n(n−1)/2 pairs is
 * 12.5 million for 5,000 people; nearly all are strangers. Blocking compares only
 * records that share a blocking key, and a duplicate needs to share just one of
 * several keys, each built so that a different typo breaks it:
 *
 *   - surname sound (Soundex) + postcode      survives typos in the given name, address, birth date
 *   - given-name sound + postcode             survives a changed surname (marriage) or a badly typed one
 *   - given-name sound + surname sound        survives a move; names in either order
 *   - birth date, day and month in any order  survives any name typo and a move
 *   - postcode + street number                survives name typos and a changed name
 *   - city sound + street number              survives a postcode typo
 *   - city sound + surname / given-name sound "same name, same town" when there is no address or birth date
 *   - each email name, handle and phone       what customer profiles have instead of a birth date
 *
 * plus sorted neighbourhood (Hernández & Stolfo 1995) on names and on address: sort
 * by the key and pair each record with the next few, which catches typos that
 * change a Soundex code but not the alphabetical neighbourhood.
 *
 * A key shared by more than `maxBlockSize` records (a common surname in a big city,
 * a placeholder birth date) is dropped: it would cost quadratic work and says
 * little; the other keys still reach its duplicates. So the work stays near-linear.
 */
import { soundex } from './phonetic.ts';
import { pairable, type PreparedPerson } from './person.ts';

export interface BlockingOptions {
  /** Blocks larger than this are skipped. */
  maxBlockSize?: number;
  /** How many following records each record is paired with in a sorted neighbourhood. */
  window?: number;
}

/** The blocking keys of one person; records sharing any key become a candidate pair. */
export function blockingKeys(person: PreparedPerson): string[] {
  const keys: string[] = [];
  const surname = soundex(person.surname);
  const given = soundex(person.given);
  if (surname && person.postcode) keys.push(`surname+postcode:${surname}:${person.postcode}`);
  if (given && person.postcode) keys.push(`given+postcode:${given}:${person.postcode}`);
  if (surname && given) keys.push(`names:${[given, surname].sort().join(':')}`);
  const date = person.dateOfBirth;
  if (date) {
    const [day, month] = [date.slice(6, 8), date.slice(4, 6)].sort();
    keys.push(`birth:${date.slice(0, 4)}:${day}:${month}`);
  }
  if (person.streetNumber && person.postcode) keys.push(`postcode+number:${person.postcode}:${person.streetNumber}`);
  const city = soundex(person.city);
  if (city && person.streetNumber) keys.push(`city+number:${city}:${person.streetNumber}`);
  if (city && surname) keys.push(`city+surname:${city}:${surname}`);
  if (city && given) keys.push(`city+given:${city}:${given}`);
  for (const name of person.onlineNames) keys.push(`online:${name}`);
  for (const phone of person.phones) keys.push(`phone:${phone}`);
  return keys;
}

/** Sort keys for the sorted neighbourhoods: names both ways round, and the address. */
const NEIGHBOURHOODS: readonly ((person: PreparedPerson) => string)[] = [
  (person) => (person.surname && person.given ? `${person.surname} ${person.given}` : ''),
  (person) => (person.surname && person.given ? `${person.given} ${person.surname}` : ''),
  (person) => (person.addressLine1 ? `${person.addressLine1} ${person.streetNumber}` : ''),
];

/**
 * Candidate pairs as [i, j] with i < j, indexes into `people`, each pair once.
 *
 * @example candidatePairs(people).length // ≈ 11 per person on FEBRL data, not (n − 1)/2
 */
export function candidatePairs(people: readonly PreparedPerson[], options: BlockingOptions = {}): Array<[number, number]> {
  const maxBlockSize = options.maxBlockSize ?? 50;
  const window = options.window ?? 4;
  const seen = new Set<number>();
  const pairs: Array<[number, number]> = [];
  const add = (x: number, y: number) => {
    const [i, j] = x < y ? [x, y] : [y, x];
    const key = i * people.length + j;
    if (i === j || seen.has(key) || !pairable(people[i]!, people[j]!)) return;
    seen.add(key);
    pairs.push([i, j]);
  };

  const blocks = new Map<string, number[]>();
  people.forEach((person, index) => {
    for (const key of blockingKeys(person)) {
      const block = blocks.get(key);
      if (block) block.push(index);
      else blocks.set(key, [index]);
    }
  });
  for (const block of blocks.values()) {
    if (block.length < 2 || block.length > maxBlockSize) continue;
    for (let a = 0; a < block.length; a++) for (let b = a + 1; b < block.length; b++) add(block[a]!, block[b]!);
  }

  for (const sortKey of NEIGHBOURHOODS) {
    const keyed = people.map((person, index) => ({ key: sortKey(person), index })).filter(({ key }) => key);
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
    for (let a = 0; a < keyed.length; a++) {
      for (let b = a + 1; b <= a + window && b < keyed.length; b++) add(keyed[a]!.index, keyed[b]!.index);
    }
  }
  return pairs;
}
