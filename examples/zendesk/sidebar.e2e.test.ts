// The Zendesk sidebar app end to end: `tessera serve --demo` (built CLI,
// PGlite) serves assets/iframe.html; headless Chromium opens it with the ZAF
// SDK's URL answered by a stand-in ZAF client (what Zendesk would give the
// iframe), whose ticket requester is a real demo customer. The agent's session
// comes from the real /functions/v1/zendesk-session: the stand-in's secure
// request is signed outside the page, as Zendesk's proxy signs it, with the
// demo's Zendesk secret from the data directory. The card must show the
// requester, then the next one when the ticket's requester changes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'];
const ZAF_SDK = 'https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js';
const repo = new URL('../../', import.meta.url);
/** The demo's Zendesk account and agent (`tessera serve --demo` connects them; the agent is the demo's staff member). */
const DEMO_ZENDESK = { subdomain: 'hearth-and-grain', agent: { id: 3812200441, email: 'agent@hearth-and-grain.example', role: 'agent' } };

interface SecureRequest {
  url: string;
  type?: string;
  headers?: Record<string, string>;
  data?: string;
  contentType?: string;
  secure?: boolean;
  jwt?: { algorithm: string; secret_key: string; expiry?: number; claims?: Record<string, unknown> };
}

/**
 * What Zendesk's proxy does with a ZAF `client.request({ secure: true, jwt })`,
 * server-side: fills `{{setting.…}}` in jwt.secret_key from the secure settings
 * (which never reach the iframe), signs the claims (HS256, `iat`, `exp` = iat +
 * expiry), puts the token wherever the request says `{{jwt.token}}`, and sends
 * it. Non-2xx answers reject, as ZAF's request() does.
 */
