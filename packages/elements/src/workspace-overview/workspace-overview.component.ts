import { TesseraError, isTesseraError, type Tessera, type WorkspaceOverview } from '@tessera/core';
import type { Chart } from 'chart.js';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ClientController } from '../shared/client-controller.ts';
import { errorMessage } from '../shared/status-messages.ts';
import { loadChartJs } from '../shared/chart.ts';
import { styles } from './workspace-overview.styles.ts';

/** Detail of `tessera-overview-load`: the figures just read. */
export interface OverviewLoadDetail {
  overview: WorkspaceOverview;
}

/** Detail of `tessera-error` from this element. */
export interface OverviewErrorDetail {
  error: TesseraError;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-overview-load': CustomEvent<OverviewLoadDetail>;
  }
}

type View =
  | { state: 'loading' }
  | { state: 'error'; error: TesseraError }
  /** Unreachable backend and nothing read yet. */
  | { state: 'offline' }
  /** `stale` is set when the figures shown could not be refreshed. */
  | { state: 'ready'; overview: WorkspaceOverview; stale?: { offline: boolean; fetchedAt: number } };

type ChartKey = 'sources' | 'funnel' | 'weekly';

/** One chart's data: the same rows feed the canvas and its table for screen readers. */
interface ChartData {
  key: ChartKey;
  title: string;
  labelHeading: string;
  rows: { label: string; value: number }[];
  horizontal: boolean;
}

/**
 * @summary A workspace at a glance: customers, revenue, orders and customers at
 * risk, with charts of where customers came from, where they are in their
 * lifecycle and how many arrive each week. Charts (chart.js) are downloaded
 * only when one scrolls on screen.
 *
 * @event tessera-overview-load - The figures were read. `detail: { overview }`, the `WorkspaceOverview`.
 * @event tessera-error - Loading failed or the backend became unreachable. `detail: { error }`, a `TesseraError` with a stable `code`.
 *
 * @csspart base - The overview's container, a labelled region.
 * @csspart status - The live region holding the loading, empty, error and offline messages.
 * @csspart retry-button - The Retry button of the error and offline messages.
 * @csspart tiles - The row of headline figures.
 * @csspart tile - One figure with its label (customers, revenue, orders, at risk).
 * @csspart chart - One chart: its caption, canvas and data table.
 * @csspart chart-table - A chart's data as a table (read by screen readers; shown when the chart cannot load).
 *
 * @cssproperty --tessera-background - Tile and chart background.
 * @cssproperty --tessera-color - Main text colour; also the charts' text.
 * @cssproperty --tessera-muted - Labels and secondary text; also the charts' axes.
 * @cssproperty --tessera-accent - Bars of the charts, buttons and focus rings.
 * @cssproperty --tessera-border - Borders and chart grid lines.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-churn-high - Colour of the at-risk figure.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 * @cssproperty --tessera-overview-chart-height - Height of each chart (240px).
 */
export class TesseraWorkspaceOverview extends LitElement {
  static override styles = styles;

  static override properties = {
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    since: {},
    until: {},
    view: { state: true },
    busy: { state: true },
    drawn: { state: true },
    chartFailed: { state: true },
  };

  /** The Tessera client to read with; without one the overview uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for numbers, money and dates; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the overview follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;
  /** Start of the period revenue, orders and new customers are counted in (ISO 8601, inclusive); open when unset. */
  declare since: string | undefined;
  /** End of the period (ISO 8601, exclusive); now when unset. */
  declare until: string | undefined;

  private declare view: View;
  /** True until the first answer of a (re)load arrives; drives `aria-busy`. */
  private declare busy: boolean;
  /** The charts drawn so far. */
  private declare drawn: ChartKey[];
  /** chart.js could not be loaded: the tables are shown instead. */
  private declare chartFailed: boolean;

  private readonly tessera = new ClientController(this, { load: () => this.load() });
  private request: AbortController | undefined;
  private observer: IntersectionObserver | undefined;
  private charts = new Map<ChartKey, Chart>();
  /** Charts that have been on screen: drawn now, and redrawn when their data changes. */
  private seen = new Set<ChartKey>();

  constructor() {
    super();
    this.view = { state: 'loading' };
    this.busy = true;
    this.drawn = [];
    this.chartFailed = false;
  }

