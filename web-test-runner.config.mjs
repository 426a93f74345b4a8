// Browser tests: the elements' component tests and core's browser-only tests
// (IndexedDB cache, realtime), run in the system Chromium against msw mocks.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

// msw's worker script must match the installed msw exactly, so it is served
// straight from the package instead of being copied into the repo.
const mockServiceWorker = createRequire(import.meta.url).resolve('msw/mockServiceWorker.js');

export default {
  files: ['packages/elements/src/**/*.test.ts', 'packages/core/src/**/*.browser.test.ts', '!packages/**/*.node.test.ts'],
  // Workspace packages export their TypeScript sources under `source`.
  nodeResolve: { exportConditions: ['source', 'browser'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' })],
  middleware: [
    async (context, next) => {
      if (context.path !== '/mockServiceWorker.js') return next();
      context.type = 'application/javascript';
      context.body = await readFile(mockServiceWorker, 'utf8');
    },
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        // Debian's Chromium: nothing here may download a browser.
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
      },
    }),
  ],
  testFramework: { config: { timeout: 10_000 } },
};
