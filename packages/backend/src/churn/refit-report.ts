/** How a refit and a backtest read for a person at a terminal. */
import type { WorkspaceBacktest } from './backtest.ts';
import type { RefitReport } from './refit.ts';

export function describeRefit(report: RefitReport): string {
  const fitted = report.fitted.map((f) => `${f.model} v${f.version} (${f.n.toLocaleString('en')} people${f.converged ? '' : ', NOT converged'})`).join(', ');
  const scored = Object.entries(report.scored).map(([model, n]) => `${n.toLocaleString('en')} by ${model}`).join(', ');
  const lines = [`Churn refit as of ${report.asOf.slice(0, 10)}: ${fitted || 'nothing fitted'}${scored ? `; scored ${scored}` : ''}.`];
  if (report.validation) {
    lines.push(`  ${report.horizonDays} days back, AUC: BG/NBD ${report.validation.bgnbdAuc.toFixed(3)}, engagement ${report.validation.engagementAuc?.toFixed(3) ?? '–'}`);
  }
  for (const s of report.skipped) lines.push(`  ${s.model}: ${s.reason}`);
  return lines.join('\n');
}

const pct = (x: number | null) => (x === null ? '   –  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

/** The backtest as a table: one row per model, then each model's calibration. */
export function describeBacktest(report: WorkspaceBacktest): string {
  const lines = [`Backtest: fitted on what was known at ${report.cutoff.slice(0, 10)}, graded on the ${report.horizonDays} days after (churned = no purchase).`, ''];
  lines.push('model        customers  churned  ROC-AUC  Brier   log loss  lift@10%  mean predicted  observed');
  for (const m of report.models) {
    lines.push(`${m.model.padEnd(12)} ${m.n.toLocaleString('en').padStart(9)} ${m.positives.toLocaleString('en').padStart(8)}  ${m.auc.toFixed(3).padStart(7)}  ${m.brier.toFixed(3).padStart(5)}  ${m.logLoss.toFixed(3).padStart(8)}  ${m.lift.toFixed(2).padStart(8)}  ${pct(m.meanPredicted).padStart(14)}  ${pct(m.observedRate).padStart(8)}`);
  }
  if (report.baselines) {
    lines.push(`${'baselines'.padEnd(12)} days since last purchase alone: ROC-AUC ${report.baselines.recencyAuc.toFixed(3)}; the base rate for everyone: Brier ${report.baselines.baseRateBrier.toFixed(3)}`);
  }
  for (const m of report.models) {
    lines.push('', `${m.model} calibration   predicted      n   mean predicted  observed`);
    for (const bin of m.calibration) {
      if (bin.count === 0) continue;
      lines.push(`                      ${bin.from.toFixed(1)}–${bin.to.toFixed(1)}  ${String(bin.count).padStart(5)}   ${pct(bin.meanPredicted).padStart(14)}  ${pct(bin.observedRate).padStart(8)}`);
    }
  }
  for (const s of report.skipped) lines.push(`skipped ${s.model}: ${s.reason}`);
  return lines.join('\n');
}
