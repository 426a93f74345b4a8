/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import type { SavedSegment, SegmentNode } from '@tessera/core';
import { parseSegment } from '@tessera/core/segments';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, mountElement, startWorker } from '../test-support/backend.ts';
import { once, part, text, until } from '../test-support/dom.ts';
import { TesseraSegmentBuilder, defineSegmentBuilder } from './segment-builder.ts';


const LAPSED = 'amount_spent > 100 AND last_order_date < -90d';

/** How many people each query matches in the made-up store. */
const COUNTS: Record<string, number> = {
  [JSON.stringify(tree(LAPSED))]: 1234,
  [JSON.stringify(tree('has instagram'))]: 1,
  [JSON.stringify(tree("churn_band = 'high'"))]: 0,
};

function tree(text: string): SegmentNode {
  const parsed = parseSegment(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.segment;
}

function saved(name: string, query: string, members: number): SavedSegment {
  return {
    id: 'a3f1c0de-2b4d-4e6f-8a9b-0c1d2e3f4a5b',
    name,
    query,
    definition: tree(query),
    members,
    time_dependent: /-\d+[dw]|in last/.test(query),
    updated_at: '2025-03-04T09:15:00Z',
  };
}

type PreviewArgs = { segment: SegmentNode; limit: number };
type SaveArgs = { name: string; query: string; definition: SegmentNode };
const previewSegment = (answer: (args: PreviewArgs) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/preview_segment`, async ({ request }) => answer((await request.json()) as PreviewArgs));
const saveSegment = (answer: (args: SaveArgs) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/save_segment`, async ({ request }) => answer((await request.json()) as SaveArgs));

const countFor = (args: PreviewArgs) => HttpResponse.json({ count: COUNTS[JSON.stringify(args.segment)] ?? 42, sample: [] });

const worker = setupWorker();
let previews: PreviewArgs[] = [];
let saves: SaveArgs[] = [];

const mount = (attributes: Record<string, string> = {}, tag = 'segment-builder') => mountElement<TesseraSegmentBuilder>(tag, attributes);

const query = (element: HTMLElement) => part(element, 'query') as HTMLTextAreaElement;
const saveButton = (element: HTMLElement) => part(element, 'save-button') as HTMLButtonElement;
const countText = (element: HTMLElement) => text(part(element, 'count'));

function typeInto(field: HTMLInputElement | HTMLTextAreaElement, value: string) {
  field.focus();
  field.value = value;
  field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText' }));
}

describe('<segment-builder>', () => {
  before(() => startWorker(worker));

  beforeEach(() => {
    previews = [];
    saves = [];
    worker.resetHandlers(
      previewSegment((args) => {
        previews.push(args);
        return countFor(args);
      }),
      saveSegment((args) => {
        saves.push(args);
        return HttpResponse.json(saved(args.name, args.query, COUNTS[JSON.stringify(args.definition)] ?? 42));
      }),
    );
  });

  afterEach(() => document.querySelectorAll('segment-builder, acme-segment-builder').forEach((element) => element.remove()));
  after(() => worker.stop());

  it('counts the people a query given as the value attribute matches, in the locale', async () => {
    const builder = await mount({ value: LAPSED });
    expect(query(builder).value).to.equal(LAPSED);
    await until(() => countText(builder) === 'Counting…', 'counting to start');
    expect(part(builder, 'count')!.getAttribute('aria-busy')).to.equal('true');
    await until(() => countText(builder) !== 'Counting…', 'the count');
    expect(countText(builder)).to.equal('1,234 people');
    expect(part(builder, 'count')!.getAttribute('aria-busy')).to.equal('false');
    expect(previews).to.deep.equal([{ segment: tree(LAPSED), limit: 0 }]);
    expect(query(builder).getAttribute('aria-invalid')).to.equal('false');

    const german = await mount({ value: LAPSED, locale: 'de-DE' });
    await until(() => countText(german).endsWith('people'), 'the German count');
    expect(countText(german)).to.equal(`${new Intl.NumberFormat('de-DE').format(1234)} people`);
  });

  it('says "1 person" and "0 people"', async () => {
    const builder = await mount();
    typeInto(query(builder), 'has instagram');
    await until(() => countText(builder) === '1 person', 'one person');
    typeInto(query(builder), "churn_band = 'high'");
    await until(() => countText(builder) === '0 people', 'no one');
  });

  it('shows nothing to fix and nothing to count while empty, and cannot save', async () => {
    const builder = await mount();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(countText(builder)).to.equal('');
    expect(part(builder, 'error')).to.equal(null);
    expect(query(builder).getAttribute('aria-invalid')).to.equal('false');
    expect(saveButton(builder).disabled).to.equal(true);
    expect(previews).to.deep.equal([]);
  });

  it('marks a mistake inline at its column, links the message to the field, and does not count', async () => {
    const builder = await mount();
    const input = once(builder, 'tessera-segment-input');
    typeInto(query(builder), 'amount_spent > 100 AND amount_spnt > 5');
    expect((await input).detail).to.deep.equal({ text: 'amount_spent > 100 AND amount_spnt > 5', valid: false });
    await builder.updateComplete;

    const field = query(builder);
    expect(field.getAttribute('aria-invalid')).to.equal('true');
    const message = builder.shadowRoot!.getElementById(field.getAttribute('aria-describedby')!.split(' ')[0]!)!;
    expect(text(message)).to.equal('Unknown attribute "amount_spnt" at column 24 — did you mean amount_spent?');
    expect(part(builder, 'error')!.dataset.column).to.equal('24');
    expect(text(part(builder, 'error-mark'))).to.equal('amount_spnt');
    expect(text(part(builder, 'error')!.querySelector('pre'))).to.equal('amount_spent > 100 AND amount_spnt > 5');
    expect(saveButton(builder).disabled).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(previews).to.deep.equal([]);

    // Fixed: the mark goes, and the count comes.
    const fixed = once(builder, 'tessera-segment-input');
    typeInto(field, LAPSED);
    expect((await fixed).detail).to.deep.equal({ text: LAPSED, valid: true });
    await until(() => countText(builder) === '1,234 people', 'the count');
    expect(part(builder, 'error')).to.equal(null);
    expect(field.getAttribute('aria-invalid')).to.equal('false');
  });

  it('marks a mistake on the second line of a query on that line', async () => {
    const builder = await mount();
    typeInto(query(builder), "country = 'US' AND\n  has instgram");
    await until(() => part(builder, 'error'), 'the error');
    expect(text(part(builder, 'error-mark'))).to.equal('instgram');
    expect(part(builder, 'error')!.querySelector('pre')!.textContent).to.equal('  has instgram');
    expect(text(part(builder, 'error-message'))).to.include('did you mean instagram?');
  });

  it('never lets a slower count for older text overwrite the count for newer text', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    worker.use(
      previewSegment(async (args) => {
        if (JSON.stringify(args.segment) === JSON.stringify(tree(LAPSED))) {
          started = true;
          await held;
        }
        return countFor(args);
      }),
    );
    const builder = await mount();
    typeInto(query(builder), LAPSED);
    await until(() => started, 'the first count to be asked for');
    typeInto(query(builder), 'has instagram');
    await until(() => countText(builder) === '1 person', 'the newer count');
    release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(countText(builder)).to.equal('1 person');
  });

  it('shows a count error with Retry, and Retry recovers', async () => {
    worker.use(previewSegment(() => HttpResponse.json({ message: 'canceling statement due to statement timeout', code: '57014' }, { status: 500 })));
    const builder = await mount({ value: LAPSED });
    await until(() => part(builder, 'retry-button'), 'the Retry button');
    expect(countText(builder)).to.equal('Couldn’t count the people in this segment (error code server) Retry');

    worker.resetHandlers(previewSegment(countFor));
    part(builder, 'retry-button')!.click();
    await until(() => countText(builder) === '1,234 people', 'the count after Retry');
  });

  it('says counting needs a connection when offline, and recovers on Retry', async () => {
    worker.use(previewSegment(() => HttpResponse.error()));
    const builder = await mount({ value: LAPSED });
    await until(() => part(builder, 'retry-button'), 'the offline message');
    expect(countText(builder)).to.equal('Offline — counting needs a connection Retry');

    worker.resetHandlers(previewSegment(countFor));
    part(builder, 'retry-button')!.click();
    await until(() => countText(builder) === '1,234 people', 'the count after Retry');
  });

  it('saves under a name and fires tessera-segment-save with the saved segment', async () => {
    const builder = await mount({ value: LAPSED });
    await until(() => !saveButton(builder).disabled, 'Save to be enabled');
    typeInto(part(builder, 'name') as HTMLInputElement, 'Lapsed big spenders');
    const savedEvent = once(builder, 'tessera-segment-save');
    saveButton(builder).click();

    const { segment } = (await savedEvent).detail;
    expect(segment).to.deep.equal(saved('Lapsed big spenders', LAPSED, 1234));
    expect(saves).to.deep.equal([{ name: 'Lapsed big spenders', query: LAPSED, definition: tree(LAPSED) }]);
    await builder.updateComplete;
    expect(text(part(builder, 'save-status'))).to.equal('Saved “Lapsed big spenders” · 1,234 people');
  });

  it('asks for a name instead of saving without one, and moves focus to the name field', async () => {
    const builder = await mount({ value: LAPSED });
    await until(() => !saveButton(builder).disabled, 'Save to be enabled');
    saveButton(builder).click();
    await until(() => text(part(builder, 'save-status')), 'the hint');
    expect(text(part(builder, 'save-status'))).to.equal('Give the segment a name to save it');
    expect(builder.shadowRoot!.activeElement).to.equal(part(builder, 'name'));
    expect(part(builder, 'name')!.getAttribute('aria-invalid')).to.equal('true');
    expect(saves).to.deep.equal([]);
  });

  it('saves from the keyboard: Ctrl+Enter in the query, Enter in the name', async () => {
    const builder = await mount({ value: 'has instagram', name: 'Instagram followers' });
    await until(() => !saveButton(builder).disabled, 'Save to be enabled');
    const first = once(builder, 'tessera-segment-save');
    query(builder).dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true, composed: true, cancelable: true }));
    expect((await first).detail.segment.name).to.equal('Instagram followers');

    // Enter in a text field submits its form; requestSubmit is what the browser does for it.
    const second = once(builder, 'tessera-segment-save');
    part(builder, 'name')!.closest('form')!.requestSubmit();
    expect((await second).detail.segment.query).to.equal('has instagram');
    expect(saves).to.have.length(2);
  });

  it('says saving needs a connection when offline', async () => {
    worker.use(saveSegment(() => HttpResponse.error()));
    const builder = await mount({ value: LAPSED, name: 'Lapsed big spenders' });
    await until(() => !saveButton(builder).disabled, 'Save to be enabled');
    saveButton(builder).click();
    await until(() => text(part(builder, 'save-status')).startsWith('Offline'), 'the offline message');
    expect(text(part(builder, 'save-status'))).to.include('saving needs a connection');
  });

  it('renders hostile text as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    worker.use(saveSegment((args) => HttpResponse.json(saved(hostile, args.query, 1))));
    const builder = await mount({ value: `has instagram AND ${hostile}`, name: hostile });
    await until(() => part(builder, 'error'), 'the parse error');
    expect(text(part(builder, 'error')!.querySelector('pre'))).to.equal(`has instagram AND ${hostile}`);

    typeInto(query(builder), 'has instagram');
    await until(() => !saveButton(builder).disabled, 'Save to be enabled');
    saveButton(builder).click();
    await until(() => text(part(builder, 'save-status')).startsWith('Saved'), 'the save');
    expect(text(part(builder, 'save-status'))).to.equal(`Saved “${hostile}” · 1 person`);
    expect(builder.shadowRoot!.querySelectorAll('img, script, svg').length).to.equal(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations with a count and with a mistake (${theme} theme)`, async () => {
      const builder = await mount({ theme, value: LAPSED });
      await until(() => countText(builder) === '1,234 people', 'the count');
      await expectNoAxeViolations(builder);
      typeInto(query(builder), 'amount_spent > 100 AND amount_spnt > 5');
      await until(() => part(builder, 'error'), 'the error');
      await expectNoAxeViolations(builder);
    });
  }

  it('registers under a prefix', async () => {
    defineSegmentBuilder('acme');
    const builder = await mount({ value: LAPSED }, 'acme-segment-builder');
    expect(builder).to.be.instanceOf(TesseraSegmentBuilder);
    expect(customElements.get('segment-builder')).to.equal(TesseraSegmentBuilder);
    await until(() => countText(builder) === '1,234 people', 'the count');
  });
});
