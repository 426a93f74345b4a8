/**
 * `tessera identity suggest --csv FILE [--csv FILE2] [--threshold X]`
 *
 * Reads FEBRL-style CSV and prints one JSON line per suggested pair,
 * `{"a":"rec-1-org","b":"rec-1-dup-0","score":0.9993}`, best first, so the output
 * can be piped into jq or a review queue as it arrives. One file: duplicates within
 * it. Two or more files: links across them, never within one file.
 */
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { readFebrl } from './febrl.ts';
import { DEFAULT_THRESHOLD, suggestDuplicates } from './suggest.ts';

export const SUGGEST_USAGE = `tessera identity suggest --csv FILE [--csv FILE2] [--threshold ${DEFAULT_THRESHOLD}]
      Possible duplicates among FEBRL-style CSV records, one JSON line per pair: {"a", "b", "score"}.
      Two files are linked across (pairs never within one file). Score: probability of one person.`;

/** @param args what follows `tessera identity suggest` */
export async function suggestCommand(args: string[], out: Writable = process.stdout): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { csv: { type: 'string', multiple: true }, threshold: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    out.write(`${SUGGEST_USAGE}\n`);
    return;
  }
  const files = values.csv ?? [];
  if (files.length === 0) throw new Error(`Give at least one --csv FILE.\n\n${SUGGEST_USAGE}`);
  const threshold = values.threshold === undefined ? DEFAULT_THRESHOLD : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`--threshold must be a probability between 0 and 1, not ${values.threshold}`);

  const records = files.flatMap((file) => readFebrl(file, { link: files.length > 1 }));
  // A reader that has seen enough (`| head`) closes the pipe: stop quietly, it is not a failure.
  let failure: Error | undefined;
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') failure = error;
  });
  for (const { a, b, score } of suggestDuplicates(records, { threshold })) {
    if (out.destroyed) break;
    // Respect backpressure so a slow reader (a review tool) never makes us buffer everything.
    if (!out.write(`${JSON.stringify({ a, b, score: Math.round(score * 10_000) / 10_000 })}\n`)) {
      await ready(out);
    }
  }
  if (failure) throw failure;
}

/** Resolves when `out` can take more, or never will (closed or failed). */
function ready(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ['drain', 'close', 'error']) out.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error']) out.on(event, done);
  });
}
