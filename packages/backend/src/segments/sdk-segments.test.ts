// tessera.segments as a partner script uses it: text in, people out, through
// the same server and RPC contract supabase-js speaks, as a signed-in member.
import { createTessera, isTesseraError, SegmentQueryError } from '@tessera/core';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../auth/jwt.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { startServer, type RunningServer } from '../server/start.ts';
import WebSocket from 'ws';
import { rebuildProfileFacts, refreshPersonSegments } from './membership.ts';

const JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters';
const staff = { id: 'c0000000-0000-4000-8000-00000000000c', email: 'cy@hearth.example', role: 'member' };

for (const target of testDatabases()) {
  describe(`tessera.segments against tessera serve (${target.name})`, () => {
    let db: Database;
    let server: RunningServer;
    let tessera: ReturnType<typeof createTessera>;
    let workspaceId: string;
    const people: Record<string, string> = {};

    before(async () => {
      db = await target.open();
      workspaceId = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      const ws = workspaceId;
      await ensureStaff(db, ws, staff);
      const spend = { ana: 320, bo: 45, cy: 0, dee: 180 };
      for (const [name, amount] of Object.entries(spend)) {
        const events = amount ? [{ external_id: `shopify:order:${name}:placed`, type: 'order_placed', occurred_at: '2026-10-01T10:00:00Z', revenue: amount, currency: 'USD' }] : [];
        const identities = [{ kind: 'email', value: `${name}@seg.example` }, ...(name === 'ana' || name === 'dee' ? [{ kind: 'instagram', value: `${name}.bakes` }] : [])];
        const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, 'shopify', $2::jsonb, null) as id`, [
          ws,
          JSON.stringify({ observed_at: '2026-10-01T10:00:00Z', identities, traits: [], events, unrecognised: [] }),
        ]);
        people[name] = row!.id;
      }
      await rebuildProfileFacts(db, ws);
      server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: ws, secrets: {} });
      tessera = createTessera({
        url: server.url,
        key: await signToken(JWT_SECRET, { role: 'anon' }),
        accessToken: await signToken(JWT_SECRET, { role: 'authenticated', sub: staff.id, email: staff.email }, '1h'),
        cache: false,
        webSocket: WebSocket as never,
      });
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    it('previews a query typed as text: the count and a sample', async () => {
      const preview = await tessera.segments.preview('amount_spent > 100 AND has instagram');
      assert.equal(preview.count, 2);
      assert.deepEqual(preview.sample.map((p) => p.id).sort(), [people.ana, people.dee].sort());
      assert.equal((await tessera.segments.preview('NOT has instagram')).count, 2);
    });

    it('reports a mistake with its column before sending anything', async () => {
      await assert.rejects(tessera.segments.preview('amount_spnt > 100'), (error: unknown) => {
        assert.ok(error instanceof SegmentQueryError && isTesseraError(error, 'invalid_argument'));
        assert.equal(error.column, 1);
        assert.match(error.message, /amount_spent/);
        return true;
      });
      const parsed = await tessera.segments.parse("amount_spent > 'lots'");
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.equal(parsed.error.column, 16);
    });

    it('saves a segment, lists it with its members, and pages through them', async () => {
      const saved = await tessera.segments.save('Spent anything', 'amount_spent > 0');
      assert.equal(saved.members, 3);
      assert.equal(saved.query, 'amount_spent > 0');
      const listed = await tessera.segments.list();
      assert.deepEqual(listed.map((s) => [s.name, s.members]), [['Spent anything', 3]]);
      const first = await tessera.segments.members(saved.id, { limit: 2 });
      assert.equal(first.members.length, 2);
      assert.ok(first.next_cursor);
      const second = await tessera.segments.members(saved.id, { limit: 2, cursor: first.next_cursor });
      const all = [...first.members, ...second.members].map((m) => m.id).sort();
      assert.deepEqual(all, [people.ana, people.bo, people.dee].sort());
      assert.equal(second.next_cursor, null);
      // Saving under the same name replaces the query and recomputes the members.
      const replaced = await tessera.segments.save('Spent anything', 'amount_spent >= 180');
      assert.equal(replaced.id, saved.id);
      assert.equal(replaced.members, 2);
    });

    it('tells a subscriber live when someone enters or leaves a saved segment', async () => {
      const saved = await tessera.segments.save('Instagram followers', 'has instagram');
      const changes: { change: string; profile_id: string }[] = [];
      const live = new Promise<void>((resolve, reject) => {
        const sub = tessera.segments.subscribe(saved.id, (change) => changes.push(change), {
          onLive: (stopped) => (stopped ? reject(stopped) : resolve()),
        });
        after(() => sub.unsubscribe());
      });
      await live;
      // Cy links an Instagram handle: one event, one person re-evaluated, one entry pushed.
      await db.query(`select tessera.apply_record($1, 'social_import', $2::jsonb, null)`, [
        workspaceId,
        JSON.stringify({ observed_at: '2026-10-02T10:00:00Z', identities: [{ kind: 'instagram', value: 'cy.crumb' }, { kind: 'email', value: 'cy@seg.example' }], traits: [], events: [], unrecognised: [] }),
      ]);
      await refreshPersonSegments(db, workspaceId, people.cy!);
      const deadline = Date.now() + 5000;
      while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(changes.map((c) => [c.change, c.profile_id]), [['entered', people.cy]]);
    });
  });
}
