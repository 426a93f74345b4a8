/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createTessera, type ChurnScore, type Tessera } from '@tessera/core';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { configure } from '../client.ts';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, realtimeServer, startWorker } from '../test-support/backend.ts';
import { once, part, parts, text, until } from '../test-support/dom.ts';
import { TesseraChurnGauge, defineChurnGauge } from './churn-gauge.ts';

const ANA_ID = '6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3';
const LOW_ID = '2c9e7a14-8f3b-4d6a-b1e5-7a0c3d9f6e21';
const MEDIUM_ID = '9b4d1f63-2e7c-4a85-8d3f-5c6e0a1b7f42';
const DAY = 86_400_000;

/** Ana bought every month for two years and has not ordered in 94 days: BG/NBD rates her at high risk. */
function anaScore(overrides: Partial<ChurnScore> = {}): ChurnScore {
  return {
    profile_id: ANA_ID,
    risk: 0.82,
    band: 'high',
    horizon_days: 90,
    palive: 0.21,
    expected_purchases: 0.34,
    clv: 61.2,
    currency: 'USD',
    model: 'bgnbd',
    model_version: 3,
    factors: [
      { code: 'overdue', text: 'No purchase in 94 days; this customer usually buys every 31.' },
      { code: 'expected_purchases', text: 'Expected to buy 0.3 times in the next 90 days.' },
    ],
    scored_at: new Date(Date.now() - 3 * DAY).toISOString(),
    ...overrides,
  };
}

