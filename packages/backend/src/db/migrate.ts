import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendRoot } from '../package-root.ts';
import type { Queryable } from './database.ts';

export const migrationsDir = join(backendRoot, 'supabase', 'migrations');
const bootstrapFile = join(backendRoot, 'sql', 'local-supabase-bootstrap.sql');

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** The numbered files of supabase/migrations, in order. */
export function listMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const [, version, name] = /^(\d+)_(.+)\.sql$/.exec(file)!;
      return { version: version!, name: name!, sql: readFileSync(join(migrationsDir, file), 'utf8') };
    });
}

/**
 * Brings a database up to date. On a plain PostgreSQL or PGlite it first
 * recreates the parts of Supabase the migrations rely on; on a Supabase
 * project (recognised by its `supabase_admin` role) that step is skipped.
 * Applied versions are recorded where the Supabase CLI records them, so the
 * two tools agree on what has run. Each migration runs in its own transaction.
 */
export async function migrate(db: Queryable & { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> }): Promise<string[]> {
  const [{ supabase }] = await db.query<{ supabase: boolean }>(
    `select exists (select 1 from pg_roles where rolname = 'supabase_admin') as supabase`,
  ) as [{ supabase: boolean }];
  if (!supabase) await db.exec(readFileSync(bootstrapFile, 'utf8'));

  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);
  `);
  const applied = new Set(
    (await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).map((r) => r.version),
  );
  const ran: string[] = [];
  for (const migration of listMigrations()) {
    if (applied.has(migration.version)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
    });
    ran.push(`${migration.version}_${migration.name}`);
  }
  return ran;
}
