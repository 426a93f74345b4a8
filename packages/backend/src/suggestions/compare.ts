/**
 * The comparison vector of a pair of people: for each field, which agreement level
 * the two values reach (exact, a slip away, similar, different) or that one of them
 * is missing. The scoring model (score.ts) turns levels into evidence; this module
 * only decides what counts as "a slip away".
 *
 * Values arrive tidied (person.ts): lower case, without spaces or punctuation, so
 * "jac ob" already equals "jacob". Two kinds of slip get special handling because
 * they defeat field-by-field comparison: given name and surname written in each
 * other's place, and address lines 1 and 2 swapped. Both arrangements are compared
 * and the closer one is kept.
 */
import type { PreparedPerson } from './person.ts';
import { editDistance, editSimilarity, jaroWinkler } from './string-similarity.ts';

/** One field of the comparison vector; `levels[0]` is the strongest agreement, the last is "different". */
export interface Field {
  name: string;
  levels: readonly string[];
  /**
   * Priors, per level, that estimation (estimate.ts) refines from the data:
   * how often the same person reaches the level (m), and how often two strangers
   * do by chance (u). Rough on purpose; they matter only when a workspace is too
   * small to learn from.
   */
  prior: { same: readonly number[]; chance: readonly number[] };
}

export const MISSING = -1;

/** Where each field sits in a comparison vector. */
export const FIELD = {
  givenName: 0,
  surname: 1,
  streetNumber: 2,
  addressLine1: 3,
  addressLine2: 4,
  city: 5,
  postcode: 6,
  state: 7,
  dateOfBirth: 8,
  onlineName: 9,
  phone: 10,
} as const;

const nameLevels = ['exact', 'Jaro–Winkler ≥ 0.94', 'Jaro–Winkler ≥ 0.85', 'different'];
const textLevels = ['exact', 'edit similarity ≥ 0.8', 'edit similarity ≥ 0.6', 'different'];
const codeLevels = ['exact', 'one typo or swap', 'different'];

export const FIELDS: readonly Field[] = [
  { name: 'given_name', levels: nameLevels, prior: { same: [0.8, 0.08, 0.04, 0.08], chance: [0.005, 0.005, 0.03, 0.96] } },
  { name: 'surname', levels: nameLevels, prior: { same: [0.8, 0.08, 0.04, 0.08], chance: [0.002, 0.003, 0.02, 0.975] } },
  { name: 'street_number', levels: codeLevels, prior: { same: [0.88, 0.04, 0.08], chance: [0.02, 0.1, 0.88] } },
  { name: 'address_line_1', levels: textLevels, prior: { same: [0.75, 0.12, 0.05, 0.08], chance: [0.001, 0.002, 0.02, 0.977] } },
  { name: 'address_line_2', levels: textLevels, prior: { same: [0.75, 0.12, 0.05, 0.08], chance: [0.001, 0.002, 0.02, 0.977] } },
  { name: 'city', levels: textLevels, prior: { same: [0.8, 0.1, 0.03, 0.07], chance: [0.01, 0.005, 0.02, 0.965] } },
  { name: 'postcode', levels: codeLevels, prior: { same: [0.88, 0.07, 0.05], chance: [0.005, 0.03, 0.965] } },
  { name: 'state', levels: ['exact', 'different'], prior: { same: [0.95, 0.05], chance: [0.2, 0.8] } },
  {
    name: 'date_of_birth',
    levels: ['exact', 'one typo, swapped digits or day and month swapped', 'different'],
    prior: { same: [0.9, 0.04, 0.06], chance: [0.0001, 0.001, 0.9989] },
  },
  // People often use a different handle per network, so a mismatch says little.
  { name: 'online_name', levels: ['exact', 'Jaro–Winkler ≥ 0.9, same digits', 'different'], prior: { same: [0.5, 0.15, 0.35], chance: [0.0005, 0.002, 0.9975] } },
  { name: 'phone', levels: ['exact', 'different'], prior: { same: [0.6, 0.4], chance: [0.0001, 0.9999] } },
];

function nameLevel(a: string, b: string, similarity: number): number {
  if (a === b) return 0;
  if (similarity >= 0.94) return 1;
  if (similarity >= 0.85) return 2;
  return 3;
}

const TEXT_CLOSE = 0.8;
const TEXT_SIMILAR = 0.6;

function nameSimilarity(a: string, b: string): number {
  return a && b ? jaroWinkler(a, b) : NaN;
}

