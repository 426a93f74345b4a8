import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from './database.ts';
import { listMigrations, migrate } from './migrate.ts';
import { testDatabases } from './test-databases.ts';

for (const target of testDatabases()) {
  describe(`migrations (${target.name})`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db?.close());

    it('are all recorded where the Supabase CLI records them, and a second run applies nothing', async () => {
      const recorded = await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version');
      assert.deepEqual(recorded.map((r) => r.version), listMigrations().map((m) => m.version));
      assert.deepEqual(await migrate(db), []);
    });

    it('turn row-level security on for every table an API key could reach', async () => {
      const open = await db.query<{ name: string }>(
        `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname in ('public', 'tessera') and c.relkind in ('r', 'p') and not c.relrowsecurity`,
      );
      assert.deepEqual(open, []);
    });

    it('give anon no table at all', async () => {
      const granted = await db.query<{ name: string }>(
        `select table_schema || '.' || table_name as name from information_schema.role_table_grants
          where grantee = 'anon' and table_schema in ('public', 'tessera')`,
      );
      assert.deepEqual(granted, []);
    });

    it('keep connection secrets away from every API role but the service key', async () => {
      for (const role of ['anon', 'authenticated']) {
        const [row] = await db.query<{ allowed: boolean }>(`select has_table_privilege($1, 'tessera.connections', 'select') as allowed`, [role]);
        assert.equal(row!.allowed, false, `${role} can read tessera.connections`);
      }
    });

    it('document every table and function they create', async () => {
      const undocumented = await db.query<{ name: string }>(
        `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname in ('public', 'tessera') and c.relkind in ('r', 'p') and obj_description(c.oid, 'pg_class') is null
         union all
         select n.nspname || '.' || p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname in ('public', 'tessera') and obj_description(p.oid, 'pg_proc') is null`,
      );
      assert.deepEqual(undocumented, []);
    });

    it('lead every tenant table’s primary key and unique constraints with workspace_id', async () => {
      const offenders = await db.query<{ name: string }>(
        `select c.conrelid::regclass::text || ' ' || c.conname as name
           from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
          where n.nspname = 'public' and c.contype in ('p', 'u') and t.relname <> 'workspaces'
            and (select a.attname from pg_attribute a where a.attrelid = c.conrelid and a.attnum = c.conkey[1]) <> 'workspace_id'`,
      );
      assert.deepEqual(offenders, []);
    });
  });
}