  override connectedCallback() {
    super.connectedCallback();
    globalThis.addEventListener('online', this.handleOnline);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    globalThis.removeEventListener('online', this.handleOnline);
    this.request?.abort();
    this.observer?.disconnect();
    this.observer = undefined;
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
    this.seen.clear();
    this.drawn = [];
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.hasUpdated || changed.has('client') || changed.has('since') || changed.has('until')) this.load();
  }

  protected override updated(changed: PropertyValues) {
    this.watchCharts();
    // New figures or a new palette: charts already on screen are redrawn in place.
    if (changed.has('view') || changed.has('theme') || changed.has('locale')) for (const key of this.seen) void this.draw(key);
  }

  /** Back online: read again, without waiting for someone to press Retry. */
  private handleOnline = () => {
    if (this.view.state === 'offline' || (this.view.state === 'ready' && this.view.stale)) this.load({ keepFigures: true });
  };

  private handleRetry = () => this.load({ keepFigures: true });

  /**
   * Reads the figures again, keeping the current ones on screen meanwhile (and,
   * if the backend cannot be reached, with a banner saying when they are from).
   *
   * @example Refresh a wall display every five minutes
   * setInterval(() => document.querySelector('workspace-overview')?.refresh(), 5 * 60_000);
   */
  refresh(): void {
    this.load({ keepFigures: true });
  }

  /** (Re)reads the figures. Retry keeps the stale figures visible while it reloads. */
  private load({ keepFigures = false } = {}) {
    this.request?.abort();
    this.busy = true;
    if (!keepFigures || this.view.state !== 'ready') this.view = { state: 'loading' };

    // Without a client yet, stay loading: `tessera-client-ready` calls back here.
    const client = this.tessera.client;
    if (!client) return;
    const { analytics } = client;

    const request = (this.request = new AbortController());
    analytics
      .overview({ ...(this.since ? { since: this.since } : {}), ...(this.until ? { until: this.until } : {}), signal: request.signal })
      .then(
        (overview) => {
          if (request.signal.aborted) return;
          this.busy = false;
          this.view = { state: 'ready', overview };
          this.emit('tessera-overview-load', { overview });
        },
        (error: TesseraError) => {
          if (request.signal.aborted) return;
          this.fail(error);
        },
      );
  }

  private fail(error: TesseraError) {
    this.busy = false;
    const offline = isTesseraError(error, 'network');
    const shown = this.view.state === 'ready' ? this.view : undefined;
    if (shown) this.view = { state: 'ready', overview: shown.overview, stale: { offline, fetchedAt: shown.stale?.fetchedAt ?? Date.now() } };
    else this.view = offline ? { state: 'offline' } : { state: 'error', error };
    this.emit('tessera-error', { error });
  }

  private emit(type: 'tessera-overview-load' | 'tessera-error', detail: OverviewLoadDetail | OverviewErrorDetail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // Charts ---------------------------------------------------------------------

  /** Watches every chart not drawn yet; chart.js is fetched when the first one comes on screen. */
  private watchCharts() {
    if (typeof IntersectionObserver === 'undefined') return;
    this.observer ??= new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        this.observer?.unobserve(entry.target);
        const key = (entry.target as HTMLElement).dataset.chart as ChartKey;
        this.seen.add(key);
        void this.draw(key);
      }
    });
    for (const figure of this.renderRoot.querySelectorAll<HTMLElement>('[data-chart]')) {
      if (!this.seen.has(figure.dataset.chart as ChartKey)) this.observer.observe(figure);
    }
  }

  private async draw(key: ChartKey) {
    let ChartJs;
    try {
      ChartJs = await loadChartJs();
    } catch {
      this.chartFailed = true;
      return;
    }
    const data = this.view.state === 'ready' ? this.chartData(this.view.overview).find((c) => c.key === key) : undefined;
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>(`[data-chart="${key}"] canvas`);
    let chart = this.charts.get(key);
    if (chart && chart.canvas !== canvas) {
      chart.destroy();
      chart = undefined;
      this.charts.delete(key);
    }
    if (!data || !canvas) return;
    const palette = this.palette();
    const config = {
      labels: data.rows.map((r) => r.label),
      datasets: [{ label: data.title, data: data.rows.map((r) => r.value), backgroundColor: palette.accent, borderRadius: 4 }],
    };
    const axis = { ticks: { color: palette.muted, precision: 0 }, grid: { color: palette.border }, border: { color: palette.border } };
    const options = {
      indexAxis: data.horizontal ? ('y' as const) : ('x' as const),
      responsive: true,
      maintainAspectRatio: false,
      locale: this.tessera.locale,
      color: palette.color,
      plugins: { legend: { display: false } },
      scales: { x: axis, y: axis },
    };
    if (chart) {
      chart.data = config;
      chart.options = options;
      chart.update();
    } else {
      this.charts.set(key, new ChartJs(canvas, { type: 'bar', data: config, options }));
    }
    if (!this.drawn.includes(key)) this.drawn = [...this.drawn, key];
  }

  /** The theme's colours as the element resolves them, for the canvas (which cannot read CSS). */
  private palette() {
    const style = getComputedStyle(this);
    const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    return { color: read('--_color', '#16181d'), muted: read('--_muted', '#5f6673'), accent: read('--_accent', '#4f46e5'), border: read('--_border', '#e4e7ec') };
  }

  private chartData(overview: WorkspaceOverview): ChartData[] {
    return [
      {
        key: 'sources',
        title: 'Customers by first source',
        labelHeading: 'Source',
        rows: overview.customers.by_first_source.map((s) => ({ label: label(s.source), value: s.customers })),
        horizontal: true,
      },
      {
        key: 'funnel',
        title: 'Lifecycle stages',
        labelHeading: 'Stage',
        rows: overview.funnel.map((s) => ({ label: s.label, value: s.customers })),
        horizontal: false,
      },
      ...(overview.new_customers_by_week.length > 1
        ? [
            {
              key: 'weekly' as const,
              title: 'New customers per week',
              labelHeading: 'Week of',
              rows: this.weekRows(overview.new_customers_by_week),
              horizontal: false,
            },
          ]
        : []),
    ];
  }

  /** Each week by the Monday it starts on (UTC days): "Nov 3", with the year when the weeks span more than one. */
  private weekRows(weeks: WorkspaceOverview['new_customers_by_week']) {
    const years = new Set(weeks.map((w) => w.week.slice(0, 4)));
    const format = new Intl.DateTimeFormat(this.tessera.locale, { month: 'short', day: 'numeric', timeZone: 'UTC', ...(years.size > 1 ? { year: 'numeric' } : {}) });
    return weeks.map((w) => ({ label: format.format(new Date(`${w.week}T00:00:00Z`)), value: w.customers }));
  }

  // Rendering ------------------------------------------------------------------

  protected override render() {
    const { view } = this;
    const empty = view.state === 'ready' && view.overview.customers.total === 0;
    return html`
      <section part="base" class="overview" aria-label="Workspace overview" aria-busy=${this.busy ? 'true' : 'false'}>
        <div part="status" class="status" aria-live="polite">${this.renderStatus(empty)}</div>
        ${view.state === 'loading' ? renderSkeleton() : view.state === 'ready' && !empty ? this.renderFigures(view.overview) : nothing}
      </section>
    `;
  }

  private renderStatus(empty: boolean) {
    const { view } = this;
    const locale = this.tessera.locale;
    switch (view.state) {
      case 'loading':
        return html`<span class="visually-hidden">Loading the overview…</span>`;
      case 'offline':
        return html`<div class="message">
          <p class="message__title">You’re offline</p>
          <p class="message__text">Tessera can’t be reached. The figures will load when your connection is back.</p>
          <button part="retry-button" class="button" type="button" @click=${this.handleRetry}>Retry</button>
        </div>`;
      case 'error':
        return errorMessage('Couldn’t load the overview', advice(view.error), view.error, this.handleRetry);
      case 'ready':
        if (view.stale) {
          return html`<div class="banner">
            <span>
              ${view.stale.offline ? 'Offline' : 'Couldn’t refresh'} — showing figures from
              <time datetime=${new Date(view.stale.fetchedAt).toISOString()}>${new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(view.stale.fetchedAt)}</time>
            </span>
            <button part="retry-button" class="button button--small" type="button" @click=${this.handleRetry}>Retry</button>
          </div>`;
        }
        if (empty) {
          return html`<div class="message">
            <p class="message__title">No customers yet</p>
            <p class="message__text">Connect Shopify, Kajabi or a social account, or import a file: customers appear here as their first events arrive.</p>
          </div>`;
        }
        return nothing;
    }
  }

  private renderFigures(overview: WorkspaceOverview) {
    const locale = this.tessera.locale;
    const number = new Intl.NumberFormat(locale);
    const windowed = overview.since !== null || overview.until !== null;
    return html`
      <dl part="tiles" class="tiles">
        <div part="tile" class="tile" data-tile="customers">
          <dt>Customers</dt>
          <dd class="tile__value">${number.format(overview.customers.total)}</dd>
          ${windowed ? html`<dd class="tile__detail">${number.format(overview.customers.new)} new in this period</dd>` : nothing}
        </div>
        <div part="tile" class="tile" data-tile="revenue">
          <dt>Revenue</dt>
          ${overview.revenue.length
            ? overview.revenue.map(
                (r) => html`<dd class="tile__value ${overview.revenue.length > 1 ? 'tile__value--small' : ''}">${formatMoney(r.amount, r.currency, locale)}</dd>`,
              )
            : html`<dd class="tile__value">${formatMoney(0, null, locale)}</dd>`}
        </div>
        <div part="tile" class="tile" data-tile="orders">
          <dt>Orders</dt>
          <dd class="tile__value">${number.format(overview.orders)}</dd>
        </div>
        <div part="tile" class="tile tile--risk" data-tile="at-risk">
          <dt>At risk</dt>
          <dd class="tile__value">${number.format(overview.churn.high)}</dd>
          <dd class="tile__detail">high churn risk · ${number.format(overview.churn.medium)} medium</dd>
        </div>
      </dl>
      <div class="charts">${this.chartData(overview).map((chart) => this.renderChart(chart, number))}</div>
    `;
  }

  private renderChart(chart: ChartData, number: Intl.NumberFormat) {
    const drawn = this.drawn.includes(chart.key);
    // The canvas is decoration for sighted users; the table says the same to everyone else.
    return html`<figure part="chart" class="chart" data-chart=${chart.key} ?data-drawn=${drawn} aria-labelledby="${chart.key}-caption">
      <figcaption id="${chart.key}-caption">${chart.title}</figcaption>
      ${this.chartFailed
        ? nothing
        : html`<div class="chart__canvas" aria-hidden="true">
            <canvas></canvas>
            ${drawn ? nothing : html`<span class="chart__placeholder">Loading chart…</span>`}
          </div>`}
      <table part="chart-table" class=${this.chartFailed ? 'chart__table--shown' : 'visually-hidden'}>
        <caption class="visually-hidden">${chart.title}</caption>
        <thead>
          <tr>
            <th scope="col">${chart.labelHeading}</th>
            <th scope="col">Customers</th>
          </tr>
        </thead>
        <tbody>
          ${chart.rows.map((row) => html`<tr><th scope="row">${row.label}</th><td>${number.format(row.value)}</td></tr>`)}
        </tbody>
      </table>
    </figure>`;
  }
}

