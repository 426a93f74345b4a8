/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';

// axe-core ships as a classic script that sets window.axe; the test server
// serves it straight from node_modules.
let loaded: Promise<void> | undefined;
function loadAxe(): Promise<void> {
  return (loaded ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('axe-core could not be loaded from /node_modules/axe-core/axe.min.js'));
    document.head.append(script);
  }));
}

/**
 * Runs axe (WCAG 2.1 A and AA rules) on an element, shadow DOM included, and
 * fails with every violation's rule, impact and offending markup.
 */
export async function expectNoAxeViolations(element: Element): Promise<void> {
  await loadAxe();
  const axe = (globalThis as any).axe;
  const result = await axe.run(element, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, rules: { region: { enabled: false } } });
  const found = result.violations.map(
    (v: any) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n: any) => n.html).join('\n    ')}`,
  );
  expect(found, `axe found violations:\n${found.join('\n')}`).to.deep.equal([]);
}
