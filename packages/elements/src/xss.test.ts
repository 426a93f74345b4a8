/// <reference types="mocha" />
// Every element, fed a backend whose every free-text field is hostile
// (customer names, emails, identity values, trait names and values, event
// summaries and comment text, churn reasons, segment names and queries,
// source names and stage labels): the text shows, as text, and nothing in it
// becomes markup, a script, an event handler or a javascript: URL.
import { expect } from '@esm-bundle/chai';
import { HttpResponse, http, type JsonBodyType } from 'msw';
import { setupWorker } from 'msw/browser';
import { API, mountElement, startWorker } from './test-support/backend.ts';
import { until } from './test-support/dom.ts';
import './churn-gauge/churn-gauge.ts';
import './customer-card/customer-card.ts';
import './journey-timeline/journey-timeline.ts';
import './profile-search/profile-search.ts';
import './segment-builder/segment-builder.ts';
import './segment-list/segment-list.ts';
import './segment-members/segment-members.ts';
import './workspace-overview/workspace-overview.ts';

const PERSON = '6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3';
const WORKSPACE = 'b2a4e1f0-7c3d-4e8a-9f61-0d5c2b7a8e94';
const SEGMENT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const NOW = new Date().toISOString();

/** What attackers put in names, comments and settings; each marks `window.__pwned` if it ever runs. */
const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '"><script>window.__pwned=1</script>',
  "'><svg onload=window.__pwned=1>",
  '</style><iframe src="javascript:window.__pwned=1"></iframe>',
  'javascript:window.__pwned=1',
  '${window.__pwned=1}{{constructor.constructor("window.__pwned=1")()}}',
];
const pick = (i: number) => HOSTILE[i % HOSTILE.length]!;

const profile = {
  id: PERSON,
  workspace_id: WORKSPACE,
  display_name: pick(0),
  first_name: pick(1),
  last_name: pick(2),
  email: pick(1),
  phone: pick(3),
  identities: HOSTILE.map((value, i) => ({ kind: i % 2 ? 'instagram' : pick(i), value, source: i % 2 ? 'instagram' : pick(i + 1), first_seen_at: NOW, last_seen_at: NOW })),
  traits: HOSTILE.map((value, i) => ({ name: pick(i + 2), value, source: 'shopify', observed_at: NOW })),
  lifetime_revenue: 120,
  currency: 'USD',
  orders_count: 2,
  first_seen_at: NOW,
  last_activity: { type: pick(4), source: pick(5), occurred_at: NOW, revenue: null, currency: null },
  created_at: NOW,
  updated_at: NOW,
  churn: { risk: 0.82, band: 'high' },
  stage: pick(0),
};
const churn = {
  profile_id: PERSON,
  risk: 0.82,
  band: 'high',
  horizon_days: 90,
  palive: 0.3,
  expected_purchases: 0.2,
  clv: 12,
  currency: 'USD',
  model: pick(3),
  model_version: 1,
  factors: HOSTILE.map((text, i) => ({ code: pick(i + 1), text })),
  scored_at: NOW,
};
const journey = {
  profile_id: PERSON,
  events: HOSTILE.map((text, i) => ({
    id: String(100 - i),
    source: i % 2 ? pick(i) : 'instagram',
    type: pick(i + 1),
    occurred_at: new Date(Date.now() - i * 86_400_000).toISOString(),
    revenue: i % 3 ? null : 10,
    currency: i % 3 ? null : 'USD',
    summary: text,
    properties: { text: pick(i + 2), comment: pick(i + 3), title: pick(i + 4) },
  })),
  next_cursor: null,
};
const summary = (i: number) => ({ id: `${PERSON.slice(0, -1)}${i}`, display_name: pick(i), email: pick(i + 1), phone: pick(i + 2), lifetime_revenue: 10 * i, currency: 'USD', last_activity_at: NOW });
const segment = { id: SEGMENT, name: pick(0), query: 'amount_spent > 100', definition: { kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: 100 } }, members: 3, time_dependent: false, updated_at: NOW };
const member = (i: number) => ({ id: `${PERSON.slice(0, -1)}${i}`, display_name: pick(i), email: pick(i + 3), lifetime_revenue: 10, currency: 'USD', churn_risk: 0.5, churn_band: 'medium', entered_at: NOW });
const overview = {
  workspace_id: WORKSPACE,
  since: null,
  until: null,
  customers: { total: 6, new: 1, by_first_source: HOSTILE.map((source) => ({ source, customers: 1 })), by_source: HOSTILE.map((source) => ({ source, customers: 1 })) },
  revenue: [{ currency: 'USD', amount: 120 }],
  orders: 2,
  churn: { low: 1, medium: 2, high: 3, unscored: 0 },
  funnel: HOSTILE.map((label, i) => ({ stage: `stage_${i}`, label, customers: i })),
  unstaged: 0,
  new_customers_by_week: [{ week: '2026-11-02', customers: 1 }, { week: '2026-11-09', customers: 2 }],
};

