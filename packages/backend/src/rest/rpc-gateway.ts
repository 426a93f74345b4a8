import { asCaller } from '../auth/as-caller.ts';
import { TokenError, type Claims } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import type { FunctionCatalog, SqlFunction } from './function-catalog.ts';
import { fromDatabaseError, postgrestError, type PostgrestErrorBody } from './postgrest-errors.ts';

export interface RpcGatewayOptions {
  db: Database;
  catalog: FunctionCatalog;
  verifyToken: (token: string | null | undefined) => Promise<Claims>;
}

const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The caller's token: `Authorization: Bearer …` (a user session) first, else the `apikey` header. */
export function tokenOf(request: Request): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  return bearer?.trim() || request.headers.get('apikey');
}

/**
 * The SQL that calls `fn` with named arguments taken from one JSON object,
 * typed by the function's own declarations, the way PostgREST does it: every
 * value is bound as a parameter; only catalog names reach the SQL text.
 */
function callSql(fn: SqlFunction, argNames: string[]): string {
  const params = fn.params.filter((p) => argNames.includes(p.name));
  const args = params.length
    ? `json_to_record($1::json) as _args(${params.map((p) => `${quoteIdent(p.name)} ${p.type}`).join(', ')})`
    : '';
  const call = `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${params
    .map((p) => `${quoteIdent(p.name)} := _args.${quoteIdent(p.name)}`)
    .join(', ')})`;
  if (fn.returnsSet) {
    return `select coalesce(jsonb_agg(to_jsonb(_row)), '[]'::jsonb)::text as result from ${args ? `${args}, ` : ''}${call} as _row`;
  }
  return `select to_jsonb(${call})::text as result${args ? ` from ${args}` : ''}`;
}

/** Reads the arguments of a call: the JSON body of a POST, or the query string of a GET. */
async function readArgs(request: Request): Promise<{ args: Record<string, unknown> } | { error: PostgrestErrorBody }> {
  if (request.method === 'GET') {
    return { args: Object.fromEntries(new URL(request.url).searchParams) };
  }
  const text = await request.text();
  if (!text.trim()) return { args: {} };
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { args: parsed };
    return { error: postgrestError('PGRST102', 'The request body must be a JSON object of named arguments') };
  } catch (error) {
    return { error: postgrestError('PGRST102', `Empty or invalid json: ${(error as Error).message}`) };
  }
}

/**
 * `POST|GET /rest/v1/rpc/<fn>`: PostgREST's RPC semantics over our database.
 * The token is verified, the function looked up in the exposed schema, and the
 * call runs as the token's role with its claims, so row-level security and
 * function grants decide, exactly as on Supabase.
 */
export function createRpcGateway({ db, catalog, verifyToken }: RpcGatewayOptions) {
  return async function handleRpc(request: Request, name: string): Promise<Response> {
    let claims: Claims;
    try {
      claims = await verifyToken(tokenOf(request));
    } catch (error) {
      if (error instanceof TokenError) return json(401, postgrestError(error.code, error.message));
      throw error;
    }
    if (request.method !== 'GET' && request.method !== 'POST') {
      return json(405, postgrestError('PGRST117', `Unsupported HTTP method: ${request.method}`));
    }
    const read = await readArgs(request);
    if ('error' in read) return json(400, read.error);
    const { args } = read;

    const argNames = Object.keys(args).sort();
    const fn = await catalog.find(name, argNames);
    if (!fn) {
      const signature = `public.${name}(${argNames.join(', ')})`;
      return json(
        404,
        postgrestError(
          'PGRST202',
          `Could not find the function ${signature} in the schema cache`,
          `Searched for the function public.${name} with parameters ${argNames.join(', ') || '(none)'}, but no matches were found in the schema cache.`,
          null,
        ),
      );
    }
    if (request.method === 'GET' && fn.volatility === 'v') {
      return json(405, postgrestError('PGRST101', 'For functions with side effects, only POST requests are allowed'));
    }

    try {
      const [row] = await asCaller(db, claims, (tx) =>
        tx.query<{ result: string | null }>(callSql(fn, argNames), argNames.length ? [JSON.stringify(args)] : []),
      );
      if (fn.returnsVoid) return new Response(null, { status: 204 });
      return new Response(row?.result ?? 'null', { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });
    } catch (error) {
      const { status, body } = fromDatabaseError(error, claims.role === 'anon');
      return json(status, body);
    }
  };
}
