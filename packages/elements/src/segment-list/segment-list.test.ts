/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import type { SavedSegment } from '@tessera/core';
import { parseSegment } from '@tessera/core/segments';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, mountElement, startWorker } from '../test-support/backend.ts';
import { once, part, text, until } from '../test-support/dom.ts';
import { TesseraSegmentList, defineSegmentList } from './segment-list.ts';


function segment(id: string, name: string, query: string, members: number): SavedSegment {
  const parsed = parseSegment(query);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { id, name, query, definition: parsed.segment, members, time_dependent: /-\d+[dw]|in last/.test(query), updated_at: '2025-03-04T09:15:00Z' };
}

// As list_segments answers: ordered by name.
const SEGMENTS = [
  segment('1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a', 'High churn risk', "churn_band = 'high'", 87),
  segment('a3f1c0de-2b4d-4e6f-8a9b-0c1d2e3f4a5b', 'Instagram followers', 'has instagram', 1),
  segment('c9b8a7f6-e5d4-4c3b-9a2f-1e0d9c8b7a6f', 'Lapsed big spenders', 'amount_spent > 100 AND last_order_date < -90d', 1234),
];

const listSegments = (answer: () => Response | Promise<Response>) => http.post(`${API}/rest/v1/rpc/list_segments`, answer);

const worker = setupWorker();

const mount = (attributes: Record<string, string> = {}, tag = 'segment-list') => mountElement<TesseraSegmentList>(tag, attributes);

const options = (element: HTMLElement) => [...element.shadowRoot!.querySelectorAll<HTMLElement>('[role="option"]')];
const listed = (element: HTMLElement) => until(() => options(element).length > 0, 'the segments to be listed');

function press(element: HTMLElement, key: string) {
  part(element, 'listbox')!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true, cancelable: true }));
}

