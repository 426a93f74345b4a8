import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BroadcastTable, Column } from './broadcast-tables.ts';
import { FilterError, matchesFilter, parseFilter } from './filters.ts';

const columns: Column[] = [
  { name: 'workspace_id', type: 'uuid' },
  { name: 'id', type: 'uuid' },
  { name: 'display_name', type: 'text' },
  { name: 'lifetime_revenue', type: 'numeric' },
  { name: 'orders_count', type: 'int4' },
  { name: 'last_activity_at', type: 'timestamptz' },
  { name: 'tags', type: '_text' },
];
const profiles: BroadcastTable = {
  schema: 'public',
  table: 'profiles',
  key: ['workspace_id', 'id'],
  columns,
  columnTypes: new Map(columns.map((c) => [c.name, c.type])),
  visibleRowSql: '',
};

// A row as to_jsonb gives it.
const maya = {
  workspace_id: '7f3c2a9e-5b1d-4e8a-9c6f-2d4b8e1a3c5f',
  id: 'A1B2C3D4-0000-4000-8000-000000000001'.toLowerCase(),
  display_name: 'Maya, Lindqvist',
  lifetime_revenue: 129.5,
  orders_count: 3,
  last_activity_at: '2025-03-14T09:26:53.589+00:00',
  tags: ['vip'],
};

const matches = (filter: string, row: Record<string, unknown> = maya) => matchesFilter(parseFilter(filter, profiles), row);

describe('postgres_changes filters', () => {
  it('compares each column as its Postgres type', () => {
    assert.equal(matches('id=eq.A1B2C3D4-0000-4000-8000-000000000001'), true); // uuids ignore case
    assert.equal(matches('orders_count=gt.2'), true);
    assert.equal(matches('orders_count=gt.10'), false); // numerically, not as text
    assert.equal(matches('lifetime_revenue=lte.129.50'), true);
    assert.equal(matches('last_activity_at=gte.2025-03-14 09:00:00+00'), true);
    assert.equal(matches('last_activity_at=lt.2025-03-14T10:26:53+01:00'), false);
    assert.equal(matches('display_name=neq.Maya'), true);
  });

  it('reads PostgREST quoting, Realtime escapes and in lists', () => {
    assert.equal(matches('display_name=eq."Maya, Lindqvist"'), true);
    assert.equal(matches('display_name=eq.Maya\\, Lindqvist'), true);
    assert.equal(matches('orders_count=in.(1,2,3)'), true);
    assert.equal(matches('display_name=in.("Maya, Lindqvist",Noah)'), true);
    assert.equal(matches('display_name=in.(Maya,Noah)'), false);
  });

  it('requires every condition of a comma-separated filter', () => {
    assert.equal(matches('orders_count=gte.3,lifetime_revenue=gt.100'), true);
    assert.equal(matches('orders_count=gte.3,lifetime_revenue=gt.200'), false);
  });

  it('never matches a null column, as SQL would not', () => {
    assert.equal(matches('display_name=neq.Maya', { ...maya, display_name: null }), false);
  });

  it('refuses what it cannot compare, naming the fault', () => {
    const refused = (filter: string, reason: RegExp) => assert.throws(() => parseFilter(filter, profiles), (e) => e instanceof FilterError && reason.test(e.message));
    refused('id=eq.42', /"42" is not a valid uuid for column id/);
    refused('orders_count=eq.three', /"three" is not a valid int4/);
    refused('nickname=eq.maya', /public.profiles has no column "nickname"/);
    refused('display_name=ilike.maya*', /operator "ilike" is not supported; use one of eq, neq, lt, lte, gt, gte, in/);
    refused('display_name=not.eq.Maya', /operator "not" is not supported/);
    refused('orders_count', /expected <column>=<operator>.<value>/);
    refused('orders_count=3', /expected <operator>.<value>/);
    refused('orders_count=in.1,2', /in lists one or more values in parentheses/);
    refused('display_name=eq."Maya', /not closed properly/);
    refused('tags=eq.vip', /filters on _text columns are not supported/);
  });
});
