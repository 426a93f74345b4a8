-- Workspace analytics for the dashboard, and one person's stage history.
--
-- workspace_overview answers the headline figures of a workspace in one call:
-- its customers (root profiles) by first-touch source and by every source that
-- knows them, revenue and orders in a time window (revenue per currency, never
-- added across currencies), customers by churn band, the lifecycle funnel and
-- new customers per week. get_stages answers a person's stage history. Both run
-- as the caller (security invoker): row-level security decides what they read,
-- so staff see only their own workspaces' figures. The JSON shapes are the
-- WorkspaceOverview and StageHistory schemas in packages/core/src/schemas.

-- Revenue in a window reads money events by time. events_type_time_idx serves
-- orders (one type) but not money, which several types move (orders, payments,
-- refunds); this partial index holds only those events, and carries the amount
-- and currency so the sum is read from the index alone.
create index events_money_time_idx on public.events (workspace_id, occurred_at) include (revenue, currency)
  where revenue is not null;

create function public.workspace_overview(
  workspace_id uuid default null,
  since timestamptz default null,
  until timestamptz default null
) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  ws uuid := tessera.request_workspace(workspace_overview.workspace_id);
  -- Bounds as values, so every plan reads them as index conditions (as get_journey does).
  oldest timestamptz := coalesce(workspace_overview.since, '-infinity');
  newest timestamptz := coalesce(workspace_overview.until, 'infinity');
  model jsonb;
  people jsonb;
  weekly jsonb;
  present jsonb;
  money jsonb;
  ordered integer;
begin
  if oldest > newest then
    raise exception using errcode = '22023',
      message = format('since (%s) is after until (%s): the window would be empty.', workspace_overview.since, workspace_overview.until),
      hint = 'since is inclusive and until exclusive; pass since before until, or leave either out.';
  end if;
  model := tessera.lifecycle_stage_model(ws);

  -- Why this is fast on 100,000 people: every figure is one pass over a table
  -- read by the workspace's leading key, never a pass over its events per person.
  --  * People, their churn band, stage and first-seen week come from one scan of
  --    the workspace's root profiles (profiles carries churn_band and stage, mirrored
  --    from churn_scores and lifecycle_transitions for exactly this kind of read).
  --  * First-touch source comes from profile_facts (one row per person, kept current
  --    by the segment machinery) rather than from each person's earliest event.
  --  * Sources present come from identities (a few rows per person, by workspace).
  --  * Revenue reads events_money_time_idx and orders events_type_time_idx, both
  --    ranges on (workspace_id, …, occurred_at): their cost follows the window.
  with roots as materialized (
    select p.id, p.first_seen_at, p.churn_band, p.stage, f.first_seen_source
      from public.profiles p
      left join public.profile_facts f on f.workspace_id = p.workspace_id and f.profile_id = p.id
     where p.workspace_id = ws and p.merged_into is null and p.first_seen_at < newest
  )
  select jsonb_build_object(
           'total', (select count(*) from roots),
           'new', (select count(*) from roots r where r.first_seen_at >= oldest),
           'by_first_source', coalesce((
             select jsonb_agg(jsonb_build_object('source', s.source, 'customers', s.n) order by s.n desc, s.source)
               from (select coalesce(r.first_seen_source, 'unknown') as source, count(*)::integer as n
                       from roots r group by 1) s), '[]'),
           'churn', (select jsonb_build_object(
                       'low', count(*) filter (where r.churn_band = 'low'),
                       'medium', count(*) filter (where r.churn_band = 'medium'),
                       'high', count(*) filter (where r.churn_band = 'high'),
                       'unscored', count(*) filter (where r.churn_band is null)) from roots r),
           -- Every stage of the model in its order, the empty ones too: a funnel shows its gaps.
           'funnel', (select jsonb_agg(jsonb_build_object('stage', s.value ->> 'key', 'label', s.value ->> 'label',
                                                          'customers', coalesce(c.n, 0))
                                       order by s.n)
                        from jsonb_array_elements(model -> 'stages') with ordinality as s(value, n)
                        left join (select r.stage, count(*)::integer as n from roots r group by r.stage) c on c.stage = s.value ->> 'key'),
           'unstaged', (select count(*) from roots r where r.stage is null),
           'first_seen_min', (select min(r.first_seen_at) from roots r where r.first_seen_at >= oldest))
    into people
    from (select 1) one;

  -- New customers per week (weeks start on Monday, in UTC), every week of the window,
  -- empty ones included; an open start begins at the first customer's week.
  with firsts as (
    select date_trunc('week', p.first_seen_at, 'UTC') as week, count(*)::integer as n
      from public.profiles p
     where p.workspace_id = ws and p.merged_into is null and p.first_seen_at >= oldest and p.first_seen_at < newest
     group by 1
  ), weeks as (
    select g.week
      from generate_series(
             date_trunc('week', coalesce(workspace_overview.since, (people ->> 'first_seen_min')::timestamptz), 'UTC'),
             date_trunc('week', least(newest, now()) - interval '1 microsecond', 'UTC'),
             interval '1 week') as g(week)
     where people ->> 'first_seen_min' is not null or workspace_overview.since is not null
  )
  select coalesce(jsonb_agg(jsonb_build_object('week', to_char(w.week at time zone 'UTC', 'YYYY-MM-DD'), 'customers', coalesce(f.n, 0))
                            order by w.week), '[]')
    into weekly
    from (select week from weeks union select week from firsts) w
    left join firsts f on f.week = w.week;

  -- A person is present on a source when it told us one of their identities before
  -- until; a profile merged into someone counts for its root. (A root is first seen
  -- no later than any of its identities, so everyone counted here is a customer above.)
  -- Sources as profile_facts names them.
  select coalesce(jsonb_agg(jsonb_build_object('source', s.source, 'customers', s.n) order by s.n desc, s.source), '[]')
    into present
    from (select lower(split_part(i.source, '_', 1)) as source, count(distinct coalesce(p.merged_into, p.id))::integer as n
            from public.identities i
            join public.profiles p on p.workspace_id = i.workspace_id and p.id = i.profile_id
           where i.workspace_id = ws and i.first_seen_at < newest
           group by 1) s;

  -- Money moved in the window, per currency: net of refunds, as lifetime revenue is on a profile.
  select coalesce(jsonb_agg(jsonb_build_object('currency', m.currency, 'amount', m.amount) order by m.amount desc, m.currency), '[]')
    into money
    from (select e.currency, sum(e.revenue) as amount
            from public.events e
           where e.workspace_id = ws and e.revenue is not null and e.occurred_at >= oldest and e.occurred_at < newest
           group by e.currency) m;

  -- Orders as a profile counts them: order_placed events.
  select count(*)::integer into ordered
    from public.events e
   where e.workspace_id = ws and e.type = 'order_placed' and e.occurred_at >= oldest and e.occurred_at < newest;

  return jsonb_build_object(
    'workspace_id', ws,
    'since', workspace_overview.since,
    'until', workspace_overview.until,
    'customers', jsonb_build_object(
      'total', people -> 'total',
      'new', people -> 'new',
      'by_first_source', people -> 'by_first_source',
      'by_source', present),
    'revenue', money,
    'orders', ordered,
    'churn', people -> 'churn',
    'funnel', people -> 'funnel',
    'unstaged', people -> 'unstaged',
    'new_customers_by_week', weekly);
