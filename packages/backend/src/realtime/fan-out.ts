import { asCaller } from '../auth/as-caller.ts';
import type { Claims } from '../auth/jwt.ts';
import { isPostgresError, type Database } from '../db/database.ts';
import { changeData, listensTo, matchingIds, type Binding, type Change } from './postgres-changes.ts';

/** A joined channel as the fan-out sees it: whose token it holds and what it listens to. */
export interface Subscriber {
  token: string;
  claims: Claims;
  bindings: readonly Binding[];
}

export interface Delivery<S extends Subscriber> {
  subscriber: S;
  /** The subscriber's bindings the change satisfies. */
  ids: number[];
  data: Record<string, unknown>;
}

/**
 * Works out who receives a change. As on Supabase Realtime, a subscriber
 * receives it only if they could SELECT the row: it is read back by its key
 * as each subscriber (role, claims and row-level security, via asCaller),
 * once per distinct token, so any number of channels sharing a token cost one
 * query. Every check finishes before anything is returned, so the caller can
 * send this change to everyone before the next change is looked at.
 */
export async function fanOut<S extends Subscriber>(db: Database, change: Change, subscribers: Iterable<S>): Promise<Delivery<S>[]> {
  const now = Date.now() / 1000;
  const byToken = new Map<string, { claims: Claims; listeners: { subscriber: S; bindings: Binding[] }[] }>();
  for (const subscriber of subscribers) {
    // An expired token sees nothing, even in the moment before its channel is shut.
    if (typeof subscriber.claims.exp === 'number' && subscriber.claims.exp <= now) continue;
    const bindings = subscriber.bindings.filter((b) => listensTo(b, change));
    if (bindings.length === 0) continue;
    // Filters can be checked before the query unless the row has to be read to be known.
    if (!change.truncated && matchingIds(bindings, filteredRow(change)).length === 0) continue;
    const group = byToken.get(subscriber.token) ?? { claims: subscriber.claims, listeners: [] };
    group.listeners.push({ subscriber, bindings });
    byToken.set(subscriber.token, group);
  }

  const groups = [...byToken.values()];
  const rows = await Promise.all(groups.map((group) => readVisibleRow(db, change, group.claims)));
  const shared = change.truncated ? undefined : changeData(change, change.record);
  const deliveries: Delivery<S>[] = [];
  groups.forEach((group, i) => {
    const row = rows[i];
    if (!row) return;
    const data = shared ?? changeData(change, row);
    for (const { subscriber, bindings } of group.listeners) {
      const ids = matchingIds(bindings, change.truncated ? row : filteredRow(change));
      if (ids.length > 0) deliveries.push({ subscriber, ids, data });
    }
  });
  return deliveries;
}

/** The row filters apply to: the new one, or for a DELETE the old one. */
function filteredRow(change: Change): Record<string, unknown> {
  return (change.record ?? change.oldRecord)!;
}

/** The row as `claims` sees it now, or undefined when they may not see it. */
async function readVisibleRow(db: Database, change: Change, claims: Claims): Promise<Record<string, unknown> | undefined> {
  try {
    const rows = await asCaller(db, claims, (tx) => tx.query<{ record: Record<string, unknown> }>(change.table.visibleRowSql, change.key));
    return rows[0]?.record;
  } catch (error) {
    // A role with no SELECT on the table at all (anon on profiles) simply cannot see the row.
    if (isPostgresError(error) && error.code === '42501') return undefined;
    throw error;
  }
}
