/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createTessera, type JourneyEvent, type JourneyPage, type Tessera } from '@tessera/core';
import { sendKeys } from '@web/test-runner-commands';
import { HttpResponse, http, passthrough } from 'msw';
import { setupWorker } from 'msw/browser';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, realtimeServer, startWorker } from '../test-support/backend.ts';
import { once, part, parts, text, until } from '../test-support/dom.ts';
import { TesseraJourneyTimeline, defineJourneyTimeline } from './journey-timeline.ts';

const ANA_ID = '6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3';
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** What Ana did, cycling through her sources: orders on Shopify, lessons and payments on Kajabi, comments on Instagram. */
const KINDS: ((n: number) => Pick<JourneyEvent, 'source' | 'type' | 'summary' | 'revenue' | 'currency' | 'properties'>)[] = [
  (n) => ({
    source: 'shopify',
    type: 'order_placed',
    summary: `Ordered ${(n % 3) + 1} items, $${((n % 3) + 1) * 42}.00`,
    revenue: ((n % 3) + 1) * 42,
    currency: 'USD',
    properties: { item_count: (n % 3) + 1, items: [{ title: 'Country Loaf', quantity: (n % 3) + 1, price: 42 }] },
  }),
  (n) => ({
    source: 'kajabi',
    type: 'lesson_completed',
    summary: `Completed lesson ${(n % 12) + 1} of Sourdough Basics`,
    revenue: null,
    currency: null,
    properties: { course_title: 'Sourdough Basics', lesson_number: (n % 12) + 1, lesson_title: 'Shaping' },
  }),
  () => ({
    source: 'meta',
    type: 'commented',
    summary: 'Commented on your Instagram post',
    revenue: null,
    currency: null,
    properties: { network: 'instagram', text: 'That crumb! Which flour do you use?' },
  }),
  () => ({
    source: 'kajabi',
    type: 'payment_succeeded',
    summary: 'Paid €29.00 for Bread Club (monthly)',
    revenue: 29,
    currency: 'EUR',
    properties: { offer_title: 'Bread Club (monthly)' },
  }),
];

/** `count` events, newest first: the newest 5 hours ago, then one every `spacingDays`. */
function journey(count: number, spacingDays = 2): JourneyEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(90_000 - i),
    occurred_at: new Date(Date.now() - 5 * HOUR - i * spacingDays * DAY).toISOString(),
    ...KINDS[i % KINDS.length]!(i),
  }));
}

interface JourneyArgs {
  profile_id: string;
  limit?: number;
  cursor?: string;
  sources?: string[];
}

/** get_journey over `events` the way the SQL function pages them: filtered, newest first, keyset cursor. */
function pageOf(events: JourneyEvent[], args: JourneyArgs): JourneyPage {
  const limit = args.limit ?? 50;
  const matching = events.filter((event) => !args.sources || args.sources.includes(event.source));
  const start = args.cursor ? matching.findIndex((event) => event.id === atob(args.cursor!)) + 1 : 0;
  const events_ = matching.slice(start, start + limit);
  const more = start + limit < matching.length;
  return { profile_id: ANA_ID, events: events_, next_cursor: more ? btoa(events_.at(-1)!.id) : null };
}

