/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import type { ProfileSummary } from '@tessera/core';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, mountElement, startWorker } from '../test-support/backend.ts';
import { once, text, until } from '../test-support/dom.ts';
import { TesseraProfileSearch, defineProfileSearch } from './profile-search.ts';


const ANA: ProfileSummary = {
  id: '6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3',
  display_name: 'Ana Rivera',
  email: 'ana.rivera@example.com',
  phone: '+14155550142',
  lifetime_revenue: 2486.4,
  currency: 'USD',
  last_activity_at: '2025-01-02T12:00:00Z',
};
const ANAND: ProfileSummary = {
  id: '0b7c4a1e-5d2f-4e3a-8b9c-1f2e3d4c5b6a',
  display_name: 'Anand Shah',
  email: 'anand@shah.example',
  phone: null,
  lifetime_revenue: 312,
  currency: 'EUR',
  last_activity_at: null,
};
const HANNA: ProfileSummary = {
  id: '9d8e7f6a-1b2c-4d3e-8f4a-5b6c7d8e9f0a',
  display_name: null,
  email: 'hanna.lindqvist@example.se',
  phone: null,
  lifetime_revenue: 0,
  currency: null,
  last_activity_at: '2024-11-29T09:00:00Z',
};

/** The store's customers, searched the way `search_profiles` does: by name or email, case-insensitively. */
function matching(query: string): ProfileSummary[] {
  const wanted = query.toLowerCase();
  return [ANA, ANAND, HANNA].filter((p) => `${p.display_name ?? ''} ${p.email ?? ''}`.toLowerCase().includes(wanted));
}

