// The physical ceiling for an ingest run: the rows the run left in the graph
// (raw events, profiles, identities, events, traits), copied out as COPY
// text and COPYed into unindexed, constraint-free copies of their tables in
// the same database. What ingest does beyond that — verifying, resolving
// identities, merging, keeping projections and keys — is what the ratio to
// this ceiling costs.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Database } from '../packages/backend/src/db/database.ts';
import { openCopier } from '../packages/backend/src/seed/scale.ts';

const GRAPH = ['raw_events', 'profiles', 'identities', 'events', 'traits'] as const;

/** A workspace's rows of `table` as COPY text, through the wire protocol (server) or /dev/blob (PGlite). */
async function copyOut(db: Database, table: string, workspaceId: string): Promise<string> {
  const sql = `copy (select * from public.${table} where workspace_id = '${workspaceId}') to stdout`;
  const pglite = (db as { raw?: PGlite }).raw;
  if (db.kind === 'pglite' && pglite) {
    const result = await pglite.query(sql.replace('to stdout', "to '/dev/blob'"));
    return (await result.blob?.text()) ?? '';
  }
  const client = await (db as unknown as { pool: pg.Pool }).pool.connect();
  try {
    return await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      client.query({
        submit: (connection: { query(sql: string): void }) => connection.query(sql),
        handleCopyOutResponse: () => {},
        // The parser reuses its buffer: each chunk is copied before the next arrives.
        handleCopyData: (message: { chunk: Buffer }) => void chunks.push(Buffer.from(message.chunk)),
        handleCommandComplete: () => {},
        // pg drops the query on an error: ReadyForQuery never reaches it, so the error settles it.
        handleError: (error: Error) => reject(error),
        handleReadyForQuery: () => resolve(Buffer.concat(chunks).toString('utf8')),
      } as never);
    });
  } finally {
    client.release();
  }
}

/**
 * Times COPYing the workspace's graph into unindexed copies of its tables.
 * Returns the seconds and the number of rows.
 */
export async function copyCeiling(db: Database, workspaceId: string): Promise<{ seconds: number; rows: number }> {
  const texts = await Promise.all(GRAPH.map(async (table) => [table, await copyOut(db, table, workspaceId)] as const));
  await db.exec(`drop schema if exists ceiling cascade; create schema ceiling;\n${GRAPH.map((t) => `create table ceiling.${t} (like public.${t});`).join('\n')}`);
  const columns = await db.query<{ table_name: string; columns: string[] }>(
    `select table_name, array_agg(column_name::text order by ordinal_position) as columns
       from information_schema.columns where table_schema = 'public' and table_name = any ($1) group by table_name`,
    [GRAPH],
  );
  const copier = await openCopier(db);
  const started = performance.now();
  try {
    for (const [table, text] of texts) await copier.copy(`ceiling.${table}`, columns.find((c) => c.table_name === table)!.columns, text);
  } finally {
    await copier.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await db.exec('drop schema ceiling cascade');
  return { seconds, rows: texts.reduce((sum, [, text]) => sum + (text.match(/\n/g)?.length ?? 0), 0) };
}
