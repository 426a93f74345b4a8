// The SDK as a helpdesk uses it, against the real server: profiles.watch goes
// live, reports changes, and follows a person when their profile is merged.
import { createTessera, type ProfileSnapshot } from '@tessera/core';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ws from 'ws';
import { signToken } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { startServer, type RunningServer } from './start.ts';

const JWT_SECRET = 'sdk-watch-secret-with-at-least-32-characters';

for (const target of testDatabases()) {
  describe(`profiles.watch against tessera serve (${target.name})`, () => {
    let db: Database;
    let server: RunningServer;
    let workspaceId: string;
    const staff = { id: 'c0000000-0000-4000-8000-00000000000c', email: 'desk@hearth.example', role: 'member' };

    const apply = async (record: object) =>
      (await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [workspaceId, JSON.stringify({ traits: [], events: [], unrecognised: [], ...record })]))[0]!.id;

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      await ensureStaff(db, workspaceId, staff);
      server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: workspaceId, secrets: {} });
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    it('follows the person when the watched profile is merged into another', async () => {
      const older = await apply({ observed_at: '2026-01-01T00:00:00Z', identities: [{ kind: 'email', value: 'rosa@one.example' }], traits: [{ name: 'first_name', value: 'Rosa' }] });
      const watched = await apply({ observed_at: '2026-02-01T00:00:00Z', identities: [{ kind: 'phone', value: '+14155550199' }] });
      const tessera = createTessera({
        url: server.url,
        key: await signToken(JWT_SECRET, { role: 'anon' }),
        accessToken: await signToken(JWT_SECRET, { role: 'authenticated', sub: staff.id }, '1h'),
        cache: false,
        webSocket: ws,
      });
      const snapshots: ProfileSnapshot[] = [];
      const waitFor = async (what: string, test: (s: ProfileSnapshot) => boolean) => {
        const deadline = Date.now() + 5000;
        while (!snapshots.some(test)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(snapshots.map((s) => [s.source, s.live, s.profile?.id]))}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const subscription = tessera.profiles.watch(watched, (snapshot) => snapshots.push(snapshot));
      try {
        await waitFor('the watch to go live', (s) => s.live && s.profile?.id === watched);

        // A delivery links the phone to Rosa's email: the watched profile is merged into Rosa's.
        await apply({ observed_at: '2026-03-01T00:00:00Z', identities: [{ kind: 'email', value: 'rosa@one.example' }, { kind: 'phone', value: '+14155550199' }] });
        await waitFor('the survivor', (s) => s.profile?.id === older && s.profile.display_name === 'Rosa');

        // Later changes reach the survivor's row only: the watch must have followed it.
        await apply({ observed_at: '2026-04-01T00:00:00Z', identities: [{ kind: 'email', value: 'rosa@one.example' }], events: [{ external_id: 'shopify:order:88:placed', type: 'order_placed', occurred_at: '2026-04-01T00:00:00Z', revenue: 42, currency: 'USD' }] });
        // (Pushed as a change, or read when the new channel joins if it landed in between.)
        await waitFor('the new order', (s) => s.source !== 'cache' && s.profile?.id === older && s.profile.orders_count === 1 && s.profile.lifetime_revenue === 42);
      } finally {
        subscription.unsubscribe();
      }
    });
  });
}
