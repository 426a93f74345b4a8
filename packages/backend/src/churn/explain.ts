/**
 * Why a person's churn risk is what it is, in words a support agent can say
 * out loud ("No purchase in 94 days; this customer usually buys every 31."),
 * from the same summary the model read. Each reason has a stable code so the
 * SDK and components can style or translate it.
 */
export interface PurchaseSummary {
  /** Repeat purchase days. */
  frequency: number;
  /** Days from first to last purchase. */
  recencyDays: number;
  /** Days from first purchase to now. */
  ageDays: number;
}

export interface ChurnReason {
  /** BG/NBD's reasons, the sBG's (`subscription_*`) and the engagement model's (`engagement_<feature>`). */
  code: 'overdue' | 'on_rhythm' | 'one_time_buyer' | 'recent_purchase' | 'likely_lapsed' | 'expected_purchases' | `subscription_${string}` | `engagement_${string}`;
  text: string;
}

export type ChurnBand = 'low' | 'medium' | 'high';

/** Default bands on the probability of no purchase in the horizon. */
export function bandOf(risk: number, thresholds = { medium: 0.5, high: 0.8 }): ChurnBand {
  return risk >= thresholds.high ? 'high' : risk >= thresholds.medium ? 'medium' : 'low';
}

const days = (n: number) => `${Math.round(n)} day${Math.round(n) === 1 ? '' : 's'}`;
const percent = (p: number) => `${Math.round(p * 100)}%`;

export function explainRisk(summary: PurchaseSummary, model: { palive: number; expected: number; horizonDays: number }): ChurnReason[] {
  const reasons: ChurnReason[] = [];
  const sinceLast = summary.ageDays - summary.recencyDays;
  if (summary.frequency === 0) {
    reasons.push({ code: 'one_time_buyer', text: `Has bought only once, ${days(summary.ageDays)} ago.` });
  } else {
    const usual = summary.recencyDays / summary.frequency;
    if (sinceLast > 1.5 * usual) {
      reasons.push({ code: 'overdue', text: `No purchase in ${days(sinceLast)}; this customer usually buys every ${Math.round(usual)}.` });
    } else {
      reasons.push({ code: 'on_rhythm', text: `Last bought ${days(sinceLast)} ago; this customer usually buys every ${Math.round(usual)}.` });
    }
  }
  if (sinceLast <= 14 && summary.frequency > 0) reasons.push({ code: 'recent_purchase', text: `Bought ${days(sinceLast)} ago.` });
  if (model.palive < 0.5) reasons.push({ code: 'likely_lapsed', text: `Only a ${percent(model.palive)} chance they are still an active customer.` });
  reasons.push({
    code: 'expected_purchases',
    text: `Expected to buy ${model.expected < 0.1 ? 'almost never' : `${model.expected.toFixed(1)} times`} in the next ${days(model.horizonDays)}.`,
  });
  return reasons;
}
