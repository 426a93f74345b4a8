/**
 * The one interface the backend uses to reach Postgres, whether it is the
 * embedded PGlite (the local default) or a PostgreSQL server (`DATABASE_URL`).
 * Values come back as each driver parses them; code that needs a stable shape
 * asks Postgres for JSON or text.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs one or more statements without parameters (migrations, scripts). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** A human description for logs: the data directory or the server's address. */
  readonly location: string;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `onNotify` with each NOTIFY payload on `channel`; resolves to a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The fields a Postgres error carries, whichever driver raised it. */
export interface PostgresError extends Error {
  code?: string;
  detail?: string;
  hint?: string;
}

export function isPostgresError(error: unknown): error is PostgresError {
  return error instanceof Error && typeof (error as PostgresError).code === 'string' && /^[0-9A-Z]{5}$/.test((error as PostgresError).code!);
}
