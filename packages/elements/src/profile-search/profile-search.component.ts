import { isTesseraError, type ProfileSummary, type Tessera, type TesseraError } from '@tessera/core';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ClientController } from '../shared/client-controller.ts';
import { retryLine } from '../shared/retry-line.ts';
import { formatSpent } from '../shared/status.ts';
import { styles } from './profile-search.styles.ts';

/**
 * Detail of `tessera-profile-select`, fired by `<profile-search>` and `<segment-members>`:
 * the chosen person's id, and their search hit when they were picked from a search.
 */
export interface ProfileSelectDetail {
  profileId: string;
  /** The search hit that was picked; only `<profile-search>` has one. */
  profile?: ProfileSummary;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-profile-select': CustomEvent<ProfileSelectDetail>;
  }
}

type View =
  | { state: 'idle' }
  | { state: 'searching' }
  | { state: 'ready' }
  | { state: 'error'; error: TesseraError }
  | { state: 'offline' };

/** Long enough to skip the keystrokes of a word being typed, short enough to feel instant. */
const DEBOUNCE_MS = 200;

/**
 * @summary Finds a customer by name, email, phone or handle as you type: an
 * ARIA 1.2 combobox whose options show each person's name, email and lifetime revenue.
 *
 * @event tessera-profile-select - A person was picked (Enter on the active option, or a click). `detail: { profileId, profile }`, `profile` being the `ProfileSummary` of the hit.
 *
 * @csspart base - The wrapper of the field and its popup.
 * @csspart label - The field's label (visually hidden unless `label-visible` is set).
 * @csspart input - The search field, `role="combobox"`.
 * @csspart listbox - The popup listing the hits.
 * @csspart option - One hit; also `option-active` while it is the active option.
 * @csspart option-name - The person's name in a hit.
 * @csspart option-email - The person's email in a hit.
 * @csspart option-revenue - The person's lifetime revenue in a hit.
 * @csspart status - The live region with the searching, no-results, error and offline messages.
 * @csspart retry-button - The Retry button of the error and offline messages.
 *
 * @cssproperty --tessera-background - Field and popup background.
 * @cssproperty --tessera-color - Main text colour.
 * @cssproperty --tessera-muted - Secondary text: emails, messages.
 * @cssproperty --tessera-accent - Focus ring and the active option.
 * @cssproperty --tessera-border - Field and popup border.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraProfileSearch extends LitElement {
  static override styles = styles;

  static override properties = {
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    placeholder: {},
    label: {},
    labelVisible: { type: Boolean, attribute: 'label-visible' },
    limit: { type: Number },
    query: { state: true },
    view: { state: true },
    hits: { state: true },
    open: { state: true },
    activeIndex: { state: true },
  };

  /** The Tessera client to search with; without one the element uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for revenue; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the element follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;
  /** Hint shown in the empty field. */
  declare placeholder: string;
  /** The field's accessible name. */
  declare label: string;
  /** Shows the label above the field instead of only to screen readers. */
  declare labelVisible: boolean;
  /** Most hits to list. */
  declare limit: number;

  private declare query: string;
  private declare view: View;
  /** The hits listed; kept while a newer search runs so the list does not flicker. */
  private declare hits: ProfileSummary[];
  private declare open: boolean;
  /** Index in `hits` of the active option, -1 for none. */
  private declare activeIndex: number;

  private readonly tessera = new ClientController(this, {
    load: () => {
      if (this.query.trim()) this.search();
    },
    stop: () => {
      clearTimeout(this.timer);
      this.request?.abort();
    },
    reloadOnReconnect: false,
  });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private request: AbortController | undefined;

  constructor() {
    super();
    this.placeholder = 'Search customers by name, email or phone';
    this.label = 'Search customers';
    this.labelVisible = false;
    this.limit = 8;
    this.query = '';
    this.view = { state: 'idle' };
    this.hits = [];
    this.open = false;
    this.activeIndex = -1;
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    // A new client or limit answers differently: search again for what is typed.
    if (this.hasUpdated && (changed.has('client') || changed.has('limit')) && this.query.trim()) this.search();
  }

  private handleInput = (event: InputEvent) => {
    this.query = (event.target as HTMLInputElement).value;
    clearTimeout(this.timer);
    if (!this.query.trim()) {
      this.request?.abort();
      this.hits = [];
      this.view = { state: 'idle' };
      this.open = false;
      return;
    }
    // Busy from the first keystroke: a search is coming, and what is listed is for older text.
    this.view = { state: 'searching' };
    this.open = true;
    this.timer = setTimeout(() => this.search(), DEBOUNCE_MS);
  };

  private handleRetry = () => {
    this.search();
    this.input?.focus();
  };

  private get input() {
    return this.renderRoot.querySelector<HTMLInputElement>('input');
  }

  /** Searches for what is typed now; an older search still running is cancelled so it can never overwrite this one. */
  private search() {
    clearTimeout(this.timer);
    this.request?.abort();
    const client = this.tessera.client;
    const query = this.query.trim();
    // Without a client yet, show that a search is pending: `tessera-client-ready` calls back here.
    this.view = { state: 'searching' };
    this.open = true;
    if (!client || !query) return;
    const request = (this.request = new AbortController());
    client.profiles.search(query, { limit: this.limit, signal: request.signal }).then(
      (hits) => {
        if (request.signal.aborted) return;
        this.hits = hits;
        this.activeIndex = -1;
        this.view = { state: 'ready' };
      },
      (error: TesseraError) => {
        if (request.signal.aborted || isTesseraError(error, 'aborted')) return;
        this.hits = [];
        this.activeIndex = -1;
        this.view = isTesseraError(error, 'network') ? { state: 'offline' } : { state: 'error', error };
      },
    );
  }

  private handleKeyDown = (event: KeyboardEvent) => {
    const count = this.listable ? this.hits.length : 0;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        event.preventDefault();
        if (!this.open) {
          this.open = this.view.state !== 'idle';
          // Alt+ArrowDown only opens the popup; a plain arrow also moves into it.
          if (event.altKey) return;
        }
        if (!count) return;
        const step = event.key === 'ArrowDown' ? 1 : -1;
        const from = this.activeIndex === -1 ? (step === 1 ? -1 : count) : this.activeIndex;
        this.activeIndex = (from + step + count) % count;
        return;
      }
      case 'Home':
      case 'End':
        // With no option active, Home and End move the caret in the field as usual.
        if (!this.open || !count || this.activeIndex === -1) return;
        event.preventDefault();
        this.activeIndex = event.key === 'Home' ? 0 : count - 1;
        return;
      case 'Enter': {
        const hit = this.open && this.activeIndex >= 0 ? this.hits[this.activeIndex] : undefined;
        if (!hit) return;
        event.preventDefault();
        this.select(hit);
        return;
      }
      case 'Escape':
        event.preventDefault();
        if (this.open) {
          this.open = false;
          this.activeIndex = -1;
        } else {
          // A second Escape clears the field, as the APG combobox does.
          this.query = '';
          this.hits = [];
          this.view = { state: 'idle' };
          this.request?.abort();
          clearTimeout(this.timer);
        }
        return;
    }
  };

  private handleFocusOut = (event: FocusEvent) => {
    if (!this.renderRoot.contains(event.relatedTarget as Node | null)) {
      this.open = false;
      this.activeIndex = -1;
    }
  };

  private handleFocus = () => {
    if (this.view.state !== 'idle') this.open = true;
  };

  private select(hit: ProfileSummary) {
    this.query = displayName(hit);
    this.open = false;
    this.activeIndex = -1;
    this.dispatchEvent(new CustomEvent('tessera-profile-select', { detail: { profileId: hit.id, profile: hit }, bubbles: true, composed: true }));
  }

  /** Hits are listed once found, and stay while a newer search runs. */
  private get listable() {
    return this.view.state === 'ready' || this.view.state === 'searching';
  }

  protected override render() {
    const { view, open } = this;
    const showList = open && this.listable && this.hits.length > 0;
    const active = showList && this.activeIndex >= 0 ? `option-${this.activeIndex}` : undefined;
    return html`
      <div part="base" class="search" @focusout=${this.handleFocusOut}>
        <label part="label" for="input" class=${this.labelVisible ? 'label' : 'visually-hidden'}>${this.label}</label>
        <input
          part="input"
          id="input"
          class="input"
          type="text"
          role="combobox"
          autocomplete="off"
          spellcheck="false"
          aria-autocomplete="list"
          aria-controls="listbox"
          aria-expanded=${showList ? 'true' : 'false'}
          aria-activedescendant=${active ?? nothing}
          aria-describedby="status"
          aria-busy=${view.state === 'searching' ? 'true' : 'false'}
          placeholder=${this.placeholder}
          .value=${this.query}
          @input=${this.handleInput}
          @keydown=${this.handleKeyDown}
          @focus=${this.handleFocus}
        />
        <ul part="listbox" id="listbox" class="listbox" role="listbox" aria-label="Customers" ?hidden=${!showList}>
          ${showList ? this.hits.map((hit, index) => this.renderOption(hit, index)) : nothing}
        </ul>
        <div part="status" id="status" class="status" aria-live="polite" ?hidden=${!open}>${open ? this.renderStatus() : nothing}</div>
      </div>
    `;
  }

  private renderOption(hit: ProfileSummary, index: number) {
    const active = index === this.activeIndex;
    const name = displayName(hit);
    return html`<li
      part=${active ? 'option option-active' : 'option'}
      id="option-${index}"
      class="option ${active ? 'option--active' : ''}"
      role="option"
      aria-selected=${active ? 'true' : 'false'}
      @mousedown=${(event: MouseEvent) => event.preventDefault() /* keeps focus in the field */}
      @click=${() => this.select(hit)}
    >
      <span class="option__text">
        <span part="option-name" class="option__name">${name}</span>
        ${hit.email && hit.email !== name ? html`<span part="option-email" class="option__email">${hit.email}</span>` : nothing}
      </span>
      <span part="option-revenue" class="option__revenue">${formatSpent(hit.lifetime_revenue, hit.currency, this.tessera.locale)}</span>
    </li>`;
  }

  private renderStatus() {
    const { view } = this;
    switch (view.state) {
      case 'idle':
        return nothing;
      case 'searching':
        return html`<p class="message">Searching…</p>`;
      case 'ready': {
        if (this.hits.length) {
          const count = new Intl.NumberFormat(this.tessera.locale).format(this.hits.length);
          return html`<span class="visually-hidden">${count} ${this.hits.length === 1 ? 'customer' : 'customers'} found</span>`;
        }
        return html`<p class="message">No customers match “${this.query.trim()}”</p>`;
      }
      case 'offline':
        return retryLine({ offline: 'Offline — search needs a connection' }, this.handleRetry);
      case 'error':
        return retryLine({ failed: 'Couldn’t search customers', error: view.error }, this.handleRetry);
    }
  }
}

function displayName(hit: ProfileSummary): string {
  return hit.display_name?.trim() || hit.email || hit.phone || 'Unnamed customer';
}
