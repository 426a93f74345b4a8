import { isTesseraError, type Identity, type Profile, type ProfileSnapshot, type Subscription, type Tessera, type TesseraError } from '@tessera/core';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { BANDS, formatRisk } from '../shared/churn.ts';
import { ClientController } from '../shared/client-controller.ts';
import { errorMessage, liveIndicator, staleBanner } from '../shared/status-messages.ts';
import { advice, formatSpent, fullDate, humanise, relativeTime } from '../shared/status.ts';
import { styles } from './customer-card.styles.ts';

/** Detail of `tessera-profile-load`: the cached copy first (if any), then the fresh one. */
export interface ProfileLoadDetail {
  profile: Profile | null;
  source: ProfileSnapshot['source'];
}

/** Detail of `tessera-profile-change`: the profile after a live change in the backend. */
export interface ProfileChangeDetail {
  profile: Profile | null;
}

/** Detail of `tessera-error`. */
export interface ProfileErrorDetail {
  error: TesseraError;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-profile-load': CustomEvent<ProfileLoadDetail>;
    'tessera-profile-change': CustomEvent<ProfileChangeDetail>;
    'tessera-error': CustomEvent<ProfileErrorDetail>;
  }
}

type View =
  | { state: 'loading' }
  | { state: 'empty' }
  | { state: 'error'; error: TesseraError }
  /** `stale` is set when the profile shown could not be refreshed. */
  | { state: 'ready'; profile: Profile; stale?: { offline: boolean; fetchedAt: number } };

