/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import type { SegmentMember } from '@tessera/core';
import { HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { expectNoAxeViolations } from '../test-support/axe.ts';
import { API, mountElement, realtimeServer, startWorker } from '../test-support/backend.ts';
import { once, part, text, until } from '../test-support/dom.ts';
import { TesseraSegmentMembers, defineSegmentMembers } from './segment-members.ts';

const SEGMENT_ID = 'c9b8a7f6-e5d4-4c3b-9a2f-1e0d9c8b7a6f';

function member(id: string, display_name: string | null, email: string | null, lifetime_revenue: number, churn_band: string | null = null): SegmentMember {
  const risk = { low: 0.12, medium: 0.48, high: 0.82 }[churn_band ?? ''] ?? null;
  return { id, display_name, email, lifetime_revenue, currency: 'USD', churn_risk: risk, churn_band, entered_at: '2025-02-11T08:30:00Z' };
}

// Lapsed big spenders, in profile-id order as segment_members answers.
const PEOPLE = [
  member('0b7c4a1e-5d2f-4e3a-8b9c-1f2e3d4c5b6a', 'Anand Shah', 'anand@shah.example', 312, 'medium'),
  member('3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b', 'Mei Chen', 'mei.chen@example.com', 1840.5, 'high'),
  member('6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3', 'Ana Rivera', 'ana.rivera@example.com', 2486.4, 'high'),
  member('9d8e7f6a-1b2c-4d3e-8f4a-5b6c7d8e9f0a', null, 'hanna.lindqvist@example.se', 640),
  member('d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a', 'Tomás Ortega', 'tomas@ortega.example', 158.25, 'low'),
];
const NEWCOMER = member('5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', 'Priya Nair', 'priya.nair@example.com', 905);

type MembersArgs = { segment_id: string; cursor: string | null; limit: number };
let people = [...PEOPLE];

/** Keyset pages over `people`, as segment_members pages them: ids after the cursor, one page at a time. */
function page({ cursor, limit }: MembersArgs) {
  const after = people.filter((p) => cursor === null || p.id > cursor);
  const members = after.slice(0, limit);
  return HttpResponse.json({ members, next_cursor: after.length > limit ? members[members.length - 1]!.id : null });
}

const segmentMembers = (answer: (args: MembersArgs) => Response | Promise<Response>) =>
  http.post(`${API}/rest/v1/rpc/segment_members`, async ({ request }) => answer((await request.json()) as MembersArgs));

let realtime = realtimeServer();
const worker = setupWorker();

const mount = (attributes: Record<string, string> = { 'segment-id': SEGMENT_ID }, tag = 'segment-members') => mountElement<TesseraSegmentMembers>(tag, attributes);

const buttons = (element: HTMLElement) => [...element.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="member"]')];
const names = (element: HTMLElement) => buttons(element).map((button) => text(button.querySelector('[part="member-name"]')));
const listed = (element: HTMLElement) => until(() => buttons(element).length > 0, 'the people to be listed');

function press(target: HTMLElement, key: string) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true, cancelable: true }));
}