/** Edit similarity for free text (address lines, city), or 0 when the lengths alone rule out the "similar" levels. */
function textSimilarity(a: string, b: string): number {
  if (!a || !b) return NaN;
  const longest = Math.max(a.length, b.length);
  if (Math.abs(a.length - b.length) / longest > 1 - TEXT_SIMILAR) return 0;
  return editSimilarity(a, b);
}

function textLevel(similarity: number): number {
  if (Number.isNaN(similarity)) return MISSING;
  if (similarity === 1) return 0;
  if (similarity >= TEXT_CLOSE) return 1;
  if (similarity >= TEXT_SIMILAR) return 2;
  return 3;
}

function codeLevel(a: string, b: string): number {
  if (!a || !b) return MISSING;
  if (a === b) return 0;
  return editDistance(a, b) === 1 ? 1 : 2;
}

function dateLevel(a: string, b: string): number {
  if (!a || !b) return MISSING;
  if (a === b) return 0;
  const dayMonthSwapped = a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6);
  return dayMonthSwapped || editDistance(a, b) === 1 ? 1 : 2;
}

/**
 * Email names and handles: digits in them are chosen (a birth year, a counter), not
 * mistyped, so jsmith1970 and jsmith1971 are different accounts however alike.
 */
function onlineNameLevel(a: string, b: string): number {
  if (a === b) return 0;
  const digits = (name: string) => name.replace(/[^0-9]/g, '');
  return digits(a) === digits(b) && jaroWinkler(a, b) >= 0.9 ? 1 : 2;
}

function bestOf<T>(as: readonly T[], bs: readonly T[], level: (a: T, b: T) => number): number {
  if (as.length === 0 || bs.length === 0) return MISSING;
  let best = Infinity;
  for (const a of as) for (const b of bs) best = Math.min(best, level(a, b));
  return best;
}

/** Sum of the two similarities that exist: for choosing between two arrangements of the same values. */
function total(x: number, y: number): number {
  return (Number.isNaN(x) ? 0 : x) + (Number.isNaN(y) ? 0 : y);
}

/** Fills `into` (one slot per field of FIELDS) with the pair's agreement levels. */
export function compare(a: PreparedPerson, b: PreparedPerson, into: Int8Array = new Int8Array(FIELDS.length)): Int8Array {
  const given = nameSimilarity(a.given, b.given);
  const surname = nameSimilarity(a.surname, b.surname);
  const givenAsSurname = nameSimilarity(a.given, b.surname);
  const surnameAsGiven = nameSimilarity(a.surname, b.given);
  if (total(givenAsSurname, surnameAsGiven) > total(given, surname)) {
    into[FIELD.givenName] = Number.isNaN(givenAsSurname) ? MISSING : nameLevel(a.given, b.surname, givenAsSurname);
    into[FIELD.surname] = Number.isNaN(surnameAsGiven) ? MISSING : nameLevel(a.surname, b.given, surnameAsGiven);
  } else {
    into[FIELD.givenName] = Number.isNaN(given) ? MISSING : nameLevel(a.given, b.given, given);
    into[FIELD.surname] = Number.isNaN(surname) ? MISSING : nameLevel(a.surname, b.surname, surname);
  }
  into[FIELD.streetNumber] = codeLevel(a.streetNumber, b.streetNumber);
  const line1 = textSimilarity(a.addressLine1, b.addressLine1);
  const line2 = textSimilarity(a.addressLine2, b.addressLine2);
  const line1AsLine2 = textSimilarity(a.addressLine1, b.addressLine2);
  const line2AsLine1 = textSimilarity(a.addressLine2, b.addressLine1);
  const swapped = total(line1AsLine2, line2AsLine1) > total(line1, line2);
  into[FIELD.addressLine1] = textLevel(swapped ? line1AsLine2 : line1);
  into[FIELD.addressLine2] = textLevel(swapped ? line2AsLine1 : line2);
  into[FIELD.city] = textLevel(textSimilarity(a.city, b.city));
  into[FIELD.postcode] = codeLevel(a.postcode, b.postcode);
  into[FIELD.state] = !a.state || !b.state ? MISSING : a.state === b.state ? 0 : 1;
  into[FIELD.dateOfBirth] = dateLevel(a.dateOfBirth, b.dateOfBirth);
  into[FIELD.onlineName] = bestOf(a.onlineNames, b.onlineNames, onlineNameLevel);
  into[FIELD.phone] = bestOf(a.phones, b.phones, (x, y) => (x === y ? 0 : 1));
  return into;
}
