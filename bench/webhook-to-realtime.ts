// Signed Shopify webhook POST → stored → normalised → profile updated → the
// change reaches a subscribed supabase-js client over realtime. Prints
// percentiles per stage, on PGlite and (with DATABASE_URL) on the server.
//   node --conditions=source --import tsx bench/webhook-to-realtime.ts [updates]   (or npm run bench)
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import { signToken } from '../packages/backend/src/auth/jwt.ts';
import { testDatabases } from '../packages/backend/src/db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../packages/backend/src/local/workspace.ts';
import { startServer } from '../packages/backend/src/server/start.ts';
import { encodeBase64, signHmacSha256 } from '../packages/backend/src/webhooks/hmac.ts';

const percentile = (values: number[], p: number) => values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) * p)]!;

async function measure(target: ReturnType<typeof testDatabases>[number], updates: number) {
  const db = await target.open();
  const workspaceId = await ensureWorkspace(db, { slug: 'bench', name: 'Bench' });
  const staff = { id: 'a0000000-0000-4000-8000-00000000000a', email: 'staff@bench.example', role: 'owner' };
  await ensureStaff(db, workspaceId, staff);
  const secret = 'bench-shopify-secret';
  const jwtSecret = 'bench-jwt-secret-with-at-least-32-characters';
  let processedAt = 0;
  const server = await startServer({
    db, jwtSecret, port: 0, localWorkspaceId: workspaceId, secrets: { shopify: secret },
    processorEvents: { onProcessed: () => (processedAt = performance.now()) },
  });
  const post = async (n: number, firstName: string) => {
    const body = JSON.stringify({ id: 7241900311752, email: 'amara.okafor@example.com', first_name: firstName, updated_at: new Date().toISOString() });
    return fetch(`${server.url}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'x-shopify-topic': 'customers/update', 'x-shopify-shop-domain': 'bench.myshopify.com', 'x-shopify-event-id': `bench-${n}`,
        'x-shopify-triggered-at': new Date(Date.now() + n).toISOString(), 'x-shopify-hmac-sha256': encodeBase64(await signHmacSha256(secret, body)),
      },
      body,
    });
  };
  await (await post(0, 'Amara')).text();
  await server.idle();
  const [{ id }] = (await db.query<{ id: string }>(`select profile_id as id from public.identities where kind = 'email' and value = 'amara.okafor@example.com'`)) as [{ id: string }];

  const token = await signToken(jwtSecret, { role: 'authenticated', sub: staff.id }, '1h');
  const supabase = createClient(server.url, await signToken(jwtSecret, { role: 'anon' }), { accessToken: async () => token, realtime: { transport: ws as any } });
  await supabase.realtime.setAuth(token);
  let onChange = () => {};
  await new Promise<void>((joined) =>
    supabase
      .channel('bench')
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${id}` }, () => onChange())
      .subscribe((status) => status === 'SUBSCRIBED' && joined()),
  );

  const stages = { 'POST → 200': [] as number[], 'POST → profile written': [] as number[], 'written → client': [] as number[], 'POST → client': [] as number[] };
  for (let n = 1; n <= updates; n++) {
    const changed = new Promise<void>((resolve) => (onChange = resolve));
    const sentAt = performance.now();
    const response = await post(n, `Amara ${n}`);
    const answeredAt = performance.now();
    await response.text();
    await changed;
    const receivedAt = performance.now();
    stages['POST → 200'].push(answeredAt - sentAt);
    stages['POST → profile written'].push(processedAt - sentAt);
    stages['written → client'].push(receivedAt - processedAt);
    stages['POST → client'].push(receivedAt - sentAt);
  }
  await supabase.removeAllChannels();
  await server.close();
  await db.close();
  return stages;
}

export async function webhookToRealtimeBench(updates = 200) {
  console.log(`webhook → realtime client, ${updates} signed customers/update deliveries, one at a time (ms)`);
  console.log(`${'database'.padEnd(10)} ${'stage'.padEnd(24)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}`);
  for (const target of testDatabases()) {
    for (const [stage, values] of Object.entries(await measure(target, updates))) {
      console.log(`${target.name.padEnd(10)} ${stage.padEnd(24)} ${percentile(values, 0.5).toFixed(1).padStart(7)} ${percentile(values, 0.99).toFixed(1).padStart(7)}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await webhookToRealtimeBench(Number(process.argv[2] ?? 200));
  process.exit(0);
}
