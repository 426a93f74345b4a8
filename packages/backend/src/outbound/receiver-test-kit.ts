/**
 * For the outbound webhook tests: a partner's server (node:http on a free
 * port) that records every request and answers as each test scripts it, and
 * the workspace data those tests need (people, staff, segments, endpoints).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asCaller } from '../auth/as-caller.ts';
import type { Database, Queryable } from '../db/database.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request; `hang` never answers. */
export type Answer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a receiver; `answer(n)` says how to answer its nth request (0-based). */
export async function startReceiver(answer: (n: number) => Answer = () => ({ status: 200 })): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const n = received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const planned = answer(n - 1);
      if (planned === 'hang') return;
      setTimeout(() => {
        response.writeHead(planned.status, planned.headers);
        response.end(planned.body ?? '');
      }, planned.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tessera`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const signedIn = (who: { id: string; email: string }) => ({ role: 'authenticated', sub: who.id, email: who.email });

/** A customer as the Shopify normaliser would write them, with what they have spent; their profile id. */
export async function addPerson(db: Queryable, workspaceId: string, person: { id: number; email: string; first: string; last: string; spent: number }) {
  const record = {
    observed_at: '2026-10-01T00:00:00Z',
    identities: [{ kind: 'shopify_customer', value: String(person.id) }, { kind: 'email', value: person.email }],
    traits: [{ name: 'first_name', value: person.first }, { name: 'last_name', value: person.last }],
    events: [{ external_id: `shopify:order:${person.id}:placed`, type: 'order_placed', occurred_at: '2026-10-01T00:00:00Z', revenue: person.spent, currency: 'USD' }],
    unrecognised: [],
  };
  const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [workspaceId, JSON.stringify(record)]);
  await db.query('select tessera.refresh_profile_facts($1, $2::uuid[])', [workspaceId, [row!.id]]);
  return row!.id;
}

/** Saves "amount_spent > min" as a segment (as staff do through save_segment); its id. */
export async function saveSpendSegment(db: Queryable, workspaceId: string, name: string, min: number): Promise<string> {
  const [row] = await db.query<{ saved: { id: string } }>(`select public.save_segment($1, $2, $3::jsonb, $4) as saved`, [
    name,
    `amount_spent > ${min}`,
    JSON.stringify({ kind: 'compare', attribute: 'amount_spent', op: '>', value: { type: 'number', value: min } }),
    workspaceId,
  ]);
  return row!.saved.id;
}

export interface CreatedEndpoint {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  secret: string;
}

/** Registers an endpoint as a signed-in staff member, through the RPC staff call. */
export async function createEndpoint(db: Database, staff: { id: string; email: string }, url: string, events: string[], workspaceId?: string) {
  return asCaller(db, signedIn(staff), async (tx) => {
    const [row] = await tx.query<{ endpoint: CreatedEndpoint }>('select public.create_webhook_endpoint($1, $2, $3) as endpoint', [url, events, workspaceId ?? null]);
    return row!.endpoint;
  });
}
