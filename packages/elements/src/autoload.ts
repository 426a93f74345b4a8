/**
 * The storefront script registers only `<customer-card>` up front; every other
 * element is fetched from beside `tessera.min.js` the first time its tag
 * appears on the page, so a page showing a card pays for nothing else.
 */

/** Each lazily loaded element: its tag (without prefix) and how to fetch and register it. */
const lazyElements: Record<string, () => Promise<(prefix?: string) => void>> = {
  'churn-gauge': () => import('./churn-gauge/churn-gauge.ts').then((m) => m.defineChurnGauge),
  'journey-timeline': () => import('./journey-timeline/journey-timeline.ts').then((m) => m.defineJourneyTimeline),
  'profile-search': () => import('./profile-search/profile-search.ts').then((m) => m.defineProfileSearch),
  'segment-builder': () => import('./segment-builder/segment-builder.ts').then((m) => m.defineSegmentBuilder),
  'segment-list': () => import('./segment-list/segment-list.ts').then((m) => m.defineSegmentList),
  'segment-members': () => import('./segment-members/segment-members.ts').then((m) => m.defineSegmentMembers),
  'workspace-overview': () => import('./workspace-overview/workspace-overview.ts').then((m) => m.defineWorkspaceOverview),
};

/** Tags this page watches for, by full name: the unprefixed ones and each prefix's. */
const watched = new Map<string, { name: string; prefix: string | undefined }>();
const loading = new Map<string, Promise<void>>();

/**
 * Fetches and registers one element now, e.g. before creating it from script.
 *
 * @example
 * await Tessera.load('journey-timeline');
 * document.body.append(document.createElement('journey-timeline'));
 */
export function load(name: string, prefix?: string): Promise<void> {
  const tag = prefix ? `${prefix}-${name}` : name;
  const fetchElement = lazyElements[name];
  if (!fetchElement) return Promise.reject(new Error(`Tessera has no element named <${name}>; it has ${Object.keys(lazyElements).join(', ')} and customer-card.`));
  let pending = loading.get(tag);
  if (!pending) {
    pending = fetchElement().then((define) => define(prefix));
    // A failed fetch (offline) may be retried when the tag shows up again.
    pending.catch(() => loading.delete(tag));
    loading.set(tag, pending);
  }
  return pending;
}

function discover(root: ParentNode) {
  for (const [tag, { name, prefix }] of watched) {
    if (customElements.get(tag) || loading.has(tag)) continue;
    if ((root instanceof Element && root.localName === tag) || root.querySelector(tag)) {
      load(name, prefix).catch((error) => console.error(`Tessera could not load <${tag}>:`, error));
    }
  }
}

let observer: MutationObserver | undefined;

/** Starts loading elements as their tags appear, under `prefix` if given. */
export function autoload(prefix?: string): void {
  for (const name of Object.keys(lazyElements)) watched.set(prefix ? `${prefix}-${name}` : name, { name, prefix });
  if (typeof document === 'undefined') return;
  discover(document);
  observer ??= new MutationObserver((records) => {
    for (const record of records) for (const node of record.addedNodes) if (node instanceof Element) discover(node);
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
}

/** The tags that load on demand (without prefix). */
export const lazyElementNames = Object.keys(lazyElements);