describe('<segment-list>', () => {
  before(() => startWorker(worker));
  beforeEach(() => worker.resetHandlers(listSegments(() => HttpResponse.json(SEGMENTS))));
  afterEach(() => document.querySelectorAll('segment-list, acme-segment-list').forEach((element) => element.remove()));
  after(() => worker.stop());

  it('loads, then lists each segment with its name, query and member count', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    worker.use(listSegments(async () => (await answered, HttpResponse.json(SEGMENTS))));
    const list = await mount();
    expect(part(list, 'base')!.getAttribute('aria-busy')).to.equal('true');
    expect(text(part(list, 'status'))).to.equal('Loading segments…');
    answer();
    await listed(list);

    expect(part(list, 'base')!.getAttribute('aria-busy')).to.equal('false');
    expect(
      options(list).map((option) => [text(option.querySelector('[part="option-name"]')), text(option.querySelector('[part="option-members"]'))]),
    ).to.deep.equal([
      ['High churn risk', '87 people'],
      ['Instagram followers', '1 person'],
      ['Lapsed big spenders', '1,234 people'],
    ]);
    expect(text(options(list)[2]!.querySelector('[part="option-query"]'))).to.equal('amount_spent > 100 AND last_order_date < -90d');
  });

  it('marks the segment given as `selected`', async () => {
    const list = await mount({ selected: SEGMENTS[1]!.id });
    await listed(list);
    expect(options(list).map((option) => option.getAttribute('aria-selected'))).to.deep.equal(['false', 'true', 'false']);
    // The keyboard starts where the selection is.
    expect(part(list, 'listbox')!.getAttribute('aria-activedescendant')).to.equal(options(list)[1]!.id);
  });

  it('is operated from the keyboard: arrows, Home and End move, Enter chooses', async () => {
    const list = await mount();
    await listed(list);
    const listbox = part(list, 'listbox')!;
    expect(listbox.tabIndex).to.equal(0);
    listbox.focus();

    press(list, 'ArrowDown');
    press(list, 'ArrowDown');
    await list.updateComplete;
    expect(listbox.getAttribute('aria-activedescendant')).to.equal(options(list)[2]!.id);
    press(list, 'ArrowDown'); // stays on the last one
    press(list, 'Home');
    await list.updateComplete;
    expect(listbox.getAttribute('aria-activedescendant')).to.equal(options(list)[0]!.id);
    press(list, 'End');
    press(list, 'ArrowUp');
    await list.updateComplete;
    expect(listbox.getAttribute('aria-activedescendant')).to.equal(options(list)[1]!.id);

    const chosen = once(list, 'tessera-segment-select');
    press(list, 'Enter');
    expect((await chosen).detail).to.deep.equal({ segment: SEGMENTS[1] });
    await list.updateComplete;
    expect(list.getAttribute('selected')).to.equal(SEGMENTS[1]!.id);
    expect(options(list)[1]!.getAttribute('aria-selected')).to.equal('true');

    const spaced = once(list, 'tessera-segment-select');
    press(list, 'ArrowDown');
    press(list, ' ');
    expect((await spaced).detail.segment.name).to.equal('Lapsed big spenders');
  });

  it('chooses with a click', async () => {
    const list = await mount();
    await listed(list);
    const chosen = once(list, 'tessera-segment-select');
    options(list)[2]!.click();
    expect((await chosen).detail.segment.id).to.equal(SEGMENTS[2]!.id);
  });

  it('says when there are no segments yet', async () => {
    worker.use(listSegments(() => HttpResponse.json([])));
    const list = await mount();
    await until(() => text(part(list, 'status')) !== 'Loading segments…', 'the answer');
    expect(text(part(list, 'status'))).to.equal('No segments yet');
    expect(part(list, 'listbox')).to.equal(null);
  });

  it('shows an error with Retry, and Retry recovers', async () => {
    worker.use(listSegments(() => HttpResponse.json({ message: 'permission denied for function list_segments', code: '42501' }, { status: 403 })));
    const list = await mount();
    await until(() => part(list, 'retry-button'), 'the Retry button');
    expect(text(part(list, 'status'))).to.equal('Couldn’t load segments (error code forbidden) Retry');

    worker.resetHandlers(listSegments(() => HttpResponse.json(SEGMENTS)));
    part(list, 'retry-button')!.click();
    await listed(list);
    expect(options(list)).to.have.length(3);
    expect(part(list, 'retry-button')).to.equal(null);
  });

  it('says segments need a connection when offline, and recovers on Retry', async () => {
    worker.use(listSegments(() => HttpResponse.error()));
    const list = await mount();
    await until(() => part(list, 'retry-button'), 'the offline message');
    expect(text(part(list, 'status'))).to.equal('Offline — segments need a connection Retry');

    worker.resetHandlers(listSegments(() => HttpResponse.json(SEGMENTS)));
    part(list, 'retry-button')!.click();
    await listed(list);
  });

  it('renders a hostile name as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    worker.use(listSegments(() => HttpResponse.json([{ ...SEGMENTS[0]!, name: hostile }])));
    const list = await mount();
    await listed(list);
    expect(text(options(list)[0]!.querySelector('[part="option-name"]'))).to.equal(hostile);
    expect(list.shadowRoot!.querySelectorAll('img, script, svg').length).to.equal(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations listed and offline (${theme} theme)`, async () => {
      const list = await mount({ theme, selected: SEGMENTS[2]!.id });
      await listed(list);
      await expectNoAxeViolations(list);

      worker.use(listSegments(() => HttpResponse.error()));
      list.refresh();
      await until(() => part(list, 'retry-button'), 'the offline message');
      await expectNoAxeViolations(list);
    });
  }

  it('registers under a prefix', async () => {
    defineSegmentList('acme');
    const list = await mount({}, 'acme-segment-list');
    expect(list).to.be.instanceOf(TesseraSegmentList);
    expect(customElements.get('segment-list')).to.equal(TesseraSegmentList);
    await listed(list);
  });
});
