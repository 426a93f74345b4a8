// Two staff users sharing one browser (or one Node process) with one client:
// what the first one read must never be served to the second, even offline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTessera } from './client.ts';
import { isTesseraError } from './errors.ts';

const AMARA = '3f1c8a52-9d0e-4b7a-8c21-6e5f4d3c2b1a';
/** An unsigned token with the claims the SDK reads (the server verifies; the cache only partitions). */
const token = (sub: string) => `e30.${btoa(JSON.stringify({ role: 'authenticated', sub })).replace(/=+$/, '')}.sig`;

describe('offline cache per signed-in person', () => {
  it('serves a staff user their own last answer offline, and the next user none of it', async () => {
    let online = true;
    let session = token('11111111-1111-4111-8111-111111111111');
    const tessera = createTessera({
      url: 'https://project.example',
      key: 'publishable',
      accessToken: () => session,
      fetch: async () => {
        if (!online) throw new TypeError('fetch failed');
        return new Response(JSON.stringify(AMARA), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    assert.equal(await tessera.profiles.resolve({ email: 'amara.okafor@example.com' }), AMARA);

    online = false;
    assert.equal(await tessera.profiles.resolve({ email: 'amara.okafor@example.com' }), AMARA, 'the same user offline gets the cached answer');

    session = token('22222222-2222-4222-8222-222222222222');
    await assert.rejects(tessera.profiles.resolve({ email: 'amara.okafor@example.com' }), (error) => isTesseraError(error, 'network'));

    session = token('11111111-1111-4111-8111-111111111111');
    await tessera.clearCache();
    await assert.rejects(tessera.profiles.resolve({ email: 'amara.okafor@example.com' }), (error) => isTesseraError(error, 'network'), 'clearCache() on sign-out forgets the user');
  });
});
