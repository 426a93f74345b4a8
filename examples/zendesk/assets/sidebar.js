// The Zendesk ticket sidebar: the requester's Tessera card, following the
// ticket when its requester changes. Everything Zendesk-specific goes through
// the ZAF client given to startSidebar, so a test can hand it a stand-in.

/** Renew the agent's Tessera token this long before it expires. */
const RENEW_EARLY_MS = 60_000;

/**
 * A Tessera token for the agent: the app asks its session URL through
 * Zendesk's proxy, which signs the request with the app's secure shared
 * secret (a JWT the Tessera project verifies). The secret never reaches this
 * iframe; the agent's browser only ever sees the short-lived token.
 *
 * @param {ZafClient} client
 * @param {Record<string, string>} settings
 * @returns {() => Promise<string>}
 */
function agentToken(client, settings) {
  let session = null;
  let pending = null;
  const signIn = async () => {
    const { email } = (await client.get('currentUser'))['currentUser'] ?? {};
    const answer = await client.request({
      url: settings.tessera_session_url,
      type: 'POST',
      secure: true,
      cors: false,
      contentType: 'application/json',
      data: JSON.stringify({ source: 'zendesk' }),
      jwt: {
        algorithm: 'HS256',
        secret_key: '{{setting.tessera_shared_secret}}',
        expiry: 60,
        claims: { iss: 'zendesk', sub: email },
      },
    });
    const body = typeof answer === 'string' ? JSON.parse(answer) : answer;
    if (!body?.access_token) throw new Error('The Tessera session URL did not answer with an access_token.');
    return { token: body.access_token, expiresAt: body.expires_at ? Date.parse(body.expires_at) : Date.now() + 5 * 60_000 };
  };
  return async () => {
    if (!session || session.expiresAt - RENEW_EARLY_MS < Date.now()) {
      pending ??= signIn().finally(() => (pending = null));
      session = await pending;
    }
    return session.token;
  };
}

/**
 * Starts the sidebar.
 *
 * @param {ZafClient} client what `ZAFClient.init()` returns (or a stand-in with `metadata`, `get`, `on`, `invoke`, `request`)
 * @param {{ document?: Document, tessera?: { configure(options: object): unknown } }} [options]
 *
 * @example
 * startSidebar(ZAFClient.init());
 */
export async function startSidebar(client, { document = globalThis.document, tessera = globalThis.Tessera } = {}) {
  const card = document.querySelector('customer-card');
  const status = document.getElementById('status');
  const { settings } = await client.metadata();
  tessera.configure({ url: settings.tessera_url, key: settings.tessera_key, accessToken: agentToken(client, settings) });

  // The iframe is as tall as its content: Zendesk sizes it only when asked.
  let height = 0;
  const resize = () => {
    const wanted = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (wanted === height) return;
    height = wanted;
    client.invoke('resize', { width: '100%', height: `${wanted}px` });
  };
  new ResizeObserver(resize).observe(document.body);

  // Requester changes (an agent edits the ticket, or a new ticket gets its requester) arrive as events.
  let shown;
  const showRequester = async () => {
    const email = (await client.get('ticket.requester.email'))['ticket.requester.email'] ?? null;
    if (email === shown) return;
    shown = email;
    status.textContent = email ? '' : 'This ticket has no requester email yet.';
    if (email) card.setAttribute('email', email);
    else card.removeAttribute('email');
  };
  client.on('ticket.requester.email.changed', showRequester);
  client.on('ticket.requester.id.changed', showRequester);
  await showRequester();
  resize();
}

/** @typedef {{ metadata(): Promise<{ settings: Record<string, string> }>, get(path: string): Promise<Record<string, any>>, on(event: string, handler: (...args: any[]) => void): void, invoke(name: string, ...args: any[]): Promise<unknown>, request(options: object): Promise<any> }} ZafClient */

if (globalThis.ZAFClient) {
  startSidebar(globalThis.ZAFClient.init()).catch((error) => {
    document.getElementById('status').textContent = `Tessera could not start: ${error.message}`;
  });
}
