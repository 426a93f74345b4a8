import { type ChurnScore, type Snapshot, type Subscription, type Tessera, type TesseraError } from '@tessera/core';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { BANDS, formatRisk } from '../shared/churn.ts';
import { ClientController } from '../shared/client-controller.ts';
import { errorMessage, staleBanner } from '../shared/status-messages.ts';
import { advice, fullDate, relativeTime } from '../shared/status.ts';
import { styles } from './churn-gauge.styles.ts';

/** Detail of `tessera-churn-load`: the cached score first (if any), then the fresh one; `null` before the person is scored. */
export interface ChurnLoadDetail {
  score: ChurnScore | null;
  source: Snapshot<ChurnScore | null>['source'];
}

/** Detail of `tessera-churn-change`: the score after a live change moved the risk. */
export interface ChurnChangeDetail {
  score: ChurnScore | null;
}

/** Detail of `tessera-error`, shared by every Tessera element. */
export interface TesseraErrorDetail {
  error: TesseraError;
}

declare global {
  interface HTMLElementEventMap {
    'tessera-churn-load': CustomEvent<ChurnLoadDetail>;
    'tessera-churn-change': CustomEvent<ChurnChangeDetail>;
    'tessera-error': CustomEvent<TesseraErrorDetail>;
  }
}

type View =
  | { state: 'loading' }
  | { state: 'no-profile' }
  | { state: 'error'; error: TesseraError }
  /** `score` is null before the person is scored; `stale` is set when it could not be refreshed. */
  | { state: 'ready'; score: ChurnScore | null; stale?: { offline: boolean; fetchedAt: number } };

/**
 * @summary How likely a customer is to stop buying, as a semicircle gauge
 * coloured by risk band, with the reasons in words; kept live as new orders
 * re-score them.
 *
 * @event tessera-churn-load - The score was read: from the offline cache first (if any), then fresh. `detail: { score, source }`; `score` is `null` before the person is scored.
 * @event tessera-churn-change - A live change in the backend moved the risk and the gauge re-rendered. `detail: { score }`.
 * @event tessera-error - Loading failed or the backend became unreachable. `detail: { error }`, a `TesseraError` with a stable `code`.
 *
 * @csspart base - The container, a labelled region.
 * @csspart meter - The gauge with its percentage and band: `role="meter"`, read out as one sentence.
 * @csspart gauge - The SVG semicircle.
 * @csspart value - The risk as a percentage ("82%", never "0%" or "100%").
 * @csspart band - The band's name: Low, Medium or High.
 * @csspart horizon - What the risk is of ("No purchase in the next 90 days").
 * @csspart model - The model that scored the person and when.
 * @csspart reasons - The reasons list (absent with `hide-reasons`).
 * @csspart reason - One reason.
 * @csspart status - The live region holding the loading, not-scored, error and offline messages.
 * @csspart retry-button - The Retry button of the error and offline messages.
 *
 * @cssproperty --tessera-gauge-size - Width of the gauge (default 200px); its numbers scale with it.
 * @cssproperty --tessera-background - Background.
 * @cssproperty --tessera-color - Main text colour.
 * @cssproperty --tessera-muted - Labels, secondary text and the gauge's track.
 * @cssproperty --tessera-accent - Focus rings.
 * @cssproperty --tessera-border - Border and dividers.
 * @cssproperty --tessera-radius - Corner radius.
 * @cssproperty --tessera-churn-low - Colour of a low churn risk.
 * @cssproperty --tessera-churn-medium - Colour of a medium churn risk.
 * @cssproperty --tessera-churn-high - Colour of a high churn risk.
 * @cssproperty --tessera-font-family - Font stack; set it to `inherit` to use the page's font.
 */
export class TesseraChurnGauge extends LitElement {
  static override styles = styles;

  static override properties = {
    profileId: { attribute: 'profile-id' },
    client: { attribute: false },
    locale: {},
    theme: { reflect: true },
    hideReasons: { attribute: 'hide-reasons', type: Boolean, reflect: true },
    view: { state: true },
    busy: { state: true },
    announcement: { state: true },
  };