/**
 * @summary One customer at a glance: who they are on every source, what they
 * spent and what they did last, kept live as the backend changes.
 *
 * @event tessera-profile-load - The profile was read: from the offline cache first (if any), then fresh. `detail: { profile, source }`; `profile` is `null` when there is no such customer.
 * @event tessera-profile-change - The profile changed in the backend and the card re-rendered. `detail: { profile }`.
 * @event tessera-error - Loading failed, the backend became unreachable, or live updates stopped. `detail: { error }`, a `TesseraError` with a stable `code`.
 *
 * @csspart base - The card's container, a labelled region.
 * @csspart header - Avatar, name and contact details.
 * @csspart avatar - The initials circle.
 * @csspart name - The customer's name (or email when there is no name).
 * @csspart contact - Email and phone.
 * @csspart stats - Revenue, orders, last activity and customer-since figures.
 * @csspart stat - One figure with its label.
 * @csspart churn - The churn risk figure (present once the person has a score): its band and probability, live.
 * @csspart identities - Every identity, grouped by the source that reported it.
 * @csspart identity - One identity: its kind and value.
 * @csspart status - The live region holding the loading, empty, error and offline messages.
 * @csspart retry-button - The Retry button of the error and offline messages.
 * @csspart live-indicator - "Live" while changes arrive in real time, "Reconnecting…" while they cannot.
 *
 * @cssproperty --tessera-card-background - Card background, for the card alone; falls back to the shared `--tessera-background`.
 * @cssproperty --tessera-card-color - Main text colour, for the card alone; falls back to the shared `--tessera-color`.
 * @cssproperty --tessera-card-muted - Labels and secondary text, for the card alone; falls back to the shared `--tessera-muted`.
 * @cssproperty --tessera-card-accent - Avatar, links and focus rings, for the card alone; falls back to the shared `--tessera-accent`.
 * @cssproperty --tessera-card-border - Card border and dividers, for the card alone; falls back to the shared `--tessera-border`.
 * @cssproperty --tessera-card-radius - Corner radius, for the card alone; falls back to the shared `--tessera-radius`.
 * @cssproperty --tessera-churn-low - Colour of a low churn risk.
 * @cssproperty --tessera-churn-medium - Colour of a medium churn risk.
 * @cssproperty --tessera-churn-high - Colour of a high churn risk.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraCustomerCard extends LitElement {
  static override styles = styles;

  static override properties = {
    profileId: { attribute: 'profile-id' },
    email: {},
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    view: { state: true },
    busy: { state: true },
    live: { state: true },
  };

  /** The Tessera profile id to show; wins over `email` when both are set. */
  declare profileId: string | undefined;
  /** An email to look the customer up by, as a helpdesk ticket knows them. */
  declare email: string | undefined;
  /** The Tessera client to read with; without one the card uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for numbers and dates; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the card follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;

  private declare view: View;
  /** True until the first answer of a (re)load arrives; drives `aria-busy`. */
  private declare busy: boolean;
  /** Whether live updates flow (`true`), are reconnecting (`false`), or have not started (`undefined`). */
  private declare live: boolean | undefined;

  private readonly tessera = new ClientController(this, { load: () => this.load(), stop: () => this.stop() });
  private subscription: Subscription | undefined;
  private lookup: AbortController | undefined;
  private reportedError: TesseraError | null = null;
  private previous: ProfileSnapshot | undefined;

  constructor() {
    super();
    this.view = { state: 'loading' };
    this.busy = true;
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.hasUpdated || changed.has('profileId') || changed.has('email') || changed.has('client')) this.load();
  }

  private handleRetry = () => this.load({ keepProfile: true });

  private stop() {
    this.lookup?.abort();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /**
   * (Re)starts following the customer. A different customer clears the card at
   * once so an agent never sees the previous one's data under the new ticket;
   * Retry keeps the stale copy visible while it reloads.
   */
  private load({ keepProfile = false } = {}) {
    this.stop();
    this.busy = true;
    this.reportedError = null;
    this.previous = undefined;
    this.live = undefined;
    if (!keepProfile || this.view.state !== 'ready') this.view = { state: 'loading' };

    // Without a client yet, stay loading: `tessera-client-ready` calls back here.
    const client = this.tessera.client;
    if (!client) return;
    if (!this.profileId && !this.email) {
      // Nothing to look up (a helpdesk sidebar before a ticket is open): not an answer worth an event.
      this.busy = false;
      this.view = { state: 'empty' };
      return;
    }

    const lookup = (this.lookup = new AbortController());
    const profileId = this.profileId ? Promise.resolve(this.profileId) : client.profiles.resolve({ email: this.email! }, { signal: lookup.signal });
    profileId.then(
      (id) => {
        if (lookup.signal.aborted) return;
        if (id) this.subscription = client.profiles.watch(id, (snapshot) => this.show(snapshot));
        else this.show({ profile: null, source: 'network', fetchedAt: Date.now(), offline: false, error: null, live: false, liveError: null });
      },
      (error: TesseraError) => {
        if (lookup.signal.aborted) return;
        this.show({ profile: null, source: 'network', fetchedAt: 0, offline: isTesseraError(error, 'network'), error, live: false, liveError: null });
      },
    );
  }

  private show(snapshot: ProfileSnapshot) {
    const { profile, error, liveError } = snapshot;
    const previous = this.previous;
    this.previous = snapshot;
    this.busy = false;
    this.live = snapshot.live ? true : liveError ? false : undefined;
    if (profile) {
      this.view = { state: 'ready', profile, ...(error ? { stale: { offline: snapshot.offline, fetchedAt: snapshot.fetchedAt } } : {}) };
    } else {
      this.view = error ? { state: 'error', error } : { state: 'empty' };
    }

    // A snapshot may only say that live updates came or went: events report what actually changed.
    const failure = error ?? liveError;
    if (failure && failure !== (previous?.error ?? previous?.liveError)) {
      // Realtime retries report the same failure again and again: tell the page once.
      if (failure.code !== this.reportedError?.code) this.emit('tessera-error', { error: failure });
      this.reportedError = failure;
    } else if (!failure) {
      this.reportedError = null;
    }
    const newCopy = !previous || profile !== previous.profile || snapshot.fetchedAt !== previous.fetchedAt;
    if (!error && newCopy) {
      if (snapshot.source === 'live') this.emit('tessera-profile-change', { profile });
      else this.emit('tessera-profile-load', { profile, source: snapshot.source });
    }
  }

  private emit<K extends 'tessera-profile-load' | 'tessera-profile-change' | 'tessera-error'>(type: K, detail: HTMLElementEventMap[K]['detail']) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  protected override render() {
    const { view } = this;
    const label = view.state === 'ready' ? `Customer: ${displayName(view.profile)}` : 'Customer';
    return html`
      <section part="base" class="card" aria-label=${label} aria-busy=${this.busy ? 'true' : 'false'}>
        <div part="status" class="status" aria-live="polite">${this.renderStatus()}</div>
        ${view.state === 'loading' ? renderSkeleton() : view.state === 'ready' ? this.renderProfile(view.profile) : nothing}
      </section>
    `;
  }

  private renderStatus() {
    const { view } = this;
    const locale = this.tessera.locale;
    switch (view.state) {
      case 'loading':
        return html`<span class="visually-hidden">Loading customer…</span>`;
      case 'empty': {
        const wanted = this.profileId ? `profile ${this.profileId}` : this.email;
        return html`<p class="message">${wanted ? `No customer found for ${wanted}.` : 'No customer selected.'}</p>`;
      }
      case 'error':
        return errorMessage(
          'Couldn’t load this customer',
          advice(view.error, 'this customer', { offered: 'customer profiles', reader: 'card' }),
          view.error,
          this.handleRetry,
        );
      case 'ready':
        return view.stale ? staleBanner(view.stale, locale, this.handleRetry) : nothing;
    }
  }

  private renderProfile(profile: Profile) {
    const locale = this.tessera.locale;
    const name = displayName(profile);
    // When the name fell back to the email, the email is not repeated below it.
    const email = profile.email !== name ? profile.email : null;
    const activity = profile.last_activity;
    return html`
      <header part="header" class="header">
        <span part="avatar" class="avatar" aria-hidden="true">${initials(name)}</span>
        <div class="header__text">
          <p part="name" class="name">${name}</p>
          ${email || profile.phone
            ? html`<p part="contact" class="contact">
                ${email ? html`<a href="mailto:${email}">${email}</a>` : nothing}
                ${profile.phone ? html`<a href="tel:${profile.phone}">${profile.phone}</a>` : nothing}
              </p>`
            : nothing}
        </div>
        ${liveIndicator(this.live)}
      </header>

      <dl part="stats" class="stats">
        <div part="stat" class="stat">
          <dt>Total spent</dt>
          <dd class="stat__value">${formatSpent(profile.lifetime_revenue, profile.currency, locale)}</dd>
        </div>
        <div part="stat" class="stat">
          <dt>Orders</dt>
          <dd class="stat__value">${new Intl.NumberFormat(locale).format(profile.orders_count)}</dd>
        </div>
        <div part="stat" class="stat">
          <dt>Last activity</dt>
          ${activity
            ? html`<dd class="stat__value">${humanise(activity.type)}</dd>
                <dd class="stat__detail">${label(activity.source)} · ${renderTime(activity.occurred_at, locale, relativeTime)}</dd>`
            : html`<dd class="stat__value stat__value--none">None yet</dd>`}
        </div>
        <div part="stat" class="stat">
          <dt>Customer since</dt>
          <dd class="stat__value">${renderTime(profile.first_seen_at, locale, monthAndYear)}</dd>
        </div>
        ${profile.churn
          ? html`<div part="stat churn" class="stat stat--wide churn" data-band=${profile.churn.band}>
              <dt>Churn risk</dt>
              <dd class="stat__value"><span class="churn__dot" aria-hidden="true"></span>${BANDS[profile.churn.band]} · ${formatRisk(profile.churn.risk, locale)}</dd>
            </div>`
          : nothing}
      </dl>

      ${profile.identities.length
        ? html`<div part="identities" class="identities">
            ${[...groupBySource(profile.identities)].map(
              ([source, identities], index) => html`
                <div class="group" data-source=${source}>
                  <p class="group__source" id="source-${index}">${label(source)}</p>
                  <ul class="group__list" aria-labelledby="source-${index}">
                    ${identities.map(
                      (identity) => html`<li part="identity" class="identity">
                        <span class="identity__kind">${label(identity.kind)}</span>
                        <span class="identity__value" title=${identity.value}>${identity.value}</span>
                      </li>`,
                    )}
                  </ul>
                </div>
              `,
            )}
          </div>`
        : nothing}
    `;
  }
}

