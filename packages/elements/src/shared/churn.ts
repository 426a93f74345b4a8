import type { ChurnScore } from '@tessera/core';

// How the elements word a churn score.

/** Each risk band's name as shown. */
export const BANDS: Record<ChurnScore['band'], string> = { low: 'Low', medium: 'Medium', high: 'High' };

/** A probability as a whole percent; never "100%" or "0%", which a model cannot honestly claim. */
export function formatRisk(risk: number, locale: string | undefined): string {
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  if (risk > 0.99) return `> ${percent.format(0.99)}`;
  if (risk < 0.01) return `< ${percent.format(0.01)}`;
  return percent.format(risk);
}
