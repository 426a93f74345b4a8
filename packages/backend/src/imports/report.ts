import { basename } from 'node:path';
import type { ImportReport } from './run-import.ts';

const count = (n: number) => n.toLocaleString('en-US');

/** The end-of-import summary a person reads: what was read, what landed, what was refused and why (by line). */
export function formatImportReport(report: ImportReport): string {
  const seconds = report.elapsedMs / 1000;
  const rows: [string, number, string?][] = [
    ['rows read', report.rows, report.records !== report.rows ? `as ${count(report.records)} records` : undefined],
    ['accepted', report.accepted],
    ['rejected', report.rejected, report.rejected ? 'kept in the dead-letter with the reason' : undefined],
    ['duplicates skipped', report.duplicates, report.duplicates ? `already imported${report.previouslyRejected ? `; ${count(report.previouslyRejected)} of them rejected then` : ''}` : undefined],
    ...(report.ignored ? [['ignored', report.ignored, 'kinds of record Tessera keeps but does not import'] as [string, number, string]] : []),
    ['profiles created', report.profilesCreated],
    ['merged', report.merged, report.merged ? 'profiles fused because rows linked them' : undefined],
  ];
  const width = Math.max(...rows.map(([, n]) => count(n).length));
  const lines = [`Imported ${basename(report.file)} (${report.label}) in ${seconds.toFixed(1)} s, ${count(Math.round(report.rowsPerSecond))} rows/s`];
  for (const [label, n, note] of rows) {
    lines.push(`  ${label.padEnd(19)}${count(n).padStart(width)}${note ? `  (${note})` : ''}`);
    if (label === 'rejected') {
      for (const r of report.rejections) lines.push(`    ${r.lastLine > r.line ? `lines ${r.line}–${r.lastLine}` : `line ${r.line}`}: ${r.reason}`);
      if (report.rejected > report.rejections.length) lines.push(`    … and ${count(report.rejected - report.rejections.length)} more in the dead-letter`);
    }
  }
  return lines.join('\n');
}
