import { isTesseraError, type SavedSegment, type SegmentParseError, type Tessera, type TesseraError } from '@tessera/core';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ClientController } from '../shared/client-controller.ts';
import { people } from '../shared/people.ts';
import { styles } from './segment-builder.styles.ts';

/** Detail of `tessera-segment-input`: the query text after an edit, and whether it parses. */
export interface SegmentInputDetail {
  text: string;
  valid: boolean;
}

/** Detail of `tessera-segment-save`: the segment as the backend saved it, with its member count. */
export interface SegmentSaveDetail {
  segment: SavedSegment;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-segment-input': CustomEvent<SegmentInputDetail>;
    'tessera-segment-save': CustomEvent<SegmentSaveDetail>;
  }
}

type Parsed = { state: 'empty' } | { state: 'valid' } | { state: 'invalid'; error: SegmentParseError };

type Count =
  | { state: 'idle' }
  | { state: 'counting' }
  | { state: 'ready'; count: number }
  | { state: 'error'; error: TesseraError }
  | { state: 'offline' };

type Save =
  | { state: 'idle' }
  | { state: 'saving' }
  | { state: 'saved'; segment: SavedSegment }
  | { state: 'unnamed' }
  | { state: 'error'; error: TesseraError }
  | { state: 'offline' };

/** Counting asks the database; wait until typing pauses. */
const PREVIEW_DEBOUNCE_MS = 300;

