-- Events partitioned by time: one partition per calendar year (UTC), and a
-- default partition for the rest (docs/scaling.md#events-partitioned-by-time).
--
-- Why years and not months. A person's journey and profile read all of their
-- events, newest first, and no time window prunes that read: every partition
-- is one more index probe and one more plan node. Measured on PostgreSQL 15
-- with 1M events of 100k people over two years, the page of one person's 50
-- newest events: unpartitioned 0.05 ms planning + 0.03-0.15 ms execution
-- (prepared); 4 yearly partitions 0.12 + 0.09 ms; 29 monthly partitions
-- 0.5 + 0.4-1.2 ms, and 4.5-7 ms to plan the first time. Windowed reads
-- (revenue in a month, "ordered in the last 30 days") prune to one or two
-- yearly partitions, and old history is dropped or archived a year at a time.
--
-- Postgres requires a partitioned table's unique keys to include the
-- partition key. `(workspace_id, id)` becomes `(workspace_id, id,
-- occurred_at)`. The idempotency key `(workspace_id, source, external_id)`
-- can't gain occurred_at: an event without a time of its own takes its
-- delivery's time, so a retry would be stored twice. It moves to
-- tessera.event_keys, which write_record_facts fills first, inserting only
-- the events whose key is new.

create table public.events_by_year (
  workspace_id uuid not null,
  id bigint generated always as identity (sequence name public.events_by_year_id_seq),
  profile_id uuid not null,
  source text not null,
  type text not null constraint events_type_check check (type ~ '^[a-z][a-z0-9_]{0,62}$'),
  external_id text not null,
  occurred_at timestamptz not null,
  revenue numeric(14, 2),
  currency text constraint events_currency_check check (currency ~ '^[A-Z]{3}$'),
  properties jsonb not null default '{}',
  raw_event_id bigint,
  created_at timestamptz not null default now()
) partition by range (occurred_at);

create table public.events_default partition of public.events_by_year default;

insert into public.events_by_year (workspace_id, id, profile_id, source, type, external_id, occurred_at, revenue, currency, properties, raw_event_id, created_at)
overriding system value
select workspace_id, id, profile_id, source, type, external_id, occurred_at, revenue, currency, properties, raw_event_id, created_at
  from public.events;

create table tessera.event_keys (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  source text not null,
  external_id text not null,
  event_id bigint not null,
  occurred_at timestamptz not null,
  primary key (workspace_id, source, external_id)
);
comment on table tessera.event_keys is
  'Which event each source id is (public.events is partitioned by time, so its own unique keys must include occurred_at): an event arriving twice is stored once. event_id and occurred_at find the event in its partition.';
alter table tessera.event_keys enable row level security;
revoke all on tessera.event_keys from public, anon, authenticated;
grant select, insert on tessera.event_keys to service_role;

insert into tessera.event_keys (workspace_id, source, external_id, event_id, occurred_at)
select workspace_id, source, external_id, id, occurred_at from public.events;

-- Three journey helpers take an events row; they are kept as written and
-- created again for the new table's row type.
create temporary table event_row_functions on commit drop as
select f.signature, pg_get_functiondef(f.signature::regprocedure) as definition, obj_description(f.signature::regprocedure, 'pg_proc') as description
  from unnest(array['tessera.event_summary(public.events)', 'tessera.event_timeline_properties(public.events)',
                    'tessera.journey_event_json(public.events)']) as f(signature);
drop function tessera.event_summary(public.events), tessera.event_timeline_properties(public.events), tessera.journey_event_json(public.events);

drop table public.events;
alter table public.events_by_year rename to events;
do $$
declare f record;
begin
  for f in select * from pg_temp.event_row_functions loop
    execute f.definition;
    execute format('comment on function %s is %L', f.signature, f.description);
    execute format('revoke all on function %s from public', f.signature);
    execute format('grant execute on function %s to authenticated, service_role', f.signature);
  end loop;
end
$$;
alter sequence public.events_by_year_id_seq rename to events_id_seq;
select setval('public.events_id_seq', coalesce((select max(id) from public.events), 0) + 1, false);

alter table public.events add primary key (workspace_id, id, occurred_at);
alter table public.events add foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade;
create index events_profile_time_idx on public.events (workspace_id, profile_id, occurred_at desc, id desc);
create index events_type_time_idx on public.events (workspace_id, type, occurred_at);
create index events_money_time_idx on public.events (workspace_id, occurred_at) include (revenue, currency)
  where revenue is not null;

comment on table public.events is
  'What people did, normalised across sources: order_placed, customer_created, lesson_completed, commented, … Partitioned by year of occurred_at (tessera.ensure_event_partitions).';
comment on column public.events.external_id is
  'The source''s own id for this event (e.g. order:4501:placed): an event arriving twice is stored once (tessera.event_keys).';
comment on column public.events.revenue is 'Money the event brought in, in `currency` (negative for refunds).';
comment on table public.events_default is
  'Events of years without a partition of their own (yet): tessera.ensure_event_partitions gives a year its partition and moves its rows there.';

alter table public.events enable row level security;
revoke all on public.events from anon, authenticated;
grant select on public.events to authenticated;
create policy events_members_read on public.events for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy events_storefront_customer_read on public.events for select to authenticated
  using ((select tessera.storefront_workspace_id()) is not null and workspace_id = (select tessera.storefront_workspace_id()) and profile_id in (select tessera.storefront_person_ids()));
comment on policy events_storefront_customer_read on public.events is
  'A storefront customer token reads its own person''s events (last activity and get_journey).';

-- A partition is a table of its own: queried by name it has its own grants
-- and row security, not the parent's. Supabase's default privileges grant
-- every new table in public to anon and authenticated, so each partition is
-- closed: reads go through public.events and its policies.
create function tessera.close_event_partition(p_partition regclass) returns void
language plpgsql volatile set search_path = '' as $$
begin
  execute format('revoke all on %s from public, anon, authenticated', p_partition);
  execute format('alter table %s enable row level security', p_partition);
end
$$;
comment on function tessera.close_event_partition(regclass) is
  'Revokes the API roles'' grants on an events partition and enables its row security, so it is read only through public.events.';
revoke all on function tessera.close_event_partition(regclass) from public, anon, authenticated;

select tessera.close_event_partition('public.events_default');

-- Gives each year from p_from's through p_through's (UTC) a partition of its
-- own, and any other year holding at least p_split_at events in the default
-- partition (history imported before its year had one). A year's rows move
-- out of the default partition in the same transaction, with the default
-- partition locked: attaching a partition next to a default one checks that
-- the default holds none of its rows. Run by the nightly jobs, by the seed
-- for its history, and on Supabase from pg_cron:
--   select cron.schedule('tessera-event-partitions', '0 3 * * *', 'select tessera.ensure_event_partitions()');
create function tessera.ensure_event_partitions(
  p_from timestamptz default now(),
  p_through timestamptz default now() + interval '1 year',
  p_split_at bigint default 10000
) returns text[]
language plpgsql volatile security definer set search_path = '' as $$
declare
  years integer[];
  y integer;
  lower_bound timestamptz;
  upper_bound timestamptz;
  partition_name text;
  created text[] := '{}';
begin
  -- One run at a time (the hourly check and pg_cron may overlap): the second sees the first's partitions.
  perform pg_advisory_xact_lock(hashtext('tessera.ensure_event_partitions'));
  select array_agg(distinct g) into years from (
    select generate_series(extract(year from p_from at time zone 'UTC')::integer, extract(year from p_through at time zone 'UTC')::integer) as g
    union
    select extract(year from d.occurred_at at time zone 'UTC')::integer from public.events_default d
     group by 1 having count(*) >= p_split_at
  ) wanted;
  foreach y in array coalesce(years, '{}') loop
    continue when y < 1 or y > 9999;
    partition_name := format('events_y%s', lpad(y::text, 4, '0'));
    continue when to_regclass('public.' || partition_name) is not null;
    lower_bound := make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC');
    upper_bound := make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'UTC');
    lock table public.events_default in access exclusive mode;
    execute format('create table public.%I (like public.events including defaults including constraints)', partition_name);
    execute format('insert into public.%I select * from public.events_default where occurred_at >= $1 and occurred_at < $2', partition_name)
      using lower_bound, upper_bound;
    delete from public.events_default where occurred_at >= lower_bound and occurred_at < upper_bound;
    execute format('alter table public.events attach partition public.%I for values from (%L) to (%L)', partition_name, lower_bound, upper_bound);
    perform tessera.close_event_partition(format('public.%I', partition_name)::regclass);
    execute format('comment on table public.%I is %L', partition_name, format('The events of %s (UTC): a partition of public.events.', y));
    created := created || partition_name;
  end loop;
  return created;
