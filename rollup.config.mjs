// Builds every package: the core SDK and the elements as ESM for bundlers,
// the storefront script (one minified IIFE a theme loads with a <script> tag)
// with realtime split into a file beside it, and the backend CLI for Node.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import esbuild from 'rollup-plugin-esbuild';

const pkg = (dir) => JSON.parse(readFileSync(new URL(`./packages/${dir}/package.json`, import.meta.url), 'utf8'));
const dependenciesOf = (dir) => Object.keys(pkg(dir).dependencies ?? {});
// Externals are the package's dependencies and anything under them (zod/mini, lit/decorators.js…).
const external = (names) => (id) => names.some((name) => id === name || id.startsWith(`${name}/`)) || id.startsWith('node:');

const ts = (options = {}) => esbuild({ target: 'es2022', ...options });
const resolve = (options = {}) => nodeResolve({ exportConditions: ['source'], extensions: ['.ts', '.js', '.mjs'], ...options });

// In the storefront script, realtime and the segment language are fetched from beside tessera.min.js when first used.
const storefrontRealtime = {
  name: 'storefront-lazy-chunks',
  resolveId(source, importer) {
    if (!importer?.includes('/packages/core/src/')) return null;
    for (const loader of ['realtime-loader', 'segment-language-loader']) {
      if (source.endsWith(`/${loader}.ts`)) return fileURLToPath(new URL(`./packages/core/src/${loader}.storefront.ts`, import.meta.url));
    }
    return null;
  },
};

// Third-party code's comment placement and internal cycles are not ours to fix; our own warnings still show.
const onwarn = (warning, warn) => {
  const inDependency = [warning.id, ...(warning.ids ?? [])].some((id) => id?.includes('/node_modules/'));
  if (inDependency && ['INVALID_ANNOTATION', 'CIRCULAR_DEPENDENCY', 'THIS_IS_UNDEFINED'].includes(warning.code)) return;
  warn(warning);
};

export default [
  {
    input: { index: 'packages/core/src/index.ts', schemas: 'packages/core/src/schemas/index.ts' },
    output: { dir: 'packages/core/dist', format: 'es', sourcemap: true },
    external: external(dependenciesOf('core')),
    plugins: [resolve(), ts()],
  },
  {
    input: 'packages/elements/src/index.ts',
    output: { file: 'packages/elements/dist/index.js', format: 'es', sourcemap: true },
    external: external(dependenciesOf('elements')),
    plugins: [resolve(), ts()],
  },
  {
    input: 'packages/elements/src/tessera.min.ts',
    output: { file: 'packages/elements/dist/tessera.min.js', format: 'iife', name: 'Tessera', sourcemap: true },
    plugins: [storefrontRealtime, resolve({ browser: true }), ts({ minify: true, target: 'es2021' })],
  },
  {
    input: 'packages/core/src/realtime-chunk.ts',
    output: { file: 'packages/elements/dist/tessera-realtime.js', format: 'es', sourcemap: true },
    plugins: [resolve({ browser: true }), ts({ minify: true, target: 'es2021' })],
  },
  {
    input: 'packages/core/src/segments/index.ts',
    output: { file: 'packages/elements/dist/tessera-segments.js', format: 'es', sourcemap: true },
    plugins: [resolve({ browser: true }), ts({ minify: true, target: 'es2021' })],
  },
  {
    input: 'packages/backend/src/cli.ts',
    output: { file: 'packages/backend/dist/cli.js', format: 'es', sourcemap: true },
    // @tessera/core is bundled from source; everything else is installed beside it.
    external: external(dependenciesOf('backend').filter((name) => name !== '@tessera/core')),
    plugins: [resolve({ preferBuiltins: true }), ts({ target: 'node20' })],
  },
].map((config) => ({ ...config, onwarn }));
