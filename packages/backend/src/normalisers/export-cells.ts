import type { IdentityClaim } from './record.ts';

/**
 * Small readers shared by the normalisers of export files (Shopify and Kajabi
 * CSV/JSONL imports): cells are strings a spreadsheet may have touched.
 */

/** Adds an identity once; an empty value says nothing. */
export function addIdentity(identities: IdentityClaim[], kind: string, value: string | null): void {
  if (value && !identities.some((i) => i.kind === kind && i.value === value)) identities.push({ kind, value });
}

const YES = ['yes', 'true', '1', 'subscribed'];
const NO = ['no', 'false', '0', 'unsubscribed', 'not_subscribed', 'not subscribed'];

/** A yes/no cell as exports write them ("yes", "TRUE", "subscribed", "not_subscribed"…); anything else says nothing. */
export function yesOrNo(cell: string | null): boolean | null {
  const answer = cell?.trim().toLowerCase() ?? '';
  return YES.includes(answer) ? true : NO.includes(answer) ? false : null;
}

/** An ISO 4217 currency code, upper-cased, or null. */
export const currencyCode = (cell: unknown): string | null =>
  typeof cell === 'string' && /^[A-Za-z]{3}$/.test(cell.trim()) ? cell.trim().toUpperCase() : null;

/** An ISO 3166 two-letter country code, upper-cased, or null. */
export const countryCode = (cell: unknown): string | null =>
  typeof cell === 'string' && /^[A-Za-z]{2}$/.test(cell.trim()) ? cell.trim().toUpperCase() : null;
