/**
 * The files analysts hand the churn CLI: a per-customer summary CSV (any
 * columns, of which the model's are read) and a transactions CSV
 * (customer_id, date, amount: any store's order export reduced to those).
 * A bad cell is an error naming its line and column, never a silent NaN.
 */
import { open as openFile } from 'node:fs/promises';
import { readCsv } from '../imports/read-csv.ts';
import { dayOf, type Transaction } from './histories.ts';

export class ChurnInputError extends Error {
  override name = 'ChurnInputError';
}

async function open(path: string, required: readonly string[]) {
  // Opened first so that a missing file is an error here, not an unhandled stream event.
  const handle = await openFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new ChurnInputError(error.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${error.message}`);
  });
  const file = await readCsv(handle.createReadStream()).catch((error: Error) => {
    throw new ChurnInputError(`${path}: ${error.message}`);
  });
  const missing = required.filter((name) => !file.columns.includes(name));
  if (missing.length) {
    throw new ChurnInputError(`${path}: the header needs column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it has ${file.columns.join(', ')})`);
  }
  return file;
}

const cellError = (path: string, line: number, column: string, value: string, want: string) =>
  new ChurnInputError(`${path}, line ${line}, column ${column}: ${JSON.stringify(value)} is not ${want}`);

/** Numeric columns of a summary CSV, one array per column, in file order. */
export async function readSummaryCsv<C extends string>(path: string, columns: readonly C[]): Promise<Record<C, Float64Array>> {
  const file = await open(path, columns);
  const values = Object.fromEntries(columns.map((c) => [c, [] as number[]])) as unknown as Record<C, number[]>;
  for await (const record of file.records) {
    if (record.unreadable) throw new ChurnInputError(`${path}, line ${record.line}: ${record.unreadable}`);
    for (const column of columns) {
      const cell = record.values[column] ?? '';
      const value = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(value) || value < 0) throw cellError(path, record.line, column, cell, 'a number ≥ 0');
      values[column].push(value);
    }
  }
  return Object.fromEntries(columns.map((c) => [c, Float64Array.from(values[c])])) as Record<C, Float64Array>;
}

/** Transactions from a CSV with customer_id, date (YYYY-MM-DD, YYYYMMDD or ISO 8601) and amount. */
export async function readTransactionsCsv(path: string): Promise<Transaction[]> {
  const file = await open(path, ['customer_id', 'date', 'amount']);
  const transactions: Transaction[] = [];
  for await (const record of file.records) {
    if (record.unreadable) throw new ChurnInputError(`${path}, line ${record.line}: ${record.unreadable}`);
    const { customer_id: customerId = '', date = '', amount = '' } = record.values;
    if (!customerId.trim()) throw cellError(path, record.line, 'customer_id', customerId, 'a customer id');
    const day = dayOf(date);
    if (!Number.isFinite(day)) throw cellError(path, record.line, 'date', date, 'a date (YYYY-MM-DD)');
    const value = Number(amount.replace(/^[$€£]/, ''));
    if (amount.trim() === '' || !Number.isFinite(value)) throw cellError(path, record.line, 'amount', amount, 'an amount');
    transactions.push({ customerId: customerId.trim(), day, amount: value });
  }
  return transactions;
}