function renderSkeleton() {
  return html`
    <div part="header" class="header" aria-hidden="true">
      <span part="avatar" class="avatar skeleton"></span>
      <div class="header__text">
        <span class="skeleton skeleton--line" style="width: 55%"></span>
        <span class="skeleton skeleton--line skeleton--small" style="width: 75%"></span>
      </div>
    </div>
    <div class="stats" aria-hidden="true">
      ${[0, 1, 2, 3].map(
        () => html`<div class="stat">
          <span class="skeleton skeleton--line skeleton--small" style="width: 60%"></span>
          <span class="skeleton skeleton--line" style="width: 45%"></span>
        </div>`,
      )}
    </div>
  `;
}

/** Readable names of identity kinds and sources; anything else is humanised. */
const LABELS: Record<string, string> = {
  shopify: 'Shopify',
  shopify_customer: 'Shopify customer',
  kajabi: 'Kajabi',
  kajabi_member: 'Kajabi member',
  meta: 'Instagram & Facebook',
  social_import: 'Social (imported)',
  instagram_id: 'Instagram account',
  facebook_id: 'Facebook account',
  tiktok_id: 'TikTok account',
  x_id: 'X account',
  youtube_channel_id: 'YouTube channel',
  youtube_handle: 'YouTube',
  instagram: 'Instagram',
  facebook: 'Facebook',
  tiktok: 'TikTok',
  youtube: 'YouTube',
  x: 'X',
  twitter: 'X',
  email: 'Email',
  phone: 'Phone',
};

const label = (name: string) => LABELS[name] ?? humanise(name);

function displayName(profile: Profile): string {
  const fullName = [profile.first_name, profile.last_name].filter(Boolean).join(' ');
  return profile.display_name?.trim() || fullName || profile.email || profile.phone || 'Unnamed customer';
}

function initials(name: string): string {
  const words = name.split(/[\s@.]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((word) => Array.from(word!)[0]!.toLocaleUpperCase()).join('');
}

function groupBySource(identities: Identity[]): Map<string, Identity[]> {
  const groups = new Map<string, Identity[]>();
  for (const identity of identities) groups.set(identity.source, [...(groups.get(identity.source) ?? []), identity]);
  return groups;
}

/** A date as the card shows it, with the full date and time a hover away. */
function renderTime(iso: string, locale: string | undefined, format: (date: Date, locale: string | undefined) => string) {
  const date = new Date(iso);
  return html`<time datetime=${iso} title=${fullDate(date, locale)}>${format(date, locale)}</time>`;
}

const monthAndYear = (date: Date, locale: string | undefined) => new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric' }).format(date);