describe('<segment-members>', () => {
  before(() => startWorker(worker));

  beforeEach(() => {
    people = [...PEOPLE];
    realtime = realtimeServer();
    worker.resetHandlers(segmentMembers(page), realtime.handler);
  });

  afterEach(() => document.querySelectorAll('segment-members, acme-segment-members').forEach((element) => element.remove()));
  after(() => worker.stop());

  it('loads, then lists each person with name, email, revenue and churn band', async () => {
    const members = await mount();
    expect(part(members, 'base')!.getAttribute('aria-busy')).to.equal('true');
    expect(text(part(members, 'status'))).to.equal('Loading people…');
    await listed(members);

    expect(part(members, 'base')!.getAttribute('aria-busy')).to.equal('false');
    expect(names(members)).to.deep.equal(['Anand Shah', 'Mei Chen', 'Ana Rivera', 'hanna.lindqvist@example.se', 'Tomás Ortega']);
    const ana = buttons(members)[2]!;
    expect(text(ana.querySelector('[part="member-email"]'))).to.equal('ana.rivera@example.com');
    expect(text(ana.querySelector('[part="member-revenue"]'))).to.equal(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(2486.4));
    expect(text(ana.querySelector('[part="member-churn"]'))).to.equal('High churn risk');
    // Hanna has no name: her email stands in for it, once.
    expect(buttons(members)[3]!.querySelector('[part="member-email"]')).to.equal(null);
    expect(part(members, 'more-button')).to.equal(null);
  });

  it('pages with "Show more", passing the keyset cursor, and moves focus to the first new person', async () => {
    const requests: MembersArgs[] = [];
    worker.use(segmentMembers((args) => (requests.push(args), page(args))));
    const members = await mount({ 'segment-id': SEGMENT_ID, limit: '2' });
    await listed(members);
    expect(names(members)).to.deep.equal(['Anand Shah', 'Mei Chen']);

    part(members, 'more-button')!.click();
    await until(() => buttons(members).length === 4, 'the second page');
    expect(names(members)).to.deep.equal(['Anand Shah', 'Mei Chen', 'Ana Rivera', 'hanna.lindqvist@example.se']);
    expect(members.shadowRoot!.activeElement).to.equal(buttons(members)[2]);

    part(members, 'more-button')!.click();
    await until(() => buttons(members).length === 5, 'the last page');
    expect(part(members, 'more-button')).to.equal(null);
    expect(requests).to.deep.equal([
      { segment_id: SEGMENT_ID, cursor: null, limit: 2 },
      { segment_id: SEGMENT_ID, cursor: PEOPLE[1]!.id, limit: 2 },
      { segment_id: SEGMENT_ID, cursor: PEOPLE[3]!.id, limit: 2 },
    ]);
  });

  it('keeps the people shown when the next page fails, and retries it', async () => {
    const members = await mount({ 'segment-id': SEGMENT_ID, limit: '3' });
    await listed(members);
    worker.use(segmentMembers(() => HttpResponse.error()));
    part(members, 'more-button')!.click();
    await until(() => part(members, 'retry-button'), 'the Retry of the page');
    expect(names(members)).to.have.length(3);
    expect(text(part(members, 'retry-button')!.parentElement)).to.equal('Offline — more people need a connection Retry');

    worker.resetHandlers(segmentMembers(page), realtime.handler);
    part(members, 'retry-button')!.click();
    await until(() => buttons(members).length === 5, 'the second page');
  });

  it('says when no one is in the segment, and when no segment is selected', async () => {
    people = [];
    const members = await mount();
    await until(() => text(part(members, 'status')) !== 'Loading people…', 'the answer');
    expect(text(part(members, 'status'))).to.equal('No one is in this segment yet');

    const none = await mount({});
    expect(text(part(none, 'status'))).to.equal('No segment selected');
  });

  it('shows an error with Retry, and Retry recovers', async () => {
    worker.use(segmentMembers(() => HttpResponse.json({ message: 'segment not found', code: 'P0002' }, { status: 404 })));
    const members = await mount();
    await until(() => part(members, 'retry-button'), 'the Retry button');
    expect(text(part(members, 'status'))).to.equal('Couldn’t load this segment’s people (error code not_found) Retry');

    worker.resetHandlers(segmentMembers(page), realtime.handler);
    part(members, 'retry-button')!.click();
    await listed(members);
    expect(names(members)).to.have.length(5);
  });

  it('says it is offline when the backend cannot be reached, and recovers on Retry', async () => {
    worker.use(segmentMembers(() => HttpResponse.error()));
    const members = await mount();
    await until(() => part(members, 'retry-button'), 'the offline message');
    expect(text(part(members, 'status'))).to.equal('Offline — this segment’s people need a connection Retry');

    worker.resetHandlers(segmentMembers(page), realtime.handler);
    part(members, 'retry-button')!.click();
    await listed(members);
  });

  it('follows people entering and leaving the segment live', async () => {
    const members = await mount();
    await listed(members);
    await until(() => realtime.isJoined(`realtime:segment:${SEGMENT_ID}`), 'the realtime join');
    await until(() => part(members, 'live-indicator')?.dataset.live === 'true', 'the list to say it is live');

    people = [...PEOPLE.slice(0, 2), NEWCOMER, ...PEOPLE.slice(2)];
    realtime.segmentChanged(SEGMENT_ID, NEWCOMER.id, 'entered');
    await until(() => names(members).includes('Priya Nair'), 'the newcomer');
    // In the place profile-id order gives her.
    expect(names(members)).to.deep.equal(['Anand Shah', 'Mei Chen', 'Priya Nair', 'Ana Rivera', 'hanna.lindqvist@example.se', 'Tomás Ortega']);

    people = people.filter((p) => p.id !== PEOPLE[1]!.id);
    realtime.segmentChanged(SEGMENT_ID, PEOPLE[1]!.id, 'exited');
    await until(() => !names(members).includes('Mei Chen'), 'Mei to leave');
    expect(text(part(members, 'status'))).to.equal('Mei Chen left this segment');

    // Changes to another segment are not this list's business.
    realtime.segmentChanged('00000000-0000-4000-8000-000000000000', PEOPLE[0]!.id, 'exited');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(names(members)).to.include('Anand Shah');
  });

  it('is operated from the keyboard: arrows move between people, Enter chooses one', async () => {
    const members = await mount();
    await listed(members);
    buttons(members)[0]!.focus();
    press(buttons(members)[0]!, 'ArrowDown');
    press(members.shadowRoot!.activeElement as HTMLElement, 'ArrowDown');
    expect(members.shadowRoot!.activeElement).to.equal(buttons(members)[2]);
    press(buttons(members)[2]!, 'End');
    expect(members.shadowRoot!.activeElement).to.equal(buttons(members)[4]);
    press(buttons(members)[4]!, 'Home');
    expect(members.shadowRoot!.activeElement).to.equal(buttons(members)[0]);
    press(buttons(members)[0]!, 'ArrowUp');
    expect(members.shadowRoot!.activeElement).to.equal(buttons(members)[0]);

    // A button activates on Enter natively; the click it makes is what is chosen.
    const chosen = once(members, 'tessera-profile-select');
    buttons(members)[2]!.click();
    expect((await chosen).detail).to.deep.equal({ profileId: PEOPLE[2]!.id });
  });

  it('renders a hostile name as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    people = [{ ...PEOPLE[0]!, display_name: hostile, churn_band: '"><svg onload=alert(1)>' }];
    const members = await mount();
    await listed(members);
    expect(names(members)).to.deep.equal([hostile]);
    expect(members.shadowRoot!.querySelectorAll('img, script, svg').length).to.equal(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no axe violations listed and offline (${theme} theme)`, async () => {
      const members = await mount({ 'segment-id': SEGMENT_ID, limit: '3', theme });
      await listed(members);
      await expectNoAxeViolations(members);

      worker.use(segmentMembers(() => HttpResponse.error()));
      members.segmentId = '00000000-0000-4000-8000-000000000000';
      await until(() => part(members, 'retry-button'), 'the offline message');
      await expectNoAxeViolations(members);
    });
  }

  it('registers under a prefix', async () => {
    defineSegmentMembers('acme');
    const members = await mount({ 'segment-id': SEGMENT_ID }, 'acme-segment-members');
    expect(members).to.be.instanceOf(TesseraSegmentMembers);
    expect(customElements.get('segment-members')).to.equal(TesseraSegmentMembers);
    await listed(members);
  });
});
