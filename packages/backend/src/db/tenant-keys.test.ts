// Citus-readiness, read from the catalog: a workspace set that outgrows one
// Postgres can be distributed by workspace_id (create_distributed_table on
// every tenant table, create_reference_table on every table listed below)
// without a schema change. That holds when the tenant key leads every tenant
// table's primary key and unique indexes (Citus enforces uniqueness only
// within a shard, so it must include the distribution column), every foreign
// key between tenant tables carries it on both sides (colocated keys), and
// every join between tenant tables matches on it (colocated joins, each
// answered by one shard). See docs/scaling.md.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database, Queryable } from './database.ts';
import { testDatabases } from './test-databases.ts';

/**
 * The tables of public and tessera that are not distributed by workspace_id,
 * and why. On Citus each is a reference table: one copy on every node, so
 * distributed tables may keep their foreign keys to it and join it anywhere.
 * A new table must be a tenant table (with workspace_id) or be added here.
 */
const REFERENCE_TABLES: Record<string, string> = {
  'public.workspaces': 'the tenants themselves: every tenant table references one',
  'public.workspace_members':
    'who may see which workspace, read by user id across workspaces (tessera.my_workspace_ids) inside every row-level security check',
  'tessera.connections': 'routes a delivery to its workspace by platform account, across workspaces; one account is unique over all of them',
  'tessera.unrouted_deliveries': 'deliveries that named no workspace yet',
  'tessera.identity_rule_defaults': 'the built-in identity rules every workspace starts from',
  'tessera.blocked_identity_defaults': 'the built-in blocked identities every workspace starts from',
  'tessera.source_priority_defaults': 'the built-in source priorities every workspace starts from',
};

// Schemas outside public and tessera that tenant tables may reference. auth.users
// belongs to Supabase Auth: on Citus it is made a reference table too (a
// distributed table may only reference a reference table), or the key dropped.
const EXTERNAL_REFERENCES = new Set(['auth.users']);

interface Classification {
  tenant: string[];
  reference: string[];
  unclassified: string[];
}

async function classifyTables(db: Queryable): Promise<Classification> {
  const tables = await db.query<{ name: string; has_workspace_id: boolean }>(
    `select n.nspname || '.' || c.relname as name,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as has_workspace_id
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'tessera') and c.relkind in ('r', 'p') and not c.relispartition
      order by 1`,
  );
  const result: Classification = { tenant: [], reference: [], unclassified: [] };
  for (const { name, has_workspace_id } of tables) {
    if (name in REFERENCE_TABLES) result.reference.push(name);
    else if (has_workspace_id) result.tenant.push(name);
    else result.unclassified.push(name);
  }
  return result;
}

/** Tenant tables whose primary key is missing or does not start with workspace_id. */
async function primaryKeysWithoutTenantKey(db: Queryable, tenant: string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select t.name from unnest($1::text[]) as t(name)
      where not exists (
        select 1 from pg_constraint k join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
         where k.conrelid = t.name::regclass and k.contype = 'p' and a.attname = 'workspace_id')
      order by 1`,
    [tenant],
  );
  return rows.map((r) => r.name);
}

/**
 * Unique indexes on tenant tables (those behind primary keys and unique
 * constraints, and bare unique indexes, partial or on expressions) whose first
 * key column is not workspace_id. An expression in first place has attnum 0
 * and so never passes.
 */
async function uniqueIndexesWithoutTenantKey(db: Queryable, tenant: string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select i.indexrelid::regclass::text || ' on ' || t.name as name
       from unnest($1::text[]) as t(name)
       join pg_index i on i.indrelid = t.name::regclass
       left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
      where i.indisunique and a.attname is distinct from 'workspace_id'
      order by 1`,
    [tenant],
  );
  return rows.map((r) => r.name);
}

/**
 * Foreign keys that Citus could not keep: from a tenant table to another
 * tenant table without workspace_id paired with workspace_id, from a tenant
 * table to anything that is neither tenant nor reference, and from a reference
 * table to a tenant table (a replicated table cannot reference a sharded one).
 */