let anaJourney = journey(60);
let asked: JourneyArgs[] = [];
const getJourney = (answer: (args: JourneyArgs) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/get_journey`, async ({ request }) => {
    const args = (await request.json()) as JourneyArgs;
    asked.push(args);
    return answer(args);
  });
const served = () => getJourney((args) => HttpResponse.json(args.profile_id === ANA_ID ? pageOf(anaJourney, args) : null));

let realtime = realtimeServer();
const worker = setupWorker();
const clients: Tessera[] = [];
let scope = 0;

/** A client with an IndexedDB scope of its own unless given one, so no timeline sees another's cached page. */
function client(key = `test-anon-key-${++scope}`): Tessera {
  const tessera = createTessera({ url: API, key });
  clients.push(tessera);
  return tessera;
}

function mount(attributes: Record<string, string>, tessera: Tessera = client(), tag = 'journey-timeline'): TesseraJourneyTimeline {
  const timeline = document.createElement(tag) as TesseraJourneyTimeline;
  for (const [name, value] of Object.entries(attributes)) timeline.setAttribute(name, value);
  timeline.locale ??= 'en-US';
  timeline.client = tessera;
  document.body.append(timeline);
  return timeline;
}

const rows = (timeline: HTMLElement) => parts(timeline, 'event');
const summaries = (timeline: HTMLElement) => parts(timeline, 'summary').map(text);
const rendered = (timeline: TesseraJourneyTimeline) => until(() => rows(timeline).length, 'the events to render');
/** Resolves once the timeline is live and both its first read and the re-read on joining have answered. */
async function settled(timeline: TesseraJourneyTimeline) {
  await rendered(timeline);
  await until(() => realtime.isJoined(`realtime:profile:${ANA_ID}`), 'the realtime join');
  await until(() => asked.length >= 2, 'the re-read on joining');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await timeline.updateComplete;
}
const chartJsRequested = () => performance.getEntriesByType('resource').some((entry) => entry.name.includes('/node_modules/chart.js/'));
const button = (timeline: HTMLElement, name: string) => part(timeline, name) as HTMLButtonElement | null;
const chip = (timeline: HTMLElement, label: string) => parts(timeline, 'filter').find((element) => text(element) === label) as HTMLButtonElement | undefined;

describe('<journey-timeline>', () => {
  before(async () => {
    // The test page loads hundreds of modules: make room so the timing of a later chart.js request is not dropped.
    performance.setResourceTimingBufferSize(10_000);
    await startWorker(worker);
  });

  beforeEach(() => {
    anaJourney = journey(60);
    asked = [];
    realtime = realtimeServer();
    worker.resetHandlers(served(), realtime.handler);
  });

  afterEach(async () => {
    document.querySelectorAll('journey-timeline, acme-journey-timeline, .spacer').forEach((element) => element.remove());
    await Promise.all(clients.splice(0).map((tessera) => tessera.clearCache()));
  });

  after(() => worker.stop());

  // First: once any test shows a chart, chart.js is in the page for good.
  it('downloads chart.js only when the chart scrolls on screen, then draws events per week by source', async () => {
    // The service worker sees a module request when it starts, where resource timing only lists it once it has finished.
    const chartRequests: string[] = [];
    worker.use(http.get(/\/node_modules\/chart\.js\//, ({ request }) => (chartRequests.push(request.url), passthrough())));
    const hidden = mount({ 'profile-id': ANA_ID, 'hide-chart': '' });
    const spacer = Object.assign(document.createElement('div'), { className: 'spacer' });
    spacer.style.height = '3000px';
    document.body.append(spacer);
    const timeline = mount({ 'profile-id': ANA_ID, limit: '20' });
    await rendered(hidden);
    await rendered(timeline);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(part(hidden, 'chart')).to.equal(null);
    expect(part(timeline, 'chart')).not.to.equal(null);
    expect(chartRequests, 'chart.js was requested before the chart was on screen').to.deep.equal([]);
    expect(chartJsRequested()).to.equal(false);

    part(timeline, 'chart')!.scrollIntoView();
    await until(chartJsRequested, 'chart.js to be requested');
    expect(chartRequests[0]).to.match(/\/node_modules\/chart\.js\/dist\/chart\.js$/);
    const { Chart } = await import('chart.js');
    const canvas = part(timeline, 'chart-canvas') as HTMLCanvasElement;
    await until(() => Chart.getChart(canvas), 'the chart to be drawn');
    const chart = Chart.getChart(canvas)!;
    expect(chart.data.datasets.map((dataset) => dataset.label)).to.deep.equal(['Shopify', 'Kajabi', 'Instagram & Facebook']);
    // 20 events two days apart span six weeks: a bar per week, and every event counted once.
    const total = chart.data.datasets.flatMap((dataset) => dataset.data as number[]).reduce((sum, n) => sum + n, 0);
    expect(total).to.equal(20);
    expect(chart.data.labels!.length).to.be.within(6, 7);
  });

  it('lists the events newest first with their source, time and revenue', async () => {
    const timeline = mount({ 'profile-id': ANA_ID });
    const loaded = once(timeline, 'tessera-journey-load');
    await rendered(timeline);

    const { detail } = await loaded;
    expect(detail.source).to.equal('network');
    expect(detail.page?.events).to.have.length(25);
    expect(asked[0]).to.deep.equal({ profile_id: ANA_ID, limit: 25 });

    expect(rows(timeline)).to.have.length(25);
    expect(rows(timeline)[0]!.tagName).to.equal('BUTTON');
    const first = rows(timeline)[0]!;
    expect(text(first.querySelector('[part~="source-badge"]'))).to.equal('Shopify');
    expect(text(first.querySelector('[part~="summary"]'))).to.equal('Ordered 1 items, $42.00');
    expect(text(first.querySelector('time'))).to.equal(new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' }).format(-5, 'hour'));
    expect(first.querySelector('time')!.dateTime).to.equal(anaJourney[0]!.occurred_at);
    expect(text(first.querySelector('[part~="revenue"]'))).to.equal(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(42));

    const payment = rows(timeline)[3]!;
    expect(text(payment.querySelector('[part~="revenue"]'))).to.equal(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(29));
    expect(payment.querySelector('[part~="source-badge"]')!.textContent).to.include('Kajabi');
    const comment = rows(timeline)[2]!;
    expect(text(comment.querySelector('[part~="comment"]'))).to.equal('“That crumb! Which flour do you use?”');
    // Older than a week: the date, not "3 weeks ago".
    const old = rows(timeline)[10]!.querySelector('time')!;
    expect(text(old)).to.equal(new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(new Date(anaJourney[10]!.occurred_at)));
  });

  it('gives the chart a text alternative: a table of events per period by source', async () => {
    const timeline = mount({ 'profile-id': ANA_ID, limit: '10' });
    await rendered(timeline);
    const table = part(timeline, 'chart')!.querySelector('table')!;
    expect(text(part(timeline, 'chart')!.querySelector('figcaption'))).to.equal('Events per week by source');
    expect([...table.querySelectorAll('thead th')].map(text)).to.deep.equal(['Week of', 'Shopify', 'Kajabi', 'Instagram & Facebook']);
    const counts = [...table.querySelectorAll('tbody td')].map((cell) => Number(text(cell)));
    expect(counts.reduce((sum, n) => sum + n, 0)).to.equal(10);
    expect(part(timeline, 'chart-canvas')!.getAttribute('aria-hidden')).to.equal('true');

    // A year of events reads per month.
    anaJourney = journey(30, 14);
    const yearly = mount({ 'profile-id': ANA_ID, limit: '30' });
    await rendered(yearly);
    expect(text(part(yearly, 'chart')!.querySelector('figcaption'))).to.equal('Events per month by source');
    expect(text(part(yearly, 'chart')!.querySelector('thead th'))).to.equal('Month');
  });

  it('"Show older" appends the next page read with the cursor, until the oldest event', async () => {
    const timeline = mount({ 'profile-id': ANA_ID });
    const firstPage = once(timeline, 'tessera-journey-load');
    await settled(timeline);
    const cursor = (await firstPage).detail.page!.next_cursor;
    expect(cursor).to.be.a('string');

    asked = [];
    const older = once(timeline, 'tessera-journey-load');
    button(timeline, 'show-older-button')!.click();
    expect((await older).detail.source).to.equal('network');
    await timeline.updateComplete;
    expect(asked).to.deep.equal([{ profile_id: ANA_ID, cursor, limit: 25 }]);
    expect(rows(timeline)).to.have.length(50);
    expect(rows(timeline).map((row) => row.closest('li')!.dataset.id)).to.deep.equal(anaJourney.slice(0, 50).map((event) => event.id));
    // Keyboard users land on the first event the button brought in.
    expect(timeline.shadowRoot!.activeElement).to.equal(rows(timeline)[25]);

    button(timeline, 'show-older-button')!.click();
    await until(() => rows(timeline).length === 60, 'the last page');
    expect(button(timeline, 'show-older-button')).to.equal(null);
  });

  it('filter chips are toggle buttons that re-query by source', async () => {
    const timeline = mount({ 'profile-id': ANA_ID });
    await settled(timeline);
    expect(parts(timeline, 'filter').map(text)).to.deep.equal(['Shopify', 'Kajabi', 'Instagram & Facebook']);
    expect(part(timeline, 'filters')!.getAttribute('role')).to.equal('group');
    expect(parts(timeline, 'filter').map((element) => element.getAttribute('aria-pressed'))).to.deep.equal(['false', 'false', 'false']);

    asked = [];
    chip(timeline, 'Kajabi')!.click();
    await until(() => asked.length && rows(timeline).length && rows(timeline).every((row) => text(row.querySelector('[part~="source-badge"]')) === 'Kajabi'), 'the Kajabi events');
    expect(asked[0]).to.deep.equal({ profile_id: ANA_ID, sources: ['kajabi'], limit: 25 });
    expect(chip(timeline, 'Kajabi')!.getAttribute('aria-pressed')).to.equal('true');
    // The other chips stay, so the filter can be widened again.
    expect(parts(timeline, 'filter').map(text)).to.deep.equal(['Shopify', 'Kajabi', 'Instagram & Facebook']);

    asked = [];
    chip(timeline, 'Shopify')!.click();
    await until(() => asked.some((args) => args.sources?.length === 2), 'the two-source query');
    expect(asked[0]!.sources).to.deep.equal(['kajabi', 'shopify']);

    asked = [];
    chip(timeline, 'Kajabi')!.click();
    chip(timeline, 'Shopify')!.click();
    await until(() => asked.some((args) => !args.sources), 'the unfiltered query');
    await until(() => rows(timeline).length === 25 && summaries(timeline).includes('Commented on your Instagram post'), 'every source again');
  });

  it('reads only the sources and page size its attributes ask for', async () => {
    const timeline = mount({ 'profile-id': ANA_ID, sources: 'meta, shopify', limit: '5' });
    await rendered(timeline);
    expect(asked[0]).to.deep.equal({ profile_id: ANA_ID, sources: ['meta', 'shopify'], limit: 5 });
    expect(rows(timeline)).to.have.length(5);
    expect(chip(timeline, 'Instagram & Facebook')!.getAttribute('aria-pressed')).to.equal('true');
  });

  it('says "No activity yet" for a journey without events', async () => {
    anaJourney = [];
    const timeline = mount({ 'profile-id': ANA_ID });
    const loaded = once(timeline, 'tessera-journey-load');
    expect((await loaded).detail.page?.events).to.deep.equal([]);
    await timeline.updateComplete;
    expect(text(part(timeline, 'status'))).to.equal('No activity yet');
    expect(part(timeline, 'chart')).to.equal(null);
    expect(part(timeline, 'events')).to.equal(null);
  });

  it('shows an error a person can act on, and Retry loads the journey', async () => {
    let failing = true;
    worker.use(getJourney((args) => (failing ? HttpResponse.json({ message: 'permission denied for function get_journey', code: '42501' }, { status: 403 }) : HttpResponse.json(pageOf(anaJourney, args)))));
    const timeline = mount({ 'profile-id': ANA_ID });
    const failed = once(timeline, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('forbidden');
    await timeline.updateComplete;
    expect(text(part(timeline, 'status'))).to.include('Couldn’t load the journey');
    expect(text(part(timeline, 'status'))).to.include('You don’t have access to this journey');

    failing = false;
    button(timeline, 'retry-button')!.click();
    await rendered(timeline);
    expect(rows(timeline)).to.have.length(25);
    expect(button(timeline, 'retry-button')).to.equal(null);
  });

  it('offline, shows the cached page and when it was fetched', async () => {
    const key = `test-anon-key-${++scope}`;
    const beforeFetch = Date.now();
    const online = mount({ 'profile-id': ANA_ID }, client(key));
    await settled(online);
    const afterFetch = Date.now();
    online.remove();

    worker.use(getJourney(() => HttpResponse.error()));
    const offline = mount({ 'profile-id': ANA_ID }, client(key));
    const failed = once(offline, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('network');
    await offline.updateComplete;

    expect(rows(offline)).to.have.length(25);
    expect(summaries(offline)[0]).to.equal('Ordered 1 items, $42.00');
    const fetched = new Date(part(offline, 'status')!.querySelector('time')!.dateTime).getTime();
    expect(fetched).to.be.within(beforeFetch, afterFetch);
    expect(text(part(offline, 'status'))).to.equal(`Offline — showing data from ${new Intl.DateTimeFormat('en-US', { timeStyle: 'short' }).format(fetched)} Retry`);
  });

  it('puts a new event on top when the journey changes, and announces it politely', async () => {
    const timeline = mount({ 'profile-id': ANA_ID });
    await settled(timeline);
    button(timeline, 'show-older-button')!.click();
    await until(() => rows(timeline).length === 50, 'the older page');

    const refund: JourneyEvent = {
      id: '90001',
      source: 'shopify',
      type: 'refund_issued',
      occurred_at: new Date(Date.now() - 60_000).toISOString(),
      revenue: -42,
      currency: 'USD',
      summary: 'Refunded $42.00',
      properties: { reason: 'damaged' },
    };
    anaJourney = [refund, ...anaJourney];
    const live = new Promise<void>((resolve) => timeline.addEventListener('tessera-journey-load', ({ detail }) => detail.source === 'live' && resolve()));
    realtime.profileChanged(ANA_ID);
    await live;
    await timeline.updateComplete;

    expect(summaries(timeline)[0]).to.equal('Refunded $42.00');
    expect(text(rows(timeline)[0]!.querySelector('[part~="revenue"]'))).to.equal(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(-42));
    // The older page stays below, nothing repeated or lost.
    expect(rows(timeline)).to.have.length(51);
    expect(new Set(rows(timeline).map((row) => row.closest('li')!.dataset.id)).size).to.equal(51);
    const announcer = timeline.shadowRoot!.querySelector('.visually-hidden[aria-live="polite"]')!;
    expect(text(announcer)).to.equal('1 new event');
  });

  it('fires tessera-event-select when a row is clicked or activated with Enter', async () => {
    const timeline = mount({ 'profile-id': ANA_ID });
    await rendered(timeline);
    const selected: string[] = [];
    timeline.addEventListener('tessera-event-select', ({ detail }) => selected.push(detail.event.id));

    rows(timeline)[1]!.click();
    rows(timeline)[2]!.focus();
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Space' });
    expect(selected).to.deep.equal([anaJourney[1]!.id, anaJourney[2]!.id, anaJourney[3]!.id]);
  });

  it('renders hostile summaries and comments as inert text', async () => {
    const hostile = '<img src=x onerror="window.__tesseraPwned = true">';
    anaJourney = journey(3).map((event) => ({ ...event, summary: hostile, source: 'meta', properties: { network: 'instagram', text: `"><script>window.__tesseraPwned = true</script>` } }));
    const timeline = mount({ 'profile-id': ANA_ID });
    await rendered(timeline);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(summaries(timeline)[0]).to.equal(hostile);
    expect(text(part(timeline, 'comment'))).to.equal('“"><script>window.__tesseraPwned = true</script>”');
    expect(timeline.shadowRoot!.querySelectorAll('img, script').length).to.equal(0);
    expect((window as { __tesseraPwned?: boolean }).__tesseraPwned).to.equal(undefined);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations in the ${theme} theme, with events, empty and failing`, async () => {
      const timeline = mount({ 'profile-id': ANA_ID, theme, limit: '8' });
      await settled(timeline);
      await expectNoAxeViolations(timeline);

      worker.use(getJourney(() => HttpResponse.json({ profile_id: ANA_ID, events: [], next_cursor: null })));
      const empty = mount({ 'profile-id': ANA_ID, theme });
      await until(() => text(part(empty, 'status')) === 'No activity yet', 'the empty state');
      await expectNoAxeViolations(empty);

      worker.use(getJourney(() => HttpResponse.json({ message: 'boom' }, { status: 500 })));
      const failing = mount({ 'profile-id': ANA_ID, theme });
      await until(() => part(failing, 'retry-button'), 'the error state');
      await expectNoAxeViolations(failing);
    });
  }

  it('registers under a prefix where a page already has a journey-timeline', async () => {
    defineJourneyTimeline('acme');
    expect(customElements.get('journey-timeline')).to.equal(TesseraJourneyTimeline);
    const timeline = mount({ 'profile-id': ANA_ID }, client(), 'acme-journey-timeline');
    expect(timeline).to.be.instanceOf(TesseraJourneyTimeline);
    await rendered(timeline);
    expect(rows(timeline)).to.have.length(25);
  });
});
