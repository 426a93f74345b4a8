import { isKajabiPurchasesHeader, KAJABI_IMPORT_TOPICS, kajabiPaymentKey, normaliseKajabiImport } from '../../normalisers/kajabi-import.ts';
import type { ImportFormat } from '../format.ts';

/**
 * Kajabi's transactions export (Sales → Transactions → Export): one payment,
 * refund or failed charge a row, "ID, Created At, Amount, Currency, Type,
 * Status, Offer ID, Offer Title, Customer Name, Customer Email, …" (see
 * normalisers/kajabi-import.ts). A file of purchases with a Purchase ID column
 * is read too. Each row is one raw event under the source `kajabi`.
 */
export const kajabiPurchasesCsv: ImportFormat = {
  name: 'kajabi-purchases-csv',
  label: 'Kajabi transactions export (CSV)',
  from: 'kajabi',
  source: 'kajabi',
  topic: KAJABI_IMPORT_TOPICS.purchasesCsv,
  container: 'csv',
  recognises: (header) => Array.isArray(header) && isKajabiPurchasesHeader(header),
  body: ([row]) => row,
  naturalId: ([row]) => kajabiPaymentKey(row!),
  normalise: normaliseKajabiImport,
};
