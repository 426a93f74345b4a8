// Runs every Node test (core's and the backend's *.test.ts except *.browser.test.ts,
// *.node.test.ts anywhere, and examples/**/*.test.ts) with Node's own test runner, TypeScript through tsx.
// Database tests run on PGlite, and on the PostgreSQL server too when
// DATABASE_URL is set. Extra arguments are passed to `node --test`
// (e.g. --test-name-pattern=webhook).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages/core/src', 'packages/backend/src', 'packages/elements/src', 'examples'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.node.test.ts') || (name.endsWith('.test.ts') && !name.endsWith('.browser.test.ts') && !path.startsWith('packages/elements'))) {
      files.push(path);
    }
  }
};
for (const root of roots) walk(root);

const result = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files.sort()],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
