import { isTesseraError, type JourneyEvent, type JourneyPage, type Snapshot, type Subscription, type Tessera, type TesseraError } from '@tessera/core';
import type { Chart } from 'chart.js';
import { loadChartJs } from '../shared/chart.ts';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ClientController } from '../shared/client-controller.ts';
import { errorMessage, staleBanner } from '../shared/status-messages.ts';
import { advice, formatMoney, fullDate, relativeTime } from '../shared/status.ts';
import { activity, periodLabel } from './activity.ts';
import { styles } from './journey-timeline.styles.ts';

/** Detail of `tessera-journey-load`: a page of the journey (the newest, or an older one read with "Show older") and where it came from. */
export interface JourneyLoadDetail {
  page: JourneyPage | null;
  source: Snapshot<JourneyPage | null>['source'];
}

/** Detail of `tessera-event-select`: the event whose row was activated. */
export interface EventSelectDetail {
  event: JourneyEvent;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-journey-load': CustomEvent<JourneyLoadDetail>;
    'tessera-event-select': CustomEvent<EventSelectDetail>;
  }
}

type View =
  | { state: 'loading' }
  | { state: 'no-profile' }
  | { state: 'missing' }
  | { state: 'error'; error: TesseraError }
  /** `stale` is set when the events shown could not be refreshed. */
  | { state: 'ready'; stale?: { offline: boolean; fetchedAt: number } };

type Older = { state: 'idle' } | { state: 'loading' } | { state: 'error'; error: TesseraError };

