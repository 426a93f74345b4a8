/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createCache } from './cache.ts';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const ana = { id: '6f1c2d9e-3b7a-4c1e-9a52-8d0f4e7b21c3', display_name: 'Ana Rivera' };

describe('response cache in IndexedDB', () => {
  afterEach(async () => {
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase('tessera-cache');
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  });

  it('keeps a response across cache instances, with the time it was fetched', async () => {
    const before = Date.now();
    await createCache({ scope: 'https://api.example|key' }).put('profile:1', ana);
    const cached = await createCache({ scope: 'https://api.example|key' }).get<typeof ana>('profile:1');
    expect(cached?.value).to.deep.equal(ana);
    expect(cached?.fetchedAt).to.be.within(before, Date.now());
  });

  it('keeps projects apart: another scope sees nothing', async () => {
    await createCache({ scope: 'project-a' }).put('profile:1', ana);
    expect(await createCache({ scope: 'project-b' }).get('profile:1')).to.equal(undefined);
  });

  it('never serves an entry older than maxAgeMs', async () => {
    const cache = createCache({ scope: 's', maxAgeMs: 40 });
    await cache.put('profile:1', ana);
    expect(await cache.get('profile:1')).to.not.equal(undefined);
    await tick(60);
    expect(await cache.get('profile:1')).to.equal(undefined);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = createCache({ scope: 's', maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) {
      await cache.put(key, key);
      await tick();
    }
    await cache.get('a'); // a is now more recent than b
    await tick();
    await cache.put('d', 'd');
    expect(await cache.get('b')).to.equal(undefined);
    for (const key of ['a', 'c', 'd']) expect((await cache.get(key))?.value).to.equal(key);
  });

  it('clear() forgets this scope only (sign-out on a shared device)', async () => {
    const staff = createCache({ scope: 'staff' });
    const other = createCache({ scope: 'other' });
    await staff.put('profile:1', ana);
    await other.put('profile:1', ana);
    await staff.clear();
    expect(await staff.get('profile:1')).to.equal(undefined);
    expect((await other.get('profile:1'))?.value).to.deep.equal(ana);
  });
});