  /** The Tessera profile id whose churn risk to show. */
  declare profileId: string | undefined;
  /** The Tessera client to read with; without one the gauge uses the client from `Tessera.configure()`. */
  declare client: Tessera | undefined;
  /** BCP 47 locale for numbers and dates; defaults to the page's `lang`, then the browser's language. */
  declare locale: string | undefined;
  /** Forces the `light` or `dark` theme; without it the gauge follows `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | undefined;
  /** Hides the list of reasons, for a compact gauge. */
  declare hideReasons: boolean;

  private declare view: View;
  /** True until the first answer of a (re)load arrives; drives `aria-busy`. */
  private declare busy: boolean;
  /** Read out politely when a live change moves the risk. */
  private declare announcement: string;

  private readonly tessera = new ClientController(this, { load: () => this.load(), stop: () => this.stop() });
  private subscription: Subscription | undefined;
  private reportedError: TesseraError | null = null;
  private previous: Snapshot<ChurnScore | null> | undefined;
  /** Whether this (re)load has shown a fresh copy; later fresh copies are live changes. */
  private loadedFresh = false;

  constructor() {
    super();
    this.view = { state: 'loading' };
    this.busy = true;
    this.hideReasons = false;
    this.announcement = '';
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.hasUpdated || changed.has('profileId') || changed.has('client')) this.load();
  }

  private handleRetry = () => this.load({ keepScore: true });

  private stop() {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** (Re)starts following the score. Another person clears the gauge at once; Retry keeps the stale copy visible. */
  private load({ keepScore = false } = {}) {
    this.stop();
    this.busy = true;
    this.reportedError = null;
    this.previous = undefined;
    this.loadedFresh = false;
    this.announcement = '';
    if (!keepScore || this.view.state !== 'ready') this.view = { state: 'loading' };

    // Without a client yet, stay loading: `tessera-client-ready` calls back here.
    const client = this.tessera.client;
    if (!client) return;
    if (!this.profileId) {
      this.busy = false;
      this.view = { state: 'no-profile' };
      return;
    }
    this.subscription = client.churn.watch(this.profileId, (snapshot) => this.show(snapshot));
  }

  private show(snapshot: Snapshot<ChurnScore | null>) {
    const { value: score, error } = snapshot;
    const previous = this.previous;
    this.previous = snapshot;
    this.busy = false;
    if (score !== undefined) {
      this.view = { state: 'ready', score, ...(error ? { stale: { offline: snapshot.offline, fetchedAt: snapshot.fetchedAt } } : {}) };
    } else if (error) {
      this.view = { state: 'error', error };
    }

    if (error) {
      // A failed re-read repeats the same failure: tell the page once.
      if (error.code !== this.reportedError?.code) this.emit('tessera-error', { error });
      this.reportedError = error;
      return;
    }
    this.reportedError = null;
    const newCopy = !previous || score !== previous.value || snapshot.fetchedAt !== previous.fetchedAt;
    if (!newCopy) return;
    // The re-read on joining the live channel may overtake the first read: the first fresh copy is the load, whatever started it.
    const firstFresh = snapshot.source !== 'cache' && !this.loadedFresh;
    if (snapshot.source === 'cache' || firstFresh) {
      this.loadedFresh ||= firstFresh;
      this.emit('tessera-churn-load', { score: score ?? null, source: firstFresh ? 'network' : 'cache' });
      return;
    }
    // Every profile change re-reads the score; only a moved risk is news.
    const before = previous?.value;
    if (before?.risk !== score?.risk || before?.band !== score?.band) {
      this.announcement = score ? `Churn risk changed: ${this.valueText(score)}` : 'Churn score removed';
      this.emit('tessera-churn-change', { score: score ?? null });
    }
  }

  private emit<K extends 'tessera-churn-load' | 'tessera-churn-change' | 'tessera-error'>(type: K, detail: HTMLElementEventMap[K]['detail']) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** "High churn risk: 82% chance of no purchase in the next 90 days". */
  private valueText(score: ChurnScore): string {
    const locale = this.tessera.locale;
    return `${BANDS[score.band]} churn risk: ${formatRisk(score.risk, locale)} chance of ${outcome(score, locale)}`;
  }

  protected override render() {
    const { view } = this;
    return html`
      <section part="base" class="card" aria-labelledby="title" aria-busy=${this.busy ? 'true' : 'false'}>
        <h2 id="title" class="title">Churn risk</h2>
        <div part="status" class="status" aria-live="polite">${this.renderStatus()}</div>
        ${view.state === 'loading'
          ? html`<span class="skeleton" aria-hidden="true"></span>`
          : view.state === 'ready' && view.score
            ? this.renderScore(view.score)
            : nothing}
        <div class="visually-hidden" aria-live="polite">${this.announcement}</div>
      </section>
    `;
  }

  private renderStatus() {
    const { view } = this;
    const locale = this.tessera.locale;
    switch (view.state) {
      case 'loading':
        return html`<span class="visually-hidden">Loading churn risk…</span>`;
      case 'no-profile':
        return html`<p class="message">No customer selected.</p>`;
      case 'error':
        return errorMessage('Couldn’t load the churn risk', advice(view.error, 'this churn score'), view.error, this.handleRetry);
      case 'ready':
        return html`${view.stale ? staleBanner(view.stale, locale, this.handleRetry) : nothing}${view.score ? nothing : html`<p class="message">Not scored yet — needs a first purchase</p>`}`;
    }
  }

  private renderScore(score: ChurnScore) {
    const locale = this.tessera.locale;
    const percent = Math.min(99, Math.max(1, Math.round(score.risk * 100)));
    const scoredAt = new Date(score.scored_at);
    return html`
      <div
        part="meter"
        class="meter"
        role="meter"
        aria-label="Churn risk"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${percent}
        aria-valuetext=${this.valueText(score)}
        data-band=${score.band}
      >
        ${gauge(score.risk)}
        <span part="value" class="value">${formatRisk(score.risk, locale)}</span>
        <span part="band" class="band">${BANDS[score.band]}</span>
      </div>
      <p part="horizon" class="horizon">${capitalise(outcome(score, locale))}</p>
      <p part="model" class="model">
        Model: ${MODELS[score.model] ?? score.model} · scored
        <time datetime=${score.scored_at} title=${fullDate(scoredAt, locale)}>${relativeTime(scoredAt, locale)}</time>
      </p>
      ${this.hideReasons || !score.factors.length
        ? nothing
        : html`<div part="reasons" class="reasons">
            <h3 id="reasons" class="title">Why</h3>
            <ul class="reasons__list" aria-labelledby="reasons">
              ${score.factors.map((factor) => html`<li part="reason" data-code=${factor.code}>${factor.text}</li>`)}
            </ul>
          </div>`}
    `;
  }
}