/**
 * @summary A customer's journey across every source: a chart of their activity
 * per week or month, and every event newest first, filterable by source and
 * kept live as new events arrive.
 *
 * The chart's library (chart.js) is downloaded only when the chart first
 * scrolls into view, so a page that never shows it never pays for it.
 *
 * @event tessera-journey-load - A page of events was read: the newest from the offline cache first (if any), then fresh, then again on each live change (`source: 'live'`), and each older page read with "Show older". `detail: { page, source }`; `page` is `null` when there is no such customer.
 * @event tessera-event-select - An event's row was activated (click, Enter or Space). `detail: { event }`.
 * @event tessera-error - Loading failed or the backend became unreachable. `detail: { error }`, a `TesseraError` with a stable `code`.
 *
 * @csspart base - The container, a labelled region.
 * @csspart filters - The group of source filter chips.
 * @csspart filter - One source's toggle button (`aria-pressed`).
 * @csspart chart - The activity chart and its caption.
 * @csspart chart-canvas - The canvas chart.js draws on.
 * @csspart events - The list of events, newest first.
 * @csspart event - One event's row, a button.
 * @csspart source-badge - An event's source.
 * @csspart summary - What happened, in a sentence.
 * @csspart comment - The text of a comment event.
 * @csspart time - When it happened.
 * @csspart revenue - The money it moved.
 * @csspart show-older-button - Reads the next (older) page.
 * @csspart status - The live region holding the loading, empty, error and offline messages.
 * @csspart retry-button - The Retry button of the error and offline messages.
 *
 * @cssproperty --tessera-chart-height - Height of the activity chart (default 160px).
 * @cssproperty --tessera-background - Background.
 * @cssproperty --tessera-color - Main text colour.
 * @cssproperty --tessera-muted - Labels and secondary text.
 * @cssproperty --tessera-accent - Pressed chips and focus rings.
 * @cssproperty --tessera-border - Border and dividers.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraJourneyTimeline extends LitElement {
  static override styles = styles;

  static override properties = {
    profileId: { attribute: 'profile-id' },
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    limit: { type: Number },
    sources: {},
    hideChart: { attribute: 'hide-chart', type: Boolean, reflect: true },
    view: { state: true },
    busy: { state: true },
    events: { state: true },
    cursor: { state: true },
    older: { state: true },
    knownSources: { state: true },
    announcement: { state: true },
  };

  /** The Tessera profile id whose journey to show. */
  declare profileId: string | undefined;
  /** The Tessera client to read with; without one the timeline uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for numbers and dates; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the timeline follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;
  /** Events per page, 1–200. */
  declare limit: number;
  /** Only events from these sources, comma-separated (`shopify,kajabi`); the filter chips set it. */
  declare sources: string | undefined;
  /** Leaves the activity chart out (and never downloads chart.js). */
  declare hideChart: boolean;

  private declare view: View;
  /** True until the first answer of a (re)load arrives; drives `aria-busy`. */
  private declare busy: boolean;
  /** Every event shown, newest first: the newest page merged with the older pages read. */
  private declare events: JourneyEvent[];
  /** Where the next older page starts; null once the oldest event is shown. */
  private declare cursor: string | null;
  private declare older: Older;
  /** Sources seen in this person's journey, for the filter chips (kept while filtering narrows the list). */
  private declare knownSources: string[];
  /** Read out politely when live events arrive. */
  private declare announcement: string;

  private readonly tessera = new ClientController(this, { load: () => this.load(), stop: () => this.stop() });
  private subscription: Subscription | undefined;
  private olderRead: AbortController | undefined;
  private reportedError: TesseraError | null = null;
  private previous: Snapshot<JourneyPage | null> | undefined;
  private loadedFresh = false;
  /** The person the known sources belong to. */
  private sourcesOf: string | undefined;
  private chart: Chart | undefined;
  private chartObserver: IntersectionObserver | undefined;

  constructor() {
    super();
    this.limit = 25;
    this.hideChart = false;
    this.view = { state: 'loading' };
    this.busy = true;
    this.events = [];
    this.cursor = null;
    this.older = { state: 'idle' };
    this.knownSources = [];
    this.announcement = '';
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.destroyChart();
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.hasUpdated || changed.has('profileId') || changed.has('client') || changed.has('limit') || changed.has('sources')) this.load();
  }

  protected override updated() {
    this.syncChart();
  }

  /** The sources filtered on, from the `sources` attribute. */
  private get selected(): string[] {
    return (this.sources ?? '')
      .split(',')
      .map((source) => source.trim())
      .filter(Boolean);
  }

  private handleRetry = () => this.load({ keepEvents: true });

  private stop() {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.olderRead?.abort();
  }

  /** (Re)starts following the journey's newest page; Retry keeps the stale events visible while it reloads. */
  private load({ keepEvents = false } = {}) {
    this.stop();
    this.busy = true;
    this.reportedError = null;
    this.previous = undefined;
    this.loadedFresh = false;
    this.older = { state: 'idle' };
    this.announcement = '';
    if (!keepEvents || this.view.state !== 'ready') {
      this.view = { state: 'loading' };
      this.events = [];
      this.cursor = null;
    }
    if (this.sourcesOf !== this.profileId) {
      this.sourcesOf = this.profileId;
      this.knownSources = [];
    }

    const client = this.tessera.client;
    if (!client) return;
    if (!this.profileId) {
      this.busy = false;
      this.view = { state: 'no-profile' };
      return;
    }
    const selected = this.selected;
    try {
      this.subscription = client.journeys.watch(this.profileId, { limit: this.limit, ...(selected.length ? { sources: selected } : {}) }, (snapshot) =>
        this.showPage(snapshot),
      );
    } catch (error) {
      // A bad `limit` attribute: say what to fix rather than stay loading.
      this.showPage({ value: undefined, source: 'network', fetchedAt: 0, offline: false, error: error as TesseraError });
    }
  }

  private showPage(snapshot: Snapshot<JourneyPage | null>) {
    const { value: page, error } = snapshot;
    const previous = this.previous;
    this.previous = snapshot;
    this.busy = false;

    if (error) {
      if (page === undefined) this.view = { state: 'error', error };
      else if (this.view.state === 'ready') this.view = { state: 'ready', stale: { offline: snapshot.offline, fetchedAt: snapshot.fetchedAt } };
      if (error.code !== this.reportedError?.code) this.emit('tessera-error', { error });
      this.reportedError = error;
      return;
    }
    this.reportedError = null;
    if (page === undefined || (previous && page === previous.value && snapshot.fetchedAt === previous.fetchedAt)) return;

    const firstFresh = snapshot.source !== 'cache' && !this.loadedFresh;
    const liveChange = snapshot.source !== 'cache' && this.loadedFresh;
    this.loadedFresh ||= firstFresh;
    if (page === null) {
      this.view = { state: 'missing' };
      this.events = [];
      this.cursor = null;
    } else {
      const shown = new Set(this.events.map((event) => event.id));
      const newest = this.events[0];
      this.mergeNewest(page);
      this.view = { state: 'ready' };
      if (liveChange) {
        const arrived = page.events.filter((event) => !shown.has(event.id) && (!newest || compareEvents(event, newest) < 0)).length;
        if (arrived) this.announcement = `${new Intl.NumberFormat(this.tessera.locale).format(arrived)} new ${arrived === 1 ? 'event' : 'events'}`;
      }
    }
    this.emit('tessera-journey-load', { page, source: firstFresh ? 'network' : snapshot.source });
  }

  /**
   * Puts a newest page on top of what is shown. When the page reaches down
   * into the events shown, nothing is missing between them and they merge
   * (older pages read so far stay, and so does their cursor); when more new
   * events arrived than a page holds, the list starts again from the page.
   */
  private mergeNewest(page: JourneyPage) {
    const oldest = page.events.at(-1);
    const contiguous = !page.next_cursor || !oldest || this.events.some((event) => compareEvents(event, oldest) <= 0);
    if (!contiguous || !this.events.length) {
      this.events = [...page.events];
      this.cursor = page.next_cursor;
    } else {
      const ids = new Set(page.events.map((event) => event.id));
      this.events = [...page.events, ...this.events.filter((event) => !ids.has(event.id))].sort(compareEvents);
    }
    this.learnSources(page.events);
  }

  private learnSources(events: readonly JourneyEvent[]) {
    const known = new Set([...this.knownSources, ...events.map((event) => event.source)]);
    if (known.size !== this.knownSources.length) this.knownSources = [...known];
  }

  private handleShowOlder = async () => {
    const client = this.tessera.client;
    const cursor = this.cursor;
    if (!client || !this.profileId || !cursor || this.older.state === 'loading') return;
    this.olderRead?.abort();
    const read = (this.olderRead = new AbortController());
    this.older = { state: 'loading' };
    const selected = this.selected;
    const count = this.events.length;
    try {
      const page = await client.journeys.get(this.profileId, { cursor, limit: this.limit, signal: read.signal, ...(selected.length ? { sources: selected } : {}) });
      if (read.signal.aborted) return;
      this.older = { state: 'idle' };
      if (page) {
        const ids = new Set(this.events.map((event) => event.id));
        this.events = [...this.events, ...page.events.filter((event) => !ids.has(event.id))];
        this.cursor = page.next_cursor;
        this.learnSources(page.events);
      }
      this.emit('tessera-journey-load', { page, source: 'network' });
      // The button may be gone (the oldest event is shown): keep keyboard users where the new events start.
      await this.updateComplete;
      this.renderRoot.querySelectorAll<HTMLElement>('[part~="event"]')[count]?.focus();
    } catch (error) {
      if (read.signal.aborted || isTesseraError(error, 'aborted')) return;
      this.older = { state: 'error', error: error as TesseraError };
      this.emit('tessera-error', { error: error as TesseraError });
    }
  };

  private toggleSource(source: string) {
    const selected = new Set(this.selected);
    if (selected.has(source)) selected.delete(source);
    else selected.add(source);
    this.sources = [...selected].join(',') || undefined;
  }

  private select(event: JourneyEvent) {
    this.emit('tessera-event-select', { event });
  }

  private emit<K extends 'tessera-journey-load' | 'tessera-event-select' | 'tessera-error'>(type: K, detail: HTMLElementEventMap[K]['detail']) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // ---- The chart: chart.js is imported the first time the chart is on screen.

  private syncChart() {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas');
    if (this.chart && this.chart.canvas !== canvas) this.destroyChart();
    if (!canvas) {
      this.chartObserver?.disconnect();
      this.chartObserver = undefined;
      return;
    }
    if (this.chart) {
      this.chart.data = this.chartData();
      // The theme may have changed: the canvas does not read CSS, so its colours are set again.
      this.chart.options = this.chartOptions();
      this.chart.update('none');
    } else if (!this.chartObserver) {
      const observer = (this.chartObserver = new IntersectionObserver((entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        void this.drawChart(canvas);
      }));
      observer.observe(canvas);
    }
  }

  private async drawChart(canvas: HTMLCanvasElement) {
    const Chart = await loadChartJs();
    // Scrolled away and re-rendered meanwhile: the next sync starts over.
    if (this.chartObserver === undefined || !canvas.isConnected || this.chart) return;
    this.chartObserver = undefined;
    this.chart = new Chart(canvas, { type: 'bar', data: this.chartData(), options: this.chartOptions() });
  }

  /** Options of the stacked bar chart, in the element's theme colours and locale. */
  private chartOptions() {
    const style = getComputedStyle(this);
    const muted = style.getPropertyValue('--_muted').trim() || '#5f6673';
    const border = style.getPropertyValue('--_border').trim() || '#e4e7ec';
    const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? (false as const) : { duration: 300 },
      locale: this.tessera.locale ?? 'en-US',
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { color: muted }, border: { color: border } },
        y: { stacked: true, beginAtZero: true, ticks: { color: muted, precision: 0 }, grid: { color: border }, border: { display: false } },
      },
      plugins: { legend: { position: 'bottom' as const, labels: { color: muted, boxWidth: 10, boxHeight: 10 } } },
    };
  }

  private chartData() {
    const data = activity(this.events);
    const locale = this.tessera.locale;
    return {
      labels: data.periods.map((period) => periodLabel(period, data.unit, locale)),
      datasets: data.sources.map((source) => ({
        label: label(source),
        data: data.counts.get(source)!,
        backgroundColor: SOURCE_COLOURS[source] ?? '#8b93a1',
        stack: 'events',
        borderRadius: 2,
      })),
    };
  }

  private destroyChart() {
    this.chartObserver?.disconnect();
    this.chartObserver = undefined;
    this.chart?.destroy();
    this.chart = undefined;
  }

  // ---- Rendering

  protected override render() {
    const { view } = this;
    return html`
      <section part="base" class="card" aria-labelledby="title" aria-busy=${this.busy ? 'true' : 'false'}>
        <h2 id="title" class="title">Journey</h2>
        ${this.renderFilters()}
        <div part="status" class="status" aria-live="polite">${this.renderStatus()}</div>
        ${view.state === 'loading' ? renderSkeleton() : nothing}
        ${view.state === 'ready' && this.events.length ? html`${this.hideChart ? nothing : this.renderChart()} ${this.renderEvents()}` : nothing}
        <div class="visually-hidden" aria-live="polite">${this.announcement}</div>
      </section>
    `;
  }

  private renderFilters() {
    const selected = new Set(this.selected);
    const sources = [...new Set([...this.knownSources, ...selected])];
    if (sources.length < 2 && !selected.size) return nothing;
    return html`<div part="filters" class="filters" role="group" aria-label="Filter by source">
      ${sources.map(
        (source) => html`<button
          part="filter"
          class="chip"
          type="button"
          data-source=${source}
          aria-pressed=${selected.has(source) ? 'true' : 'false'}
          @click=${() => this.toggleSource(source)}
        >
          ${label(source)}
        </button>`,
      )}
    </div>`;
  }

  private renderStatus() {
    const { view } = this;
    const locale = this.tessera.locale;
    switch (view.state) {
      case 'loading':
        return html`<span class="visually-hidden">Loading journey…</span>`;
      case 'no-profile':
        return html`<p class="message">No customer selected.</p>`;
      case 'missing':
        return html`<p class="message">No customer found for profile ${this.profileId}.</p>`;
      case 'error':
        return errorMessage('Couldn’t load the journey', advice(view.error, 'this journey'), view.error, this.handleRetry);
      case 'ready':
        return html`${view.stale ? staleBanner(view.stale, locale, this.handleRetry) : nothing}${this.events.length
          ? nothing
          : html`<p class="message">${this.selected.length ? 'No activity from the selected sources' : 'No activity yet'}</p>`}`;
    }
  }

  private renderChart() {
    const data = activity(this.events);
    const locale = this.tessera.locale;
    const per = data.unit === 'week' ? 'week' : 'month';
    return html`<figure part="chart" class="chart">
      <figcaption id="chart-caption" class="chart__caption">Events per ${per} by source</figcaption>
      <div class="chart__area">
        <canvas part="chart-canvas" aria-hidden="true"></canvas>
      </div>
      <table class="visually-hidden" aria-labelledby="chart-caption">
        <thead>
          <tr>
            <th scope="col">${per === 'week' ? 'Week of' : 'Month'}</th>
            ${data.sources.map((source) => html`<th scope="col">${label(source)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${data.periods.map(
            (period, i) => html`<tr>
              <th scope="row">${periodLabel(period, data.unit, locale)}</th>
              ${data.sources.map((source) => html`<td>${data.counts.get(source)![i]}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
    </figure>`;
  }

  private renderEvents() {
    const locale = this.tessera.locale;
    return html`
      <ol part="events" class="events" aria-label="Events, newest first">
        ${this.events.map((event) => {
          const date = new Date(event.occurred_at);
          const comment = typeof event.properties.text === 'string' ? event.properties.text : null;
          return html`<li class="events__item" data-id=${event.id} data-source=${event.source}>
            <button part="event" class="event" type="button" @click=${() => this.select(event)}>
              <span part="source-badge" class="badge">${label(event.source)}</span>
              <span part="summary" class="event__summary">${event.summary}</span>
              ${comment ? html`<span part="comment" class="event__comment">“${comment}”</span>` : nothing}
              <span class="event__meta">
                <time part="time" datetime=${event.occurred_at} title=${fullDate(date, locale)}>${eventTime(date, locale)}</time>
                ${event.revenue !== null
                  ? html`<span part="revenue" class="event__revenue ${event.revenue < 0 ? 'event__revenue--refund' : ''}"
                      >${formatMoney(event.revenue, event.currency, locale)}</span
                    >`
                  : nothing}
              </span>
            </button>
          </li>`;
        })}
      </ol>
      ${this.renderOlder()}
    `;
  }

  private renderOlder() {
    const { older } = this;
    if (!this.cursor) return nothing;
    return html`<div class="older">
      ${older.state === 'error' ? html`<p class="older__error" role="alert">Couldn’t load older events: ${advice(older.error, 'this journey')}</p>` : nothing}
      <button
        part="show-older-button"
        class="button"
        type="button"
        aria-disabled=${older.state === 'loading' ? 'true' : 'false'}
        @click=${this.handleShowOlder}
      >
        ${older.state === 'loading' ? 'Loading older events…' : older.state === 'error' ? 'Retry showing older' : 'Show older'}
      </button>
    </div>`;
  }
}

/** Newest first by (occurred_at, id), the order get_journey pages in. */
function compareEvents(a: JourneyEvent, b: JourneyEvent): number {
  const byTime = Date.parse(b.occurred_at) - Date.parse(a.occurred_at);
  if (byTime) return byTime;
  const [x, y] = [BigInt(a.id), BigInt(b.id)];
  return x === y ? 0 : y > x ? 1 : -1;
}

/** "3 days ago" within a week, the date after that. */
function eventTime(date: Date, locale: string | undefined): string {
  if (Math.abs(Date.now() - date.getTime()) < 7 * 86_400_000) return relativeTime(date, locale);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}

const LABELS: Record<string, string> = {
  shopify: 'Shopify',
  kajabi: 'Kajabi',
  meta: 'Instagram & Facebook',
  instagram: 'Instagram',
  facebook: 'Facebook',
  tiktok: 'TikTok',
  youtube: 'YouTube',
  x: 'X',
  social_import: 'Social (imported)',
};

/** A source's name as a merchant knows it; anything else is humanised (`my_crm` → "My crm"). */
function label(source: string): string {
  if (LABELS[source]) return LABELS[source];
  const words = source.replace(/[_.\-]+/g, ' ').trim();
  return words.charAt(0).toLocaleUpperCase() + words.slice(1);
}

/** Brand colours tell sources apart in the chart (the list's badges carry the name). */
const SOURCE_COLOURS: Record<string, string> = {
  shopify: '#5e8e3e',
  kajabi: '#2e6cf6',
  meta: '#d62976',
  instagram: '#d62976',
  facebook: '#1877f2',
  tiktok: '#25b8b3',
  youtube: '#ff0033',
  x: '#6b7280',
  social_import: '#9a6fd1',
};

function renderSkeleton() {
  return html`<div class="skeleton-list" aria-hidden="true">
    ${[70, 55, 62].map((width) => html`<span class="skeleton" style="width: ${width}%"></span>`)}
  </div>`;
}
