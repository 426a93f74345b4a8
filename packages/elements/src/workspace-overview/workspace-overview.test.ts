/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createTessera, type Tessera, type WorkspaceOverview } from '@tessera/core';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, KEY, startWorker } from '../test-support/backend.ts';
import { part, text, until } from '../test-support/dom.ts';
import { TesseraWorkspaceOverview, defineWorkspaceOverview } from './workspace-overview.ts';

const WORKSPACE_ID = 'b2a4e1f0-7c3d-4e8a-9f61-0d5c2b7a8e94';
const HOSTILE = '<img src=x onerror="window.__pwned = true">';

/** A bakery selling in dollars and euros, with a source whose name tries to be markup. */
function hearth(overrides: Partial<WorkspaceOverview> = {}): WorkspaceOverview {
  return {
    workspace_id: WORKSPACE_ID,
    since: '2026-01-01T00:00:00+00:00',
    until: null,
    customers: {
      total: 12480,
      new: 312,
      by_first_source: [
        { source: 'shopify', customers: 9100 },
        { source: 'kajabi', customers: 2200 },
        { source: 'tiktok', customers: 1170 },
        { source: HOSTILE, customers: 10 },
      ],
      by_source: [
        { source: 'shopify', customers: 9800 },
        { source: 'kajabi', customers: 3100 },
      ],
    },
    revenue: [
      { currency: 'USD', amount: 184233.5 },
      { currency: 'EUR', amount: 2210 },
    ],
    orders: 4021,
    churn: { low: 6100, medium: 1900, high: 734, unscored: 3746 },
    funnel: [
      { stage: 'follower', label: 'Follower', customers: 1170 },
      { stage: 'lead', label: 'Lead', customers: 2000 },
      { stage: 'first_purchase', label: 'First purchase', customers: 4200 },
      { stage: 'repeat', label: 'Repeat', customers: 2500 },
      { stage: 'loyal', label: 'Loyal', customers: 900 },
      { stage: 'at_risk', label: 'At risk', customers: 734 },
      { stage: 'churned', label: 'Churned', customers: 950 },
      { stage: 'reactivated', label: 'Reactivated', customers: 26 },
    ],
    unstaged: 0,
    new_customers_by_week: [{ week: '2025-12-29', customers: 40 }],
    ...overrides,
  };
}

