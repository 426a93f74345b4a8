import { isTesseraError, type SegmentMember, type SegmentMembershipChange, type Subscription, type Tessera, type TesseraError } from '@tessera/core';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ClientController } from '../shared/client-controller.ts';
import { retryLine } from '../shared/retry-line.ts';
import { liveIndicator } from '../shared/status-messages.ts';
import { formatSpent, humanise } from '../shared/status.ts';
// The event's detail is shared with <profile-search>: one name, one detail type.
import type { ProfileSelectDetail } from '../profile-search/profile-search.component.ts';
import { styles } from './segment-members.styles.ts';

export type { ProfileSelectDetail };

type View =
  | { state: 'none' }
  | { state: 'loading' }
  | { state: 'ready'; members: SegmentMember[]; nextCursor: string | null }
  | { state: 'error'; error: TesseraError }
  | { state: 'offline' };

/** The state of "Show more": the next page loading, or why it could not. */
type More = { state: 'idle' } | { state: 'loading' } | { state: 'error'; error: TesseraError } | { state: 'offline' };

/**
 * @summary The people in one saved segment, a page at a time, kept current as
 * people enter and leave it. Each person is a button that says who was chosen.
 *
 * @event tessera-profile-select - A person was chosen. `detail: { profileId }`.
 *
 * @csspart base - The wrapper, a labelled region.
 * @csspart list - The list of people.
 * @csspart member - One person's button.
 * @csspart member-name - A person's name (or email).
 * @csspart member-email - A person's email, under their name.
 * @csspart member-revenue - A person's lifetime revenue.
 * @csspart member-churn - A person's churn band, when scored.
 * @csspart more-button - "Show more", while there are more pages.
 * @csspart status - The live region with the loading, empty, error and offline messages and live changes.
 * @csspart retry-button - Retry of a failed load.
 * @csspart live-indicator - "Live" while entries and exits arrive in real time, "Reconnecting…" while they cannot.
 *
 * @cssproperty --tessera-background - Background.
 * @cssproperty --tessera-color - Main text colour.
 * @cssproperty --tessera-muted - Emails and messages.
 * @cssproperty --tessera-accent - Focus ring and hover.
 * @cssproperty --tessera-border - Borders and dividers.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-churn-low - Colour of a low churn band.
 * @cssproperty --tessera-churn-medium - Colour of a medium churn band.
 * @cssproperty --tessera-churn-high - Colour of a high churn band.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraSegmentMembers extends LitElement {
  static override styles = styles;

  static override properties = {
    segmentId: { attribute: 'segment-id' },
    limit: { type: Number },
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    view: { state: true },
    more: { state: true },
    live: { state: true },
    announcement: { state: true },
  };

  /** The saved segment whose people to list. */
  declare segmentId: string | undefined;
  /** People per page. */
  declare limit: number;
  /** The Tessera client to read with; without one the element uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for revenue; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the element follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;

  private declare view: View;
  private declare more: More;
  /** Whether entries and exits arrive live (`true`), are reconnecting (`false`), or have not started (`undefined`). */
  private declare live: boolean | undefined;
  /** The last live change, said to screen readers. */
  private declare announcement: string;

  private readonly tessera = new ClientController(this, { load: () => this.load(), stop: () => this.stop() });
  private request: AbortController | undefined;
  private subscription: Subscription | undefined;

  constructor() {
    super();
    this.limit = 50;
    this.view = { state: 'loading' };
    this.more = { state: 'idle' };
    this.announcement = '';
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.hasUpdated || changed.has('segmentId') || changed.has('client') || changed.has('limit')) this.load();
  }

  private handleRetry = () => this.load();

  private stop() {
    this.request?.abort();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** (Re)starts: the first page, and live entries and exits. */
  private load() {
    this.stop();
    this.more = { state: 'idle' };
    this.live = undefined;
    this.announcement = '';
    if (!this.segmentId) {
      this.view = { state: 'none' };
      return;
    }
    this.view = { state: 'loading' };
    const client = this.tessera.client;
    if (!client) return; // `tessera-client-ready` calls back here.
    const segmentId = this.segmentId;
    this.readFirst(client, this.limit);
    this.subscription = client.segments.subscribe(segmentId, (change) => this.applyChange(client, change), {
      onLive: (stopped) => (this.live = !stopped),
    });
  }

  /**
   * Reads the first `count` people. Members come in profile-id order, so a
   * person who entered may belong anywhere in what is shown: re-reading as
   * many as are shown (one more for the newcomer) puts them in their place.
   */
  private readFirst(client: Tessera, count: number, { keepOnFailure = false } = {}) {
    this.request?.abort();
    const request = (this.request = new AbortController());
    client.segments.members(this.segmentId!, { limit: count, signal: request.signal }).then(
      ({ members, next_cursor }) => {
        if (request.signal.aborted) return;
        this.view = { state: 'ready', members, nextCursor: next_cursor };
      },
      (error: TesseraError) => {
        if (request.signal.aborted || isTesseraError(error, 'aborted') || keepOnFailure) return;
        this.view = isTesseraError(error, 'network') ? { state: 'offline' } : { state: 'error', error };
      },
    );
  }

  private applyChange(client: Tessera, change: SegmentMembershipChange) {
    const { view } = this;
    if (view.state !== 'ready') return;
    if (change.change === 'exited') {
      const leaving = view.members.find((member) => member.id === change.profile_id);
      if (leaving) this.view = { ...view, members: view.members.filter((member) => member !== leaving) };
      this.announcement = `${leaving ? displayName(leaving) : 'Someone'} left this segment`;
    } else {
      this.announcement = 'Someone joined this segment';
      // Live changes refresh what is shown; a failed refresh leaves it as it was.
      this.readFirst(client, Math.max(view.members.length + 1, this.limit), { keepOnFailure: true });
    }
  }

  private handleMore = () => {
    const { view } = this;
    const client = this.tessera.client;
    if (view.state !== 'ready' || !view.nextCursor || !client || this.more.state === 'loading') return;
    this.request?.abort();
    const request = (this.request = new AbortController());
    this.more = { state: 'loading' };
    const firstNew = view.members.length;
    client.segments.members(this.segmentId!, { cursor: view.nextCursor, limit: this.limit, signal: request.signal }).then(
      async ({ members, next_cursor }) => {
        if (request.signal.aborted) return;
        this.more = { state: 'idle' };
        this.view = { state: 'ready', members: [...view.members, ...members], nextCursor: next_cursor };
        // Keyboard users continue from the first person of the new page, not from the top.
        await this.updateComplete;
        this.memberButtons()[firstNew]?.focus();
      },
      (error: TesseraError) => {
        if (request.signal.aborted || isTesseraError(error, 'aborted')) return;
        this.more = isTesseraError(error, 'network') ? { state: 'offline' } : { state: 'error', error };
      },
    );
  };

  private memberButtons() {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[part~="member"]')];
  }

  /** Arrow keys, Home and End move between people, as in a list of options. */
  private handleListKeyDown = (event: KeyboardEvent) => {
    const buttons = this.memberButtons();
    const index = buttons.indexOf(this.shadowRoot!.activeElement as HTMLButtonElement);
    if (index === -1) return;
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    buttons[Math.min(Math.max(moves[event.key]!, 0), buttons.length - 1)]!.focus();
  };

  private choose(member: SegmentMember) {
    this.dispatchEvent(new CustomEvent('tessera-profile-select', { detail: { profileId: member.id }, bubbles: true, composed: true }));
  }

  protected override render() {
    const { view } = this;
    const members = view.state === 'ready' ? view.members : [];
    return html`
      <section part="base" class="members" aria-labelledby="heading" aria-busy=${view.state === 'loading' ? 'true' : 'false'}>
        <div class="header">
          <p id="heading" class="heading">People in this segment</p>
          ${liveIndicator(this.live)}
        </div>
        <div part="status" class="status" role="status" aria-live="polite">${this.renderStatus()}</div>
        ${members.length
          ? html`<ul part="list" class="list" aria-labelledby="heading" @keydown=${this.handleListKeyDown}>
              ${members.map((member) => html`<li>${this.renderMember(member)}</li>`)}
            </ul>`
          : nothing}
        ${view.state === 'ready' ? this.renderMore(view.nextCursor) : nothing}
      </section>
    `;
  }

  private renderMember(member: SegmentMember) {
    const name = displayName(member);
    const email = member.email && member.email !== name ? member.email : null;
    return html`<button part="member" class="member" type="button" data-id=${member.id} @click=${() => this.choose(member)}>
      <span class="member__text">
        <span part="member-name" class="member__name">${name}</span>
        ${email ? html`<span part="member-email" class="member__email">${email}</span>` : nothing}
      </span>
      <span class="member__figures">
        <span part="member-revenue" class="member__revenue">${formatSpent(member.lifetime_revenue, member.currency, this.tessera.locale)}</span>
        ${member.churn_band
          ? html`<span part="member-churn" class="member__churn" data-band=${member.churn_band}>${humanise(member.churn_band)} churn risk</span>`
          : nothing}
      </span>
    </button>`;
  }

  private renderMore(nextCursor: string | null) {
    const { more } = this;
    if (more.state === 'error' || more.state === 'offline') {
      return html`<div class="message ${more.state === 'offline' ? 'message--offline' : 'message--error'}" role="alert">
        <span>${more.state === 'offline' ? 'Offline — more people need a connection' : html`Couldn’t load more people (error code <code>${more.error.code}</code>)`}</span>
        <button part="retry-button" class="button button--small" type="button" @click=${this.handleMore}>Retry</button>
      </div>`;
    }
    if (!nextCursor) return nothing;
    return html`<button part="more-button" class="button more" type="button" ?disabled=${more.state === 'loading'} @click=${this.handleMore}>
      ${more.state === 'loading' ? 'Loading…' : 'Show more'}
    </button>`;
  }

  private renderStatus() {
    const { view } = this;
    switch (view.state) {
      case 'none':
        return html`<p class="message">No segment selected</p>`;
      case 'loading':
        return html`<p class="message">Loading people…</p>`;
      case 'ready':
        if (!view.members.length) return html`<p class="message">No one is in this segment yet</p>`;
        return this.announcement ? html`<span class="visually-hidden">${this.announcement}</span>` : nothing;
      case 'offline':
        return retryLine({ offline: 'Offline — this segment’s people need a connection' }, this.handleRetry, 'button button--small');
      case 'error':
        return retryLine({ failed: 'Couldn’t load this segment’s people', error: view.error }, this.handleRetry, 'button button--small');
    }
  }
}

function displayName(member: SegmentMember): string {
  return member.display_name?.trim() || member.email || 'Unnamed customer';
}
