// docs/api.md is generated from the SDK's TSDoc; this fails when one changes without the other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

describe('SDK reference (docs/api.md)', () => {
  it('is what scripts/api-docs.mjs generates from the TSDoc: run `node scripts/api-docs.mjs` and commit it', async () => {
    // @ts-expect-error a plain .mjs script without types
    const { apiDocs } = await import('../../../scripts/api-docs.mjs');
    const generated: string = apiDocs();
    assert.equal(readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8'), generated);
    // Every namespace the client composes is documented, with at least one example each.
    for (const namespace of ['profiles', 'churn', 'journeys', 'segments', 'analytics']) {
      assert.match(generated, new RegExp(`## \`tessera\\.${namespace}\``), `tessera.${namespace} is missing`);
    }
    assert.ok((generated.match(/```ts\n/g) ?? []).length >= 30, 'fewer signatures and examples than expected');
  });
});