async function foreignKeysCitusCannotKeep(db: Queryable, { tenant, reference }: Classification): Promise<string[]> {
  const keys = await db.query<{ name: string; source: string; target: string; paired: boolean }>(
    `select k.conname as name, k.conrelid::regclass::text as source, n.nspname || '.' || c.relname as target,
            exists (select 1 from unnest(k.conkey, k.confkey) as pair(source_att, target_att)
                      join pg_attribute sa on sa.attrelid = k.conrelid and sa.attnum = pair.source_att
                      join pg_attribute ta on ta.attrelid = k.confrelid and ta.attnum = pair.target_att
                     where sa.attname = 'workspace_id' and ta.attname = 'workspace_id') as paired
       from pg_constraint k
       join pg_class c on c.oid = k.confrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class s on s.oid = k.conrelid join pg_namespace sn on sn.oid = s.relnamespace
      -- A partition's copy of its parent's key (conparentid) is checked on the parent.
      where k.contype = 'f' and k.conparentid = 0 and sn.nspname in ('public', 'tessera')
      order by 2, 1`,
  );
  // regclass::text drops the schema for tables on the search path (public).
  const qualified = (name: string) => (name.includes('.') ? name : `public.${name}`);
  const isTenant = new Set(tenant);
  const isReference = new Set(reference);
  const offenders: string[] = [];
  for (const key of keys) {
    const source = qualified(key.source);
    const ok = isTenant.has(source)
      ? (isTenant.has(key.target) && key.paired) || isReference.has(key.target) || EXTERNAL_REFERENCES.has(key.target)
      : isReference.has(key.target) || EXTERNAL_REFERENCES.has(key.target);
    if (!ok) offenders.push(`${key.name}: ${source} -> ${key.target}`);
  }
  return offenders;
}

// Where an ON condition ends: the next clause at the same nesting depth.
const CLAUSE_END = /^(?:join|left|right|full|inner|cross|natural|where|group|order|limit|offset|union|intersect|except|having|window|returning|for)\b/;

/**
 * A pragmatic check on SQL text, not a parser: every
 * `join <public|tessera>.<tenant table> [alias] on <condition>` (or `using (...)`)
 * must mention workspace_id in its condition, so the join stays within one
 * workspace and therefore within one Citus shard group. The functions all run
 * with `search_path = ''`, so every table is schema-qualified and the pattern
 * sees them all. It does not follow comma joins, joins onto CTEs, or lateral
 * subqueries (those read their tables in a WHERE, which the planner routes by
 * the workspace_id filter); comments are stripped so prose cannot satisfy it.
 * Returns the offending clauses.
 */
export function joinsWithoutTenantKey(source: string, tenantTables: ReadonlySet<string>): string[] {
  const text = source.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ').toLowerCase();
  const join = /\bjoin\s+(?:only\s+)?((?:public|tessera)\.[a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?(?!on\b|using\b)[a-z_][a-z0-9_]*)?\s+(?:on|using)\b/g;
  const offenders: string[] = [];
  for (const match of text.matchAll(join)) {
    if (!tenantTables.has(match[1]!)) continue;
    const condition = conditionFrom(text, match.index! + match[0].length);
    if (!/\bworkspace_id\b/.test(condition)) offenders.push(`${match[0]}${condition}`.replace(/\s+/g, ' ').trim());
  }
  return offenders;
}

function conditionFrom(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return text.slice(start, i);
      depth--;
    } else if (c === ';' && depth === 0) return text.slice(start, i);
    else if (depth === 0 && /\s/.test(text[i - 1]!) && CLAUSE_END.test(text.slice(i, i + 12))) return text.slice(start, i);
  }
  return text.slice(start);
}

async function functionJoinsWithoutTenantKey(db: Queryable, tenant: string[]): Promise<string[]> {
  const functions = await db.query<{ name: string; source: string }>(
    `select p.oid::regprocedure::text as name, pg_get_functiondef(p.oid) as source
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
      where n.nspname in ('public', 'tessera') and p.prokind in ('f', 'p') and l.lanname in ('sql', 'plpgsql')
      order by 1`,
  );
  const tenantTables = new Set(tenant);
  return functions.flatMap((f) => joinsWithoutTenantKey(f.source, tenantTables).map((clause) => `${f.name}: ${clause}`));
}

