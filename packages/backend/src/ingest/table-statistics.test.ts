import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStatisticsKeeper } from './table-statistics.ts';

describe('statistics during an import', () => {
  it('analyzes the resolver\'s tables each time the rows stored double, not after every batch', async () => {
    const analyzedAt: number[] = [];
    let stored = 0;
    const db = { query: async () => [], exec: async (sql: string) => void (sql.startsWith('analyze public.raw_events, public.profiles, public.identities') && analyzedAt.push(stored)) };
    const afterBatch = createStatisticsKeeper(db);
    for (let batch = 0; batch < 100; batch++) {
      stored += 500;
      await afterBatch(500);
    }
    assert.deepEqual(analyzedAt, [500, 1000, 2000, 4000, 8000, 16000, 32000]);
  });
});
