import { isTesseraError, type SavedSegment, type Tessera, type TesseraError } from '@tessera/core';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ClientController } from '../shared/client-controller.ts';
import { retryLine } from '../shared/retry-line.ts';
import { people } from '../shared/people.ts';
import { styles } from './segment-list.styles.ts';

/** Detail of `tessera-segment-select`: the saved segment that was chosen. */
export interface SegmentSelectDetail {
  segment: SavedSegment;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-segment-select': CustomEvent<SegmentSelectDetail>;
  }
}

type View =
  | { state: 'loading' }
  | { state: 'ready'; segments: SavedSegment[] }
  | { state: 'error'; error: TesseraError }
  | { state: 'offline' };

/**
 * @summary The workspace's saved segments with how many people each holds, as
 * a listbox: arrow keys move, Enter or Space (or a click) chooses one.
 *
 * @event tessera-segment-select - A segment was chosen. `detail: { segment }`, the `SavedSegment`.
 *
 * @csspart base - The wrapper, a labelled region.
 * @csspart listbox - The list of segments, `role="listbox"`.
 * @csspart option - One segment; also `option-selected` for the chosen one and `option-active` for the one the keyboard is on.
 * @csspart option-name - A segment's name.
 * @csspart option-members - How many people a segment holds.
 * @csspart option-query - A segment's query text.
 * @csspart status - The live region with the loading, empty, error and offline messages.
 * @csspart retry-button - Retry of a failed load.
 *
 * @cssproperty --tessera-background - Background.
 * @cssproperty --tessera-color - Main text colour.
 * @cssproperty --tessera-muted - Queries and messages.
 * @cssproperty --tessera-accent - Focus ring and the chosen segment.
 * @cssproperty --tessera-border - Borders.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraSegmentList extends LitElement {
  static override styles = styles;

  static override properties = {
    selected: { reflect: true },
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    view: { state: true },
    activeIndex: { state: true },
  };

  /** Id of the chosen segment. */
  declare selected: string | undefined;
  /** The Tessera client to read with; without one the element uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for member counts; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the element follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;

  private declare view: View;
  /** The option the keyboard is on (`aria-activedescendant`). */
  private declare activeIndex: number;

  private readonly tessera = new ClientController(this, { load: () => this.refresh(), stop: () => this.request?.abort() });
  private request: AbortController | undefined;

  constructor() {
    super();
    this.view = { state: 'loading' };
    this.activeIndex = 0;
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.hasUpdated || changed.has('client')) this.refresh();
  }

  /**
   * Reads the segments again, e.g. after `<segment-builder>` saved one.
   *
   * @example
   * builder.addEventListener('tessera-segment-save', () => list.refresh());
   */
  refresh(): void {
    this.request?.abort();
    this.view = { state: 'loading' };
    const client = this.tessera.client;
    if (!client) return; // `tessera-client-ready` calls back here.
    const request = (this.request = new AbortController());
    client.segments.list({ signal: request.signal }).then(
      (segments) => {
        if (request.signal.aborted) return;
        const selected = segments.findIndex((segment) => segment.id === this.selected);
        this.activeIndex = Math.max(selected, 0);
        this.view = { state: 'ready', segments };
      },
      (error: TesseraError) => {
        if (request.signal.aborted || isTesseraError(error, 'aborted')) return;
        this.view = isTesseraError(error, 'network') ? { state: 'offline' } : { state: 'error', error };
      },
    );
  }

  private handleRetry = () => this.refresh();

  private handleKeyDown = (event: KeyboardEvent) => {
    if (this.view.state !== 'ready') return;
    const { segments } = this.view;
    const last = segments.length - 1;
    const moves: Record<string, number> = { ArrowDown: this.activeIndex + 1, ArrowUp: this.activeIndex - 1, Home: 0, End: last };
    if (event.key in moves) {
      event.preventDefault();
      this.activeIndex = Math.min(Math.max(moves[event.key]!, 0), last);
      void this.updateComplete.then(() => this.renderRoot.querySelector('[part~="option-active"]')?.scrollIntoView({ block: 'nearest' }));
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      const segment = segments[this.activeIndex];
      if (segment) this.choose(segment);
    }
  };

  private choose(segment: SavedSegment) {
    this.selected = segment.id;
    this.dispatchEvent(new CustomEvent('tessera-segment-select', { detail: { segment }, bubbles: true, composed: true }));
  }

  protected override render() {
    const { view } = this;
    const segments = view.state === 'ready' ? view.segments : [];
    return html`
      <section part="base" class="list" aria-labelledby="heading" aria-busy=${view.state === 'loading' ? 'true' : 'false'}>
        <p id="heading" class="heading">Segments</p>
        <div part="status" class="status" role="status" aria-live="polite">${this.renderStatus()}</div>
        ${segments.length
          ? html`<ul
              part="listbox"
              class="listbox"
              role="listbox"
              tabindex="0"
              aria-labelledby="heading"
              aria-activedescendant="segment-${this.activeIndex}"
              @keydown=${this.handleKeyDown}
            >
              ${segments.map((segment, index) => this.renderOption(segment, index))}
            </ul>`
          : nothing}
      </section>
    `;
  }

  private renderOption(segment: SavedSegment, index: number) {
    const selected = segment.id === this.selected;
    const active = index === this.activeIndex;
    const parts = ['option', selected ? 'option-selected' : '', active ? 'option-active' : ''].filter(Boolean).join(' ');
    return html`<li
      part=${parts}
      id="segment-${index}"
      class="option ${selected ? 'option--selected' : ''} ${active ? 'option--active' : ''}"
      role="option"
      aria-selected=${selected ? 'true' : 'false'}
      data-id=${segment.id}
      @click=${() => {
        this.activeIndex = index;
        this.choose(segment);
      }}
    >
      <span class="option__text">
        <span part="option-name" class="option__name">${segment.name}</span>
        <span part="option-query" class="option__query">${segment.query}</span>
      </span>
      <span part="option-members" class="option__members">${people(segment.members, this.tessera.locale)}</span>
    </li>`;
  }

  private renderStatus() {
    const { view } = this;
    switch (view.state) {
      case 'loading':
        return html`<p class="message">Loading segments…</p>`;
      case 'ready':
        return view.segments.length ? nothing : html`<p class="message">No segments yet</p>`;
      case 'offline':
        return retryLine({ offline: 'Offline — segments need a connection' }, this.handleRetry);
      case 'error':
        return retryLine({ failed: 'Couldn’t load segments', error: view.error }, this.handleRetry);
    }
  }
}
