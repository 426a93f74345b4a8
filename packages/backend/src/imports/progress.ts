import type { ImportProgress } from './run-import.ts';

/** Where progress is written: a terminal (redrawn in place) or a log (a plain line now and then). */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  /** What is being imported (the file name). */
  label: string;
  /** Redraws on a terminal at most this often (default 100 ms, ~10 a second). */
  redrawMs?: number;
  /** Plain lines to a log at most this often (default 5 s). */
  logEveryMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The numbers a progress line shows: share of the file read, rows a second, time left at the rate so far. */
export function progressFigures(progress: ImportProgress) {
  const seconds = progress.elapsedMs / 1000;
  const share = progress.totalBytes > 0 ? Math.min(1, progress.bytesRead / progress.totalBytes) : 1;
  const bytesPerSecond = seconds > 0 ? progress.bytesRead / seconds : 0;
  return {
    share,
    rowsPerSecond: seconds > 0 ? progress.rows / seconds : 0,
    etaSeconds: bytesPerSecond > 0 ? (progress.totalBytes - progress.bytesRead) / bytesPerSecond : Infinity,
  };
}

/** One line for a terminal, fitted to its width: label, bar, percentage, rows, rows/s, ETA. */
export function renderProgressLine(label: string, progress: ImportProgress, width: number): string {
  const { share, rowsPerSecond, etaSeconds } = progressFigures(progress);
  const figures = ` ${String(Math.floor(share * 100)).padStart(3)}%  ${count(progress.rows)} rows  ${count(rowsPerSecond)} rows/s  ETA ${duration(etaSeconds)}`;
  const barWidth = Math.max(0, Math.min(30, width - label.length - figures.length - 4));
  const filled = Math.round(share * barWidth);
  const bar = barWidth > 0 ? ` [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]` : '';
  return `${label}${bar}${figures}`.slice(0, Math.max(0, width - 1));
}

/**
 * Import progress on stderr: on a terminal a bar redrawn in place about ten
 * times a second, with rows/s and the time left (estimated from the bytes
 * read against the file's size); elsewhere (CI, a log file) a plain line
 * every few seconds, so logs stay readable.
 */
export function createProgressBar(output: ProgressOutput, options: ProgressBarOptions) {
  const now = options.now ?? (() => performance.now());
  const tty = output.isTTY === true;
  const every = tty ? (options.redrawMs ?? 100) : (options.logEveryMs ?? 5000);
  let last = -Infinity;
  let drawn = false;
  return {
    update(progress: ImportProgress) {
      const at = now();
      if (at - last < every) return;
      last = at;
      if (tty) {
        output.write(`\r${renderProgressLine(options.label, progress, output.columns ?? 80)}\x1b[K`);
        drawn = true;
      } else {
        const { share, rowsPerSecond, etaSeconds } = progressFigures(progress);
        output.write(
          `${options.label}: ${Math.floor(share * 100)}% read, ${count(progress.rows)} rows, ${count(rowsPerSecond)} rows/s, about ${duration(etaSeconds)} left\n`,
        );
      }
    },
    /** Clears the bar, so the report starts on a clean line. */
    done() {
      if (tty && drawn) output.write('\r\x1b[K');
    },
  };
}