end
$$;
comment on function tessera.ensure_event_partitions(timestamptz, timestamptz, bigint) is
  'Creates the yearly events partitions from p_from''s year through p_through''s (UTC) and for any year with p_split_at or more events in the default partition, moving their rows out of it. Returns the partitions it created.';
revoke all on function tessera.ensure_event_partitions(timestamptz, timestamptz, bigint) from public, anon, authenticated;
grant execute on function tessera.ensure_event_partitions(timestamptz, timestamptz, bigint) to service_role;

-- Every year the existing events span, then this year and the next.
select tessera.ensure_event_partitions(coalesce(min(occurred_at), now()), now() + interval '1 year', 1) from public.events;

-- The one writer of events. The keys go in first; an event is inserted only
-- when its key is new. Each incoming event carries its id from the start, so
-- two events of one batch with the same source id can't both be inserted
-- (the second key conflicts with the first) and each inserted key finds its
-- own event back.
create or replace function tessera.write_record_facts(p_workspace_id uuid, p_source text, p_records jsonb) returns void
language plpgsql volatile set search_path = '' as $$
begin
  with incoming as materialized (
    select nextval('public.events_id_seq') as id, f.profile_id, e.type, e.external_id, coalesce(e.occurred_at, f.observed_at) as occurred_at,
           e.revenue, upper(e.currency) as currency, coalesce(e.properties, '{}') as properties, f.raw_id
      from jsonb_to_recordset(p_records) as f(profile_id uuid, observed_at timestamptz, raw_id bigint, record jsonb)
      cross join lateral jsonb_to_recordset(coalesce(f.record -> 'events', '[]'))
           as e(type text, external_id text, occurred_at timestamptz, revenue numeric, currency text, properties jsonb)
  ), fresh as (
    insert into tessera.event_keys (workspace_id, source, external_id, event_id, occurred_at)
    select p_workspace_id, p_source, i.external_id, i.id, i.occurred_at from incoming i
    on conflict (workspace_id, source, external_id) do nothing
    returning event_id
  )
  insert into public.events (workspace_id, id, profile_id, source, type, external_id, occurred_at, revenue, currency, properties, raw_event_id)
  overriding system value
  select p_workspace_id, i.id, i.profile_id, p_source, i.type, i.external_id, i.occurred_at, i.revenue, i.currency, i.properties, i.raw_id
    from incoming i join fresh on fresh.event_id = i.id;

  insert into public.traits as t (workspace_id, profile_id, name, source, value, observed_at, raw_event_id)
  select distinct on (f.profile_id, x.name) p_workspace_id, f.profile_id, x.name, p_source, x.value,
         coalesce(x.observed_at, f.observed_at), f.raw_id
    from jsonb_to_recordset(p_records) as f(profile_id uuid, observed_at timestamptz, raw_id bigint, record jsonb)
    cross join lateral jsonb_to_recordset(coalesce(f.record -> 'traits', '[]')) as x(name text, value jsonb, observed_at timestamptz)
   where x.value is not null
   -- A tie goes to the later delivery, as when they are applied in turn (>= below).
   order by f.profile_id, x.name, coalesce(x.observed_at, f.observed_at) desc, f.raw_id desc nulls last
  on conflict (workspace_id, profile_id, name, source) do update
     set value = excluded.value, observed_at = excluded.observed_at, raw_event_id = excluded.raw_event_id
   where excluded.observed_at >= t.observed_at;
end
$$;
