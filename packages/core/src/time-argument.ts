import { TesseraError } from './errors.ts';

/**
 * A `since`/`until` argument as the backend takes it. A string is passed as
 * given: Postgres keeps microseconds a Date would round away.
 */
export function timeArgument(value: Date | string, name: string, namespace: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TesseraError('invalid_argument', `${namespace}: ${name} must be a date and time, not ${String(value)}`);
  return value instanceof Date ? value.toISOString() : value;
}
