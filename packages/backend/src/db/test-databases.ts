import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from './database.ts';
import { listMigrations, migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/**
 * The real databases every database test runs against: PGlite always, and the
 * PostgreSQL server named by DATABASE_URL when there is one. Each `open()`
 * gives a fresh, fully migrated database of its own (a new PGlite, or a new
 * database on the server, dropped on close), so test files never share state.
 */
export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'pglite', open: openMigratedPglite }];
  const url = process.env.DATABASE_URL;
  if (url) list.push({ name: 'postgres', open: () => openScratchPostgres(url) });
  return list;
}

// Creating a PGlite data directory and migrating it takes seconds; loading a
// snapshot of one takes a fraction. The snapshot is keyed by the migrations'
// content, so any change to them makes a new one.
async function openMigratedPglite(): Promise<Database> {
  const digest = createHash('sha256');
  for (const m of listMigrations()) digest.update(m.version).update(m.sql);
  const dir = join(tmpdir(), 'tessera-test-snapshots');
  const file = join(dir, `pglite-${digest.digest('hex').slice(0, 16)}.tar`);
  if (existsSync(file)) {
    try {
      return await openPglite({ loadDataDir: new Blob([readFileSync(file)]) });
    } catch {
      // a half-written snapshot from a concurrent run: build a fresh one below
    }
  }
  const db = await openPglite();
  await migrate(db);
  const snapshot = await db.raw.dumpDataDir('none');
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, new Uint8Array(await snapshot.arrayBuffer()));
  renameSync(partial, file);
  return db;
}

/**
 * A new, empty database on the server at `serverUrl`, named `<prefix>_<random>`;
 * `drop()` removes it, whoever is still connected.
 */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(serverUrl, { max: 1 });
  await admin.exec(`create database ${name}`);
  await admin.close();
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const cleanup = await openPostgres(serverUrl, { max: 1 });
      await cleanup.exec(`drop database if exists ${name} with (force)`);
      await cleanup.close();
    },
  };
}

async function openScratchPostgres(url: string): Promise<Database> {
  const scratch = await createScratchDatabase(url, 'tessera_test');
  const db = await openPostgres(scratch.url);
  await migrate(db);
  const close = db.close;
  return Object.assign(db, {
    async close() {
      await close();
      await scratch.drop();
    },
  });
}
