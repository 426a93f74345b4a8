import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The @tessera/backend package directory, found from this module whether it
 * runs from src/ (tests) or from the bundled dist/ (the CLI), so SQL files and
 * static assets are located the same way in both.
 */
export const backendRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === '@tessera/backend') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Could not find the @tessera/backend package directory');
    dir = parent;
  }
})();

/** The repository root (workspaces), where examples/ and the built packages live. */
export const repoRoot = join(backendRoot, '..', '..');