const rpc = (fn: string, body: JsonBodyType) => http.post(`${API}/rest/v1/rpc/${fn}`, () => HttpResponse.json(body));
const worker = setupWorker(
  rpc('get_profile', profile),
  rpc('get_churn', churn),
  rpc('get_journey', journey),
  rpc('search_profiles', [0, 1, 2, 3, 4, 5].map(summary)),
  rpc('list_segments', [segment, { ...segment, id: SEGMENT.replace('9a8b', '1a8b'), name: pick(3), query: pick(4) }]),
  rpc('segment_members', { members: [0, 1, 2].map(member), next_cursor: null }),
  rpc('preview_segment', { count: 3, sample: [0, 1, 2].map(summary) }),
  rpc('workspace_overview', overview),
);

/** Every element under `root`, through shadow roots. */
function everyElement(root: ParentNode): Element[] {
  const found: Element[] = [];
  for (const element of root.querySelectorAll('*')) {
    found.push(element);
    if (element.shadowRoot) found.push(...everyElement(element.shadowRoot));
  }
  return found;
}
const shownText = (element: Element) => [element, ...everyElement(element.shadowRoot!)].map((e) => (e.shadowRoot ? '' : e.textContent ?? '')).join(' ');

describe('hostile text in every element', () => {
  before(async () => {
    await startWorker(worker);
  });
  after(() => worker.stop());

  const cases: [tag: string, attributes: Record<string, string>, ready: (element: HTMLElement) => boolean, interact?: (element: HTMLElement) => Promise<void>][] = [
    ['customer-card', { 'profile-id': PERSON }, (e) => !!e.shadowRoot!.querySelector('[part~="name"]')],
    ['churn-gauge', { 'profile-id': PERSON }, (e) => !!e.shadowRoot!.querySelector('[part~="reason"]')],
    ['journey-timeline', { 'profile-id': PERSON, 'hide-chart': '' }, (e) => e.shadowRoot!.querySelectorAll('[part~="event"]').length === HOSTILE.length],
    ['segment-list', {}, (e) => e.shadowRoot!.querySelectorAll('[role="option"]').length === 2],
    ['segment-members', { 'segment-id': SEGMENT }, (e) => e.shadowRoot!.querySelectorAll('[part~="member"]').length === 3],
    // A query that does not parse, quoting hostile text: the error excerpt shows the query back.
    ['segment-builder', { value: `amount_spnt > 1 OR email = '${HOSTILE[0]}'` }, (e) => /did you mean amount_spent/.test(shownText(e))],
    ['workspace-overview', {}, (e) => !!e.shadowRoot!.querySelector('[data-chart="sources"] tbody tr')],
    [
      'profile-search',
      {},
      (e) => e.shadowRoot!.querySelectorAll('[role="option"]').length === 6,
      async (e) => {
        const input = e.shadowRoot!.querySelector('input')!;
        input.value = 'ana';
        input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      },
    ],
  ];

  for (const [tag, attributes, ready, interact] of cases) {
    it(`<${tag}> shows hostile text as text and runs none of it`, async () => {
      const element = await mountElement(tag, attributes);
      await interact?.(element);
      await until(() => ready(element), `<${tag}> to render the hostile data`, 8_000);
      await new Promise((settled) => setTimeout(settled, 50));

      expect((window as any).__pwned, 'a hostile string ran').to.equal(undefined);
      const inside = everyElement(element.shadowRoot!);
      const injected = inside.filter((e) => ['script', 'img', 'iframe', 'object', 'embed'].includes(e.localName));
      expect(injected.map((e) => e.outerHTML)).to.deep.equal([]);
      for (const e of inside) {
        for (const attribute of e.attributes) {
          expect(attribute.name.startsWith('on'), `${e.localName} has ${attribute.name}`).to.equal(false);
          expect(/^\s*javascript:/i.test(attribute.value) && ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attribute.name), `${e.localName} ${attribute.name}=${attribute.value}`).to.equal(false);
        }
      }
      // Not hidden either: at least one hostile string is on screen, verbatim.
      const text = shownText(element);
      expect(HOSTILE.some((h) => text.includes(h)), `<${tag}> showed none of the hostile strings`).to.equal(true);
      element.remove();
    });
  }
});
