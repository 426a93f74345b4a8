import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectZendesk } from '../auth/zendesk-session.ts';
import type { Queryable } from '../db/database.ts';
import { ensureStaff } from './workspace.ts';

/** The demo's Zendesk account: hearth-and-grain.zendesk.com, connected to the demo workspace. */
export const DEMO_ZENDESK_SUBDOMAIN = 'hearth-and-grain';
/** Where the demo's Zendesk shared secret is kept in the data directory's secrets.json. */
export const DEMO_ZENDESK_SECRET_KEY = 'zendeskSharedSecret';

/**
 * The demo's Zendesk shared secret: generated once and kept in the data
 * directory's secrets.json beside the other demo secrets, so the example's
 * stand-in for Zendesk's proxy can sign with it (as Zendesk would with the
 * app's secure setting) and it survives restarts.
 */
export function demoZendeskSecret(dataDir: string): string {
  const file = join(dataDir, 'secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (stored[DEMO_ZENDESK_SECRET_KEY]) return stored[DEMO_ZENDESK_SECRET_KEY];
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, JSON.stringify({ ...stored, [DEMO_ZENDESK_SECRET_KEY]: secret }, null, 2) + '\n', { mode: 0o600 });
  return secret;
}

/** The demo's support agent: a workspace member (the sidebar never signs in owners or admins). */
export const DEMO_ZENDESK_AGENT = { id: 'd3e00000-0000-4000-8000-000000000002', email: 'agent@hearth-and-grain.example', role: 'member' };

/**
 * `tessera serve --demo`: connects hearth-and-grain.zendesk.com to the demo
 * workspace, so the Zendesk sidebar example gets its agent session from the
 * real `/functions/v1/zendesk-session`, as the demo's support agent.
 */
export async function connectDemoZendesk(db: Queryable, dataDir: string, workspaceId: string): Promise<void> {
  await ensureStaff(db, workspaceId, DEMO_ZENDESK_AGENT);
  await connectZendesk(db, workspaceId, { subdomain: DEMO_ZENDESK_SUBDOMAIN, secret: demoZendeskSecret(dataDir) });
}
