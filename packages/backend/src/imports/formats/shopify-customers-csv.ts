import { normaliseShopifyImport, SHOPIFY_IMPORT_TOPICS } from '../../normalisers/shopify-import.ts';
import { cell, hasColumns, type ImportFormat } from '../format.ts';

/**
 * Shopify admin's customer export (Customers → Export → CSV): one customer a
 * row, in the current layout (Customer ID, …, Default Address …) or the older
 * one (Company, Address1, … without an id). Each row is one raw event.
 */
export const shopifyCustomersCsv: ImportFormat = {
  name: 'shopify-customers-csv',
  label: 'Shopify customer export (CSV)',
  from: 'shopify',
  source: 'shopify',
  topic: SHOPIFY_IMPORT_TOPICS.customersCsv,
  container: 'csv',
  // The current layout leads with Customer ID; the older one has no id but its
  // totals (the order export has "Total", never "Total Spent").
  recognises: (header) => hasColumns(header, ['Customer ID', 'Email']) || hasColumns(header, ['First Name', 'Last Name', 'Email', 'Total Spent']),
  body: ([row]) => row,
  naturalId: ([row]) => {
    const id = cell(row!, 'Customer ID').replace(/^'/, '');
    if (/^\d+$/.test(id)) return `customer:${id}`;
    const email = cell(row!, 'Email').toLowerCase();
    return email ? `email:${email}` : null;
  },
  normalise: normaliseShopifyImport,
};