end
$$;
comment on function public.workspace_overview(uuid, timestamptz, timestamptz) is
  'A workspace''s headline figures: customers (root profiles first seen before until) in total, new in [since, until), by first-touch source and by every source that knew them by until; revenue in the window per currency (net of refunds; never summed across currencies); orders (order_placed) in the window; customers by churn band (low, medium, high, unscored); the lifecycle funnel (customers per stage, in the stage model''s order) and those without a stage yet; new customers per week (Monday, UTC). since is inclusive and until exclusive; either may be null (open). Reads only what row-level security lets the caller see.';

create function public.get_stages(profile_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  person public.profiles;
  model jsonb;
begin
  -- Row-level security decides: a profile the caller may not see is not found.
  select * into person from public.profiles p where p.id = get_stages.profile_id;
  if person.merged_into is not null then
    -- Transitions belong to the root: a merged-away id answers with the survivor's history.
    select * into person from public.profiles p where p.workspace_id = person.workspace_id and p.id = person.merged_into;
  end if;
  if person.id is null then
    return null;
  end if;
  model := tessera.lifecycle_stage_model(person.workspace_id);
  -- Read through lifecycle_transitions' primary key (workspace_id, profile_id, entered_at): already oldest first.
  return jsonb_build_object(
    'profile_id', person.id,
    'stage', person.stage,
    'stages', coalesce((
      select jsonb_agg(jsonb_build_object(
               'stage', t.stage,
               'label', (select s ->> 'label' from jsonb_array_elements(model -> 'stages') s where s ->> 'key' = t.stage),
               'entered_at', t.entered_at, 'left_at', t.left_at, 'cause', t.cause)
             order by t.entered_at)
        from public.lifecycle_transitions t
       where t.workspace_id = person.workspace_id and t.profile_id = person.id), '[]'));
end
$$;
comment on function public.get_stages(uuid) is
  'A person''s lifecycle stage history, oldest first: {profile_id, stage (the current one), stages: [{stage, label, entered_at, left_at (null for the current stage), cause}]}. A merged-away id answers with the survivor''s history. Null if the profile does not exist or the caller may not see it.';

revoke all on function public.workspace_overview(uuid, timestamptz, timestamptz), public.get_stages(uuid) from public, anon;
grant execute on function public.workspace_overview(uuid, timestamptz, timestamptz), public.get_stages(uuid) to authenticated, service_role;
