import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FileRecord, Row } from './format.ts';

async function* lines(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<{ n: number; text: string }> {
  const stream = createReadStream(path);
  if (onBytes) stream.on('data', (chunk) => onBytes(chunk.length));
  let n = 0;
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      n++;
      const text = n === 1 ? line.replace(/^\uFEFF/, '') : line;
      if (text.trim()) yield { n, text };
    }
  } finally {
    stream.destroy(); // also when the reader stops early (an import that failed)
  }
}

const parseLine = (text: string): Row | string => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Row) : 'is not a JSON object';
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`;
  }
};

const idOf = (row: Row) => (typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : null);
const parentOf = (row: Row) => (typeof row.__parentId === 'string' ? row.__parentId : null);

/**
 * The first pass: for each root object, the last line that belongs to it (its
 * own, or a descendant's), so that the second pass can hand a root on the
 * moment it is complete. Keeps ids, never objects.
 */
async function lastLineOfEachRoot(path: string): Promise<{ first: Row | null; lastLine: Map<string, number> }> {
  let first: Row | null = null;
  const last = new Map<string, number>();
  const parents = new Map<string, string>();
  const touch = (id: string, n: number) => last.set(id, Math.max(last.get(id) ?? 0, n));
  for await (const { n, text } of lines(path)) {
    const row = parseLine(text);
    if (typeof row === 'string') continue;
    first ??= row;
    const id = idOf(row);
    const parent = parentOf(row);
    if (id) touch(id, n);
    if (parent) {
      touch(parent, n);
      if (id) parents.set(id, parent);
    }
  }
  const rootOf = (id: string) => {
    let root = id;
    for (let hops = 0; parents.has(root) && hops < 10; hops++) root = parents.get(root)!;
    return root;
  };
  const lastLine = new Map<string, number>();
  for (const [id, n] of last) {
    const root = rootOf(id);
    lastLine.set(root, Math.max(lastLine.get(root) ?? 0, n));
  }
  return { first, lastLine };
}

/**
 * Reads a bulk operation's JSONL as it streams, handing on each root object
 * (first row) with its descendants (children, grandchildren) (`__parentId`) as soon as the last of them is read.
 * Shopify writes children right after their parent when asked to group
 * (`groupObjects: true`, the default before API 2026-01) and anywhere in the
 * file otherwise ("Avoid relying on a particular sequence of lines",
 * shopify.dev/docs/api/usage/bulk-operations/queries); a first pass over the
 * file learns where each root ends, so both are read right and a grouped file
 * holds one record in memory at a time. A line without an id is a record
 * of its own (flat JSONL exports). A line that is not JSON, or whose parent
 * is nowhere in the file, is handed on as unreadable.
 */
export async function readJsonl(path: string, options: { onBytes?: (bytes: number) => void } = {}) {
  const { first, lastLine } = await lastLineOfEachRoot(path);

  async function* records(): AsyncGenerator<FileRecord> {
    const open = new Map<string, { line: number; entries: { n: number; row: Row }[] }>();
    const owner = new Map<string, string>(); // object id → the open root it belongs to
    const orphans = new Map<string, { n: number; row: Row }[]>(); // children read before their parent

    const attach = (root: string, entry: { n: number; row: Row }) => {
      open.get(root)!.entries.push(entry);
      const id = idOf(entry.row);
      if (!id) return;
      owner.set(id, root);
      for (const orphan of orphans.get(id) ?? []) attach(root, orphan);
      orphans.delete(id);
    };
    const complete = (root: string): FileRecord => {
      const record = open.get(root)!;
      open.delete(root);
      // The root first (a child can be read before it), then its descendants in file order.
      const [own, ...descendants] = record.entries;
      const entries = [own!, ...descendants.sort((a, b) => a.n - b.n)];
      for (const { row } of entries) owner.delete(idOf(row) ?? '');
      return { line: record.line, lastLine: Math.max(...entries.map((e) => e.n)), rows: entries.map((e) => e.row) };
    };

    for await (const { n, text } of lines(path, options.onBytes)) {
      const row = parseLine(text);
      if (typeof row === 'string') {
        yield { line: n, lastLine: n, rows: [], unreadable: `Line ${row}`, text };
        continue;
      }
      const parent = parentOf(row);
      let root: string | undefined;
      if (parent) {
        root = owner.get(parent);
        if (root) attach(root, { n, row });
        else orphans.set(parent, [...(orphans.get(parent) ?? []), { n, row }]);
      } else {
        root = idOf(row) ?? undefined;
        if (!root) {
          // Nothing can name it as a parent: a record of its own (a row of a flat JSONL export).
          yield { line: n, lastLine: n, rows: [row] };
          continue;
        }
        if (open.has(root)) yield complete(root); // the same object twice: each is a record
        open.set(root, { line: n, entries: [] });
        attach(root, { n, row });
      }
      if (root && open.has(root) && (lastLine.get(root) ?? n) <= n) yield complete(root);
    }
    for (const root of [...open.keys()]) yield complete(root);
    for (const [parent, entries] of orphans) {
      for (const { n, row } of entries) {
        yield { line: n, lastLine: n, rows: [], unreadable: `Line's __parentId ${parent} names no object in the file`, text: JSON.stringify(row) };
      }
    }
  }
  return { first, records: records() };
}
