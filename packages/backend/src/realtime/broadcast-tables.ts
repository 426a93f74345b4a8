import type { Queryable } from '../db/database.ts';

/**
 * The tables whose changes `tessera serve` broadcasts (the ones a migration
 * gives a `tessera.announce_change()` trigger), with the primary key that
 * finds a changed row again. Only these may be subscribed to, and only these
 * names are ever written into SQL.
 */
const BROADCAST_TABLES = [
  { schema: 'public', table: 'profiles', key: ['workspace_id', 'id'] },
  { schema: 'public', table: 'segment_membership_changes', key: ['workspace_id', 'id'] },
] as const;

/** A column as realtime-js expects it in a change: `type` is the Postgres type name (`int4`, `uuid`, `_text`). */
export interface Column {
  name: string;
  type: string;
}

export interface BroadcastTable {
  schema: string;
  table: string;
  /** Primary-key columns, in the order `visibleRowSql` takes them as parameters. */
  key: readonly string[];
  columns: Column[];
  columnTypes: ReadonlyMap<string, string>;
  /** Reads the row by its key as `to_jsonb`; run as a subscriber, it returns nothing when RLS hides the row. */
  visibleRowSql: string;
}

/** Reads the broadcast tables' columns from the catalog, once, when the realtime server starts. */
export async function loadBroadcastTables(db: Queryable): Promise<BroadcastTable[]> {
  const tables: BroadcastTable[] = [];
  for (const { schema, table, key } of BROADCAST_TABLES) {
    const columns = await db.query<Column>(
      `select a.attname as name, t.typname as type
         from pg_attribute a
         join pg_class c on c.oid = a.attrelid
         join pg_namespace n on n.oid = c.relnamespace
         join pg_type t on t.oid = a.atttypid
        where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped
        order by a.attnum`,
      [schema, table],
    );
    if (columns.length === 0) throw new Error(`Realtime cannot broadcast ${schema}.${table}: the table does not exist. Run \`tessera migrate\` first.`);
    const where = key.map((column, i) => `t.${quoteIdent(column)} = $${i + 1}`).join(' and ');
    tables.push({
      schema,
      table,
      key,
      columns,
      columnTypes: new Map(columns.map((c) => [c.name, c.type])),
      visibleRowSql: `select to_jsonb(t) as record from ${quoteIdent(schema)}.${quoteIdent(table)} t where ${where}`,
    });
  }
  return tables;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
