/**
 * Where the CDNOW cohort lives (the 2,357 customers of Fader, Hardie & Lee's
 * papers; not in the repository): CDNOW_DIR, or the shared bench data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CDNOW_DIR = process.env.CDNOW_DIR ?? '/work/shared/bench-data/cdnow';

/** A CDNOW file's path, or a reason to skip for tests that need it. */
export function cdnowFile(name: string): { path: string; skip: string | false } {
  const path = join(CDNOW_DIR, name);
  return { path, skip: existsSync(path) ? false : `${path} not found; set CDNOW_DIR` };
}
