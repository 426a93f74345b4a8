// docs/components.md is generated from the elements' JSDoc (through
// custom-elements.json); this fails when someone edits one and not the other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

describe('component reference (docs/components.md)', () => {
  it('is what scripts/component-docs.mjs generates from custom-elements.json: run `npm run build` and commit it', async () => {
    // @ts-expect-error a plain .mjs script without types
    const { componentDocs } = await import('../../../scripts/component-docs.mjs');
    const committed = readFileSync(new URL('../../../docs/components.md', import.meta.url), 'utf8');
    assert.equal(committed, componentDocs());
  });

  it('documents every element the package registers, with its events and parts', () => {
    const manifest = JSON.parse(readFileSync(new URL('../custom-elements.json', import.meta.url), 'utf8'));
    const elements = manifest.modules.flatMap((m: any) => m.declarations ?? []).filter((d: any) => d.customElement);
    const tags = elements.map((d: any) => d.tagName).sort();
    assert.deepEqual(tags, ['churn-gauge', 'customer-card', 'journey-timeline', 'profile-search', 'segment-builder', 'segment-list', 'segment-members', 'workspace-overview']);
    for (const element of elements) {
      assert.ok(element.summary, `<${element.tagName}> has no @summary`);
      assert.ok(element.events?.length, `<${element.tagName}> documents no events`);
      assert.ok(element.cssParts?.length, `<${element.tagName}> documents no CSS parts`);
      assert.ok(!element.attributes.some((a: any) => ['view', 'busy', 'live', 'state'].includes(a.name)), `<${element.tagName}> exposes internal state as attributes`);
    }
  });
});
