import { isKajabiPeopleHeader, KAJABI_IMPORT_TOPICS, kajabiPersonKey, normaliseKajabiImport } from '../../normalisers/kajabi-import.ts';
import type { ImportFormat } from '../format.ts';

/**
 * Kajabi's contacts export (People → Export): one contact a row, "Name, First
 * Name, Last Name, Email, Products, Tags, ID, Member ID, …" then the contact
 * fields as "Label (field_key)" (see normalisers/kajabi-import.ts). Each row
 * is one raw event under the source `kajabi`.
 */
/**
 * Creators sometimes collect card details in custom contact fields ("Credit
 * Card Number (custom_3)", "CVV (custom_5)"). Those cells are never stored:
 * keeping them would put payment card data in the raw log. The row keeps the
 * column with a marker, so what was dropped stays visible.
 */
const CARD_DATA = /credit\s*card|card\s*(number|no\b)|\bcvv\b|\bcvc\b|\bcw\b|security\s*code|expir/i;

function withoutCardData(row: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column, CARD_DATA.test(column) && value ? '[dropped: card data]' : value]));
}

export const kajabiPeopleCsv: ImportFormat = {
  name: 'kajabi-people-csv',
  label: 'Kajabi contacts export (CSV)',
  from: 'kajabi',
  source: 'kajabi',
  topic: KAJABI_IMPORT_TOPICS.peopleCsv,
  container: 'csv',
  recognises: (header) => Array.isArray(header) && isKajabiPeopleHeader(header),
  body: ([row]) => withoutCardData(row as Record<string, string>),
  naturalId: ([row]) => kajabiPersonKey(row!),
  normalise: normaliseKajabiImport,
};
