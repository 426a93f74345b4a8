import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';

/** One record of a CSV file, with where it is in the file (a quoted cell can span lines). */
export interface CsvRecord {
  /** The first and last line of the file the record occupies, counting from 1 (the header is line 1). */
  line: number;
  lastLine: number;
  /** Column name → cell, verbatim. */
  values: Record<string, string>;
  /** Why the record cannot be trusted (its cells do not line up with the header); it is still kept, in the dead-letter. */
  unreadable?: string;
  /** An unreadable record's text as the parser saw it. */
  text?: string;
}

/** A CSV file's header and its records, read as the file streams in. */
export interface CsvFile {
  columns: string[];
  records: AsyncIterable<CsvRecord>;
}

/**
 * Reads a CSV export as it streams, never holding the file: the header names
 * the columns, each record comes with its line numbers. Made for files that
 * went through a spreadsheet: a byte-order mark (Excel's "CSV UTF-8"), CRLF or
 * LF line ends, quoted cells with line breaks, stray quotes inside unquoted
 * cells, blank lines. A record whose cells do not line up with the header,
 * or that is cut off by an unclosed quote, is handed on marked `unreadable`
 * with the reason, so the import reports it by line and goes on.
 */
export async function readCsv(input: Readable): Promise<CsvFile> {
  const skipped: { afterRecord: number; raw: string; reason: string }[] = [];
  const parser = input.pipe(
    parse({
      bom: true,
      raw: true,
      info: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error, raw) => {
        // Called as the parser reads, ahead of the records still queued: keep its place in the sequence.
        skipped.push({ afterRecord: Number(error?.records ?? 0), raw: raw ?? '', reason: error?.message ?? 'unreadable CSV' });
      },
    }),
  );
  const lines = lineCounter();
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; raw: string; info: { records: number } }>;
  const first = await iterator.next();
  if (first.done) throw new Error('The file is empty: a CSV export starts with a header row');
  const columns = first.value.record.map((name) => name.trim());
  lines.advance(first.value.raw);

  async function* records(): AsyncGenerator<CsvRecord> {
    let emitted = 1;
    const flushSkipped = function* (upTo: number): Generator<CsvRecord> {
      while (skipped.length && skipped[0]!.afterRecord <= upTo) {
        const { raw, reason } = skipped.shift()!;
        const { line, lastLine } = lines.advance(raw);
        yield { line, lastLine, values: {}, text: raw, unreadable: `${reason.replace(/ at line \d+/, '')} (a quote opened here is never closed, or a cell is malformed)` };
      }
    };
    for (;;) {
      yield* flushSkipped(emitted);
      const next = await iterator.next();
      if (next.done) break;
      emitted = next.value.info.records;
      const { line, lastLine } = lines.advance(next.value.raw);
      const record = toRecord(columns, next.value.record, line, lastLine);
      yield record.unreadable ? { ...record, text: next.value.raw } : record;
    }
    yield* flushSkipped(Infinity);
  }
  return { columns, records: records() };
}

function toRecord(columns: string[], cells: string[], line: number, lastLine: number): CsvRecord {
  const values: Record<string, string> = {};
  columns.forEach((column, i) => {
    // A header repeated (Excel allows it) keeps its first non-empty cell.
    if (!values[column]) values[column] = cells[i] ?? '';
  });
  // A cell too many or too few means the cells no longer sit under their
  // column names (an email under Address2): the row is not guessed at.
  if (cells.length !== columns.length) {
    const why = cells.length > columns.length ? 'a comma or quote inside a cell was not escaped' : 'the row was cut short, or a line break inside a cell was not quoted';
    return { line, lastLine, values, unreadable: `Row has ${cells.length} cells but the header has ${columns.length}: ${why}` };
  }
  return { line, lastLine, values };
}

/**
 * Line numbers from the parser's raw text of each record, whichever line ends
 * the file uses (CRLF, LF, or CR alone): the parser's own count is off for
 * CRLF breaks inside quoted cells.
 */
function lineCounter() {
  let next = 1;
  return {
    advance(raw: string) {
      const breaks = raw.match(/\r\n|\r|\n/g)?.length ?? 0;
      const leading = /^(?:\r\n|\r|\n)*/.exec(raw)![0].match(/\r\n|\r|\n/g)?.length ?? 0;
      const terminated = /(?:\r\n|\r|\n)$/.test(raw);
      const line = next + leading;
      const lastLine = Math.max(line, next + breaks - (terminated ? 1 : 0));
      next += breaks;
      return { line, lastLine };
    },
  };
}
