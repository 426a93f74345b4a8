import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number in E.164, using the country the source knows the customer
 * by (a shipping address, a store's country) for numbers written locally.
 * Null when it is not a possible number: a bad phone is dropped, never
 * allowed to link two people.
 */
export function toE164(raw: unknown, country?: string | null): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  const parsed = parsePhoneNumberFromString(raw, (country?.toUpperCase() as CountryCode | undefined) || undefined);
  return parsed?.isPossible() ? parsed.number : null;
}

/** An email worth linking on: trimmed, lower-cased, shaped like an address. */
export function toEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 320 ? email : null;
}
