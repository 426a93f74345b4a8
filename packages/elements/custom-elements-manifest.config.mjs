// custom-elements.json, generated from each element's JSDoc (`npm run build`).
// Our classes register their tags in a define function (so a page can add a
// prefix), which the analyzer cannot follow: the tag is the class name in
// kebab case without "Tessera". Reactive state (`state: true`) is private
// and no attribute, and only our own `tessera-*` events are public.
const tagOf = (className) => className.replace(/^Tessera/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export default {
  globs: ['src/**/*.component.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      name: 'tessera-tags',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (!declaration.customElement) continue;
            declaration.tagName = tagOf(declaration.name);
            const privateFields = new Set((declaration.members ?? []).filter((m) => m.privacy === 'private' || m.privacy === 'protected').map((m) => m.name));
            declaration.attributes = (declaration.attributes ?? []).filter((a) => !privateFields.has(a.fieldName));
            declaration.members = (declaration.members ?? []).filter((m) => m.privacy !== 'private' && m.privacy !== 'protected' && !m.name.startsWith('#'));
            declaration.events = (declaration.events ?? []).filter((e) => e.name?.startsWith('tessera-'));
          }
        }
      },
    },
  ],
};
