import { normaliseShopifyImport, SHOPIFY_IMPORT_TOPICS } from '../../normalisers/shopify-import.ts';
import type { ImportFormat } from '../format.ts';

/**
 * The JSONL file of a GraphQL Admin API bulk operation (customers or orders):
 * one object a line, nested connections (an order's line items) on lines of
 * their own that name their parent in `__parentId`. A root object and its
 * descendants are one raw event, the lines kept as they were, root first.
 * Since API 2026-01 children are no longer written next to their parent by
 * default (bulkOperationRunQuery `groupObjects`), so grouping never relies on
 * the lines' order: see read-jsonl.ts.
 */
export const shopifyBulkJsonl: ImportFormat = {
  name: 'shopify-bulk-jsonl',
  label: 'Shopify Admin API bulk operation (JSONL)',
  from: 'shopify',
  source: 'shopify',
  topic: SHOPIFY_IMPORT_TOPICS.bulkJsonl,
  container: 'jsonl',
  recognises: (header) => !Array.isArray(header) && typeof header.id === 'string' && header.id.startsWith('gid://shopify/'),
  body: (rows) => rows,
  naturalId: ([root]) => (typeof root?.id === 'string' ? root.id : null),
  normalise: normaliseShopifyImport,
};