const getChurn = (answer: (profileId: string) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/get_churn`, async ({ request }) => answer(((await request.json()) as { profile_id: string }).profile_id));

let realtime = realtimeServer();
const worker = setupWorker();
const clients: Tessera[] = [];
let scope = 0;
/** Reads of get_churn the default handler answered. */
let churnReads = 0;

/** A client with an IndexedDB scope of its own unless given one, so no gauge sees another's cached score. */
function client(key = `test-anon-key-${++scope}`): Tessera {
  const tessera = createTessera({ url: API, key });
  clients.push(tessera);
  return tessera;
}

/** Mounts a gauge reading through a fresh client, or through the default client when `tessera` is null. */
function mount(attributes: Record<string, string>, tessera: Tessera | null = client(), tag = 'churn-gauge'): TesseraChurnGauge {
  const gauge = document.createElement(tag) as TesseraChurnGauge;
  for (const [name, value] of Object.entries(attributes)) gauge.setAttribute(name, value);
  gauge.locale ??= 'en-US';
  if (tessera) gauge.client = tessera;
  document.body.append(gauge);
  return gauge;
}

const meter = (gauge: HTMLElement) => part(gauge, 'meter');
const rendered = (gauge: TesseraChurnGauge) => until(() => meter(gauge), 'the gauge to render');
/** Resolves once the gauge is live and both its first read and the re-read on joining have answered. */
async function settled(gauge: TesseraChurnGauge) {
  await rendered(gauge);
  await until(() => realtime.isJoined(`realtime:profile:${gauge.profileId}`), 'the realtime join');
  await until(() => churnReads >= 2, 'the re-read on joining');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await gauge.updateComplete;
}
const percent = (risk: number, locale = 'en-US') => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(risk);

describe('<churn-gauge>', () => {
  before(async () => {
    await startWorker(worker);
  });

  beforeEach(() => {
    realtime = realtimeServer();
    churnReads = 0;
    worker.resetHandlers(getChurn((id) => (churnReads++, HttpResponse.json(id === ANA_ID ? anaScore() : null))), realtime.handler);
  });

  afterEach(async () => {
    document.querySelectorAll('churn-gauge, acme-churn-gauge').forEach((gauge) => gauge.remove());
    await Promise.all(clients.splice(0).map((tessera) => tessera.clearCache()));
  });

  after(() => worker.stop());

  it('waits for Tessera.configure() when the script loads before its configuration', async () => {
    const gauge = mount({ 'profile-id': ANA_ID }, null);
    await gauge.updateComplete;
    expect(part(gauge, 'base')!.getAttribute('aria-busy')).to.equal('true');
    expect(gauge.shadowRoot!.querySelector('.skeleton')).not.to.equal(null);

    clients.push(configure({ url: API, key: `test-anon-key-${++scope}` }));
    await rendered(gauge);
    expect(text(part(gauge, 'value'))).to.equal('82%');
  });

  it('shows the risk as a meter in its band, with the horizon, model and reasons', async () => {
    const gauge = mount({ 'profile-id': ANA_ID });
    const loaded = once(gauge, 'tessera-churn-load');
    await rendered(gauge);

    const { detail } = await loaded;
    expect(detail.source).to.equal('network');
    expect(detail.score?.risk).to.equal(0.82);

    const m = meter(gauge)!;
    expect(m.getAttribute('role')).to.equal('meter');
    expect(m.getAttribute('aria-valuenow')).to.equal('82');
    expect(m.getAttribute('aria-valuemin')).to.equal('0');
    expect(m.getAttribute('aria-valuemax')).to.equal('100');
    expect(m.getAttribute('aria-valuetext')).to.equal('High churn risk: 82% chance of no purchase in the next 90 days');
    expect(m.dataset.band).to.equal('high');
    expect(text(part(gauge, 'value'))).to.equal('82%');
    expect(text(part(gauge, 'band'))).to.equal('High');
    expect(text(part(gauge, 'horizon'))).to.equal('No purchase in the next 90 days');
    expect(text(part(gauge, 'model'))).to.equal(`Model: BG/NBD · scored ${new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' }).format(-3, 'day')}`);
    expect(parts(gauge, 'reason').map(text)).to.deep.equal([
      'No purchase in 94 days; this customer usually buys every 31.',
      'Expected to buy 0.3 times in the next 90 days.',
    ]);

    // The arc is drawn in the high band's colour and fills 82% of the semicircle.
    const arc = gauge.shadowRoot!.querySelector<SVGPathElement>('.gauge__value')!;
    expect(arc.getAttribute('stroke-dasharray')).to.equal('82 100');
    const high = getComputedStyle(arc).stroke;
    expect(high).to.equal('rgb(180, 35, 24)');
  });

  it('colours each band differently and says which one it is', async () => {
    // Each gauge its own customer: a gauge re-reads on joining live updates, after the next one was mounted.
    const scores = new Map([
      [LOW_ID, anaScore({ profile_id: LOW_ID, risk: 0.18, band: 'low', factors: [{ code: 'on_rhythm', text: 'Buys every 31 days and ordered 12 days ago.' }] })],
      [MEDIUM_ID, anaScore({ profile_id: MEDIUM_ID, risk: 0.47, band: 'medium' })],
    ]);
    worker.use(getChurn((id) => HttpResponse.json(scores.get(id) ?? null)));
    const low = mount({ 'profile-id': LOW_ID });
    const medium = mount({ 'profile-id': MEDIUM_ID });
    await rendered(low);
    await rendered(medium);

    expect(meter(low)!.getAttribute('aria-valuetext')).to.equal('Low churn risk: 18% chance of no purchase in the next 90 days');
    expect(meter(medium)!.getAttribute('aria-valuetext')).to.equal('Medium churn risk: 47% chance of no purchase in the next 90 days');
    const colour = (gauge: HTMLElement) => getComputedStyle(gauge.shadowRoot!.querySelector('.gauge__value')!).stroke;
    expect(colour(low)).to.equal('rgb(26, 127, 75)');
    expect(colour(medium)).to.equal('rgb(180, 83, 9)');
  });

  it('never claims a certainty: 0.998 reads "> 99%" and 0.002 reads "< 1%"', async () => {
    const scores = new Map([
      [ANA_ID, anaScore({ risk: 0.998 })],
      [LOW_ID, anaScore({ profile_id: LOW_ID, risk: 0.002, band: 'low' })],
      [MEDIUM_ID, anaScore({ profile_id: MEDIUM_ID, risk: 1 })],
    ]);
    worker.use(getChurn((id) => HttpResponse.json(scores.get(id) ?? null)));
    const almostSure = mount({ 'profile-id': ANA_ID });
    const almostNever = mount({ 'profile-id': LOW_ID });
    const one = mount({ 'profile-id': MEDIUM_ID });
    for (const gauge of [almostSure, almostNever, one]) await rendered(gauge);

    expect(text(part(almostSure, 'value'))).to.equal('> 99%');
    expect(meter(almostSure)!.getAttribute('aria-valuenow')).to.equal('99');
    expect(meter(almostSure)!.getAttribute('aria-valuetext')).to.equal('High churn risk: > 99% chance of no purchase in the next 90 days');
    expect(text(part(almostNever, 'value'))).to.equal('< 1%');
    expect(meter(almostNever)!.getAttribute('aria-valuenow')).to.equal('1');
    expect(text(part(one, 'value'))).to.equal('> 99%');
    for (const gauge of [almostSure, almostNever, one]) {
      expect(text(part(gauge, 'base'))).not.to.match(/(^|\D)(0|100)\s?%/);
    }
  });

  it('formats the percentage and horizon in the locale it is given, and names what an sBG risk is of', async () => {
    worker.use(getChurn(() => HttpResponse.json(anaScore({ model: 'sbg', risk: 0.35, band: 'medium', horizon_days: 30 }))));
    const gauge = mount({ 'profile-id': ANA_ID, locale: 'de-DE' });
    await rendered(gauge);
    expect(text(part(gauge, 'value'))).to.equal(percent(0.35, 'de-DE'));
    expect(meter(gauge)!.getAttribute('aria-valuetext')).to.equal(`Medium churn risk: ${percent(0.35, 'de-DE')} chance of cancelling at the end of the current period`);
    expect(text(part(gauge, 'model'))).to.include('sBG (subscriptions)');
  });

  it('says the person is not scored yet when get_churn answers null', async () => {
    const unscored = '0d3f8a61-5b2c-4e7d-8f90-1a2b3c4d5e6f';
    const gauge = mount({ 'profile-id': unscored });
    const loaded = once(gauge, 'tessera-churn-load');
    expect((await loaded).detail.score).to.equal(null);
    await gauge.updateComplete;
    expect(text(part(gauge, 'status'))).to.equal('Not scored yet — needs a first purchase');
    expect(meter(gauge)).to.equal(null);
    expect(part(gauge, 'base')!.getAttribute('aria-busy')).to.equal('false');
  });

  it('hides the reasons with hide-reasons', async () => {
    const gauge = mount({ 'profile-id': ANA_ID, 'hide-reasons': '' });
    await rendered(gauge);
    expect(part(gauge, 'reasons')).to.equal(null);
    expect(text(part(gauge, 'value'))).to.equal('82%');
    gauge.hideReasons = false;
    await gauge.updateComplete;
    expect(parts(gauge, 'reason')).to.have.length(2);
  });

  it('shows an error a person can act on, and Retry loads the score', async () => {
    let failing = true;
    worker.use(
      getChurn(() => (failing ? HttpResponse.json({ message: 'canceling statement due to statement timeout', code: '57014' }, { status: 500 }) : HttpResponse.json(anaScore()))),
    );
    const gauge = mount({ 'profile-id': ANA_ID });
    const failed = once(gauge, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('server');
    await gauge.updateComplete;

    expect(text(part(gauge, 'status'))).to.include('Couldn’t load the churn risk');
    expect(text(part(gauge, 'status'))).to.include('Retry in a moment');
    expect(meter(gauge)).to.equal(null);

    failing = false;
    (part(gauge, 'retry-button') as HTMLButtonElement).click();
    await rendered(gauge);
    expect(text(part(gauge, 'value'))).to.equal('82%');
    expect(part(gauge, 'retry-button')).to.equal(null);
  });

  it('offline, shows the cached score and when it was fetched', async () => {
    const key = `test-anon-key-${++scope}`;
    const beforeFetch = Date.now();
    const online = mount({ 'profile-id': ANA_ID }, client(key));
    await settled(online);
    const afterFetch = Date.now();
    online.remove();

    // The page is reloaded without a network: a new client, the same IndexedDB scope.
    worker.use(getChurn(() => HttpResponse.error()));
    const offline = mount({ 'profile-id': ANA_ID }, client(key));
    const failed = once(offline, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('network');
    await offline.updateComplete;

    expect(text(part(offline, 'value'))).to.equal('82%');
    const time = part(offline, 'status')!.querySelector('time')!;
    const fetched = new Date(time.dateTime).getTime();
    expect(fetched).to.be.within(beforeFetch, afterFetch);
    expect(text(part(offline, 'status'))).to.equal(`Offline — showing data from ${new Intl.DateTimeFormat('en-US', { timeStyle: 'short' }).format(fetched)} Retry`);
  });

  it('offline with nothing cached, says the backend cannot be reached', async () => {
    worker.use(getChurn(() => HttpResponse.error()));
    const gauge = mount({ 'profile-id': ANA_ID });
    await once(gauge, 'tessera-error');
    await gauge.updateComplete;
    expect(text(part(gauge, 'status'))).to.include('Tessera can’t be reached');
    expect(meter(gauge)).to.equal(null);
  });

  it('re-renders live when a new order re-scores the person, and only a moved risk is a change', async () => {
    const gauge = mount({ 'profile-id': ANA_ID });
    await settled(gauge);

    const changes: number[] = [];
    gauge.addEventListener('tessera-churn-change', ({ detail }) => changes.push(detail.score!.risk));
    let reads = 0;
    worker.use(getChurn(() => (reads++, HttpResponse.json(anaScore({ risk: 0.12, band: 'low', factors: [{ code: 'recent_purchase', text: 'Ordered today.' }] })))));
    realtime.profileChanged(ANA_ID);
    await until(() => changes.length === 1, 'tessera-churn-change');
    await gauge.updateComplete;

    expect(changes).to.deep.equal([0.12]);
    expect(text(part(gauge, 'value'))).to.equal('12%');
    expect(meter(gauge)!.dataset.band).to.equal('low');
    expect(meter(gauge)!.getAttribute('aria-valuetext')).to.equal('Low churn risk: 12% chance of no purchase in the next 90 days');
    expect(parts(gauge, 'reason').map(text)).to.deep.equal(['Ordered today.']);
    // Screen reader users hear the change without moving focus.
    expect(text(gauge.shadowRoot!.querySelector('[aria-live="polite"].visually-hidden'))).to.equal(
      'Churn risk changed: Low churn risk: 12% chance of no purchase in the next 90 days',
    );

    // A profile change that does not re-score (a new comment) re-reads the same risk: no event.
    realtime.profileChanged(ANA_ID);
    await until(() => reads === 2, 'the second re-read');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(changes).to.deep.equal([0.12]);
  });

  it('renders hostile reason text as inert text', async () => {
    const hostile = '<img src=x onerror="window.__tesseraPwned = true">';
    worker.use(getChurn(() => HttpResponse.json(anaScore({ factors: [{ code: '"><svg onload="window.__tesseraPwned = true">', text: hostile }], model: hostile }))));
    const gauge = mount({ 'profile-id': ANA_ID });
    await rendered(gauge);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(text(part(gauge, 'reason'))).to.equal(hostile);
    expect(text(part(gauge, 'model'))).to.include(hostile);
    expect(gauge.shadowRoot!.querySelectorAll('img, script, [onload]').length).to.equal(0);
    expect((window as { __tesseraPwned?: boolean }).__tesseraPwned).to.equal(undefined);
  });

  it('takes its size from --tessera-gauge-size', async () => {
    const gauge = mount({ 'profile-id': ANA_ID });
    gauge.style.setProperty('--tessera-gauge-size', '120px');
    await rendered(gauge);
    expect(meter(gauge)!.getBoundingClientRect().width).to.equal(120);
    gauge.style.setProperty('--tessera-gauge-size', '260px');
    expect(meter(gauge)!.getBoundingClientRect().width).to.equal(260);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations in the ${theme} theme, scored, not scored and failing`, async () => {
      const scored = mount({ 'profile-id': ANA_ID, theme });
      await rendered(scored);
      await expectNoAxeViolations(scored);

      const unscored = mount({ 'profile-id': '0d3f8a61-5b2c-4e7d-8f90-1a2b3c4d5e6f', theme });
      await until(() => text(part(unscored, 'status')).startsWith('Not scored'), 'the not-scored state');
      await expectNoAxeViolations(unscored);

      worker.use(getChurn(() => HttpResponse.json({ message: 'boom' }, { status: 500 })));
      const failing = mount({ 'profile-id': ANA_ID, theme });
      await until(() => part(failing, 'retry-button'), 'the error state');
      await expectNoAxeViolations(failing);
    });
  }

  it('registers under a prefix where a page already has a churn-gauge', async () => {
    defineChurnGauge('acme');
    expect(customElements.get('churn-gauge')).to.equal(TesseraChurnGauge);
    const gauge = mount({ 'profile-id': ANA_ID }, client(), 'acme-churn-gauge');
    expect(gauge).to.be.instanceOf(TesseraChurnGauge);
    await rendered(gauge);
    expect(text(part(gauge, 'value'))).to.equal('82%');
  });
});
