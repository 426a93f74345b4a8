import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../db/database.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';
import type { PlatformApps } from '../webhooks/platform-apps.ts';

/**
 * A local server's settings: where its data lives and its secrets. Secrets
 * come from the environment when set (JWT_SECRET, SHOPIFY_WEBHOOK_SECRET);
 * otherwise they are generated once and kept in the data directory, so keys
 * and tokens keep working across restarts.
 */
export interface LocalConfig {
  dataDir: string;
  jwtSecret: string;
  secrets: { shopify?: string; kajabi?: string; meta?: string; tiktok?: string; x?: string };
  /** Secrets of the Meta and X apps (META_APP_SECRET + META_VERIFY_TOKEN, X_CONSUMER_SECRET). */
  apps: PlatformApps;
  /** Kajabi API credentials (KAJABI_CLIENT_ID / KAJABI_CLIENT_SECRET): when set, Kajabi payments are confirmed with Kajabi before they are trusted. */
  kajabiApi?: { clientId: string; clientSecret: string };
  databaseUrl: string | undefined;
}

export function loadConfig(dataDir: string, options: { generateWebhookSecrets?: boolean } = {}): LocalConfig {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const generated = { ...stored };
  generated.jwtSecret ??= randomBytes(32).toString('base64url');
  if (options.generateWebhookSecrets) {
    generated.shopifyWebhookSecret ??= randomBytes(24).toString('base64url');
    generated.kajabiWebhookToken ??= randomBytes(32).toString('base64url');
  }
  if (JSON.stringify(generated) !== JSON.stringify(stored)) writeFileSync(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });

  const shopify = process.env.SHOPIFY_WEBHOOK_SECRET || generated.shopifyWebhookSecret;
  const kajabi = process.env.KAJABI_WEBHOOK_TOKEN || generated.kajabiWebhookToken;
  if (kajabi && kajabi.length < 32) {
    throw new Error('KAJABI_WEBHOOK_TOKEN is too short to be a secret: use 32+ random characters (e.g. `openssl rand -base64 32`).');
  }
  // Social platforms: set only from the environment (they are the secrets of apps registered with the platforms).
  const { META_APP_SECRET: meta, META_VERIFY_TOKEN: metaVerifyToken, TIKTOK_CLIENT_SECRET: tiktok, X_CONSUMER_SECRET: x } = process.env;
  return {
    dataDir: dir,
    jwtSecret: process.env.JWT_SECRET || generated.jwtSecret,
    // A secret here also routes every account of its platform to the local workspace.
    secrets: { ...(shopify ? { shopify } : {}), ...(kajabi ? { kajabi } : {}), ...(meta ? { meta } : {}), ...(tiktok ? { tiktok } : {}), ...(x ? { x } : {}) },
    apps: {
      ...(meta ? { meta: { appSecret: meta, ...(metaVerifyToken ? { verifyToken: metaVerifyToken } : {}) } } : {}),
      ...(x ? { x: { consumerSecret: x } } : {}),
    },
    ...(process.env.KAJABI_CLIENT_ID && process.env.KAJABI_CLIENT_SECRET
      ? { kajabiApi: { clientId: process.env.KAJABI_CLIENT_ID, clientSecret: process.env.KAJABI_CLIENT_SECRET } }
      : {}),
    databaseUrl: process.env.DATABASE_URL || undefined,
  };
}

/** PGlite in the data directory by default; the server named by DATABASE_URL when set. */
export async function openConfiguredDatabase(config: LocalConfig): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPglite({ dataDir: join(config.dataDir, 'pgdata') });
}
