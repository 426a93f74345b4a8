/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createTessera, TesseraError, type Profile, type Tessera } from '@tessera/core';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { configure, getDefaultClient } from '../client.ts';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, KEY, realtimeDown, realtimeServer, startWorker } from '../test-support/backend.ts';
import { once, part, parts, text, until } from '../test-support/dom.ts';
import { TesseraCustomerCard, defineCustomerCard } from './customer-card.ts';

const ANA_ID = '6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3';
const WORKSPACE_ID = 'b2a4e1f0-7c3d-4e8a-9f61-0d5c2b7a8e94';
const DAY = 86_400_000;

/** A Shopify customer who also follows the shop on Instagram; her last order was two days ago. */
function ana(overrides: Partial<Profile> = {}): Profile {
  const twoDaysAgo = new Date(Date.now() - 2 * DAY - 3_600_000).toISOString();
  return {
    id: ANA_ID,
    workspace_id: WORKSPACE_ID,
    display_name: 'Ana Rivera',
    first_name: 'Ana',
    last_name: 'Rivera',
    email: 'ana.rivera@example.com',
    phone: '+14155550142',
    identities: [
      { kind: 'shopify_customer', value: '7390123456789', source: 'shopify', first_seen_at: '2022-03-14T10:21:00Z', last_seen_at: twoDaysAgo },
      // Out of source order, as the resolver links them over time: the card groups them.
      { kind: 'instagram', value: 'ana.makes.pottery', source: 'instagram', first_seen_at: '2023-06-21T08:45:00Z', last_seen_at: '2025-01-02T12:00:00Z' },
      { kind: 'email', value: 'ana.rivera@example.com', source: 'shopify', first_seen_at: '2022-03-14T10:21:00Z', last_seen_at: twoDaysAgo },
      { kind: 'phone', value: '+14155550142', source: 'shopify', first_seen_at: '2023-01-09T18:02:00Z', last_seen_at: twoDaysAgo },
    ],
    traits: [{ name: 'accepts_marketing', value: true, source: 'shopify', observed_at: '2024-11-29T09:00:00Z' }],
    lifetime_revenue: 2486.4,
    currency: 'USD',
    orders_count: 14,
    first_seen_at: '2022-03-14T10:21:00Z',
    last_activity: { type: 'order_placed', source: 'shopify', occurred_at: twoDaysAgo, revenue: 89, currency: 'USD' },
    created_at: '2022-03-14T10:21:00Z',
    updated_at: twoDaysAgo,
    ...overrides,
  };
}