function renderSkeleton() {
  return html`<div class="tiles" aria-hidden="true">
    ${[0, 1, 2, 3].map(
      () => html`<div class="tile">
        <span class="skeleton skeleton--line" style="width: 50%"></span>
        <span class="skeleton skeleton--big" style="width: 70%"></span>
      </div>`,
    )}
  </div>`;
}

/** What the person looking at the overview can do about each failure. */
function advice(error: TesseraError): string {
  switch (error.code) {
    case 'unauthorized':
      return 'Your session has expired or the key was refused. Sign in again, then retry.';
    case 'forbidden':
      return 'You don’t have access to this workspace’s figures. Ask a workspace admin for access.';
    case 'not_found':
      return 'This Tessera backend doesn’t offer workspace analytics yet. Check the url given to Tessera.configure(), or update the backend.';
    case 'invalid_response':
      return 'Tessera answered with figures this page doesn’t understand. Update the Tessera script, or contact support with the code below.';
    case 'server':
      return 'Tessera had a problem computing the figures. Retry in a moment.';
    default:
      // invalid_argument and aborted are developer-facing: their message says what to fix.
      return error.message;
  }
}

const LABELS: Record<string, string> = {
  shopify: 'Shopify',
  kajabi: 'Kajabi',
  meta: 'Instagram & Facebook',
  social: 'Social (imported)',
  instagram: 'Instagram',
  facebook: 'Facebook',
  tiktok: 'TikTok',
  youtube: 'YouTube',
  x: 'X',
  unknown: 'Unknown',
};

/** A source as people write it; one this element does not know, exactly as the backend named it. */
const label = (source: string) => LABELS[source] ?? source;

function formatMoney(amount: number, currency: string | null, locale: string | undefined): string {
  if (currency) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
    } catch {
      // An unknown currency code: the amount with its code rather than nothing.
      return `${new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount)} ${currency}`;
    }
  }
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
}
