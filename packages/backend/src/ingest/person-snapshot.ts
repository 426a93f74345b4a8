import type { Database, Queryable } from '../db/database.ts';

/**
 * A workspace's people in a canonical form that two databases can be compared
 * on: keyed by who they are (their Shopify customer id, else their email, else
 * their identities), never by profile UUIDs, which depend on the order
 * deliveries arrived in.
 */
export interface PersonSnapshot {
  key: string;
  display_name: string | null;
  email: string | null;
  phone: string | null;
  identities: string[];
  /** The winning value of each trait, as the profile reads it. */
  traits: Record<string, unknown>;
  events: { external_id: string; type: string; occurred_at: string; revenue: string | null; currency: string | null }[];
  lifetime_revenue: string;
  orders_count: number;
  stage: string | null;
  churn_band: string | null;
  segments: string[];
}

/**
 * Every live person of the workspace (roots of their clusters), sorted by key.
 *
 * @example
 * assert.deepEqual(await personSnapshot(b, wsB), await personSnapshot(a, wsA));
 */
export async function personSnapshot(db: Queryable, workspaceId: string): Promise<PersonSnapshot[]> {
  const rows = await db.query<Omit<PersonSnapshot, 'key'> & { ids: string[] }>(
    `with roots as (
       select p.* from public.profiles p where p.workspace_id = $1 and p.merged_into is null and p.erased_at is null
     ), members as (
       select r.id as root, m.id from roots r cross join lateral tessera.cluster($1, r.id) as m(id)
     )
     select r.display_name, r.email, r.phone, r.lifetime_revenue::text as lifetime_revenue, r.orders_count, r.stage, r.churn_band,
            coalesce((select array_agg(i.kind || ':' || i.value order by i.kind, i.value)
                        from members m join public.identities i on i.workspace_id = $1 and i.profile_id = m.id
                       where m.root = r.id), '{}') as ids,
            coalesce((select jsonb_object_agg(w.name, w.value) from (
                        select distinct on (t.name) t.name, t.value
                          from members m join public.traits t on t.workspace_id = $1 and t.profile_id = m.id
                         where m.root = r.id
                         order by t.name, tessera.source_priority($1, t.source) desc, t.observed_at desc, t.source) w), '{}') as traits,
            coalesce((select jsonb_agg(jsonb_build_object(
                               'external_id', e.external_id, 'type', e.type,
                               'occurred_at', to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                               'revenue', e.revenue::text, 'currency', e.currency) order by e.external_id)
                        from members m join public.events e on e.workspace_id = $1 and e.profile_id = m.id
                       where m.root = r.id), '[]') as events,
            coalesce((select array_agg(s.name order by s.name)
                        from public.segment_members sm join public.segments s on s.workspace_id = sm.workspace_id and s.id = sm.segment_id
                       where sm.workspace_id = $1 and sm.profile_id in (select m.id from members m where m.root = r.id)), '{}') as segments
       from roots r`,
    [workspaceId],
  );
  const people = rows.map(({ ids, ...person }) => {
    const identities = [...ids];
    const key =
      identities.find((i) => i.startsWith('shopify_customer:')) ?? identities.find((i) => i.startsWith('email:')) ?? identities.join(' ');
    return { key, ...person, identities, orders_count: Number(person.orders_count) } as PersonSnapshot;
  });
  return people.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Runs `work` in one transaction with function tracking on and counts the
 * calls of tessera.resolve_identities it made: how many records were resolved
 * one at a time rather than applied together. Counted before and after: on a
 * server already tracking functions, the backend's earlier calls not yet
 * flushed show in the transaction's counts too.
 */
export async function countingResolutions<T>(db: Database, work: (tx: Queryable) => Promise<T>): Promise<{ result: T; resolved: number }> {
  return db.transaction(async (tx) => {
    await tx.query(`set local track_functions = 'all'`);
    const resolutions = async () =>
      (await tx.query<{ n: number }>(
        `select coalesce(sum(calls), 0)::int as n from pg_stat_xact_user_functions where schemaname = 'tessera' and funcname = 'resolve_identities'`,
      ))[0]!.n;
    const before = await resolutions();
    const result = await work(tx);
    return { result, resolved: (await resolutions()) - before };
  });
}
