import { normaliseShopifyImport, SHOPIFY_IMPORT_TOPICS } from '../../normalisers/shopify-import.ts';
import { cell, hasColumns, type ImportFormat } from '../format.ts';

/**
 * Shopify admin's order export (Orders → Export → CSV): one row per line
 * item, the order's own columns on its first row. The consecutive rows of one
 * order (same Name, and same Id where the row repeats it) are one raw event,
 * so an order is one order_placed event with all its items.
 */
export const shopifyOrdersCsv: ImportFormat = {
  name: 'shopify-orders-csv',
  label: 'Shopify order export (CSV)',
  from: 'shopify',
  source: 'shopify',
  topic: SHOPIFY_IMPORT_TOPICS.ordersCsv,
  container: 'csv',
  recognises: (header) => hasColumns(header, ['Name', 'Lineitem name', 'Lineitem quantity']),
  continues: (first, row) => {
    const same = (column: string) => cell(row, column) === '' || cell(row, column) === cell(first, column);
    return same('Name') && same('Id');
  },
  body: (rows) => rows,
  naturalId: ([first]) => {
    const id = cell(first!, 'Id').replace(/^'/, '');
    if (/^\d+$/.test(id)) return `order:${id}`;
    return cell(first!, 'Name') ? `order-name:${cell(first!, 'Name')}` : null;
  },
  normalise: normaliseShopifyImport,
};