/** Readable model names; an unknown model is shown as the backend names it. */
const MODELS: Record<string, string> = {
  bgnbd: 'BG/NBD',
  sbg: 'sBG (subscriptions)',
  engagement: 'Engagement',
  gammagamma: 'Gamma-Gamma',
};

/** What the risk is the probability of: the sBG scores a subscription's renewal, the others the next purchase. */
function outcome(score: ChurnScore, locale: string | undefined): string {
  if (score.model === 'sbg') return 'cancelling at the end of the current period';
  const days = new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(score.horizon_days);
  return `no purchase in the next ${days}`;
}

const capitalise = (text: string) => text.charAt(0).toLocaleUpperCase() + text.slice(1);

/**
 * The semicircle: a track and, over it, the risk's share of the same arc
 * (`pathLength` makes the dash length the percentage). Decorative: the meter
 * around it carries the value for assistive technology.
 */
function gauge(risk: number) {
  const arc = 'M 12 62 A 50 50 0 0 1 112 62';
  return html`<svg part="gauge" class="gauge" viewBox="0 0 124 70" aria-hidden="true" focusable="false">
    <path class="gauge__track" d=${arc} pathLength="100"></path>
    <path class="gauge__value" d=${arc} pathLength="100" stroke-dasharray="${Math.max(0.5, Math.min(99.5, risk * 100))} 100"></path>
  </svg>`;
}
