import { openDB, type IDBPDatabase } from 'idb';

/** A cached value and when it was fetched from the backend. */
export interface Cached<T> {
  value: T;
  /** Epoch milliseconds of the network response this copy came from. */
  fetchedAt: number;
}

/**
 * A small key/value cache of backend responses. In browsers it lives in
 * IndexedDB so cards render offline; elsewhere (Node) it is kept in memory.
 * Entries older than `maxAgeMs` are never served; beyond `maxEntries` the
 * least recently used go first.
 */
export interface ResponseCache {
  get<T>(key: string): Promise<Cached<T> | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  /** Forget everything this cache holds (call it on sign-out). */
  clear(): Promise<void>;
}

export interface CacheOptions {
  /** Separates projects and users sharing a browser; part of every key. */
  scope: string;
  maxAgeMs?: number;
  maxEntries?: number;
}

const DAY = 86_400_000;
const STORE = 'responses';

interface Row {
  key: string;
  scope: string;
  value: unknown;
  fetchedAt: number;
  usedAt: number;
}

export function createCache(options: CacheOptions): ResponseCache {
  const hasIndexedDb = typeof indexedDB !== 'undefined';
  return hasIndexedDb ? indexedDbCache(options) : memoryCache(options);
}

function indexedDbCache({ scope, maxAgeMs = 7 * DAY, maxEntries = 500 }: CacheOptions): ResponseCache {
  let db: Promise<IDBPDatabase> | undefined;
  const open = () =>
    (db ??= openDB('tessera-cache', 1, {
      upgrade(database) {
        const store = database.createObjectStore(STORE, { keyPath: 'key' });
        store.createIndex('scope', 'scope');
        store.createIndex('usedAt', 'usedAt');
      },
      // Another tab (a newer version of this script, or a sign-out wiping the
      // database) needs it: let go, and reopen on the next use.
      blocking(_current, _next, event) {
        (event.target as IDBDatabase).close();
        db = undefined;
      },
      terminated() {
        db = undefined;
      },
    }));
  const rowKey = (key: string) => `${scope}\u0000${key}`;

  // IndexedDB may be unavailable (private mode, blocked storage): the cache then
  // degrades to a miss instead of failing the read it was meant to speed up.
  const quietly = async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch {
      return fallback;
    }
  };

  const evict = async (database: IDBPDatabase) => {
    const tx = database.transaction(STORE, 'readwrite');
    let excess = (await tx.store.count()) - maxEntries;
    let cursor = excess > 0 ? await tx.store.index('usedAt').openCursor() : null;
    while (cursor && excess > 0) {
      await cursor.delete();
      excess--;
      cursor = await cursor.continue();
    }
    await tx.done;
  };

  return {
    get: <T>(key: string) =>
      quietly(async () => {
        const database = await open();
        const row = (await database.get(STORE, rowKey(key))) as Row | undefined;
        if (!row) return undefined;
        if (Date.now() - row.fetchedAt > maxAgeMs) {
          await database.delete(STORE, row.key);
          return undefined;
        }
        await database.put(STORE, { ...row, usedAt: Date.now() });
        return { value: row.value as T, fetchedAt: row.fetchedAt };
      }, undefined),
    put: (key, value) =>
      quietly(async () => {
        const database = await open();
        const now = Date.now();
        const row: Row = { key: rowKey(key), scope, value, fetchedAt: now, usedAt: now };
        await database.put(STORE, row);
        await evict(database);
      }, undefined),
    delete: (key) => quietly(async () => (await open()).delete(STORE, rowKey(key)), undefined),
    clear: () =>
      quietly(async () => {
        const database = await open();
        const tx = database.transaction(STORE, 'readwrite');
        let cursor = await tx.store.index('scope').openCursor(IDBKeyRange.only(scope));
        while (cursor) {
          await cursor.delete();
          cursor = await cursor.continue();
        }
        await tx.done;
      }, undefined),
  };
}

function memoryCache({ maxAgeMs = 7 * DAY, maxEntries = 500 }: CacheOptions): ResponseCache {
  // A Map iterates in insertion order: re-inserting on use keeps it in LRU order.
  const rows = new Map<string, Cached<unknown>>();
  return {
    async get<T>(key: string) {
      const row = rows.get(key);
      if (!row) return undefined;
      rows.delete(key);
      if (Date.now() - row.fetchedAt > maxAgeMs) return undefined;
      rows.set(key, row);
      return row as Cached<T>;
    },
    async put(key, value) {
      rows.delete(key);
      rows.set(key, { value, fetchedAt: Date.now() });
      for (const oldest of rows.keys()) {
        if (rows.size <= maxEntries) break;
        rows.delete(oldest);
      }
    },
    async delete(key) {
      rows.delete(key);
    },
    async clear() {
      rows.clear();
    },
  };
}

/**
 * One cache per signed-in person (a staff user, a storefront customer), so
 * two people sharing a browser never see each other's cached cards. `whose`
 * names the current person; while nobody is known the cache misses.
 */
export function perPersonCache(whose: () => Promise<string | undefined>, open: (person: string) => ResponseCache): ResponseCache {
  const caches = new Map<string, ResponseCache>();
  const current = async () => {
    const person = await whose().catch(() => undefined);
    if (!person) return undefined;
    if (!caches.has(person)) caches.set(person, open(person));
    return caches.get(person);
  };
  return {
    get: async (key) => (await current())?.get(key),
    put: async (key, value) => (await current())?.put(key, value),
    delete: async (key) => (await current())?.delete(key),
    clear: async () => (await current())?.clear(),
  };
}
