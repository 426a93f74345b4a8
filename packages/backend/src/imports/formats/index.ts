import type { ImportFormat, Row } from '../format.ts';
import { kajabiPeopleCsv } from './kajabi-people-csv.ts';
import { kajabiPurchasesCsv } from './kajabi-purchases-csv.ts';
import { shopifyBulkJsonl } from './shopify-bulk-jsonl.ts';
import { shopifyCustomersCsv } from './shopify-customers-csv.ts';
import { shopifyOrdersCsv } from './shopify-orders-csv.ts';
import { socialRowsCsv, socialRowsJsonl } from './social-rows.ts';

/**
 * Every file `tessera import` understands. A new one is a module beside
 * these and a line here: its `from` is the word on the command line, its
 * `source` the raw events' source whose normaliser handles its topic.
 */
export const IMPORT_FORMATS: readonly ImportFormat[] = [shopifyCustomersCsv, shopifyOrdersCsv, shopifyBulkJsonl, socialRowsCsv, socialRowsJsonl, kajabiPeopleCsv, kajabiPurchasesCsv];

/** The formats of what the command line names (`tessera import <from> <file>`), or an error naming what there is. */
export function formatsOf(from: string): ImportFormat[] {
  const formats = IMPORT_FORMATS.filter((f) => f.from === from);
  if (formats.length === 0) {
    const known = [...new Set(IMPORT_FORMATS.map((f) => f.from))];
    throw new Error(`Nothing to import from "${from}": the sources with import formats are ${known.join(', ')}`);
  }
  return formats;
}

/** The format named on the command line. */
export function formatNamed(from: string, name: string): ImportFormat {
  const formats = formatsOf(from);
  const format = formats.find((f) => f.name === name);
  if (!format) throw new Error(`Unknown ${from} format "${name}": use one of ${formats.map((f) => f.name).join(', ')}`);
  return format;
}

/** The format whose header (CSV column names, or the first JSONL object) this file has. */
export function detectFormat(from: string, container: 'csv' | 'jsonl', header: string[] | Row): ImportFormat {
  const candidates = formatsOf(from).filter((f) => f.container === container);
  const format = candidates.find((f) => f.recognises(header));
  if (format) return format;
  const seen = Array.isArray(header) ? `columns ${header.slice(0, 8).join(', ')}${header.length > 8 ? ', …' : ''}` : `a first line with keys ${Object.keys(header).slice(0, 8).join(', ')}`;
  throw new Error(
    `This ${container.toUpperCase()} file is not one Tessera knows how to import from ${from} (it has ${seen}). ` +
      `Expected ${candidates.map((f) => f.label).join(' or ') || `no ${container.toUpperCase()} format`}; name the format with --format if it is one of them.`,
  );
}