async function zendeskProxy(options: SecureRequest, secureSettings: Record<string, string>) {
  let token = '';
  if (options.jwt) {
    assert.equal(options.jwt.algorithm, 'HS256');
    const secret = options.jwt.secret_key.replace(/\{\{setting\.(\w+)\}\}/g, (_, name: string) => {
      if (!(name in secureSettings)) throw new Error(`No secure setting ${name}`);
      return secureSettings[name]!;
    });
    const iat = Math.floor(Date.now() / 1000);
    token = await new SignJWT({ ...options.jwt.claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.jwt.expiry ?? 3600))
      .sign(new TextEncoder().encode(secret));
  }
  const fill = (text: string) => text.replaceAll('{{jwt.token}}', token);
  const response = await fetch(fill(options.url), {
    method: options.type ?? 'GET',
    headers: { ...(options.contentType ? { 'content-type': options.contentType } : {}), ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k, fill(v)])) },
    ...(options.data ? { body: fill(options.data) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status} ${text}`);
  return JSON.parse(text);
}

/**
 * The stand-in for the ZAF SDK: `ZAFClient.init()` returns a client with the
 * calls the app makes, answered as Zendesk answers them
 * (`{ 'ticket.requester.email': '…' }`), and records what the app asked for.
 * `__zaf.changeRequester(email)` is the agent editing the ticket.
 */
function zafStandIn(settings: Record<string, string>, requester: string) {
  // request() hands the options to the test's stand-in for Zendesk's proxy (__zendeskProxy, outside the page).
  return `
    window.__zaf = { requester: ${JSON.stringify(requester)}, handlers: {}, invoked: [], requests: [] };
    window.__zaf.changeRequester = (email) => {
      __zaf.requester = email;
      for (const handler of __zaf.handlers['ticket.requester.email.changed'] ?? []) handler(email);
    };
    window.ZAFClient = {
      init: () => ({
        metadata: async () => ({ appId: 0, installationId: 1, settings: ${JSON.stringify(settings)} }),
        context: async () => ({ product: 'support', location: 'ticket_sidebar', account: { subdomain: ${JSON.stringify(DEMO_ZENDESK.subdomain)} } }),
        get: async (path) => {
          if (path === 'ticket.requester.email') return { 'ticket.requester.email': __zaf.requester };
          if (path === 'currentUser') return { currentUser: ${JSON.stringify(DEMO_ZENDESK.agent)} };
          return { errors: { [path]: { message: 'not available in the stand-in' } } };
        },
        on: (event, handler) => (__zaf.handlers[event] ??= []).push(handler),
        invoke: async (...args) => { __zaf.invoked.push(args); },
        request: async (options) => {
          __zaf.requests.push(options);
          const answer = await window.__zendeskProxy(options);
          __zaf.answers = [...(__zaf.answers ?? []), answer];
          return answer;
        },
      }),
    };`;
}

describe('Zendesk sidebar app against tessera serve', () => {
  let server: ChildProcess;
  let url: string;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let session: { key: string; accessToken: string };

  const rpc = async (fn: string, args: object) =>
    (
      await fetch(`${url}/rest/v1/rpc/${fn}`, {
        method: 'POST',
        headers: { apikey: session.key, authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(args),
      })
    ).json();

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-zendesk-'));
    server = spawn(process.execPath, ['packages/backend/bin/tessera.js', 'serve', '--demo', '--port', '0', '--customers', '40', '--data-dir', dataDir], {
      cwd: repo.pathname,
      env: { ...process.env, DATABASE_URL: '', SHOPIFY_WEBHOOK_SECRET: '', JWT_SECRET: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /Tessera is running at (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${output}`)));
    });
    session = await (await fetch(`${url}/demo/session`)).json();
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((resolve) => (server?.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the requester’s card, and the new requester’s when the ticket changes hands', async () => {
    // Two real demo customers, read through the API.
    const people: { email: string | null; display_name: string | null }[] = await rpc('search_profiles', { query: 'a', limit: 20 });
    const [first, second] = people.filter((p) => p.email && p.display_name);
    assert.ok(first && second && first.display_name !== second.display_name, 'the demo store has two named customers');

    // The secure setting stays with "Zendesk": the iframe's settings do not carry it.
    const sharedSecret: string = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).zendeskSharedSecret;
    assert.ok(sharedSecret, 'tessera serve --demo keeps the demo Zendesk secret in secrets.json');
    const settings = { tessera_url: url, tessera_key: session.key, tessera_session_url: `${url}/functions/v1/zendesk-session` };
    await page.exposeFunction('__zendeskProxy', (options: SecureRequest) => zendeskProxy(options, { tessera_shared_secret: sharedSecret }));
    await page.route(ZAF_SDK, (route) => route.fulfill({ contentType: 'text/javascript', body: zafStandIn(settings, first.email!) }));
    // Deployed, the bundle is copied beside iframe.html (README); here it is served from the build.
    await page.route(/\/examples\/zendesk\/assets\/(tessera[\w.-]*\.js)$/, (route) => {
      const name = /(tessera[\w.-]*\.js)$/.exec(route.request().url())![1]!;
      return route.fulfill({ contentType: 'text/javascript', body: readFileSync(new URL(`packages/elements/dist/${name}`, repo)) });
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${url}/examples/zendesk/assets/iframe.html`);
    const name = page.locator('customer-card [part~="name"]');
    await page.waitForFunction((expected) => document.querySelector('customer-card')?.shadowRoot?.querySelector('[part~="name"]')?.textContent?.trim() === expected, first.display_name, { timeout: 15_000 });
    assert.equal((await name.textContent())!.trim(), first.display_name);

    const zaf = await page.evaluate(() => (window as any).__zaf);
    // The agent's token came through Zendesk's signed proxy: a secure request whose secret is a placeholder Zendesk fills in.
    assert.equal(zaf.requests.length, 1);
    assert.equal(zaf.requests[0].url, `${url}/functions/v1/zendesk-session`);
    assert.equal(zaf.requests[0].secure, true);
    assert.equal(zaf.requests[0].jwt.secret_key, '{{setting.tessera_shared_secret}}');
    assert.equal(zaf.requests[0].headers.Authorization, 'Bearer {{jwt.token}}');
    assert.deepEqual(zaf.requests[0].jwt.claims, { iss: DEMO_ZENDESK.subdomain, email: DEMO_ZENDESK.agent.email, sub: String(DEMO_ZENDESK.agent.id) });
    // The endpoint answered the agent's own staff session (not the demo's shortcut), and the page never saw the secret.
    const [answer] = zaf.answers;
    const claims = JSON.parse(Buffer.from(answer.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.email, DEMO_ZENDESK.agent.email);
    assert.equal(claims.app_metadata.provider, 'zendesk');
    assert.ok(answer.expires_at * 1000 > Date.now() + 3500_000);
    assert.ok(!(await page.content()).includes(sharedSecret) && !JSON.stringify(zaf).includes(sharedSecret));
    // The iframe asked Zendesk for the height the card needs.
    const resizes = zaf.invoked.filter(([name]: [string]) => name === 'resize');
    assert.ok(resizes.length > 0, 'the app asked to be resized');
    assert.ok(Number.parseInt(resizes.at(-1)[1].height, 10) > 120, `tall enough for a card: ${JSON.stringify(resizes.at(-1))}`);
    assert.ok(Object.keys(zaf.handlers).includes('ticket.requester.email.changed'));

    await page.evaluate((email) => (window as any).__zaf.changeRequester(email), second.email);
    await page.waitForFunction((expected) => document.querySelector('customer-card')?.shadowRoot?.querySelector('[part~="name"]')?.textContent?.trim() === expected, second.display_name, { timeout: 10_000 });
    assert.equal(await page.locator('customer-card').getAttribute('email'), second.email);
    assert.deepEqual(errors, []);
  });
});
