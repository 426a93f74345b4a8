import type { Queryable } from '../db/database.ts';
import type { Connection } from '../webhooks/delivery.ts';

export interface LocalConnection {
  /** The workspace deliveries go to when no stored connection names their account. */
  workspaceId: string;
  /** Signing secrets by source, from the environment (SHOPIFY_WEBHOOK_SECRET, …). */
  secrets: Partial<Record<string, string>>;
}

/**
 * Finds the workspace and secret of a platform account: first the stored
 * connections (hosted, one per shop), then, for a local server, the secret
 * from the environment, which maps any account signed with it to the local
 * workspace.
 */
export function createConnectionRegistry(db: Queryable, local?: LocalConnection) {
  return async function findConnection(source: string, account: string): Promise<Connection | null> {
    // The account comes from the payload (TikTok's client_key, Meta's entry id); one with a NUL in it
    // names no stored connection, and Postgres would refuse the query (a 500 instead of an answer).
    const [stored] = account.includes('\u0000')
      ? []
      : await db.query<{ workspace_id: string; secret: string }>('select workspace_id, secret from tessera.connections where source = $1 and account = $2', [source, account]);
    if (stored) return { workspaceId: stored.workspace_id, secret: stored.secret };
    const secret = local?.secrets[source];
    return local && secret ? { workspaceId: local.workspaceId, secret } : null;
  };
}