const worker = setupWorker();
let calls: Record<string, unknown>[] = [];
const overviewAnswers = (answer: () => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/workspace_overview`, async ({ request }) => {
    calls.push((await request.json()) as Record<string, unknown>);
    return answer();
  });

function client(): Tessera {
  return createTessera({ url: API, key: KEY, cache: false });
}

/** Mounts an overview, below `offset` pixels of page when the test needs it off screen. */
function mount(attributes: Record<string, string> = {}, offset = 0): TesseraWorkspaceOverview {
  if (offset) document.body.append(Object.assign(document.createElement('div'), { className: 'spacer', style: `height: ${offset}px` }));
  const overview = document.createElement('workspace-overview');
  for (const [name, value] of Object.entries(attributes)) overview.setAttribute(name, value);
  overview.locale = 'en-US';
  overview.client = client();
  document.body.append(overview);
  return overview;
}

const tile = (element: HTMLElement, name: string) => element.shadowRoot!.querySelector(`[data-tile="${name}"]`);
const figure = (element: HTMLElement, name: string) => element.shadowRoot!.querySelector<HTMLElement>(`[data-chart="${name}"]`)!;
const rendered = (element: HTMLElement) => until(() => part(element, 'tiles'), 'the figures to render');
/** Every resource the page fetched: an observer sees them all, where the timeline buffer stops at 250. */
const fetched = new Set(performance.getEntriesByType('resource').map((entry) => entry.name));
new PerformanceObserver((list) => list.getEntries().forEach((entry) => fetched.add(entry.name))).observe({ type: 'resource', buffered: true });
/** Whether the page has fetched chart.js (any of its modules). */
const chartJsRequested = () => [...fetched].some((name) => /\/node_modules\/chart\.js\//.test(name));
const tableRows = (element: HTMLElement, chart: string) =>
  [...figure(element, chart).querySelectorAll('tbody tr')].map((row) => [text(row.querySelector('th')), text(row.querySelector('td'))]);

describe('<workspace-overview>', () => {
  before(async () => {
    await startWorker(worker);
  });

  beforeEach(() => {
    calls = [];
    worker.resetHandlers(overviewAnswers(() => HttpResponse.json(hearth())));
  });

  afterEach(() => {
    document.querySelectorAll('workspace-overview, .spacer').forEach((element) => element.remove());
    window.scrollTo(0, 0);
  });

  after(() => worker.stop());

  // First, so that no earlier test has loaded chart.js into the page.
  it('downloads chart.js only when a chart scrolls into view, then draws it', async () => {
    const overview = mount({}, 3 * window.innerHeight);
    await rendered(overview);
    // The figures are there, off screen; the charts are not, and chart.js was never requested.
    expect(text(tile(overview, 'customers')?.querySelector('dd'))).to.equal('12,480');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chartJsRequested(), 'chart.js requested before any chart was on screen').to.equal(false);
    expect(figure(overview, 'sources').hasAttribute('data-drawn')).to.equal(false);
    expect(figure(overview, 'funnel').hasAttribute('data-drawn')).to.equal(false);

    figure(overview, 'sources').scrollIntoView();
    await until(() => figure(overview, 'sources').hasAttribute('data-drawn'), 'the sources chart to be drawn');
    expect(chartJsRequested()).to.equal(true);
    const canvas = figure(overview, 'sources').querySelector('canvas')!;
    expect(canvas.width, 'chart.js sized the canvas').to.be.greaterThan(0);
    const { Chart } = await import('chart.js');
    const chart = Chart.getChart(canvas)!;
    expect(chart.data.labels).to.deep.equal(['Shopify', 'Kajabi', 'TikTok', HOSTILE]);
    expect(chart.data.datasets[0]!.data).to.deep.equal([9100, 2200, 1170, 10]);
  });

  it('renders the figures: customers, revenue per currency, orders and customers at high risk', async () => {
    const overview = mount({ since: '2026-01-01T00:00:00Z' });
    const loaded = new Promise<CustomEvent>((resolve) => overview.addEventListener('tessera-overview-load', resolve as any, { once: true }));
    await rendered(overview);
    expect(calls).to.deep.equal([{ since: '2026-01-01T00:00:00Z' }]);
    expect((await loaded).detail.overview.customers.total).to.equal(12480);
    expect(text(tile(overview, 'customers'))).to.equal('Customers 12,480 312 new in this period');
    // Each currency on its own: dollars and euros are never added together.
    const revenue = [...tile(overview, 'revenue')!.querySelectorAll('dd')].map(text);
    expect(revenue).to.deep.equal([
      new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(184233.5),
      new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(2210),
    ]);
    expect(text(tile(overview, 'orders')?.querySelector('dd'))).to.equal('4,021');
    expect(text(tile(overview, 'at-risk')?.querySelector('dd'))).to.equal('734');
    // The funnel's table says, in the stage model's order, what the chart draws.
    expect(tableRows(overview, 'funnel')).to.deep.equal([
      ['Follower', '1,170'],
      ['Lead', '2,000'],
      ['First purchase', '4,200'],
      ['Repeat', '2,500'],
      ['Loyal', '900'],
      ['At risk', '734'],
      ['Churned', '950'],
      ['Reactivated', '26'],
    ]);
  });

  it('charts new customers per week when the window spans weeks, and leaves the chart out when it is one week', async () => {
    const oneWeek = mount();
    await rendered(oneWeek);
    expect(oneWeek.shadowRoot!.querySelector('[data-chart="weekly"]')).to.equal(null);
    oneWeek.remove();

    worker.use(
      overviewAnswers(() =>
        HttpResponse.json(
          hearth({
            new_customers_by_week: [
              { week: '2026-10-26', customers: 12 },
              { week: '2026-11-02', customers: 0 },
              { week: '2026-11-09', customers: 1250 },
            ],
          }),
        ),
      ),
    );
    const weeks = mount();
    await rendered(weeks);
    // Weeks are UTC Mondays: the label is that day whatever the browser's time zone.
    expect(tableRows(weeks, 'weekly')).to.deep.equal([
      ['Oct 26', '12'],
      ['Nov 2', '0'],
      ['Nov 9', '1,250'],
    ]);
    weeks.remove();

    // Across New Year the labels carry the year, or "Jan 5" would be ambiguous.
    worker.use(overviewAnswers(() => HttpResponse.json(hearth({ new_customers_by_week: [{ week: '2025-12-29', customers: 3 }, { week: '2026-01-05', customers: 4 }] }))));
    const newYear = mount();
    await rendered(newYear);
    expect(tableRows(newYear, 'weekly')).to.deep.equal([
      ['Dec 29, 2025', '3'],
      ['Jan 5, 2026', '4'],
    ]);
  });

  it('formats numbers and money in the locale it is given', async () => {
    const overview = mount({ locale: 'de-DE' });
    overview.locale = 'de-DE';
    await rendered(overview);
    expect(text(tile(overview, 'customers')?.querySelector('dd'))).to.equal('12.480');
    expect(text(tile(overview, 'revenue')?.querySelector('dd'))).to.equal(
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'USD' }).format(184233.5),
    );
  });

  it('renders a hostile source name as text, in the table and in the chart labels', async () => {
    const overview = mount();
    await rendered(overview);
    expect(tableRows(overview, 'sources').at(-1)).to.deep.equal([HOSTILE, '10']);
    expect(overview.shadowRoot!.querySelector('img')).to.equal(null);
    expect((window as any).__pwned).to.equal(undefined);
  });

  it('says there are no customers yet for an empty workspace', async () => {
    worker.use(
      overviewAnswers(() =>
        HttpResponse.json(
          hearth({
            customers: { total: 0, new: 0, by_first_source: [], by_source: [] },
            revenue: [],
            orders: 0,
            churn: { low: 0, medium: 0, high: 0, unscored: 0 },
            funnel: hearth().funnel.map((f) => ({ ...f, customers: 0 })),
            new_customers_by_week: [],
          }),
        ),
      ),
    );
    const overview = mount();
    await until(() => text(part(overview, 'status')).includes('No customers yet'), 'the empty state');
    expect(part(overview, 'tiles')).to.equal(null);
    expect(part(overview, 'base')!.getAttribute('aria-busy')).to.equal('false');
  });

  it('shows an error with Retry, and Retry loads the figures', async () => {
    worker.use(
      overviewAnswers(() => HttpResponse.json({ code: 'XX000', message: 'could not compute', details: null, hint: null }, { status: 500 })),
    );
    const overview = mount();
    const failed = new Promise<CustomEvent>((resolve) => overview.addEventListener('tessera-error', resolve as any, { once: true }));
    expect((await failed).detail.error.code).to.equal('server');
    await overview.updateComplete;
    expect(text(part(overview, 'status'))).to.contain('Couldn’t load the overview');
    expect(text(part(overview, 'status'))).to.contain('Error code: server');
    await expectNoAxeViolations(overview);

    worker.resetHandlers(overviewAnswers(() => HttpResponse.json(hearth())));
    part(overview, 'retry-button')!.click();
    await rendered(overview);
    expect(text(tile(overview, 'orders')?.querySelector('dd'))).to.equal('4,021');
    expect(text(part(overview, 'status'))).to.equal('');
  });

  it('offline, says so, and loads by itself when the connection is back', async () => {
    worker.use(overviewAnswers(() => HttpResponse.error()));
    const overview = mount();
    await until(() => text(part(overview, 'status')).includes('You’re offline'), 'the offline state');
    expect(part(overview, 'tiles')).to.equal(null);

    worker.resetHandlers(overviewAnswers(() => HttpResponse.json(hearth())));
    window.dispatchEvent(new Event('online'));
    await rendered(overview);
    expect(text(tile(overview, 'customers')?.querySelector('dd'))).to.equal('12,480');
  });

  it('keeps the figures it has when a refresh finds the backend offline', async () => {
    const overview = mount();
    await rendered(overview);
    worker.use(overviewAnswers(() => HttpResponse.error()));
    overview.refresh();
    await until(() => text(part(overview, 'status')).startsWith('Offline — showing figures from'), 'the offline banner');
    expect(text(tile(overview, 'customers')?.querySelector('dd'))).to.equal('12,480');
  });

  it('has no axe violations with its figures and charts drawn, in light and dark', async () => {
    const overview = mount();
    await rendered(overview);
    await until(() => figure(overview, 'funnel').hasAttribute('data-drawn'), 'the charts to be drawn');
    await expectNoAxeViolations(overview);
    overview.theme = 'dark';
    await overview.updateComplete;
    await expectNoAxeViolations(overview);
  });

  it('registers under a prefix for pages that already own the name', async () => {
    defineWorkspaceOverview('acme');
    const prefixed = document.createElement('acme-workspace-overview') as TesseraWorkspaceOverview;
    expect(prefixed).to.be.instanceOf(TesseraWorkspaceOverview);
  });
});
