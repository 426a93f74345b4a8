// Supabase Edge Function: POST /functions/v1/zendesk-session — where the
// Zendesk sidebar app (examples/zendesk) gets its agent's staff session. The
// same handler `tessera serve` runs (src/auth/zendesk-session.ts): it verifies
// the HS256 JWT Zendesk's proxy signed with the app's secure setting, using the
// subdomain's shared secret from tessera.connections (`tessera connect
// zendesk`), finds the agent among the workspace's members (auth.users ⨝
// workspace_members) over a direct connection (SUPABASE_DB_URL), and mints a
// one-hour staff token with the project's JWT secret (SUPABASE_JWT_SECRET).
// Deploy with --no-verify-jwt: the Authorization header carries Zendesk's JWT,
// not a Supabase key; that signature is the authentication. See docs/security.md.
import { createAgentDirectory, handleZendeskSession } from '../../../src/auth/zendesk-session.ts';
import type { Database } from '../../../src/db/database.ts';
import { openPostgres } from '../../../src/db/postgres.ts';
import { createConnectionRegistry } from '../../../src/ingest/connections.ts';

declare const Deno: { env: { get(name: string): string | undefined }; serve(handler: (request: Request) => Promise<Response>): void };

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, apikey, x-client-info',
  'access-control-allow-methods': 'POST, OPTIONS',
};

// One small pool per function instance, opened on first use.
let db: Promise<Database> | undefined;
const database = () => (db ??= openPostgres(Deno.env.get('SUPABASE_DB_URL')!, { max: 1 }));

Deno.serve(async (request) => {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  const connection = await database();
  const response = await handleZendeskSession(request, {
    findConnection: createConnectionRegistry(connection),
    findAgent: createAgentDirectory(connection),
    jwtSecret: Deno.env.get('SUPABASE_JWT_SECRET')!,
  });
  for (const [name, value] of Object.entries(CORS)) response.headers.set(name, value);
  return response;
});
