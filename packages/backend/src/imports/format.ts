import type { Normaliser } from '../normalisers/record.ts';

/** A row of a file as read: a CSV record (column name → cell) or a JSONL line (an object). */
export type Row = Record<string, unknown>;

/** What becomes one raw event: the rows of one record (a customer; an order and its line items), or an unreadable stretch of the file. */
export interface FileRecord {
  /** The first and last line of the file it occupies, counting from 1. */
  line: number;
  lastLine: number;
  /** Its rows in file order; empty when unreadable. */
  rows: Row[];
  /** Why it could not be read; it still goes to the dead-letter, with `text`. */
  unreadable?: string;
  /** The unreadable text as it was in the file. */
  text?: string;
}

/**
 * One kind of file `tessera import` understands: how its rows become raw
 * events, and which normaliser turns those into identities, traits and
 * events. One small module per format (`formats/<source>-<what>.ts`); adding
 * a format is adding a module and listing it in `formats/index.ts`.
 */
export interface ImportFormat {
  /** Stable name: `--format` on the command line, and part of every idempotency key (so never renamed). */
  name: string;
  /** What a person calls the file ("Shopify customer export (CSV)"). */
  label: string;
  /** What a merchant names on the command line: `tessera import <from> <file>` (shopify, kajabi, social). */
  from: string;
  /** The raw events' source and topic: what the processor dispatches on to reach `normalise`. */
  source: string;
  topic: string;
  container: 'csv' | 'jsonl';
  /** Whether a file with this header (CSV column names) or first line (JSONL object) is of this format. */
  recognises(header: string[] | Row): boolean;
  /**
   * For records that span rows (an order's line items): whether `row` belongs
   * to the record begun by `first`. Absent: every row is a record of its own.
   * (JSONL formats group children under their parent by `__parentId` instead.)
   */
  continues?(first: Row, row: Row): boolean;
  /** The raw event body of one record, from its rows in file order: stored verbatim. */
  body(rows: Row[]): unknown;
  /** The record's own id at the source (customer id, order id, GraphQL id), for its idempotency key; null when it has none. */
  naturalId(rows: Row[]): string | null;
  /** Pure: one stored record → identities, traits, events (the same normaliser the processor runs for this topic). */
  normalise: Normaliser;
}

/** A CSV cell by column name, whatever case and spacing the header has. */
export function cell(row: Row, column: string): string {
  const wanted = column.toLowerCase();
  for (const [name, value] of Object.entries(row)) if (name.trim().toLowerCase() === wanted) return typeof value === 'string' ? value.trim() : '';
  return '';
}

/** Whether a header has every one of these columns (any case). */
export function hasColumns(header: string[] | Row, columns: string[]): boolean {
  if (!Array.isArray(header)) return false;
  const names = new Set(header.map((h) => h.trim().toLowerCase()));
  return columns.every((c) => names.has(c.toLowerCase()));
}