describe('the join heuristic', () => {
  const tenant = new Set(['public.profiles', 'public.events', 'public.identities']);

  it('passes joins that match on workspace_id, however they are written', () => {
    const sql = `
      select * from public.events e
        join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
        left join public.identities as i on (i.workspace_id = p.workspace_id and i.profile_id = p.id)
        join public.profiles on profiles.workspace_id = ws and profiles.id = (select max(x.id) from public.profiles x)
        join public.identities j using (workspace_id, profile_id)
        left join tessera.identity_rule_defaults d on d.kind = i.kind
       where e.workspace_id = ws`;
    assert.deepEqual(joinsWithoutTenantKey(sql, tenant), []);
  });

  it('flags a join between tenant tables that leaves workspace_id out', () => {
    const sql = `
      select * from public.events e
        join public.profiles p on p.id = e.profile_id -- workspace_id is checked in the where clause
        left join public.identities i using (profile_id)
       where e.workspace_id = ws and p.workspace_id = ws`;
    assert.deepEqual(joinsWithoutTenantKey(sql, tenant), [
      'join public.profiles p on p.id = e.profile_id',
      'join public.identities i using (profile_id)',
    ]);
  });

  it('reads the condition of a join inside a subquery up to its closing parenthesis only', () => {
    const sql = `select (select count(*) from public.events e join public.profiles p on p.id = e.profile_id) as n
                   from public.profiles q where q.workspace_id = ws`;
    assert.deepEqual(joinsWithoutTenantKey(sql, tenant), ['join public.profiles p on p.id = e.profile_id']);
  });
});

for (const target of testDatabases()) {
  describe(`the schema is ready to distribute by workspace_id (${target.name})`, () => {
    let db: Database;
    let tables: Classification;
    before(async () => {
      db = await target.open();
      tables = await classifyTables(db);
    });
    after(() => db?.close());

    it('classifies every table as tenant or reference, and names only reference tables that exist', () => {
      assert.deepEqual(tables.unclassified, [], 'add the table to REFERENCE_TABLES with its reason, or give it workspace_id');
      assert.deepEqual(tables.reference, Object.keys(REFERENCE_TABLES).sort());
      for (const core of ['public.profiles', 'public.identities', 'public.events', 'public.traits', 'public.raw_events', 'public.segment_members']) {
        assert.ok(tables.tenant.includes(core), `${core} is a tenant table`);
      }
    });

    it('leads every tenant table’s primary key with workspace_id', async () => {
      assert.deepEqual(await primaryKeysWithoutTenantKey(db, tables.tenant), []);
    });

    it('leads every unique constraint and unique index on a tenant table with workspace_id', async () => {
      assert.deepEqual(await uniqueIndexesWithoutTenantKey(db, tables.tenant), []);
    });

    it('pairs workspace_id on both sides of every foreign key between tenant tables', async () => {
      assert.deepEqual(await foreignKeysCitusCannotKeep(db, tables), []);
    });

    it('matches on workspace_id in every join between tenant tables in the SQL functions', async () => {
      assert.deepEqual(await functionJoinsWithoutTenantKey(db, tables.tenant), []);
    });

    it('catches a table, key, index, foreign key and join that break the rules', async () => {
      // Built and inspected inside a transaction that is then rolled back.
      const rollback = new Error('rollback');
      const found = await db
        .transaction(async (tx) => {
          await tx.exec(`
            create table public.stray (id bigint primary key);
            create table public.orders (workspace_id uuid not null, id bigint not null, number text not null, profile_id uuid,
                                        primary key (id, workspace_id), unique (number));
            create unique index orders_profile_idx on public.orders (lower(number), workspace_id);
            alter table public.orders add foreign key (number) references public.orders (number);
            alter table public.orders add foreign key (id) references public.stray (id);
            create function public.orders_of(ws uuid) returns bigint language sql as $$
              select count(*) from public.orders o join public.profiles p on p.id = o.profile_id where o.workspace_id = ws
            $$;`);
          const broken = await classifyTables(tx);
          const result = {
            unclassified: broken.unclassified,
            primaryKeys: await primaryKeysWithoutTenantKey(tx, broken.tenant),
            uniqueIndexes: await uniqueIndexesWithoutTenantKey(tx, broken.tenant),
            foreignKeys: await foreignKeysCitusCannotKeep(tx, broken),
            joins: await functionJoinsWithoutTenantKey(tx, broken.tenant),
          };
          throw Object.assign(rollback, { result });
        })
        .catch((error: Error & { result?: unknown }) => {
          if (error !== rollback) throw error;
          return error.result;
        });
      assert.deepEqual(found, {
        unclassified: ['public.stray'],
        primaryKeys: ['public.orders'],
        uniqueIndexes: ['orders_number_key on public.orders', 'orders_pkey on public.orders', 'orders_profile_idx on public.orders'],
        foreignKeys: ['orders_id_fkey: public.orders -> public.stray', 'orders_number_fkey: public.orders -> public.orders'],
        joins: ['orders_of(uuid): join public.profiles p on p.id = o.profile_id'],
      });
    });
  });
}
