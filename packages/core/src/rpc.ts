import type * as z from 'zod/mini';
import type { Backend } from './backend.ts';
import { TesseraError, codeForStatus } from './errors.ts';

const isAbort = (error: unknown) =>
  (error as { name?: string } | null)?.name === 'AbortError' || (error as { code?: string } | null)?.code === 'ABORT_ERR';

/**
 * Calls one RPC function and returns its result validated against `schema`.
 * Every failure becomes a `TesseraError`: a response that does not match the
 * schema is `invalid_response`, never a crash further down.
 */
export async function callRpc<S extends z.ZodMiniType>(
  backend: Backend,
  fn: string,
  args: Record<string, unknown>,
  schema: S,
  signal?: AbortSignal,
): Promise<z.infer<S>> {
  if (signal?.aborted) throw new TesseraError('aborted', `${fn} was cancelled before it started`);
  let response;
  try {
    response = await backend.rpc(fn, args, signal);
  } catch (error) {
    if (isAbort(error) || signal?.aborted) throw new TesseraError('aborted', `${fn} was cancelled`, { cause: error });
    throw new TesseraError('network', `Could not reach the Tessera backend for ${fn}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (response.error) {
    const { message, code } = response.error;
    if (response.status === 0) {
      if (signal?.aborted || message.startsWith('AbortError')) throw new TesseraError('aborted', `${fn} was cancelled`);
      throw new TesseraError('network', `Could not reach the Tessera backend for ${fn}: ${message}`);
    }
    throw new TesseraError(codeForStatus(response.status), `${fn} failed: ${message}`, {
      status: response.status,
      backendCode: code ?? '',
    });
  }
  const parsed = schema.safeParse(response.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new TesseraError('invalid_response', `${fn} answered with data the SDK does not understand${where}: ${issue?.message ?? 'invalid'}`, {
      status: response.status,
      cause: parsed.error,
    });
  }
  return parsed.data;
}
