import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, test } from 'node:test';
import { suggestCommand } from './cli.ts';

const HEADER = 'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id';
// Records of FEBRL dataset1–3 (originals and their corrupted copies) and a few strangers.
const FILE_A = [
  HEADER,
  'rec-122-org, lachlan, berry, 69, giblin street, killarney, bittern, 4814, qld, 19990219, 7364009',
  'rec-223-org, , waller, 6, tullaroop street, willaroo, st james, 4011, wa, 19081209, 6988048',
  'rec-373-org, deakin, sondergeld, 48, goldfinch circuit, kooltuo, canterbury, 2776, vic, 19600210, 2635962',
  'rec-2778-org, sarah, bruhn, 44, forbes street, wintersloe, kellerberrin, 4510, vic, 19300213, 7535316',
  'rec-1321-org, brinley, efthimiou, 35, sturdee crescent, tremearne, scarborough, 5211, qld, 19940319, 6814956',
].join('\n');
const FILE_B = [
  HEADER,
  'rec-122-dup-0, lachlan, berry, 69, giblin street, killarney, bittern, 4184, qld, 19990219, 7364009',
  'rec-223-dup-0, jamilla, wallner, 6, tullaroop street, willaroo, st james, 4011, wa, 19081209, 6988048',
  'rec-1070-org, michaela, neumann, 8, stanley street, miami, winston hills, 4223, nsw, 19151111, 5304218',
  'rec-1016-org, courtney, painter, 12, pinkerton circuit, bega flats, richlands, 4560, vic, 19161214, 4066625',
  // The same person twice within file B: never suggested when linking A to B.
  'rec-4405-org, charles, green, 38, salkauskas crescent, kela, dapto, 4566, nsw, 19480930, 4365168',
  'rec-4405-dup-0, charles, green, 38, salkauskas crescent, kela, dapto, 4566, nsw, 19480930, 4365168',
].join('\n');

const directory = mkdtempSync(join(tmpdir(), 'tessera-suggest-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const fileA = join(directory, 'a.csv');
const fileB = join(directory, 'b.csv');
writeFileSync(fileA, FILE_A);
writeFileSync(fileB, FILE_B);

async function run(args: string[]) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += chunk));
  await suggestCommand(args, out);
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { a: string; b: string; score: number });
}

test('one JSON line per suggested pair: {a, b, score}, best first', async () => {
  const lines = await run(['--csv', fileB]);
  assert.deepEqual(lines.map(({ a, b }) => [a, b].sort()), [['rec-4405-dup-0', 'rec-4405-org']]);
  assert.deepEqual(Object.keys(lines[0]!), ['a', 'b', 'score']);
  assert.ok(lines[0]!.score > 0.99 && lines[0]!.score <= 1);
});

test('two --csv files are linked across: typo\'d copies found, a duplicate inside one file is not reported', async () => {
  const lines = await run(['--csv', fileA, '--csv', fileB]);
  const pairs = lines.map(({ a, b }) => [a, b].sort().join(' '));
  assert.deepEqual(pairs.sort(), ['rec-122-dup-0 rec-122-org', 'rec-223-dup-0 rec-223-org']);
  assert.ok(lines.every(({ score }, index) => index === 0 || score <= lines[index - 1]!.score), 'best first');
});

test('--threshold keeps only pairs scoring at least that much', async () => {
  const all = await run(['--csv', fileA, '--csv', fileB, '--threshold', '0']);
  const strict = await run(['--csv', fileA, '--csv', fileB, '--threshold', '0.999999']);
  assert.ok(all.length > 2, 'threshold 0 lists every candidate pair, strangers included');
  assert.ok(strict.every(({ score }) => score >= 0.9999));
  assert.ok(strict.length < all.length);
});

test('--help prints the usage', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += chunk));
  await suggestCommand(['--help'], out);
  assert.match(text, /^tessera identity suggest --csv FILE \[--csv FILE2\] \[--threshold 0\.9\]/);
});

/** An output that accepts one line, then fails every write with `code`. */
function failingAfterOneLine(code: string) {
  const written: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, callback) {
      if (written.length === 0) {
        written.push(String(chunk));
        callback();
      } else callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
  return { out, written };
}

test('a reader that stops reading (`| head -1`) ends the output quietly', async () => {
  const { out, written } = failingAfterOneLine('EPIPE');
  await suggestCommand(['--csv', fileA, '--csv', fileB, '--threshold', '0'], out);
  assert.equal(written.length, 1);
});

test('any other write failure (a full disk) is reported', async () => {
  const { out } = failingAfterOneLine('ENOSPC');
  await assert.rejects(suggestCommand(['--csv', fileA, '--csv', fileB, '--threshold', '0'], out), /write ENOSPC/);
});

test('a missing --csv or a threshold outside [0, 1] is refused with the usage', async () => {
  await assert.rejects(run([]), /Give at least one --csv FILE[\s\S]*tessera identity suggest/);
  await assert.rejects(run(['--csv', fileA, '--threshold', '5']), /--threshold must be a probability between 0 and 1, not 5/);
  await assert.rejects(run(['--csv', fileA, '--threshold', 'high']), /not high/);
});
