/**
 * What the suggestion engine knows about a person, and the tidied form it compares.
 * Every field is optional: customer profiles rarely have all of them, and a missing
 * value is no evidence either way.
 */

export interface PersonRecord {
  /** Profile id (or `rec_id` in a FEBRL file); suggestions name records by it. */
  id: string;
  /** Records of the same group are never paired (the two files of a linkage); records without one pair with anyone. */
  group?: string;
  givenName?: string | null;
  surname?: string | null;
  streetNumber?: string | null;
  addressLine1?: string | null;
  addressLine2?: string | null;
  /** Suburb, town or city. */
  city?: string | null;
  postcode?: string | null;
  /** State, province or region code. */
  state?: string | null;
  /** `YYYYMMDD` or `YYYY-MM-DD`. */
  dateOfBirth?: string | null;
  emails?: readonly string[];
  /** E.164 or any digits; only the digits are compared. */
  phones?: readonly string[];
  /** Social handles, any network: people reuse one handle across networks. */
  handles?: readonly string[];
}

/** A record with every value tidied once, so pair comparisons do no string clean-up. */
export interface PreparedPerson {
  id: string;
  group: string | undefined;
  given: string;
  surname: string;
  streetNumber: string;
  addressLine1: string;
  addressLine2: string;
  city: string;
  postcode: string;
  state: string;
  /** Eight digits YYYYMMDD, or '' when absent or unreadable. */
  dateOfBirth: string;
  phones: string[];
  /**
   * Email names (local parts only: the domain says where someone has an account, not
   * who they are) and handles together, because people reuse one name for both.
   */
  onlineNames: string[];
}

/**
 * Lower case, letters and digits only: "O'Brien-Smith " → "obriensmith". Spaces go
 * too: people drop and insert them as often as letters ("pridhamstreet", "jac ob"),
 * so comparing without them turns those slips into exact matches.
 */
export function tidy(value: string | null | undefined): string {
  if (!value) return '';
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/** Dates people write as YYYYMMDD or YYYY-MM-DD; anything else counts as missing. */
function tidyDate(value: string | null | undefined): string {
  const digits = (value ?? '').replace(/[^0-9]/g, '');
  return digits.length === 8 ? digits : '';
}

/** Shared mailboxes: two profiles writing from info@ are not one person. */
const ROLE_MAILBOXES = new Set(['info', 'hello', 'contact', 'admin', 'office', 'sales', 'support', 'orders', 'billing', 'team', 'mail', 'noreply']);

export function preparePerson(record: PersonRecord): PreparedPerson {
  const unique = (values: string[]) => [...new Set(values.filter(Boolean))];
  const emailNames = unique((record.emails ?? []).map((email) => tidy(email.split('@')[0]))).filter((name) => !ROLE_MAILBOXES.has(name));
  // jane.doe, jane_doe and janedoe are one name.
  const handles = unique((record.handles ?? []).map(tidy));
  return {
    id: record.id,
    group: record.group,
    given: tidy(record.givenName),
    surname: tidy(record.surname),
    streetNumber: tidy(record.streetNumber),
    addressLine1: tidy(record.addressLine1),
    addressLine2: tidy(record.addressLine2),
    city: tidy(record.city),
    postcode: tidy(record.postcode),
    state: tidy(record.state),
    dateOfBirth: tidyDate(record.dateOfBirth),
    // The last nine digits survive a country code written or left out (+44 7700…, 07700…).
    phones: unique((record.phones ?? []).map((phone) => phone.replace(/[^0-9]/g, '')).filter((digits) => digits.length >= 7).map((digits) => digits.slice(-9))),
    onlineNames: unique([...emailNames, ...handles]),
  };
}

/** Whether two records may be suggested as one person: never two of the same group. */
export function pairable(a: PreparedPerson, b: PreparedPerson): boolean {
  return a.group === undefined || a.group !== b.group;
}
