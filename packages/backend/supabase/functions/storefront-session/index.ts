// Supabase Edge Function: GET /functions/v1/storefront-session — the target of
// the shop's App Proxy (https://{shop}/apps/tessera/session forwards here).
// The same handler `tessera serve` runs (src/auth/app-proxy.ts): it verifies
// Shopify's signature with the shop's app secret from tessera.connections,
// finds the logged-in customer's person over a direct connection
// (SUPABASE_DB_URL), and mints a 15-minute customer token with the project's
// JWT secret (SUPABASE_JWT_SECRET; 0017's policies let it read that person only).
// Deploy with --no-verify-jwt: Shopify's proxy sends no Supabase key; the
// App Proxy signature is the authentication. See docs/security.md.
import { createCustomerDirectory, handleStorefrontSession } from '../../../src/auth/app-proxy.ts';
import type { Database } from '../../../src/db/database.ts';
import { openPostgres } from '../../../src/db/postgres.ts';
import { createConnectionRegistry } from '../../../src/ingest/connections.ts';

declare const Deno: { env: { get(name: string): string | undefined }; serve(handler: (request: Request) => Promise<Response>): void };

// One small pool per function instance, opened on first use.
let db: Promise<Database> | undefined;
const database = () => (db ??= openPostgres(Deno.env.get('SUPABASE_DB_URL')!, { max: 1 }));

Deno.serve(async (request) => {
  const connection = await database();
  return handleStorefrontSession(request, {
    findConnection: createConnectionRegistry(connection),
    findCustomer: createCustomerDirectory(connection),
    jwtSecret: Deno.env.get('SUPABASE_JWT_SECRET')!,
  });
});
