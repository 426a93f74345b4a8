import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readCsv, type CsvRecord } from './read-csv.ts';

/** The text fed to the parser in chunks of `size` bytes, so records and line breaks straddle chunk boundaries. */
const chunked = (text: string, size: number) => {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
};
const all = async (text: string, size = 64 * 1024) => {
  const { columns, records } = await readCsv(chunked(text, size));
  const list: CsvRecord[] = [];
  for await (const record of records) list.push(record);
  return { columns, records: list };
};
const where = (records: CsvRecord[]) => records.map((r) => (r.line === r.lastLine ? `${r.line}` : `${r.line}-${r.lastLine}`));

describe('reading a CSV export', () => {
  const excel = '\uFEFFCustomer ID,First Name,Note\r\n' + "'101,Amara,\"Allergic to nuts.\nLeave parcels with the concierge.\"\r\n" + '\r\n' + "'102,Liam,\r\n" + "'103,Priya,\"She said \"\"call first\"\"\"\r\n";

  it('drops the byte-order mark Excel writes, so the first column is named right', async () => {
    const { columns, records } = await all(excel);
    assert.deepEqual(columns, ['Customer ID', 'First Name', 'Note']);
    assert.equal(records[0]!.values['Customer ID'], "'101");
  });

  it('keeps a quoted cell\'s line breaks and escaped quotes, verbatim', async () => {
    const { records } = await all(excel);
    assert.equal(records[0]!.values.Note, 'Allergic to nuts.\nLeave parcels with the concierge.');
    assert.equal(records[2]!.values.Note, 'She said "call first"');
  });

  it('numbers each record by the lines it spans in the file, past multi-line cells and blank lines', async () => {
    assert.deepEqual(where((await all(excel)).records), ['2-3', '5', '6']);
    const lf = 'a,b\n1,"x\ny\nz"\n\n2,3\n4,5';
    assert.deepEqual(where((await all(lf)).records), ['2-4', '6', '7']);
  });

  it('numbers lines the same however the file arrives in chunks (CRLF split across them)', async () => {
    const crlfInCells = 'a,b\r\n1,"x\r\ny"\r\n2,3\r\n';
    for (const size of [1, 2, 3, 5, 7, 64]) {
      assert.deepEqual(where((await all(crlfInCells, size)).records), ['2-3', '4'], `chunks of ${size}`);
      assert.deepEqual(where((await all(excel, size)).records), ['2-3', '5', '6'], `chunks of ${size}`);
    }
  });

  it('tolerates a stray quote inside an unquoted cell, as spreadsheets write it', async () => {
    const { records } = await all('Name,Size\nBasket,9" round\n');
    assert.equal(records[0]!.values.Size, '9" round');
    assert.equal(records[0]!.unreadable, undefined);
  });

  it('marks a row whose cells do not line up with the header, and reads on', async () => {
    const { records } = await all('Customer ID,Email,Address1,Address2\n1,a@example.com,12 Elm St, Flat 2,\n2,b@example.com,,\n3,c@example.com\n');
    assert.match(records[0]!.unreadable!, /has 5 cells but the header has 4: a comma or quote inside a cell was not escaped/);
    assert.equal(records[1]!.unreadable, undefined);
    assert.match(records[2]!.unreadable!, /has 2 cells but the header has 4/);
    assert.equal(records[0]!.text?.startsWith('1,a@example.com'), true);
  });

  it('a quote opened and never closed swallows the rest of the file: one unreadable record, from its line', async () => {
    const { records } = await all('Id,Note\n1,fine\n2,"never closed\n3,lost\n4,lost\n');
    assert.deepEqual(where(records), ['2', '3-5']);
    assert.match(records[1]!.unreadable!, /Quote Not Closed/);
    assert.match(records[1]!.text!, /never closed/);
  });

  it('reads a real export file as it streams', async () => {
    const { columns, records } = await readCsv(createReadStream(new URL('./fixtures/shopify-customers.csv', import.meta.url), { highWaterMark: 256 }));
    let count = 0;
    let last: CsvRecord | undefined;
    for await (const record of records) [count, last] = [count + 1, record];
    assert.equal(columns.length, 20);
    assert.equal(count, 20);
    assert.equal(last!.line, 23); // one note spans three lines
  });

  it('refuses an empty file: an export starts with its header', async () => {
    await assert.rejects(readCsv(Readable.from([])), /The file is empty/);
  });
});
