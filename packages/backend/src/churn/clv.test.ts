import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectedPurchases } from './bgnbd.ts';
import { customerLifetimeValue } from './clv.ts';
import { expectedOrderValue } from './gamma-gamma.ts';

// CDNOW's published fits, in weeks.
const BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GG = { p: 6.25, q: 3.74, gamma: 15.44 };
const customer = { frequency: 4, recency: 30, T: 38, monetaryValue: 32 };

describe('customer lifetime value', () => {
  it('undiscounted, is expected orders × expected order value over the horizon', () => {
    const clv = customerLifetimeValue(BGNBD, GG, customer, { months: 12, monthlyDiscountRate: 0, unitsPerMonth: 4.345 });
    const direct = expectedPurchases(BGNBD, 12 * 4.345, 4, 30, 38) * expectedOrderValue(GG, 4, 32);
    assert.ok(Math.abs(clv - direct) < 1e-9, `${clv} vs ${direct}`);
  });

  it('is worth less discounted, and more for a customer who buys more', () => {
    const plain = customerLifetimeValue(BGNBD, GG, customer, { monthlyDiscountRate: 0, unitsPerMonth: 4.345 });
    const discounted = customerLifetimeValue(BGNBD, GG, customer, { monthlyDiscountRate: 0.02, unitsPerMonth: 4.345 });
    const loyal = customerLifetimeValue(BGNBD, GG, { ...customer, frequency: 12, recency: 37 }, { monthlyDiscountRate: 0.02, unitsPerMonth: 4.345 });
    assert.ok(discounted < plain && discounted > 0.8 * plain, `${discounted} vs ${plain}`);
    assert.ok(loyal > discounted);
  });
});
