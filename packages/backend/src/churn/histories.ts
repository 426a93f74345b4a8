/**
 * Customers' purchase histories as the churn models read them: one column
 * per quantity (typed arrays, so a million customers is 24 MB, not a million
 * objects). Built from summary rows or reduced from raw transactions.
 */

export interface Histories {
  /** Repeat purchases: purchase days after the first (x). */
  frequency: Float64Array;
  /** Time from the first to the last purchase (tₓ). */
  recency: Float64Array;
  /** Time from the first purchase to the end of observation (T). */
  T: Float64Array;
}

export interface History {
  frequency: number;
  recency: number;
  T: number;
}

export function toHistories(rows: readonly History[]): Histories {
  const histories = { frequency: new Float64Array(rows.length), recency: new Float64Array(rows.length), T: new Float64Array(rows.length) };
  rows.forEach((row, i) => {
    histories.frequency[i] = row.frequency;
    histories.recency[i] = row.recency;
    histories.T[i] = row.T;
  });
  return histories;
}

/** How many customers have each value: the parts of a likelihood that depend on x alone are computed once per distinct x. */
export function groupCounts(values: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i]!, (counts.get(values[i]!) ?? 0) + 1);
  return counts;
}

/** A customer's history in days as of a date, with what they spent. */
export interface CustomerSummary extends History {
  id: string;
  /** Mean value of the repeat purchase days (what Gamma-Gamma models); null for one-time buyers. */
  monetaryValue: number | null;
}

export interface Transaction {
  customerId: string;
  /** Days since the Unix epoch (UTC): purchases on one day count as one, as in the BG/NBD papers. */
  day: number;
  amount: number;
}

const DAY_MS = 86_400_000;

/** The day number of a date or timestamp (YYYY-MM-DD, YYYYMMDD or ISO 8601), or NaN. */
export function dayOf(value: string): number {
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  const ms = compact ? Date.UTC(Number(compact[1]), Number(compact[2]) - 1, Number(compact[3])) : Date.parse(value.trim().length === 10 ? `${value.trim()}T00:00:00Z` : value);
  return Math.floor(ms / DAY_MS);
}

/**
 * Reduces transactions to each customer's (x, tₓ, T) in days as of `asOfDay`,
 * using only purchases on or before it. Customers whose first purchase is
 * after `asOfDay` do not exist yet and are left out.
 */
export function summariseTransactions(transactions: Iterable<Transaction>, asOfDay: number): CustomerSummary[] {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const { customerId, day, amount } of transactions) {
    if (day > asOfDay) continue;
    let days = byCustomer.get(customerId);
    if (!days) byCustomer.set(customerId, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + amount);
  }
  const summaries: CustomerSummary[] = [];
  for (const [id, days] of byCustomer) {
    const ordered = [...days.keys()].sort((a, b) => a - b);
    const first = ordered[0]!;
    const repeats = ordered.slice(1);
    summaries.push({
      id,
      frequency: repeats.length,
      recency: ordered[ordered.length - 1]! - first,
      T: asOfDay - first,
      monetaryValue: repeats.length ? repeats.reduce((sum, day) => sum + days.get(day)!, 0) / repeats.length : null,
    });
  }
  return summaries;
}
