// Which built files a storefront page fetches before its first render: the
// entry (tessera.min.js) and its static imports, transitively. The bundle
// test holds them to the budget; `npm run bench` prints them.
import { readFileSync } from 'node:fs';

export function firstRenderFiles(dist: URL = new URL('./dist/', import.meta.url), entry = 'tessera.min.js'): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(new URL(file, dist), 'utf8');
    // Either quote: minified chunks use double quotes, the unminified builds for bundlers (core's dist) single.
    for (const [, imported] of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+)["']/g)) visit(imported!);
  };
  visit(entry);
  return [...seen];
}
