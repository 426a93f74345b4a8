/**
 * Customer lifetime value for a non-contractual store: BG/NBD says how many
 * orders to expect month by month, Gamma-Gamma what each will be worth, and
 * a discount rate what money later is worth now (the approach of Fader,
 * Hardie & Lee's "RFM and CLV", in lifetimes' discrete monthly form).
 */
import { expectedPurchases, type BgNbdParams } from './bgnbd.ts';
import { expectedOrderValue, type GammaGammaParams } from './gamma-gamma.ts';
import type { History } from './histories.ts';

export interface ClvOptions {
  /** How far ahead to count, in months. */
  months?: number;
  /** Discount per month (0.01 ≈ 12.7% a year). */
  monthlyDiscountRate?: number;
  /** Model time units in a month: 30 when histories are in days. */
  unitsPerMonth?: number;
}

/** Discounted value of a customer's next `months` of orders. `monetaryValue` is their mean repeat order (null for one-time buyers). */
export function customerLifetimeValue(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  history: History & { monetaryValue: number | null },
  options: ClvOptions = {},
): number {
  const months = options.months ?? 12;
  const rate = options.monthlyDiscountRate ?? 0.01;
  const unit = options.unitsPerMonth ?? 30;
  const orderValue = expectedOrderValue(gammaGamma, history.frequency, history.monetaryValue);
  let value = 0;
  let before = 0;
  for (let month = 1; month <= months; month++) {
    const byNow = expectedPurchases(bgnbd, month * unit, history.frequency, history.recency, history.T);
    value += ((byNow - before) * orderValue) / Math.pow(1 + rate, month);
    before = byNow;
  }
  return value;
}
