import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Queryable } from '../db/database.ts';
import { NormalisedRecord } from '../normalisers/record.ts';
import type { FileRecord, ImportFormat } from './format.ts';
import { detectFormat, formatNamed } from './formats/index.ts';
import { importKey } from './idempotency-key.ts';
import { importBatch, type BatchEntry } from './import-batch.ts';
import { readCsv, type CsvRecord } from './read-csv.ts';
import { readJsonl } from './read-jsonl.ts';
import { createStatisticsKeeper } from '../ingest/table-statistics.ts';

export interface ImportOptions {
  db: Queryable;
  workspaceId: string;
  /** What the file comes from, as the command line names it (shopify, kajabi, social); the format decides the raw events' source. */
  source: string;
  file: string;
  /** A format name (see formats/index.ts); detected from the file's header when absent. */
  format?: string;
  /** The shop's myshopify.com domain, kept with each row as a webhook's X-Shopify-Shop-Domain is. */
  shop?: string;
  /**
   * When the file was exported: the time what it says was true, so that an
   * old export never overwrites newer values from webhooks. Default: the
   * file's modification time.
   */
  exportedAt?: string;
  /** Records per call and per transaction (default 500). */
  batchSize?: number;
  /** How many rejections the report lists (all are in the dead-letter). Default 20. */
  listRejections?: number;
  onProgress?(progress: ImportProgress): void;
}

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
  elapsedMs: number;
}

export interface Rejection {
  line: number;
  lastLine: number;
  reason: string;
}

export interface ImportReport {
  file: string;
  format: ImportFormat['name'];
  label: string;
  /** Rows read from the file (CSV records or JSONL lines, header excluded). */
  rows: number;
  /** Raw events they made: a customer, an order with its line items, an object with its children. */
  records: number;
  /** Stored and applied to profiles (including records a cut-short run had stored and not applied). */
  accepted: number;
  /** Stored in the dead-letter with a reason. */
  rejected: number;
  /** The first rejections, by line. */
  rejections: Rejection[];
  /** Kinds of record the source's normaliser keeps but does not apply (a bulk export of products). */
  ignored: number;
  /** Already imported by an earlier run: nothing stored or applied. */
  duplicates: number;
  /** Of the duplicates, those an earlier run rejected (they are in the dead-letter). */
  previouslyRejected: number;
  profilesCreated: number;
  /** Profiles fused because rows linked them (profile_merges rows this run made). */
  merged: number;
  elapsedMs: number;
  rowsPerSecond: number;
}

/**
 * Imports a file of history: reads it as it streams, turns each record into a
 * raw event (body verbatim, headers naming the file and line, an idempotency
 * key from its id and content), normalises it with its format's normaliser,
 * and stores and applies a batch at a time (`public.import_raw_events`), the
 * next batch being read while the database works on the last. Rows that
 * cannot be used go to the dead-letter with their line and reason, and the
 * import goes on. Running it again adds nothing; a run cut short resumes.
 */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const { size: totalBytes, mtime } = statSync(options.file);
  const exportedAt = options.exportedAt ? new Date(options.exportedAt).toISOString() : mtime.toISOString();
  const fileName = basename(options.file);
  let bytesRead = 0;
  const onBytes = (bytes: number) => (bytesRead += bytes);
  let closeFile = () => {};
  try {
    let format: ImportFormat;
    let records: AsyncIterable<FileRecord>;
    const container = containerOf(options.file);
    if (container === 'csv') {
      const stream = createReadStream(options.file);
      closeFile = () => stream.destroy(); // also when the import stops early
      stream.on('data', (chunk) => onBytes(chunk.length));
      const csv = await readCsv(stream);
      format = chooseFormat(options, 'csv', csv.columns);
      records = groupRows(csv.records, format);
    } else {
      const jsonl = await readJsonl(options.file, { onBytes });
      if (!jsonl.first) throw new Error(`${fileName} has no JSON object to import`);
      format = chooseFormat(options, 'jsonl', jsonl.first);
      records = jsonl.records;
    }

    const report: ImportReport = {
      file: options.file, format: format.name, label: format.label, rows: 0, records: 0, accepted: 0, rejected: 0, rejections: [],
      ignored: 0, duplicates: 0, previouslyRejected: 0, profilesCreated: 0, merged: 0, elapsedMs: 0, rowsPerSecond: 0,
    };
    const listRejections = options.listRejections ?? 20;
    const statistics = createStatisticsKeeper(options.db);
    const store = async (batch: Pending[]) => {
      const result = await importBatch(options.db, options.workspaceId, format.source, batch.map((b) => b.entry));
      await statistics(batch.length);
      result.outcomes.forEach((outcome, i) => {
        const { entry, line, lastLine } = batch[i]!;
        if (outcome.outcome === 'imported' || outcome.outcome === 'resumed') report.accepted++;
        else if (outcome.outcome === 'ignored') report.ignored++;
        else if (outcome.outcome === 'rejected') {
          report.rejected++;
          if (report.rejections.length < listRejections) report.rejections.push({ line, lastLine, reason: outcome.error ?? entry.error ?? 'rejected' });
        } else {
          report.duplicates++;
          if (outcome.status === 'failed') report.previouslyRejected++;
        }
      });
      report.profilesCreated += result.profilesCreated;
      report.merged += result.merges;
    };

    const batchSize = options.batchSize ?? 500;
    let batch: Pending[] = [];
    let storing: Promise<void> | undefined;
    const flush = async () => {
      await storing; // one batch in the database at a time, in file order
      storing = store(batch);
      storing.catch(() => {}); // surfaced by the next await, not as an unhandled rejection meanwhile
      batch = [];
    };
    const receivedAt = new Date().toISOString();
    for await (const record of records) {
      report.records++;
      report.rows += Math.max(1, record.rows.length);
      batch.push({ entry: toEntry(record, format, { fileName, exportedAt, receivedAt, shop: options.shop }), line: record.line, lastLine: record.lastLine });
      if (batch.length >= batchSize) await flush();
      options.onProgress?.({ bytesRead, totalBytes, rows: report.rows, elapsedMs: performance.now() - started });
    }
    if (batch.length) await flush();
    await storing;

    report.elapsedMs = performance.now() - started;
    report.rowsPerSecond = report.rows / Math.max(report.elapsedMs / 1000, 0.001);
    options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows: report.rows, elapsedMs: report.elapsedMs });
    return report;
  } finally {
    closeFile();
  }
}

