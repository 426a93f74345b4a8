// A partner script: the members of a segment whose churn risk is high, as a
// CSV a retention team can open in a spreadsheet (email, name, risk, lifetime
// revenue, last order). Server-side only: it uses the project's service key.
//
//   TESSERA_URL=http://127.0.0.1:54321 TESSERA_SERVICE_KEY=… \
//   node --import tsx examples/partner-scripts/export-at-risk.ts --segment "Lapsed regulars" --out at-risk.csv
//
// --segment names a saved segment; with --query the segment is (re)saved under
// that name first, since only saved segments can be read a page at a time.
import { createTessera, isTesseraError, type Tessera } from '@tessera/core';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const CSV_HEADER = ['email', 'name', 'churn_risk', 'lifetime_revenue', 'currency', 'last_order_at'] as const;

/**
 * One CSV line (RFC 4180, CRLF). A cell a spreadsheet would read as a formula
 * (starting with =, +, -, @, tab or carriage return) gets a leading apostrophe,
 * so a customer named `=HYPERLINK(…)` stays text. Numbers are written as
 * numbers: a negative amount is not a formula.
 */
export function csvLine(cells: readonly (string | number | null | undefined)[]): string {
  return (
    cells
      .map((cell) => {
        if (cell === null || cell === undefined) return '';
        if (typeof cell === 'number') return String(cell);
        const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
        return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(',') + '\r\n'
  );
}

export interface ExportOptions {
  tessera: Tessera;
  /** The saved segment's name. */
  segment: string;
  /** When given, the segment is saved under `segment` with this query first. */
  query?: string | undefined;
  /** Members read per request (keyset pages of the segment). */
  pageSize?: number;
  /** Receives each CSV line, header first; may return a promise (backpressure). */
  write: (line: string) => unknown;
}

/** Exports the segment's high-risk members; resolves to how many rows were written. */
export async function exportAtRisk({ tessera, segment, query, pageSize = 200, write }: ExportOptions): Promise<number> {
  const saved = query ? await tessera.segments.save(segment, query) : (await tessera.segments.list()).find((s) => s.name === segment);
  if (!saved) {
    const names = (await tessera.segments.list()).map((s) => `"${s.name}"`);
    throw new ExportError(`No saved segment is named "${segment}". Saved segments: ${names.join(', ') || 'none'}. Pass --query to save one.`);
  }
  await write(csvLine(CSV_HEADER));
  let rows = 0;
  let cursor: string | null = null;
  do {
    // Keyset pagination: each page starts after the last member id of the one before, so members never repeat.
    const page = await tessera.segments.members(saved.id, { cursor, limit: pageSize });
    for (const member of page.members) {
      if (member.churn_band !== 'high') continue;
      const orders = await tessera.journeys.get(member.id, { kinds: ['order_placed'], limit: 1 });
      const lastOrder = orders?.events[0]?.occurred_at ?? null;
      await write(csvLine([member.email, member.display_name, member.churn_risk, member.lifetime_revenue, member.currency, lastOrder]));
      rows += 1;
    }
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

/** A mistake in how the script was called: its message is the whole story. */
export class ExportError extends Error {}

const USAGE = `Usage: TESSERA_URL=… TESSERA_SERVICE_KEY=… node --import tsx export-at-risk.ts --segment <name> [--query <segment query>] [--out <file.csv>] [--page-size <n>]`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { segment: { type: 'string' }, query: { type: 'string' }, out: { type: 'string' }, 'page-size': { type: 'string' } },
  });
  const url = process.env.TESSERA_URL;
  const key = process.env.TESSERA_SERVICE_KEY;
  if (!values.segment) throw new ExportError(`--segment is required.\n${USAGE}`);
  if (!url || !key) throw new ExportError(`Set TESSERA_URL and TESSERA_SERVICE_KEY (the service_role key, kept on servers).\n${USAGE}`);
  const pageSize = values['page-size'] ? Number(values['page-size']) : 200;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) throw new ExportError('--page-size must be a whole number from 1 to 500.');

  const output = values.out ? createWriteStream(values.out) : process.stdout;
  const write = async (line: string) => {
    if (!output.write(line)) await once(output, 'drain');
  };
  const tessera = createTessera({ url, key, cache: false });
  const rows = await exportAtRisk({ tessera, segment: values.segment, query: values.query, pageSize, write });
  if (output !== process.stdout) await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
  console.error(`Exported ${rows} high-risk member(s) of "${values.segment}"${values.out ? ` to ${values.out}` : ''}.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error) => {
    if (error instanceof ExportError) console.error(`export-at-risk: ${error.message}`);
    else if (isTesseraError(error)) console.error(`export-at-risk: Tessera refused (${error.code}): ${error.message}`);
    else console.error('export-at-risk: failed:', error);
    process.exit(1);
  });
}
