// Builds every package: the core SDK and the elements as ESM for bundlers,
// the storefront script (a minified ES module a theme loads with one
// <script type="module"> tag, with what it needs later in chunks beside it),
// and the backend CLI for Node.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { readFileSync, rmSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';

const pkg = (dir) => JSON.parse(readFileSync(new URL(`./packages/${dir}/package.json`, import.meta.url), 'utf8'));
const dependenciesOf = (dir) => Object.keys(pkg(dir).dependencies ?? {});
// Externals are the package's dependencies and anything under them (zod/mini, lit/decorators.js…).
const external = (names) => (id) => names.some((name) => id === name || id.startsWith(`${name}/`)) || id.startsWith('node:');

// Chunk names carry content hashes: start from an empty folder so old chunks do not pile up beside new ones.
rmSync(new URL('./packages/elements/dist/', import.meta.url), { recursive: true, force: true });

const ts = (options = {}) => esbuild({ target: 'es2022', ...options });
const resolve = (options = {}) => nodeResolve({ exportConditions: ['source'], extensions: ['.ts', '.js', '.mjs'], ...options });

// In the storefront script the segment language is fetched from tessera-segments.js, built on its own (see the loader).
const storefrontSegmentLanguage = {
  name: 'storefront-segment-language',
  resolveId(source, importer) {
    if (!importer?.includes('/packages/core/src/') || !source.endsWith('/segment-language-loader.ts')) return null;
    return new URL('./packages/core/src/segment-language-loader.storefront.ts', import.meta.url).pathname;
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
    input: { index: 'packages/core/src/index.ts', schemas: 'packages/core/src/schemas/index.ts', segments: 'packages/core/src/segments/index.ts' },
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
    // tessera.min.js only re-exports tessera-base-*.js (see tessera.min.ts); the lazy chunks import the base too.
    input: { 'tessera.min': 'packages/elements/src/tessera.min.ts' },
    output: {
      dir: 'packages/elements/dist',
      format: 'es',
      sourcemap: true,
      // Flat names with a content hash: Shopify's theme assets folder has no subfolders, and a CDN may cache forever.
      entryFileNames: '[name].js',
      chunkFileNames: (chunk) => `tessera-${chunk.name === 'tessera.min' ? 'base' : chunk.name}-[hash].js`,
      // Name the lazy chunks after what they hold (realtime-js' entry file is called "module").
      manualChunks: (id) => (id.includes('/@supabase/realtime-js/') ? 'realtime' : id.includes('/node_modules/chart.js/') ? 'chart' : undefined),
    },
    plugins: [storefrontSegmentLanguage, resolve({ browser: true }), ts({ minify: true, target: 'es2021' })],
  },
  {
    input: 'packages/core/src/segments/index.ts',
    output: { file: 'packages/elements/dist/tessera-segments.js', format: 'es', sourcemap: true },
    plugins: [resolve({ browser: true }), ts({ minify: true, target: 'es2021' })],
  },
  {
    // The scale seed's generator thread loads dist/scale-worker.js beside the CLI (src/seed/scale-worker.ts).
    input: { cli: 'packages/backend/src/cli.ts', 'scale-worker': 'packages/backend/src/seed/scale-worker.ts' },
    output: { dir: 'packages/backend/dist', format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    // @tessera/core is bundled from source; everything else is installed beside it.
    external: external(dependenciesOf('backend').filter((name) => name !== '@tessera/core')),
    plugins: [resolve({ preferBuiltins: true }), ts({ target: 'node20' })],
  },
].map((config) => ({ ...config, onwarn }));
