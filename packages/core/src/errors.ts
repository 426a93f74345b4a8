/**
 * Every failure the SDK reports is a `TesseraError` with a stable `code`, so
 * callers branch on `error.code`, never on message text.
 */
export type TesseraErrorCode =
  /** The backend could not be reached (offline, DNS, refused connection). */
  | 'network'
  /** The request was cancelled through its `AbortSignal`. */
  | 'aborted'
  /** The key or session token is missing, expired or forged. */
  | 'unauthorized'
  /** The caller is signed in but may not do this. */
  | 'forbidden'
  /** The function or record does not exist. */
  | 'not_found'
  /** The arguments were rejected (by the SDK or the backend). */
  | 'invalid_argument'
  /** The backend answered with something that does not match the schema. */
  | 'invalid_response'
  /** The backend failed. */
  | 'server';

export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  readonly code: TesseraErrorCode;
  /** HTTP status of the failed call, or 0 when there was no response. */
  readonly status: number;
  /** The backend's own error code (a SQLSTATE or PostgREST `PGRST…` code), when there is one. */
  readonly backendCode: string | undefined;

  constructor(code: TesseraErrorCode, message: string, options: { status?: number; backendCode?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
    this.backendCode = options.backendCode || undefined;
  }
}

export function isTesseraError(error: unknown, code?: TesseraErrorCode): error is TesseraError {
  return error instanceof TesseraError && (code === undefined || error.code === code);
}

/** Maps an HTTP status from the backend to the error code a caller acts on. */
export function codeForStatus(status: number): TesseraErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status >= 400 && status < 500) return 'invalid_argument';
  return 'server';
}
