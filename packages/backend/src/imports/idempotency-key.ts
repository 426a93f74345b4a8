import { createHash } from 'node:crypto';

/**
 * The idempotency key of one imported record: its format, its own id at the
 * source, and a hash of its body. Running the same file again (or another
 * copy, renamed) gives the same keys, so nothing is stored or applied twice,
 * and an import cut short resumes where it stopped. A row corrected since
 * (a fixed email, an updated export) has a new hash, so it is imported, and
 * its newer values win. Neither the file name nor the line number is part of
 * it: a re-sorted export is the same history.
 */
export function importKey(format: string, naturalId: string | null, body: string): string {
  const hash = createHash('sha256').update(body).digest('hex');
  // An id read from a cell can be anything (a megabyte, a NUL): past what Postgres can index or store, it is keyed by its hash.
  const id = naturalId !== null && (naturalId.length > 200 || naturalId.includes('\u0000')) ? `sha256:${createHash('sha256').update(naturalId).digest('hex')}` : naturalId;
  return `import:${format}:${id ?? '-'}:${hash}`;
}
