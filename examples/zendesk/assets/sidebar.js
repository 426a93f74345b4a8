// The Zendesk ticket sidebar: the requester's Tessera card, following the
// ticket when its requester changes. Everything Zendesk-specific goes through
// the ZAF client given to startSidebar, so a test can hand it a stand-in.

/** Renew the agent's Tessera token this long before it expires. */
const RENEW_EARLY_MS = 60_000;

/** How long Zendesk's signed JWT lives: the session URL refuses any that lives longer than 5 minutes. */
const JWT_EXPIRY_SECONDS = 60;

/**
 * A Tessera token for the agent: the app asks its session URL through
 * Zendesk's proxy with a secure request. Zendesk fills in the secure setting
 * `tessera_shared_secret` server-side, signs a JWT (HS256) with it, and puts
 * that JWT wherever the request says `{{jwt.token}}` — here the Authorization
 * header. The secret never reaches this iframe; the agent's browser only ever
 * sees the one-hour Tessera token the session URL answers.
 *
 * The claims are written here: `iss` is the Zendesk subdomain (which picks the
 * workspace's connection and secret) and `email` the signed-in agent (who must
 * be a member of that workspace).
 *
 * @param {ZafClient} client
 * @param {Record<string, string>} settings
 * @returns {() => Promise<string>}
 */
function agentToken(client, settings) {
  let session = null;
  let pending = null;
  const signIn = async () => {
    const [{ currentUser }, context] = await Promise.all([client.get('currentUser'), client.context()]);
    const answer = await client.request({
      url: settings.tessera_session_url,
      type: 'POST',
      secure: true,
      cors: false,
      contentType: 'application/json',
      headers: { Authorization: 'Bearer {{jwt.token}}' },
      data: JSON.stringify({ source: 'zendesk' }),
      jwt: {
        algorithm: 'HS256',
        secret_key: '{{setting.tessera_shared_secret}}',
        expiry: JWT_EXPIRY_SECONDS,
        claims: { iss: context?.account?.subdomain, email: currentUser?.email, sub: String(currentUser?.id ?? '') },
      },
    });
    const body = typeof answer === 'string' ? JSON.parse(answer) : answer;
    if (!body?.access_token) throw new Error('The Tessera session URL did not answer with an access_token.');
    // expires_at is in seconds since the epoch, as Supabase sessions give it.
    return { token: body.access_token, expiresAt: Number(body.expires_at) * 1000 || Date.now() + 5 * 60_000 };
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
 * @param {ZafClient} client what `ZAFClient.init()` returns (or a stand-in with `metadata`, `context`, `get`, `on`, `invoke`, `request`)
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

/** @typedef {{ metadata(): Promise<{ settings: Record<string, string> }>, context(): Promise<{ account?: { subdomain?: string } }>, get(path: string): Promise<Record<string, any>>, on(event: string, handler: (...args: any[]) => void): void, invoke(name: string, ...args: any[]): Promise<unknown>, request(options: object): Promise<any> }} ZafClient */

if (globalThis.ZAFClient) {
  startSidebar(globalThis.ZAFClient.init()).catch((error) => {
    document.getElementById('status').textContent = `Tessera could not start: ${error.message}`;
  });
} else {
  // Opened outside Zendesk (or the ZAF SDK could not load): there is no ticket to read.
  document.getElementById('status').textContent =
    'This is the Tessera ticket sidebar for Zendesk. It runs inside a Zendesk ticket, where it shows the requester\'s card: install the app as examples/zendesk/README.md describes.';
}
