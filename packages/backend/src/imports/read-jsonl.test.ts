import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FileRecord } from './format.ts';
import { readJsonl } from './read-jsonl.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-jsonl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const read = async (lines: (object | string)[]) => {
  const file = join(dir, `${++files}.jsonl`);
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  const { first, records } = await readJsonl(file);
  const list: FileRecord[] = [];
  for await (const record of records) list.push(record);
  return { first, records: list };
};
const order = (n: number) => ({ id: `gid://shopify/Order/${n}`, name: `#${n}` });
const item = (n: number, parent: number) => ({ id: `gid://shopify/LineItem/${n}`, __parentId: `gid://shopify/Order/${parent}` });
const ids = (record: FileRecord) => record.rows.map((r) => String(r.id).replace('gid://shopify/', ''));

describe('reading a bulk operation JSONL file', () => {
  it('hands on each object with its children when they follow it (groupObjects: true)', async () => {
    const { first, records } = await read([order(1), item(11, 1), item(12, 1), order(2), item(21, 2)]);
    assert.deepEqual(first, order(1));
    assert.deepEqual(records.map(ids), [['Order/1', 'LineItem/11', 'LineItem/12'], ['Order/2', 'LineItem/21']]);
    assert.deepEqual(records.map((r) => [r.line, r.lastLine]), [[1, 3], [4, 5]]);
  });

  it('groups children wherever they are in the file (groupObjects: false, the default since 2026-01)', async () => {
    // A child after another root, and a child before its own parent.
    const { records } = await read([order(1), item(11, 1), order(2), item(12, 1), item(31, 3), item(21, 2), order(3)]);
    const byRoot = new Map(records.map((r) => [ids(r)[0], r]));
    assert.deepEqual(ids(byRoot.get('Order/1')!), ['Order/1', 'LineItem/11', 'LineItem/12']);
    assert.deepEqual(ids(byRoot.get('Order/2')!), ['Order/2', 'LineItem/21']);
    assert.deepEqual(ids(byRoot.get('Order/3')!), ['Order/3', 'LineItem/31']);
    assert.deepEqual([byRoot.get('Order/1')!.lastLine, byRoot.get('Order/3')!.line], [4, 7]);
    assert.equal(records.length, 3);
  });

  it('keeps grandchildren with their root (a customer\'s orders and their line items)', async () => {
    const customer = { id: 'gid://shopify/Customer/7' };
    const nested = { ...order(1), __parentId: customer.id };
    const { records } = await read([customer, nested, item(11, 1), { id: 'gid://shopify/Customer/8' }]);
    assert.deepEqual(records.map(ids), [['Customer/7', 'Order/1', 'LineItem/11'], ['Customer/8']]);
  });

  it('hands a root on as soon as its last child is read, not at the end of the file', async () => {
    const file = join(dir, 'streamed.jsonl');
    writeFileSync(file, [order(1), item(11, 1), order(2), order(3)].map((l) => JSON.stringify(l)).join('\n'));
    const { records } = await readJsonl(file);
    const iterator = records[Symbol.asyncIterator]();
    const firstOut = await iterator.next();
    assert.deepEqual(ids(firstOut.value as FileRecord), ['Order/1', 'LineItem/11']);
  });

  it('reports a line that is not JSON (a download cut short) and one whose parent is nowhere, by line, and reads on', async () => {
    const { records } = await read([order(1), item(99, 9), order(2), '{"id":"gid://shopify/Order/3","name":"#10']);
    const unreadable = records.filter((r) => r.unreadable);
    assert.deepEqual(unreadable.map((r) => [r.line, r.unreadable!.replace(/\(.*\)/, '(…)')]), [
      [4, 'Line is not valid JSON (…)'],
      [2, "Line's __parentId gid://shopify/Order/9 names no object in the file"],
    ]);
    assert.equal(unreadable[0]!.text, '{"id":"gid://shopify/Order/3","name":"#10');
    assert.deepEqual(records.filter((r) => !r.unreadable).map(ids), [['Order/1'], ['Order/2']]);
  });
});
