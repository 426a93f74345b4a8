import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressBar, progressFigures, renderProgressLine } from './progress.ts';

const MB = 1_000_000;
/** 12 MB of a 48 MB export read in 10 s, 12,000 rows done. */
const quarter = { bytesRead: 12 * MB, totalBytes: 48 * MB, rows: 12_000, elapsedMs: 10_000 };

const output = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write: (text: string) => writes.push(text) };
};

describe('import progress', () => {
  it('estimates the time left from the bytes read against the file size', () => {
    const figures = progressFigures(quarter);
    assert.equal(figures.share, 0.25);
    assert.equal(figures.rowsPerSecond, 1200);
    assert.equal(figures.etaSeconds, 30);
  });

  it('draws a bar with the share, rows, rows/s and ETA, fitted to the terminal', () => {
    const line = renderProgressLine('customers_export.csv', quarter, 100);
    assert.match(line, /^customers_export\.csv \[█+░+\]  25%  12,000 rows  1,200 rows\/s  ETA 0:30$/);
    assert.ok(renderProgressLine('customers_export.csv', quarter, 40).length < 40);
  });

  it('redraws a terminal in place at most about ten times a second', () => {
    let now = 0;
    const tty = output(true);
    const bar = createProgressBar(tty, { label: 'orders.csv', now: () => now });
    for (let ms = 0; ms < 1000; ms += 5) {
      now = ms;
      bar.update({ ...quarter, elapsedMs: ms });
    }
    assert.equal(tty.writes.length, 10);
    assert.ok(tty.writes.every((w) => w.startsWith('\r') && w.endsWith('\x1b[K')));
    bar.done();
    assert.equal(tty.writes.at(-1), '\r\x1b[K');
  });

  it('writes a plain line every few seconds when stderr is not a terminal (CI, a log file)', () => {
    let now = 0;
    const log = output(false);
    const bar = createProgressBar(log, { label: 'orders.csv', now: () => now });
    for (let ms = 0; ms <= 12_000; ms += 100) {
      now = ms;
      bar.update({ ...quarter, elapsedMs: 10_000 });
    }
    assert.equal(log.writes.length, 3); // at 0, 5 and 10 s
    assert.equal(log.writes[0], 'orders.csv: 25% read, 12,000 rows, 1,200 rows/s, about 0:30 left\n');
    assert.ok(log.writes.every((w) => !w.includes('\r') && !w.includes('\x1b')));
    bar.done();
    assert.equal(log.writes.length, 3);
  });
});