/**
 * @summary Writes a segment in the segment language (docs/segments.md): every
 * edit is checked at once, mistakes are underlined where they are, and a live
 * count says how many people match before the segment is saved.
 *
 * @event tessera-segment-input - The text was edited and checked. `detail: { text, valid }`.
 * @event tessera-segment-save - The segment was saved. `detail: { segment }`, the `SavedSegment` with its id and member count.
 *
 * @csspart base - The form.
 * @csspart query-label - The label of the query field.
 * @csspart query - The query field, a textarea.
 * @csspart error - The parse error: the line with the mistake marked, and the message.
 * @csspart error-mark - The marked characters of the mistake.
 * @csspart error-message - What is wrong, and where.
 * @csspart count - The live region with the member count (or why it is missing).
 * @csspart name-label - The label of the name field.
 * @csspart name - The segment's name field.
 * @csspart save-button - The Save button.
 * @csspart save-status - The live region saying the segment was saved, or why it was not.
 * @csspart retry-button - Retry of a failed count.
 *
 * @cssproperty --tessera-background - Background.
 * @cssproperty --tessera-color - Main text colour.
 * @cssproperty --tessera-muted - Hints and secondary text.
 * @cssproperty --tessera-accent - Focus rings and the Save button.
 * @cssproperty --tessera-border - Field borders.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraSegmentBuilder extends LitElement {
  static override styles = styles;

  static override properties = {
    value: {},
    name: {},
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    parsed: { state: true },
    count: { state: true },
    saving: { state: true },
  };

  /** The segment's query text, e.g. `amount_spent > 100 AND NOT has instagram`. */
  declare value: string;
  /** The segment's name, saved with it; a segment saved under an existing name replaces it. */
  declare name: string;
  /** The Tessera client to parse, count and save with; without one the element uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for the count; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the element follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;

  private declare parsed: Parsed;
  private declare count: Count;
  private declare saving: Save;

  private readonly tessera = new ClientController(this, {
    load: () => void this.check({ announce: false }),
    stop: () => {
      clearTimeout(this.previewTimer);
      this.preview?.abort();
      this.saveRequest?.abort();
    },
    reloadOnReconnect: false,
  });
  /** Parses are async (the language loads on first use): only the latest edit's result is shown. */
  private parseRun = 0;
  /** The text last given to `check`, so an edit already being checked is not checked twice. */
  private checkedText: string | undefined;
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  private preview: AbortController | undefined;
  private saveRequest: AbortController | undefined;

  constructor() {
    super();
    this.value = '';
    this.name = '';
    this.parsed = { state: 'empty' };
    this.count = { state: 'idle' };
    this.saving = { state: 'idle' };
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    const edited = changed.has('value') && this.value !== this.checkedText;
    if (!this.hasUpdated || edited || changed.has('client')) void this.check({ announce: false });
  }

  private handleQueryInput = (event: InputEvent) => {
    this.value = (event.target as HTMLTextAreaElement).value;
    if (this.saving.state !== 'saving') this.saving = { state: 'idle' };
    // Checked (and announced) here; willUpdate sees the text was checked already.
    void this.check({ announce: true });
  };

  private handleNameInput = (event: InputEvent) => {
    this.name = (event.target as HTMLInputElement).value;
    if (this.saving.state === 'unnamed') this.saving = { state: 'idle' };
  };

  private handleQueryKeyDown = (event: KeyboardEvent) => {
    // Ctrl/⌘+Enter saves from the query field, as in most query editors.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void this.save();
    }
  };

  private handleSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    void this.save();
  };

  private handleRetryCount = () => this.startPreview(0);

  /** Parses the text as it is now; a valid query is then counted. */
  private async check({ announce }: { announce: boolean }) {
    const run = ++this.parseRun;
    const text = (this.checkedText = this.value ?? '');
    clearTimeout(this.previewTimer);
    this.preview?.abort();
    const client = this.tessera.client;
    if (!text.trim()) {
      this.parsed = { state: 'empty' };
      this.count = { state: 'idle' };
    } else if (client) {
      const result = await client.segments.parse(text);
      if (run !== this.parseRun) return;
      this.parsed = result.ok ? { state: 'valid' } : { state: 'invalid', error: result.error };
      if (result.ok) this.startPreview(PREVIEW_DEBOUNCE_MS);
      else this.count = { state: 'idle' };
    } else {
      // No client yet: `tessera-client-ready` checks again.
      return;
    }
    if (announce) {
      this.dispatchEvent(
        new CustomEvent('tessera-segment-input', { detail: { text, valid: this.parsed.state === 'valid' }, bubbles: true, composed: true }),
      );
    }
  }

  /** Counts the current query after `delay`; a count still running for older text is cancelled so it never shows. */
  private startPreview(delay: number) {
    clearTimeout(this.previewTimer);
    this.preview?.abort();
    this.count = { state: 'counting' };
    const text = this.value;
    this.previewTimer = setTimeout(() => {
      const client = this.tessera.client;
      if (!client) return;
      const request = (this.preview = new AbortController());
      client.segments.preview(text, { limit: 0, signal: request.signal }).then(
        ({ count }) => {
          if (request.signal.aborted) return;
          this.count = { state: 'ready', count };
        },
        (error: TesseraError) => {
          if (request.signal.aborted || isTesseraError(error, 'aborted')) return;
          this.count = isTesseraError(error, 'network') ? { state: 'offline' } : { state: 'error', error };
        },
      );
    }, delay);
  }

  /** Saves the segment under its name; resolves once the backend answered (or the save could not start). */
  async save(): Promise<void> {
    const client = this.tessera.client;
    if (this.parsed.state !== 'valid' || !client || this.saving.state === 'saving') return;
    const name = this.name.trim();
    if (!name) {
      this.saving = { state: 'unnamed' };
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>('#name')?.focus();
      return;
    }
    this.saveRequest?.abort();
    const request = (this.saveRequest = new AbortController());
    this.saving = { state: 'saving' };
    try {
      const segment = await client.segments.save(name, this.value, { signal: request.signal });
      if (request.signal.aborted) return;
      this.saving = { state: 'saved', segment };
      this.dispatchEvent(new CustomEvent('tessera-segment-save', { detail: { segment }, bubbles: true, composed: true }));
    } catch (error) {
      if (request.signal.aborted || isTesseraError(error, 'aborted')) return;
      this.saving = isTesseraError(error, 'network') ? { state: 'offline' } : { state: 'error', error: error as TesseraError };
    }
  }

  protected override render() {
    const { parsed } = this;
    const invalid = parsed.state === 'invalid';
    const canSave = parsed.state === 'valid' && this.saving.state !== 'saving';
    return html`
      <form part="base" class="builder" novalidate @submit=${this.handleSubmit}>
        <label part="query-label" class="label" for="query">Segment</label>
        <textarea
          part="query"
          id="query"
          class="field field--query"
          rows="3"
          spellcheck="false"
          autocomplete="off"
          placeholder="amount_spent > 100 AND last_order_date < -90d"
          aria-invalid=${invalid ? 'true' : 'false'}
          aria-describedby=${invalid ? 'error-message count' : 'count'}
          .value=${this.value ?? ''}
          @input=${this.handleQueryInput}
          @keydown=${this.handleQueryKeyDown}
        ></textarea>
        ${parsed.state === 'invalid' ? this.renderError(parsed.error) : nothing}
        <div part="count" id="count" class="count" role="status" aria-live="polite" aria-busy=${this.count.state === 'counting' ? 'true' : 'false'}>
          ${this.renderCount()}
        </div>

        <div class="save">
          <div class="save__name">
            <label part="name-label" class="label" for="name">Name</label>
            <input
              part="name"
              id="name"
              class="field"
              type="text"
              autocomplete="off"
              placeholder="Lapsed big spenders"
              aria-invalid=${this.saving.state === 'unnamed' ? 'true' : 'false'}
              aria-describedby="save-status"
              .value=${this.name ?? ''}
              @input=${this.handleNameInput}
            />
          </div>
          <button part="save-button" class="button button--primary" type="submit" ?disabled=${!canSave}>
            ${this.saving.state === 'saving' ? 'Saving…' : 'Save'}
          </button>
        </div>
        <div part="save-status" id="save-status" class="save-status" role="status" aria-live="polite">${this.renderSaveStatus()}</div>
      </form>
    `;
  }

  /** The line holding the mistake, with the mistaken characters marked, above the parser's message. */
  private renderError(error: SegmentParseError) {
    const text = this.value;
    const start = Math.min(error.column - 1, text.length);
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const lineEnd = text.indexOf('\n', start) === -1 ? text.length : text.indexOf('\n', start);
    const end = Math.min(start + error.length, lineEnd);
    return html`<div part="error" class="error" data-column=${error.column}>
      <pre class="error__line" aria-hidden="true"><span>${text.slice(lineStart, start)}</span><mark part="error-mark" class="error__mark ${end === start ? 'error__mark--end' : ''}">${text.slice(start, end)}</mark><span>${text.slice(end, lineEnd)}</span></pre>
      <p part="error-message" id="error-message" class="error__message">${error.message}</p>
    </div>`;
  }

  private renderCount() {
    const { count } = this;
    switch (count.state) {
      case 'idle':
        return this.parsed.state === 'invalid' ? html`<span class="muted">Fix the segment to see who matches</span>` : nothing;
      case 'counting':
        return html`<span class="muted">Counting…</span>`;
      case 'ready':
        return html`<span class="count__value">${people(count.count, this.tessera.locale)}</span>`;
      case 'offline':
        return html`<span class="warning">Offline — counting needs a connection</span>
          <button part="retry-button" class="button button--small" type="button" @click=${this.handleRetryCount}>Retry</button>`;
      case 'error':
        return html`<span class="danger">Couldn’t count the people in this segment (error code <code>${count.error.code}</code>)</span>
          <button part="retry-button" class="button button--small" type="button" @click=${this.handleRetryCount}>Retry</button>`;
    }
  }

  private renderSaveStatus() {
    const { saving } = this;
    switch (saving.state) {
      case 'idle':
      case 'saving':
        return nothing;
      case 'unnamed':
        return html`<span class="danger">Give the segment a name to save it</span>`;
      case 'saved':
        return html`<span>Saved “${saving.segment.name}” · ${people(saving.segment.members, this.tessera.locale)}</span>`;
      case 'offline':
        return html`<span class="warning">Offline — saving needs a connection. Try again once you’re back online.</span>`;
      case 'error':
        return html`<span class="danger">Couldn’t save the segment: ${saving.error.message}</span>`;
    }
  }
}
