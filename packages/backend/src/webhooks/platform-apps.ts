import type { WebhookContext } from './delivery.ts';

/**
 * Secrets that belong to a platform *app* rather than to one connected
 * account. One Meta app or X app serves every workspace that connects an
 * account through it, and the platform signs with the app's secret before
 * anyone knows which account a delivery is about; the handshakes (Meta's
 * verify token, X's CRC) name no account at all. So these come from the
 * deployment's environment (META_APP_SECRET, META_VERIFY_TOKEN,
 * X_CONSUMER_SECRET), not from `tessera.connections`, which only routes
 * accounts to workspaces for these two platforms.
 */
export interface PlatformApps {
  /** The Meta app: its app secret signs `X-Hub-Signature-256`; the verify token is the one typed into the App Dashboard (without it, verification requests are refused). */
  meta?: { appSecret: string; verifyToken?: string };
  /** The X app: its consumer secret (API key secret) signs CRC answers and `x-twitter-webhooks-signature`. */
  x?: { consumerSecret: string };
}

/** The webhook context of the Meta and X handlers: the usual one plus the app secrets. */
export interface SocialWebhookContext extends WebhookContext {
  apps: PlatformApps;
}
