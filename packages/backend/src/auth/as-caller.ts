import type { Database, Queryable } from '../db/database.ts';
import type { Claims } from './jwt.ts';

/**
 * Runs `work` in one transaction as the API caller: `set local role` to the
 * token's role and the claims in `request.jwt.claims`, exactly as PostgREST
 * does on Supabase, so auth.uid(), auth.jwt() and row-level security see the
 * same thing locally and hosted. Everything is reset when the transaction ends.
 */
export function asCaller<T>(db: Database, claims: Claims, work: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // The role comes from a verified token and is one of API_ROLES; quoting keeps it inert anyway.
    await tx.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('timezone', 'UTC', true)`, [
      claims.role,
      JSON.stringify(claims),
    ]);
    return work(tx);
  });
}
