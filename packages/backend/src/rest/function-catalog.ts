import type { Queryable } from '../db/database.ts';

/** One SQL function as PostgREST sees it: callable by name with named arguments. */
export interface SqlFunction {
  schema: string;
  name: string;
  /** Input parameters in order, with their declared types. */
  params: { name: string; type: string }[];
  /** How many trailing parameters have defaults. */
  defaults: number;
  returnsSet: boolean;
  returnsVoid: boolean;
  /** `v` volatile, `s` stable, `i` immutable: only the last two may be called with GET. */
  volatility: 'v' | 's' | 'i';
}

/**
 * The functions of the exposed schema, read from the catalog and kept until a
 * call names one it does not know (then read again, at most once a second),
 * like PostgREST's schema cache.
 */
export function createFunctionCatalog(db: Queryable, schema = 'public') {
  let cache: Promise<Map<string, SqlFunction[]>> | undefined;
  let loadedAt = 0;

  const load = async () => {
    const rows = await db.query<{
      name: string;
      arg_names: string[] | null;
      arg_modes: string[] | null;
      arg_types: string[];
      defaults: number;
      returns_set: boolean;
      return_type: string;
      volatility: 'v' | 's' | 'i';
    }>(
      `select p.proname as name,
              p.proargnames as arg_names,
              p.proargmodes::text[] as arg_modes,
              array(select format_type(t.oid, null) from unnest(p.proargtypes::oid[]) with ordinality as a(oid, n)
                      join pg_type t on t.oid = a.oid order by a.n) as arg_types,
              p.pronargdefaults::int as defaults,
              p.proretset as returns_set,
              format_type(p.prorettype, null) as return_type,
              p.provolatile::text as volatility
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = $1 and p.prokind = 'f'`,
      [schema],
    );
    const functions = new Map<string, SqlFunction[]>();
    for (const row of rows) {
      // proargnames lists every parameter (OUT and TABLE columns too); keep the inputs.
      const modes = row.arg_modes ?? row.arg_types.map(() => 'i');
      const names = (row.arg_names ?? []).filter((_, i) => ['i', 'b', 'v'].includes(modes[i] ?? 'i'));
      const fn: SqlFunction = {
        schema,
        name: row.name,
        params: row.arg_types.map((type, i) => ({ name: names[i] ?? '', type })),
        defaults: row.defaults,
        returnsSet: row.returns_set,
        returnsVoid: row.return_type === 'void',
        volatility: row.volatility,
      };
      functions.set(row.name, [...(functions.get(row.name) ?? []), fn]);
    }
    loadedAt = Date.now();
    return functions;
  };

  /** The overload of `name` that accepts exactly these argument names, if any. */
  async function find(name: string, argNames: string[]): Promise<SqlFunction | undefined> {
    const pick = (functions: Map<string, SqlFunction[]>) =>
      functions.get(name)?.find((fn) => {
        const required = fn.params.slice(0, fn.params.length - fn.defaults).map((p) => p.name);
        const known = new Set(fn.params.map((p) => p.name));
        return argNames.every((a) => known.has(a)) && required.every((r) => argNames.includes(r));
      });
    cache ??= load();
    const found = pick(await cache);
    if (found || Date.now() - loadedAt < 1000) return found;
    cache = load();
    return pick(await cache);
  }

  return { find, reload: () => void (cache = load()) };
}

export type FunctionCatalog = ReturnType<typeof createFunctionCatalog>;
