import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../seed/random.ts';
import { ENGAGEMENT_FEATURES, explainEngagement, featureRow, trainEngagement, type CustomerActivity } from './engagement.ts';
import { engagementScore } from './scores.ts';

const base: CustomerActivity = {
  profile_id: '00000000-0000-4000-8000-000000000001',
  days_since_last_purchase: 40, purchase_days: 3, purchase_days_90: 1, purchase_days_prev_90: 1, revenue: 180, tenure_days: 400,
  days_since_last_activity: 10, social_90: 2, social_prev_90: 2, learning_90: 0, refunds: 0, sources: 2, subscribed: false,
  purchase_days_after: 0, bgnbd_risk: 0.4,
};

/** Customers whose leaving shows first in fading social activity and refunds, on top of BG/NBD's view. */
function simulate(n: number, seed: number): CustomerActivity[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const leaving = random.chance(0.4);
    const socialBefore = random.int(0, 6);
    const a: CustomerActivity = {
      ...base,
      profile_id: `p${i}`,
      bgnbd_risk: Math.min(0.98, Math.max(0.02, (leaving ? 0.6 : 0.35) + 0.25 * random.normal())),
      social_prev_90: socialBefore,
      social_90: leaving ? Math.floor(socialBefore * random.next() * 0.5) : Math.max(0, socialBefore + random.int(-1, 1)),
      refunds: random.chance(leaving ? 0.3 : 0.05) ? 1 : 0,
      sources: random.int(1, 3),
      revenue: 50 + random.exponential(150),
    };
    a.purchase_days_after = leaving ? 0 : 1 + random.int(0, 3);
    return a;
  });
}

describe('the engagement model', () => {
  it('learns that fading social activity and refunds raise the risk beyond what BG/NBD says', () => {
    const model = trainEngagement(simulate(4000, 1));
    const weight = (name: string) => model.weights[ENGAGEMENT_FEATURES.indexOf(name)]!;
    assert.ok(weight('bgnbd_risk') > 0.3, `BG/NBD risk weight ${weight('bgnbd_risk')}`);
    assert.ok(weight('refunds') > 0.2, `refunds weight ${weight('refunds')}`);
    assert.ok(weight('social_trend') < -0.2, `social trend weight ${weight('social_trend')}`);
    assert.equal(featureRow(base).length, ENGAGEMENT_FEATURES.length);
  });

  it('explains a score only with statements true of the person', () => {
    const model = trainEngagement(simulate(4000, 2));
    const refunded = { ...base, refunds: 2, social_prev_90: 5, social_90: 0, bgnbd_risk: 0.7 };
    const texts = explainEngagement(model, refunded).map((r) => r.text);
    assert.ok(texts.includes('Asked for 2 refunds.'), texts.join(' | '));
    assert.ok(texts.includes('Social interactions down from 5 to 0 in the last 90 days.'), texts.join(' | '));
    // Someone whose social activity grew and who never asked for a refund is not told otherwise.
    const thriving = { ...base, refunds: 0, social_prev_90: 1, social_90: 6, bgnbd_risk: 0.1 };
    for (const reason of explainEngagement(model, thriving)) {
      assert.doesNotMatch(reason.text, /refund|down from|No social/, reason.text);
    }
  });

  it('adds BG/NBD\'s reasons about the buying rhythm after its own', () => {
    const model = trainEngagement(simulate(2000, 3));
    const rhythm = [
      { code: 'overdue' as const, text: 'No purchase in 94 days; this customer usually buys every 31.' },
      { code: 'expected_purchases' as const, text: 'Expected to buy 0.4 times in the next 90 days.' },
    ];
    const score = engagementScore({ version: 3, params: model }, { ...base, refunds: 1, bgnbd_risk: 0.8 }, 90, rhythm);
    assert.equal(score.model, 'engagement');
    assert.ok(score.factors.some((f) => f.code === 'overdue'));
    assert.ok(!score.factors.some((f) => f.code === 'expected_purchases' || f.code === 'engagement_bgnbd_risk'));
    assert.ok(score.factors.findIndex((f) => f.code === 'overdue') > score.factors.findIndex((f) => f.code === 'engagement_refunds'));
  });
});
