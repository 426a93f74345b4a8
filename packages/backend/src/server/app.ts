import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Claims } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { repoRoot } from '../package-root.ts';
import { createFunctionCatalog } from '../rest/function-catalog.ts';
import { createRpcGateway } from '../rest/rpc-gateway.ts';
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
}

/** Files the server publishes: the examples and the built browser bundles, nothing else of the repository. */
const PUBLIC_PREFIXES = ['/examples/', '/packages/elements/dist/', '/packages/core/dist/'];

/**
 * The HTTP surface of `tessera serve`, on one port, shaped like a Supabase
 * project: `/rest/v1/rpc/*` (PostgREST RPC), `/webhooks/*`, `/health`, and the
 * static examples. `/realtime/v1/websocket` is attached to the HTTP server
 * beside this app (see start.ts).
 */
export function createApp({ db, verifyToken, webhooks, demoSession }: AppOptions): Hono {
  const app = new Hono();
  const handleRpc = createRpcGateway({ db, catalog: createFunctionCatalog(db), verifyToken });

  // Storefront pages on other origins call the API from the browser, as they do a Supabase project.
  app.use(
    '/rest/*',
    cors({
      origin: '*',
      allowHeaders: ['apikey', 'authorization', 'content-type', 'x-client-info', 'accept-profile', 'content-profile', 'prefer', 'x-retry-count'],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      maxAge: 86400,
    }),
  );

  app.get('/health', async (c) => {
    await db.query('select 1');
    return c.json({ status: 'ok', database: db.kind });
  });

  app.on(['GET', 'POST'], '/rest/v1/rpc/:fn', (c) => handleRpc(c.req.raw, c.req.param('fn')));

  app.post('/webhooks/shopify', (c) => handleShopifyWebhook(c.req.raw, webhooks));
  app.post('/webhooks/kajabi/:token', (c) => handleKajabiWebhook(c.req.raw, webhooks, c.req.param('token')));
  // GET answers each platform's handshake: Meta's verification, X's CRC, the WebSub hub's intent check.
  app.on(['GET', 'POST'], '/webhooks/meta', (c) => handleMetaWebhook(c.req.raw, webhooks));
  app.on(['GET', 'POST'], '/webhooks/x', (c) => handleXWebhook(c.req.raw, webhooks));
  app.post('/webhooks/tiktok', (c) => handleTikTokWebhook(c.req.raw, webhooks));
  app.on(['GET', 'POST'], '/webhooks/youtube', (c) => handleYouTubeWebhook(c.req.raw, webhooks));

  if (demoSession) app.get('/demo/session', async (c) => c.json(await demoSession()));

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
