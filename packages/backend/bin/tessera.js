#!/usr/bin/env node
// The CLI is bundled by `npm run build` (rollup.config.mjs) into dist/cli.js.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('tessera: the CLI is not built yet. Run `npm run build` at the repository root.');
    process.exit(1);
  }
  throw error;
});
