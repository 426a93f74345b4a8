import { TesseraError, createTessera, type Tessera, type TesseraOptions } from '@tessera/core';

/** Detail of the `tessera-client-ready` event, dispatched on `window` whenever the default client is set. */
export interface ClientReadyDetail {
  client: Tessera;
}

declare global {
  interface WindowEventMap {
    'tessera-client-ready': CustomEvent<ClientReadyDetail>;
  }
}

let defaultClient: Tessera | undefined;

/**
 * Creates the client every element without a `client` property uses.
 * Elements already on the page pick it up at once, so a theme may load
 * `tessera.min.js` before its configuration.
 *
 * @example
 * Tessera.configure({ url: 'https://xyz.supabase.co', key: PUBLISHABLE_KEY, accessToken: () => session.access_token });
 */
export function configure(options: TesseraOptions): Tessera {
  const client = createTessera(options);
  setDefaultClient(client);
  return client;
}

/**
 * Makes an existing client the default, e.g. one built with `createTessera({ supabase })`.
 * Calling it again (a new user signed in) moves every element onto the new client.
 */
export function setDefaultClient(client: Tessera): void {
  defaultClient = client;
  globalThis.dispatchEvent?.(new CustomEvent('tessera-client-ready', { detail: { client } }));
}

/** The default client; throws when neither `configure` nor `setDefaultClient` has run. */
export function getDefaultClient(): Tessera {
  if (!defaultClient) {
    throw new TesseraError(
      'invalid_argument',
      'Tessera is not configured: call Tessera.configure({ url, key }) (or configure from @tessera/elements) before elements load data, or give each element a client.',
    );
  }
  return defaultClient;
}

/** The default client, or `undefined` while the page has not configured one yet. */
export function findDefaultClient(): Tessera | undefined {
  return defaultClient;
}