const getProfile = (answer: (profileId: string) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/get_profile`, async ({ request }) => answer(((await request.json()) as { profile_id: string }).profile_id));

let realtime = realtimeServer();
const worker = setupWorker();
const clients: Tessera[] = [];

function client(): Tessera {
  const tessera = createTessera({ url: API, key: KEY });
  clients.push(tessera);
  return tessera;
}

/** Mounts a card reading through a fresh client, or through the default client when `tessera` is null. */
function mount(attributes: Record<string, string>, tessera: Tessera | null = client()): TesseraCustomerCard {
  const card = document.createElement('customer-card');
  for (const [name, value] of Object.entries(attributes)) card.setAttribute(name, value);
  card.locale ??= 'en-US';
  if (tessera) card.client = tessera;
  document.body.append(card);
  return card;
}

const stat = (card: HTMLElement, label: string) => parts(card, 'stat').find((element) => text(element.querySelector('dt')) === label);
const retryButton = (card: HTMLElement) => part(card, 'retry-button') as HTMLButtonElement | null;
const rendered = (card: TesseraCustomerCard) => until(() => part(card, 'name'), 'the profile to render');

/** Resolves once the fresh copy has rendered (a cached copy may come first). */
const loadedFromNetwork = (card: TesseraCustomerCard) =>
  new Promise<void>((resolve) =>
    card.addEventListener('tessera-profile-load', ({ detail }) => detail.source === 'network' && card.updateComplete.then(() => resolve())),
  );

describe('<customer-card>', () => {
  before(async () => {
    await startWorker(worker);
  });

  beforeEach(() => {
    realtime = realtimeServer();
    worker.resetHandlers(
      getProfile((id) => HttpResponse.json(id === ANA_ID ? ana() : null)),
      http.post(`${API}/rest/v1/rpc/resolve_profile`, async ({ request }) => {
        const { value } = (await request.json()) as { kind: string; value: string };
        return HttpResponse.json(value === 'ana.rivera@example.com' ? ANA_ID : null);
      }),
      realtime.handler,
    );
  });

  afterEach(async () => {
    document.querySelectorAll('customer-card').forEach((card) => card.remove());
    await Promise.all(clients.splice(0).map((tessera) => tessera.clearCache()));
  });

  after(() => worker.stop());

  it('waits for Tessera.configure() when the script loads before its configuration', async () => {
    expect(() => getDefaultClient()).to.throw(TesseraError, 'Tessera.configure({ url, key })');
    const card = mount({ 'profile-id': ANA_ID }, null);
    await card.updateComplete;
    expect(part(card, 'base')!.getAttribute('aria-busy')).to.equal('true');

    clients.push(configure({ url: API, key: KEY }));
    await rendered(card);
    expect(text(part(card, 'name'))).to.equal('Ana Rivera');
  });

  it('renders the customer: name, contact, identities grouped by source, revenue, orders and last activity', async () => {
    const card = mount({ 'profile-id': ANA_ID });
    const loaded = once(card, 'tessera-profile-load');
    await rendered(card);

    expect((await loaded).detail).to.deep.include({ source: 'network' });
    expect(text(part(card, 'name'))).to.equal('Ana Rivera');
    expect(text(part(card, 'contact'))).to.equal('ana.rivera@example.com +14155550142');

    const groups = [...card.shadowRoot!.querySelectorAll('.group')].map((group) => ({
      source: text(group.querySelector('.group__source')),
      identities: [...group.querySelectorAll('[part~="identity"]')].map((identity) => text(identity)),
    }));
    expect(groups).to.deep.equal([
      { source: 'Shopify', identities: ['Shopify customer 7390123456789', 'Email ana.rivera@example.com', 'Phone +14155550142'] },
      { source: 'Instagram', identities: ['Instagram ana.makes.pottery'] },
    ]);

    const revenue = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(2486.4);
    expect(text(stat(card, 'Total spent')?.querySelector('dd'))).to.equal(revenue);
    expect(text(stat(card, 'Orders')?.querySelector('dd'))).to.equal('14');

    const lastActivity = stat(card, 'Last activity')!;
    const twoDaysAgo = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' }).format(-2, 'day');
    expect(text(lastActivity.querySelector('dd'))).to.equal('Order placed');
    expect(text(lastActivity.querySelector('.stat__detail'))).to.equal(`Shopify · ${twoDaysAgo}`);
    expect(new Date(lastActivity.querySelector('time')!.dateTime).getTime()).to.be.closeTo(Date.now() - 2 * DAY - 3_600_000, 5_000);

    const since = stat(card, 'Customer since')!.querySelector('time')!;
    expect(since.dateTime).to.equal('2022-03-14T10:21:00Z');
    expect(text(since)).to.equal(new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric' }).format(new Date('2022-03-14T10:21:00Z')));
  });

  it('formats money and dates in the locale it is given, and without a symbol when the currency is unknown', async () => {
    const german = mount({ 'profile-id': ANA_ID, locale: 'de-DE' });
    await rendered(german);
    expect(text(stat(german, 'Total spent')?.querySelector('dd'))).to.equal(
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'USD' }).format(2486.4),
    );

    worker.use(getProfile(() => HttpResponse.json(ana({ currency: null }))));
    const noCurrency = mount({ 'profile-id': ANA_ID });
    await loadedFromNetwork(noCurrency);
    expect(text(stat(noCurrency, 'Total spent')?.querySelector('dd'))).to.equal('2,486.40');

    // A follower who never bought has no currency at all: say so instead of "0.00".
    worker.use(getProfile(() => HttpResponse.json(ana({ currency: null, lifetime_revenue: 0, orders_count: 0 }))));
    const follower = mount({ 'profile-id': ANA_ID });
    await loadedFromNetwork(follower);
    expect(text(stat(follower, 'Total spent')?.querySelector('dd'))).to.equal('No purchases yet');
  });

  it('looks the customer up by email through resolve_profile, then renders them', async () => {
    const asked: unknown[] = [];
    worker.use(
      http.post(`${API}/rest/v1/rpc/resolve_profile`, async ({ request }) => {
        asked.push(await request.json());
        return HttpResponse.json(ANA_ID);
      }),
    );
    const card = mount({ email: 'ana.rivera@example.com' });
    await rendered(card);
    expect(asked).to.deep.equal([{ kind: 'email', value: 'ana.rivera@example.com' }]);
    expect(text(part(card, 'name'))).to.equal('Ana Rivera');
  });

  it('is marked busy, with a skeleton, until the profile arrives', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    worker.use(getProfile(async () => (await answered, HttpResponse.json(ana()))));

    const card = mount({ 'profile-id': ANA_ID });
    await card.updateComplete;
    expect(part(card, 'base')!.getAttribute('aria-busy')).to.equal('true');
    expect(card.shadowRoot!.querySelectorAll('.skeleton').length).to.be.greaterThan(0);
    expect(part(card, 'name')).to.equal(null);

    answer();
    await rendered(card);
    expect(part(card, 'base')!.getAttribute('aria-busy')).to.equal('false');
    expect(card.shadowRoot!.querySelector('.skeleton')).to.equal(null);
  });

  it('says so when no customer has that email', async () => {
    const card = mount({ email: 'nobody@example.com' });
    const loaded = once(card, 'tessera-profile-load');
    expect((await loaded).detail.profile).to.equal(null);
    await card.updateComplete;
    expect(text(part(card, 'status'))).to.equal('No customer found for nobody@example.com.');
    expect(part(card, 'name')).to.equal(null);
  });

  it('says so when get_profile answers null', async () => {
    const missing = '0d3f8a61-5b2c-4e7d-8f90-1a2b3c4d5e6f';
    const card = mount({ 'profile-id': missing });
    await until(() => text(part(card, 'status')).startsWith('No customer'), 'the empty state');
    expect(text(part(card, 'status'))).to.equal(`No customer found for profile ${missing}.`);
  });

  it('shows an error a person can act on, and Retry loads the customer', async () => {
    // The backend fails until the agent presses Retry (a re-read on realtime join must not hide the error).
    let failing = true;
    worker.use(
      getProfile(() => (failing ? HttpResponse.json({ message: 'canceling statement due to statement timeout', code: '57014' }, { status: 500 }) : HttpResponse.json(ana()))),
    );
    const card = mount({ 'profile-id': ANA_ID });
    const failed = once(card, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('server');
    await card.updateComplete;

    expect(text(part(card, 'status'))).to.include('Couldn’t load this customer');
    expect(text(part(card, 'status'))).to.include('Retry in a moment');
    const retry = retryButton(card)!;
    expect(retry.tagName).to.equal('BUTTON');
    expect(part(card, 'status')!.getAttribute('aria-live')).to.equal('polite');

    failing = false;
    retry.click();
    await rendered(card);
    expect(text(part(card, 'name'))).to.equal('Ana Rivera');
    expect(retryButton(card)).to.equal(null);
  });

  it('offline, shows the cached profile and when it was fetched', async () => {
    const beforeFetch = Date.now();
    const online = mount({ 'profile-id': ANA_ID });
    // The fresh copy, not a cached one a previous test left behind: only it is stored with this fetch's time.
    await loadedFromNetwork(online);
    online.remove();
    // A re-read the card started as it went live may still land (and be cached) just after: let it.
    await new Promise((settled) => setTimeout(settled, 200));
    const afterFetch = Date.now();

    // The page is reloaded without a network: a new client, the same IndexedDB.
    worker.use(getProfile(() => HttpResponse.error()));
    const offline = mount({ 'profile-id': ANA_ID });
    const failed = once(offline, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('network');
    await offline.updateComplete;

    expect(text(part(offline, 'name'))).to.equal('Ana Rivera');
    const fetchedAt = part(offline, 'status')!.querySelector('time')!;
    const fetched = new Date(fetchedAt.dateTime).getTime();
    expect(fetched).to.be.within(beforeFetch, afterFetch);
    const time = new Intl.DateTimeFormat('en-US', { timeStyle: 'short' }).format(fetched);
    expect(text(part(offline, 'status'))).to.equal(`Offline — showing data from ${time} Retry`);
  });

  it('has no accessibility violations: ready in light and dark, empty, and failed', async () => {
    for (const theme of ['light', 'dark']) {
      const card = mount({ 'profile-id': ANA_ID, theme });
      await loadedFromNetwork(card);
      await expectNoAxeViolations(card);
    }
    const empty = mount({ email: 'nobody@example.com' });
    await until(() => /No customer/i.test(text(part(empty, 'status'))), 'the empty state');
    await expectNoAxeViolations(empty);
    worker.use(getProfile(() => HttpResponse.json({ message: 'boom' }, { status: 500 })));
    const failed = mount({ 'profile-id': ANA_ID });
    await once(failed, 'tessera-error');
    await failed.updateComplete;
    await expectNoAxeViolations(failed);
  });

  it('renders hostile names and identity values as inert text', async () => {
    const hostileName = '<img src=x onerror="window.__tesseraPwned = true">';
    const hostileValue = '"><script>window.__tesseraPwned = true</script>';
    worker.use(
      getProfile(() =>
        HttpResponse.json(
          ana({
            display_name: hostileName,
            phone: hostileValue,
            identities: [
              { kind: hostileValue, value: hostileValue, source: '"><svg onload="window.__tesseraPwned = true">', first_seen_at: '2024-01-01T00:00:00Z', last_seen_at: '2024-01-01T00:00:00Z' },
            ],
          }),
        ),
      ),
    );
    const card = mount({ 'profile-id': ANA_ID });
    await rendered(card);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(text(part(card, 'name'))).to.equal(hostileName);
    expect(text(part(card, 'identity'))).to.include(hostileValue);
    expect(card.shadowRoot!.querySelectorAll('img, script, svg').length).to.equal(0);
    expect((window as { __tesseraPwned?: boolean }).__tesseraPwned).to.equal(undefined);
  });

  it('reports a malformed response as invalid_response instead of crashing', async () => {
    worker.use(getProfile(() => HttpResponse.json({ ...ana(), lifetime_revenue: '2486.40', identities: 'shopify' })));
    const card = mount({ 'profile-id': ANA_ID });
    const failed = once(card, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('invalid_response');
    await card.updateComplete;
    expect(part(card, 'name')).to.equal(null);
    expect(text(part(card, 'status')!.querySelector('code'))).to.equal('invalid_response');
    expect(retryButton(card)).not.to.equal(null);
  });

  it('takes its colours from CSS custom properties and the theme attribute', async () => {
    const card = mount({ 'profile-id': ANA_ID });
    await rendered(card);
    const background = () => getComputedStyle(part(card, 'base')!).backgroundColor;

    card.style.setProperty('--tessera-card-accent', 'rgb(200, 30, 90)');
    expect(getComputedStyle(part(card, 'avatar')!).color).to.equal('rgb(200, 30, 90)');

    // Set on an ancestor, as a theme's stylesheet would.
    document.body.style.setProperty('--tessera-card-background', 'rgb(250, 247, 240)');
    try {
      expect(background()).to.equal('rgb(250, 247, 240)');
    } finally {
      document.body.style.removeProperty('--tessera-card-background');
    }

    card.theme = 'light';
    await card.updateComplete;
    expect(background()).to.equal('rgb(255, 255, 255)');
    card.theme = 'dark';
    await card.updateComplete;
    expect(background()).to.equal('rgb(24, 27, 33)');
  });

  it('re-renders live when the profile changes in the backend', async () => {
    const card = mount({ 'profile-id': ANA_ID });
    await rendered(card);
    await until(() => realtime.isJoined(`realtime:profile:${ANA_ID}`), 'the realtime join');
    await until(() => part(card, 'live-indicator')?.dataset.live === 'true', 'the card to say it is live');
    expect(text(part(card, 'live-indicator'))).to.equal('Live');

    worker.use(getProfile(() => HttpResponse.json(ana({ lifetime_revenue: 2606.4, orders_count: 15 }))));
    const changed = once(card, 'tessera-profile-change');
    realtime.profileChanged(ANA_ID);

    expect((await changed).detail.profile?.orders_count).to.equal(15);
    await card.updateComplete;
    expect(text(stat(card, 'Orders')?.querySelector('dd'))).to.equal('15');
    expect(text(stat(card, 'Total spent')?.querySelector('dd'))).to.equal(
      new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(2606.4),
    );
  });

  it('shows the churn risk once the person is scored, and follows a new score live', async () => {
    const card = mount({ 'profile-id': ANA_ID });
    await rendered(card);
    // Not scored yet: no churn figure at all, rather than an empty one.
    expect(stat(card, 'Churn risk')).to.equal(undefined);
    await until(() => realtime.isJoined(`realtime:profile:${ANA_ID}`), 'the realtime join');

    worker.use(getProfile(() => HttpResponse.json(ana({ churn: { risk: 0.82, band: 'high' } }))));
    const scored = once(card, 'tessera-profile-change');
    realtime.profileChanged(ANA_ID);
    await scored;
    await card.updateComplete;
    const churn = stat(card, 'Churn risk')!;
    expect(churn.dataset.band).to.equal('high');
    expect(text(churn.querySelector('dd'))).to.equal(`High · ${new Intl.NumberFormat('en-US', { style: 'percent' }).format(0.82)}`);
    const high = getComputedStyle(churn.querySelector('dd')!).color;

    // A new order re-scores the person: the card says so without a reload, in the low band's colour.
    worker.use(getProfile(() => HttpResponse.json(ana({ churn: { risk: 0.12, band: 'low' } }))));
    const rescored = once(card, 'tessera-profile-change');
    realtime.profileChanged(ANA_ID);
    await rescored;
    await card.updateComplete;
    expect(text(stat(card, 'Churn risk')!.querySelector('dd'))).to.equal('Low · 12%');
    expect(getComputedStyle(stat(card, 'Churn risk')!.querySelector('dd')!).color).not.to.equal(high);

    // A model's 0.998 is not a certainty, and the card does not round it into one.
    worker.use(getProfile(() => HttpResponse.json(ana({ churn: { risk: 0.998, band: 'high' } }))));
    const certain = once(card, 'tessera-profile-change');
    realtime.profileChanged(ANA_ID);
    await certain;
    await card.updateComplete;
    expect(text(stat(card, 'Churn risk')!.querySelector('dd'))).to.equal('High · > 99%');
  });

  it('keeps showing the customer when live updates cannot connect', async () => {
    worker.use(realtimeDown);
    const card = mount({ 'profile-id': ANA_ID });
    const failed = once(card, 'tessera-error');
    expect((await failed).detail.error.code).to.equal('network');
    await card.updateComplete;

    expect(text(part(card, 'name'))).to.equal('Ana Rivera');
    expect(text(stat(card, 'Orders')?.querySelector('dd'))).to.equal('14');
    expect(text(part(card, 'status'))).not.to.include('Couldn’t load');
    expect(part(card, 'live-indicator')?.dataset.live).to.equal('false');
    expect(text(part(card, 'live-indicator'))).to.equal('Reconnecting…');
  });

  it('registers under a prefix where a store already has a customer-card', () => {
    defineCustomerCard('acme');
    const card = document.createElement('acme-customer-card') as TesseraCustomerCard;
    expect(card).to.be.instanceOf(TesseraCustomerCard);
    expect(customElements.get('customer-card')).to.equal(TesseraCustomerCard);
  });
});
