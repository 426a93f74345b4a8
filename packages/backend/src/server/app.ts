import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { createCustomerDirectory, handleStorefrontSession, signAppProxyQuery } from '../auth/app-proxy.ts';
import type { Claims } from '../auth/jwt.ts';
import { createAgentDirectory, handleZendeskSession } from '../auth/zendesk-session.ts';
import type { Database } from '../db/database.ts';
import { repoRoot } from '../package-root.ts';
import { createFunctionCatalog } from '../rest/function-catalog.ts';
import { createRpcGateway } from '../rest/rpc-gateway.ts';
import { DEMO_SHOP } from '../seed/shopify-store.ts';
import { handleKajabiWebhook, type KajabiWebhookContext } from '../webhooks/kajabi.ts';
import { handleMetaWebhook } from '../webhooks/meta.ts';
import type { SocialWebhookContext } from '../webhooks/platform-apps.ts';
import { handleShopifyWebhook } from '../webhooks/shopify.ts';
import { handleTikTokWebhook } from '../webhooks/tiktok.ts';
import { handleXWebhook } from '../webhooks/x.ts';
import { handleYouTubeWebhook } from '../webhooks/youtube.ts';

export interface AppOptions {
  db: Database;
  verifyToken: (token: string | null | undefined) => Promise<Claims>;
  /** What every webhook handler needs (Kajabi's adds an optional API client to confirm payments). */
  webhooks: KajabiWebhookContext & SocialWebhookContext;
  /** Demo mode only: hands the demo staff session to the example pages. */
  demoSession?: () => Promise<Record<string, unknown>>;
  /** The server's JWT secret: storefront customer tokens are signed with it (without it, storefront sessions answer 503). */
  jwtSecret?: string;
}

/** Files the server publishes: the examples and the built browser bundles, nothing else of the repository. */
const PUBLIC_PREFIXES = ['/examples/', '/packages/elements/dist/', '/packages/core/dist/'];

/**
 * The HTTP surface of `tessera serve`, on one port, shaped like a Supabase
 * project: `/rest/v1/rpc/*` (PostgREST RPC), `/webhooks/*`, `/health`, and the
 * static examples. `/realtime/v1/websocket` is attached to the HTTP server
 * beside this app (see start.ts).
 */
export function createApp({ db, verifyToken, webhooks, demoSession, jwtSecret }: AppOptions): Hono {
  const app = new Hono();
  const handleRpc = createRpcGateway({ db, catalog: createFunctionCatalog(db), verifyToken });
  // The App Proxy is signed with the app's secret, the one its webhooks are signed with: same registry.
  const storefront = { findConnection: webhooks.findConnection, findCustomer: createCustomerDirectory(db), jwtSecret: jwtSecret ?? '' };
  const storefrontSession = (request: Request) =>
    jwtSecret ? handleStorefrontSession(request, storefront) : Response.json({ error: 'Storefront sessions need the server\'s JWT secret' }, { status: 503 });
  // Zendesk agents: the app's JWT is signed with the secret of the subdomain's connection, from the same registry.
  const zendesk = { findConnection: webhooks.findConnection, findAgent: createAgentDirectory(db), jwtSecret: jwtSecret ?? '' };

  // Storefront pages on other origins call the API from the browser, as they do a Supabase project.
  const apiCors = cors({
    origin: '*',
    allowHeaders: ['apikey', 'authorization', 'content-type', 'x-client-info', 'accept-profile', 'content-profile', 'prefer', 'x-retry-count'],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    maxAge: 86400,
  });
  app.use('/rest/*', apiCors);
  app.use('/functions/*', apiCors);

  app.get('/health', async (c) => {
    await db.query('select 1');
    return c.json({ status: 'ok', database: db.kind });
  });

  app.on(['GET', 'POST'], '/rest/v1/rpc/:fn', (c) => handleRpc(c.req.raw, c.req.param('fn')));
  app.get('/functions/v1/storefront-session', (c) => storefrontSession(c.req.raw));
  app.post('/functions/v1/zendesk-session', (c) =>
    jwtSecret ? handleZendeskSession(c.req.raw, zendesk) : Response.json({ error: 'Zendesk sessions need the server\'s JWT secret' }, { status: 503 }),
  );

  app.post('/webhooks/shopify', (c) => handleShopifyWebhook(c.req.raw, webhooks));
  app.post('/webhooks/kajabi/:token', (c) => handleKajabiWebhook(c.req.raw, webhooks, c.req.param('token')));
  // GET answers each platform's handshake: Meta's verification, X's CRC, the WebSub hub's intent check.
  app.on(['GET', 'POST'], '/webhooks/meta', (c) => handleMetaWebhook(c.req.raw, webhooks));
  app.on(['GET', 'POST'], '/webhooks/x', (c) => handleXWebhook(c.req.raw, webhooks));
  app.post('/webhooks/tiktok', (c) => handleTikTokWebhook(c.req.raw, webhooks));
  app.on(['GET', 'POST'], '/webhooks/youtube', (c) => handleYouTubeWebhook(c.req.raw, webhooks));

  if (demoSession) app.get('/demo/session', async (c) => c.json(await demoSession()));
  // Demo only: stands in for Shopify's App Proxy, signing ?customer={id} as Shopify would for the demo shop.
  if (demoSession) {
    app.get('/demo/app-proxy/session', async (c) => {
      const connection = await webhooks.findConnection('shopify', DEMO_SHOP);
      if (!connection) return c.json({ error: 'The demo has no Shopify secret to sign with' }, 503);
      const query = new URLSearchParams({ shop: DEMO_SHOP, logged_in_customer_id: c.req.query('customer') ?? '', path_prefix: '/apps/tessera', timestamp: String(Math.floor(Date.now() / 1000)) });
      const signed = await signAppProxyQuery(query, connection.secret);
      return storefrontSession(new Request(new URL(`/functions/v1/storefront-session?${signed}`, c.req.url)));
    });
  }

  app.get('/', (c) => c.redirect('/examples/'));
  app.use('*', async (c, next) => {
    if (!PUBLIC_PREFIXES.some((prefix) => c.req.path.startsWith(prefix))) return next();
    return serveStatic({ root: repoRoot, index: 'index.html' })(c, next);
  });
  app.notFound((c) => c.json({ error: `Nothing at ${c.req.path}` }, 404));
  app.onError((error, c) => {
    console.error(error);
    return c.json({ error: 'Internal error' }, 500);
  });
  return app;
}
