import type { Tessera } from '@tessera/core';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { findDefaultClient } from '../client.ts';
import { resolveLocale } from './status.ts';

/** What a Tessera element gives its ClientController: the `client` and `locale` properties it declares (on the class itself, so the manifest documents them). */
export interface ClientHost extends ReactiveControllerHost {
  client: Tessera | undefined;
  locale: string | undefined;
  /** LitElement's: whether the element has rendered once (its first read starts in `willUpdate`). */
  readonly hasUpdated: boolean;
}

export interface ClientControllerOptions {
  /** Reads with the current client: whenever the page sets a default client while the element has none of its own, and when the element is attached again after a move. */
  load(): void;
  /** Stops what `load` started (requests, live updates, timers) when the element leaves the page. */
  stop?(): void;
  /** Whether attaching the element again after a move reads again: elements showing data do (default); inputs wait for the person. */
  reloadOnReconnect?: boolean;
}

/**
 * The client lifecycle every Tessera element shares. It reads with the
 * element's own `client`, else the page's default from `Tessera.configure()`;
 * while the element has no client of its own it calls `load` whenever the page
 * sets a default (`tessera-client-ready`), so an element that loaded before its
 * configuration starts then, and a new sign-in moves it onto the new client.
 * Moved elements read again; removed ones `stop`.
 *
 * @example
 * private tessera = new ClientController(this, { load: () => this.load(), stop: () => this.stop() });
 * const client = this.tessera.client; // undefined until the page configures one
 */
export class ClientController implements ReactiveController {
  constructor(
    private readonly host: ClientHost,
    private readonly options: ClientControllerOptions,
  ) {
    host.addController(this);
  }

  /** The client to read with, or `undefined` while the page has not configured one. */
  get client(): Tessera | undefined {
    return this.host.client ?? findDefaultClient();
  }

  /** The locale actually used: the element's `locale`, the page's `lang`, then the browser's; an invalid tag falls back to the default. */
  get locale(): string | undefined {
    return resolveLocale(this.host.locale);
  }

  hostConnected() {
    globalThis.addEventListener('tessera-client-ready', this.handleClientReady);
    // Attached again after a move (the first read starts in the element's willUpdate).
    if (this.host.hasUpdated && this.options.reloadOnReconnect !== false) this.options.load();
  }

  hostDisconnected() {
    globalThis.removeEventListener('tessera-client-ready', this.handleClientReady);
    this.options.stop?.();
  }

  private handleClientReady = () => {
    if (!this.host.client) this.options.load();
  };
}
