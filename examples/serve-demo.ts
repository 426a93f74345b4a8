// What every end-to-end test of an example needs: `tessera serve --demo`
// from the built CLI on a fresh PGlite data directory, a demo staff session,
// and headless Chromium (Debian's). `stop()` undoes all of it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { shopifyWebhookRequest } from '../packages/backend/src/webhooks/shopify-request.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu',
  // Pages a test fulfils itself (page.route) have no address space of their own, so Chromium
  // treats them as public and blocks their websocket to 127.0.0.1; a real page is served by a host.
  '--disable-features=LocalNetworkAccessChecks',
];

export interface DemoSession {
  url: string;
  key: string;
  accessToken: string;
  workspace: string;
}

export interface RunningDemo {
  url: string;
  dataDir: string;
  browser: Browser;
  session(): Promise<DemoSession>;
  /** Calls an RPC function as the demo's staff user. */
  rpc<T = any>(fn: string, args?: Record<string, unknown>): Promise<T>;
  /** Posts a webhook signed exactly as Shopify signs them, with the demo shop's secret. */
  shopifyWebhook(topic: string, payload: object): Promise<Response>;
  stop(): Promise<void>;
}

export async function serveDemo({ customers = 40 }: { customers?: number } = {}): Promise<RunningDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const server = spawn(process.execPath, ['packages/backend/bin/tessera.js', 'serve', '--demo', '--port', '0', '--customers', String(customers), '--data-dir', dataDir], {
    cwd: new URL('../', import.meta.url).pathname,
    env: { ...process.env, DATABASE_URL: '', SHOPIFY_WEBHOOK_SECRET: '', JWT_SECRET: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /Tessera is running at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    server.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${output}`)));
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const session = async (): Promise<DemoSession> => (await fetch(`${url}/demo/session`)).json() as Promise<DemoSession>;
  const staff = await session();
  return {
    url,
    dataDir,
    browser,
    session,
    async rpc(fn, args = {}) {
      const response = await fetch(`${url}/rest/v1/rpc/${fn}`, {
        method: 'POST',
        headers: { apikey: staff.key, Authorization: `Bearer ${staff.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(args),
      });
      if (!response.ok) throw new Error(`${fn}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    async shopifyWebhook(topic, payload) {
      const secret = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).shopifyWebhookSecret;
      const request = await shopifyWebhookRequest(secret, {
        topic,
        shop: 'hearth-and-grain.myshopify.com',
        body: JSON.stringify(payload),
        eventId: `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      });
      return fetch(`${url}/webhooks/shopify`, request);
    },
    async stop() {
      await browser.close();
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((resolve) => server.once('exit', resolve));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
