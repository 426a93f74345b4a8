import { isPostgresError } from '../db/database.ts';

/** PostgREST's error body: what supabase-js hands back as `error`. */
export interface PostgrestErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/**
 * The HTTP status PostgREST gives a Postgres error, by SQLSTATE
 * (https://postgrest.org/en/stable/references/errors.html). `insufficient
 * privilege` is 401 for an anonymous caller (they may sign in) and 403 for a
 * signed-in one; `PTxyz` codes raised by a function choose status xyz.
 */
export function statusForSqlState(code: string, anonymous: boolean): number {
  if (code === '42501') return anonymous ? 401 : 403;
  if (/^PT[1-5]\d\d$/.test(code)) return Number(code.slice(2));
  const exact: Record<string, number> = {
    '23503': 409,
    '23505': 409,
    '25006': 405,
    '42883': 404,
    '42P01': 404,
    '42P17': 500,
    P0001: 400,
    P0002: 404,
    '57014': 503,
  };
  if (exact[code]) return exact[code];
  const byClass: Record<string, number> = {
    '08': 503,
    '09': 500,
    '0L': 403,
    '0P': 403,
    '22': 400,
    '23': 400,
    '25': 500,
    '28': 403,
    '2D': 500,
    '38': 500,
    '39': 500,
    '3B': 500,
    '40': 500,
    '53': 503,
    '54': 500,
    '55': 500,
    '57': 500,
    '58': 500,
    F0: 500,
    HV: 500,
    P0: 500,
    XX: 500,
    '42': 400,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

export function postgrestError(code: string, message: string, details: string | null = null, hint: string | null = null): PostgrestErrorBody {
  return { code, message, details, hint };
}

/** A thrown database error as PostgREST would answer it; anything else is a 500 that says nothing internal. */
export function fromDatabaseError(error: unknown, anonymous: boolean): { status: number; body: PostgrestErrorBody } {
  if (isPostgresError(error)) {
    return {
      status: statusForSqlState(error.code!, anonymous),
      body: postgrestError(error.code!, error.message, error.detail ?? null, error.hint ?? null),
    };
  }
  return { status: 500, body: postgrestError('PGRST000', 'The database call failed unexpectedly', null, null) };
}