/** A record on its way to the database, with where it came from for the report. */
interface Pending {
  entry: BatchEntry;
  line: number;
  lastLine: number;
}

/** CSV or JSONL, by extension, else by the first character (a JSONL file starts with "{"). */
function containerOf(file: string): 'csv' | 'jsonl' {
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (['.jsonl', '.ndjson', '.json'].includes(extension)) return 'jsonl';
  const start = Buffer.alloc(256);
  const fd = openSync(file, 'r');
  try {
    const read = readSync(fd, start, 0, start.length, 0);
    return start.subarray(0, read).toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
  } finally {
    closeSync(fd);
  }
}

function chooseFormat(options: ImportOptions, container: 'csv' | 'jsonl', header: string[] | Record<string, unknown>): ImportFormat {
  if (!options.format) return detectFormat(options.source, container, header);
  const format = formatNamed(options.source, options.format);
  if (format.container !== container) throw new Error(`${format.label} is a ${format.container.toUpperCase()} file, but ${basename(options.file)} is ${container.toUpperCase()}`);
  return format;
}

/** CSV records → the format's records: consecutive rows it says belong together (an order's line items) become one. */
async function* groupRows(rows: AsyncIterable<CsvRecord>, format: ImportFormat): AsyncGenerator<FileRecord> {
  let current: FileRecord | undefined;
  for await (const row of rows) {
    if (row.unreadable) {
      // Kept apart: a broken row inside an order does not end the order.
      yield { line: row.line, lastLine: row.lastLine, rows: [], unreadable: row.unreadable, ...(row.text !== undefined ? { text: row.text } : {}) };
      continue;
    }
    if (current && format.continues?.(current.rows[0]!, row.values)) {
      current.rows.push(row.values);
      current.lastLine = row.lastLine;
      continue;
    }
    if (current) yield current;
    current = { line: row.line, lastLine: row.lastLine, rows: [row.values] };
  }
  if (current) yield current;
}

/** One record as a raw event, normalised now so that a batch is stored and applied in one call. */
function toEntry(
  record: FileRecord,
  format: ImportFormat,
  context: { fileName: string; exportedAt: string; receivedAt: string; shop: string | undefined },
): BatchEntry {
  const headers: Record<string, string> = {
    'x-tessera-import': context.fileName,
    'x-tessera-line': String(record.line),
    'x-tessera-format': format.name,
  };
  if (record.lastLine !== record.line) headers['x-tessera-last-line'] = String(record.lastLine);
  if (context.shop) headers['x-shopify-shop-domain'] = context.shop;
  const base = { topic: format.topic, headers, triggered_at: context.exportedAt };

  if (record.unreadable) {
    const body = JSON.stringify(record.text ?? '');
    return { ...base, idempotency_key: importKey(format.name, null, body), body, status: 'failed', error: record.unreadable };
  }
  const bodyValue = format.body(record.rows);
  const body = JSON.stringify(bodyValue);
  const entry = { ...base, idempotency_key: importKey(format.name, format.naturalId(record.rows), body), body };
  try {
    const normalised = format.normalise({
      source: format.source,
      topic: format.topic,
      headers,
      body: bodyValue,
      triggeredAt: context.exportedAt,
      receivedAt: context.receivedAt,
    });
    if (normalised.kind === 'ignored') return { ...entry, status: 'ignored', error: normalised.reason };
    // Files carry history, never a platform's instruction (a privacy request, a merge).
    if (normalised.kind !== 'record') return { ...entry, status: 'failed', error: `A ${normalised.kind} request cannot come from an imported file` };
    return { ...entry, normalised: { kind: 'record', record: NormalisedRecord.parse(normalised.record) } };
  } catch (error) {
    return { ...entry, status: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}