type SearchArgs = { query: string; limit: number };
const searchProfiles = (answer: (args: SearchArgs) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/search_profiles`, async ({ request }) => answer((await request.json()) as SearchArgs));

const worker = setupWorker();
let searches: SearchArgs[] = [];

const mount = (attributes: Record<string, string> = {}, tag = 'profile-search') => mountElement<TesseraProfileSearch>(tag, attributes);

const input = (element: HTMLElement) => element.shadowRoot!.querySelector('input')!;
const options = (element: HTMLElement) => [...element.shadowRoot!.querySelectorAll<HTMLElement>('[role="option"]')];
const status = (element: HTMLElement) => element.shadowRoot!.querySelector<HTMLElement>('[part~="status"]')!;
const retry = (element: HTMLElement) => element.shadowRoot!.querySelector<HTMLButtonElement>('[part~="retry-button"]');

function type(element: HTMLElement, value: string) {
  const field = input(element);
  field.focus();
  field.value = value;
  field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, data: value, inputType: 'insertText' }));
}

function press(element: HTMLElement, key: string) {
  input(element).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true, cancelable: true }));
}

const listed = (element: HTMLElement) => until(() => options(element).length > 0, 'the hits to be listed');

describe('<profile-search>', () => {
  before(() => startWorker(worker));

  beforeEach(() => {
    searches = [];
    worker.resetHandlers(
      searchProfiles((args) => {
        searches.push(args);
        return HttpResponse.json(matching(args.query).slice(0, args.limit));
      }),
    );
  });

  afterEach(() => document.querySelectorAll('profile-search, acme-profile-search').forEach((element) => element.remove()));
  after(() => worker.stop());

  it('is an ARIA combobox that lists hits with name, email and revenue in the locale', async () => {
    const search = await mount({ limit: '5' });
    await search.updateComplete;
    const field = input(search);
    expect(field.getAttribute('role')).to.equal('combobox');
    expect(field.getAttribute('aria-expanded')).to.equal('false');
    const listbox = search.shadowRoot!.getElementById(field.getAttribute('aria-controls')!)!;
    expect(listbox.getAttribute('role')).to.equal('listbox');

    type(search, 'ana');
    await search.updateComplete;
    expect(field.getAttribute('aria-busy')).to.equal('true');
    await listed(search);

    expect(searches).to.deep.equal([{ query: 'ana', limit: 5 }]);
    expect(field.getAttribute('aria-expanded')).to.equal('true');
    expect(field.getAttribute('aria-busy')).to.equal('false');
    const [ana, anand] = options(search);
    expect(options(search)).to.have.length(2);
    expect(text(ana!.querySelector('[part="option-name"]'))).to.equal('Ana Rivera');
    expect(text(ana!.querySelector('[part="option-email"]'))).to.equal('ana.rivera@example.com');
    expect(text(ana!.querySelector('[part="option-revenue"]'))).to.equal(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(2486.4));
    expect(text(anand!.querySelector('[part="option-revenue"]'))).to.equal(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(312));
  });

  it('shows a person without a name by their email, and one who never bought as such (not "0,00")', async () => {
    const search = await mount({ locale: 'de-DE' });
    type(search, 'hanna');
    await listed(search);
    const [hanna] = options(search);
    expect(text(hanna!.querySelector('[part="option-name"]'))).to.equal('hanna.lindqvist@example.se');
    expect(hanna!.querySelector('[part="option-email"]')).to.equal(null);
    expect(text(hanna!.querySelector('[part="option-revenue"]'))).to.equal('No purchases yet');
  });

  it('waits for typing to pause, so a word typed quickly costs one request', async () => {
    const search = await mount();
    for (const prefix of ['a', 'an', 'ana', 'ana ', 'ana r']) type(search, prefix);
    await listed(search);
    expect(searches.map((s) => s.query)).to.deep.equal(['ana r']);
  });

  it('selects with ArrowDown and Enter, moving aria-activedescendant, and fires tessera-profile-select', async () => {
    const search = await mount();
    type(search, 'ana');
    await listed(search);
    const field = input(search);

    press(search, 'ArrowDown');
    await search.updateComplete;
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(search)[0]!.id);
    expect(options(search)[0]!.getAttribute('aria-selected')).to.equal('true');

    press(search, 'ArrowDown');
    await search.updateComplete;
    const second = options(search)[1]!;
    expect(field.getAttribute('aria-activedescendant')).to.equal(second.id);
    expect(second.getAttribute('aria-selected')).to.equal('true');
    expect(options(search)[0]!.getAttribute('aria-selected')).to.equal('false');

    // Past the end it wraps, and Home/End jump to the ends.
    press(search, 'ArrowDown');
    await search.updateComplete;
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(search)[0]!.id);
    press(search, 'End');
    await search.updateComplete;
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(search)[1]!.id);
    press(search, 'Home');
    await search.updateComplete;
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(search)[0]!.id);
    press(search, 'ArrowUp');
    await search.updateComplete;

    const selected = once(search, 'tessera-profile-select');
    press(search, 'Enter');
    const { detail } = await selected;
    expect(detail).to.deep.equal({ profileId: ANAND.id, profile: ANAND });
    await search.updateComplete;
    expect(field.value).to.equal('Anand Shah');
    expect(field.getAttribute('aria-expanded')).to.equal('false');
    expect(field.hasAttribute('aria-activedescendant')).to.equal(false);
  });

  it('closes on Escape, and a second Escape clears the field', async () => {
    const search = await mount();
    type(search, 'ana');
    await listed(search);
    press(search, 'ArrowDown');
    press(search, 'Escape');
    await search.updateComplete;
    expect(input(search).getAttribute('aria-expanded')).to.equal('false');
    expect(input(search).value).to.equal('ana');

    // ArrowDown reopens what was found.
    press(search, 'ArrowDown');
    await search.updateComplete;
    expect(input(search).getAttribute('aria-expanded')).to.equal('true');

    press(search, 'Escape');
    press(search, 'Escape');
    await search.updateComplete;
    expect(input(search).value).to.equal('');
  });

  it('selects with a click', async () => {
    const search = await mount();
    type(search, 'ana');
    await listed(search);
    const selected = once(search, 'tessera-profile-select');
    options(search)[0]!.click();
    expect((await selected).detail.profile).to.deep.equal(ANA);
  });

  it('says when no customer matches', async () => {
    const search = await mount();
    type(search, 'zoë');
    await until(() => text(status(search)).startsWith('No customers'), 'the no-results message');
    expect(text(status(search))).to.equal('No customers match “zoë”');
    expect(options(search)).to.have.length(0);
    expect(input(search).getAttribute('aria-expanded')).to.equal('false');
  });

  it('never lets an older, slower answer overwrite a newer one', async () => {
    let releaseSlow!: () => void;
    const slowAnswered = new Promise<void>((resolve) => (releaseSlow = resolve));
    worker.use(
      searchProfiles(async (args) => {
        if (args.query === 'an') await slowAnswered;
        return HttpResponse.json(matching(args.query));
      }),
    );
    const search = await mount();
    type(search, 'an');
    await until(() => input(search).getAttribute('aria-busy') === 'true', 'the first search to start');
    await new Promise((resolve) => setTimeout(resolve, 250));
    type(search, 'hanna');
    await until(() => options(search).length === 1, 'the newer hits');
    releaseSlow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(options(search).map((option) => text(option.querySelector('[part="option-name"]')))).to.deep.equal(['hanna.lindqvist@example.se']);
  });

  it('shows an error with Retry, and Retry recovers', async () => {
    worker.use(searchProfiles(() => HttpResponse.json({ message: 'canceling statement due to statement timeout', code: '57014' }, { status: 500 })));
    const search = await mount();
    type(search, 'ana');
    await until(() => retry(search), 'the Retry button');
    expect(text(status(search))).to.include('Couldn’t search customers');
    expect(text(status(search))).to.include('server');

    worker.resetHandlers(searchProfiles((args) => HttpResponse.json(matching(args.query))));
    retry(search)!.click();
    await listed(search);
    expect(options(search)).to.have.length(2);
    expect(retry(search)).to.equal(null);
  });

  it('says it is offline when the backend cannot be reached, and recovers on Retry', async () => {
    worker.use(searchProfiles(() => HttpResponse.error()));
    const search = await mount();
    type(search, 'ana');
    await until(() => retry(search), 'the offline message');
    expect(text(status(search))).to.equal('Offline — search needs a connection Retry');

    worker.resetHandlers(searchProfiles((args) => HttpResponse.json(matching(args.query))));
    retry(search)!.click();
    await listed(search);
    expect(text(options(search)[0]!.querySelector('[part="option-name"]'))).to.equal('Ana Rivera');
  });

  it('renders a hostile name as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    worker.use(searchProfiles(() => HttpResponse.json([{ ...ANA, display_name: hostile, email: '"><svg onload=alert(1)>' }])));
    const search = await mount();
    type(search, 'img');
    await listed(search);
    expect(text(options(search)[0]!.querySelector('[part="option-name"]'))).to.equal(hostile);
    expect(search.shadowRoot!.querySelectorAll('img, svg, script').length).to.equal(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations with hits listed (${theme} theme)`, async () => {
      const search = await mount({ theme });
      type(search, 'an');
      await listed(search);
      press(search, 'ArrowDown');
      await search.updateComplete;
      await expectNoAxeViolations(search);
    });

    it(`has no axe violations in the offline state (${theme} theme)`, async () => {
      worker.use(searchProfiles(() => HttpResponse.error()));
      const search = await mount({ theme });
      type(search, 'ana');
      await until(() => retry(search), 'the offline message');
      await expectNoAxeViolations(search);
    });
  }

  it('registers under a prefix', async () => {
    defineProfileSearch('acme');
    const search = await mount({}, 'acme-profile-search');
    expect(search).to.be.instanceOf(TesseraProfileSearch);
    expect(customElements.get('profile-search')).to.equal(TesseraProfileSearch);
    type(search, 'ana');
    await listed(search);
    expect(options(search)).to.have.length(2);
  });
});
