-- Segments: people described by a query in the segment language
-- (docs/segments.md). The SDK parses the text into a syntax tree (zod schema
-- SegmentCondition in packages/core); here the tree is checked against a
-- whitelist and compiled into a SQL predicate over profile_facts in which
-- every value the user typed is a parameter, never part of the SQL text.

alter table public.profiles add column if not exists stage text;

-- What segments read, one row per person (root profile), kept current as
-- their events arrive (tessera.refresh_profile_facts) ----------------------

create table public.profile_facts (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  profile_id uuid not null,
  member_ids uuid[] not null,
  amount_spent numeric(14, 2) not null default 0,
  number_of_orders integer not null default 0,
  average_order_value numeric(14, 2),
  first_order_at timestamptz,
  last_order_at timestamptz,
  first_seen_at timestamptz,
  last_seen_at timestamptz,
  first_seen_source text,
  sources integer not null default 0,
  courses_completed integer not null default 0,
  churn_risk double precision,
  churn_band text,
  stage text,
  social_followers integer,
  social_interactions integer not null default 0,
  email_subscribed boolean,
  country text,
  identity_kinds text[] not null default '{}',
  -- One bit per identity `has …` tests (tessera.segment_identity_bit): a bitwise and per person instead of an array overlap.
  identity_bits integer not null default 0,
  refreshed_at timestamptz not null default now(),
  primary key (workspace_id, profile_id),
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.profile_facts is
  'Per person, the attributes the segment language compares (amount spent, orders, dates, first-touch source, churn, stage, social activity, identities), kept current as events arrive. Text facts are stored lower-cased: the language compares text case-insensitively.';

create function tessera.segment_identity_bit(p_kind text) returns integer
language sql immutable parallel safe set search_path = '' as $$
  -- Identity kinds as `has` names them: a platform's handle and its numeric id are the same presence.
  select case p_kind
    when 'email' then 1 when 'phone' then 2 when 'shopify_customer' then 4 when 'kajabi_member' then 8
    when 'instagram' then 16 when 'instagram_id' then 16 when 'facebook_id' then 32
    when 'tiktok' then 64 when 'tiktok_id' then 64 when 'x' then 128 when 'x_id' then 128
    when 'youtube_handle' then 256 when 'youtube_channel_id' then 256
    else 0 end
$$;
comment on function tessera.segment_identity_bit(text) is 'The bit of profile_facts.identity_bits an identity kind sets (0 for kinds segments do not test).';
create index profile_facts_amount_idx on public.profile_facts (workspace_id, amount_spent);
create index profile_facts_last_order_idx on public.profile_facts (workspace_id, last_order_at);
create index profile_facts_churn_idx on public.profile_facts (workspace_id, churn_risk);

alter table public.profile_facts enable row level security;
revoke all on public.profile_facts from anon, authenticated;
grant select on public.profile_facts to authenticated;
create policy profile_facts_members_read on public.profile_facts for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create function tessera.compute_profile_facts(p_workspace_id uuid, p_profile uuid default null)
returns setof public.profile_facts
language sql stable set search_path = '' as $$
  with people as (
    select root.workspace_id, root.id as profile_id, root.lifetime_revenue, root.orders_count, root.first_seen_at,
           root.last_activity_at, root.churn_risk, root.churn_band, root.stage,
           array(select tessera.cluster(root.workspace_id, root.id)) as member_ids
      from public.profiles root
     where root.workspace_id = p_workspace_id and root.merged_into is null
       and (p_profile is null or root.id = p_profile)
  )
  select people.workspace_id, people.profile_id, people.member_ids,
         people.lifetime_revenue, people.orders_count,
         case when people.orders_count > 0 then round(people.lifetime_revenue / people.orders_count, 2) end,
         ev.first_order_at, ev.last_order_at, people.first_seen_at, people.last_activity_at,
         lower(ev.first_source), coalesce(ev.sources, 0), coalesce(ev.courses_completed, 0),
         people.churn_risk, lower(people.churn_band), lower(people.stage),
         tr.followers, coalesce(ev.social, 0), tr.email_subscribed, lower(tr.country),
         coalesce(ids.kinds, '{}'), coalesce(ids.bits, 0), now()
    from people
    left join lateral (
      select min(e.occurred_at) filter (where tessera.counts_as_purchase(e.revenue, e.properties)) as first_order_at,
             max(e.occurred_at) filter (where tessera.counts_as_purchase(e.revenue, e.properties)) as last_order_at,
             (array_agg(split_part(e.source, '_', 1) order by e.occurred_at, e.id))[1] as first_source,
             count(distinct split_part(e.source, '_', 1))::integer as sources,
             count(*) filter (where e.type = 'course_completed')::integer as courses_completed,
             count(*) filter (where split_part(e.source, '_', 1) not in ('shopify', 'kajabi'))::integer as social
        from public.events e
       where e.workspace_id = people.workspace_id and e.profile_id = any (people.member_ids)
    ) ev on true
    left join lateral (
      select array_agg(distinct i.kind) as kinds, bit_or(tessera.segment_identity_bit(i.kind)) as bits
        from public.identities i
       where i.workspace_id = people.workspace_id and i.profile_id = any (people.member_ids)
    ) ids on true
    left join lateral (
      select (select (t.value #>> '{}')::boolean from public.traits t
               where t.workspace_id = people.workspace_id and t.profile_id = any (people.member_ids)
                 and t.name = 'accepts_email_marketing' and jsonb_typeof(t.value) = 'boolean'
               order by t.observed_at desc limit 1) as email_subscribed,
             (select t.value #>> '{}' from public.traits t
               where t.workspace_id = people.workspace_id and t.profile_id = any (people.member_ids)
                 and t.name = 'country_code' and jsonb_typeof(t.value) = 'string'
               order by t.observed_at desc limit 1) as country,
             (select max((t.value #>> '{}')::integer) from public.traits t
               where t.workspace_id = people.workspace_id and t.profile_id = any (people.member_ids)
                 and t.name = 'followers_count' and jsonb_typeof(t.value) = 'number') as followers
    ) tr on true
$$;
comment on function tessera.compute_profile_facts(uuid, uuid) is
  'The profile_facts rows of a workspace''s people (or one person), computed from profiles, events, identities and traits.';

create function tessera.refresh_profile_facts(p_workspace_id uuid, p_profile uuid default null) returns integer
language plpgsql volatile set search_path = '' as $$
declare
  written integer;
begin
  -- A profile merged into someone is that someone: their facts are the ones to refresh.
  if p_profile is not null then
    select coalesce(p.merged_into, p.id) into p_profile from public.profiles p where p.workspace_id = p_workspace_id and p.id = p_profile;
  end if;
  insert into public.profile_facts
  select * from tessera.compute_profile_facts(p_workspace_id, p_profile)
  on conflict (workspace_id, profile_id) do update
     set member_ids = excluded.member_ids, amount_spent = excluded.amount_spent, number_of_orders = excluded.number_of_orders,
         average_order_value = excluded.average_order_value, first_order_at = excluded.first_order_at,
         last_order_at = excluded.last_order_at, first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
         first_seen_source = excluded.first_seen_source, sources = excluded.sources, courses_completed = excluded.courses_completed,
         churn_risk = excluded.churn_risk, churn_band = excluded.churn_band, stage = excluded.stage,
         social_followers = excluded.social_followers, social_interactions = excluded.social_interactions,
         email_subscribed = excluded.email_subscribed, country = excluded.country, identity_kinds = excluded.identity_kinds,
         identity_bits = excluded.identity_bits, refreshed_at = excluded.refreshed_at;
  get diagnostics written = row_count;
  -- People merged away since the last refresh are no longer people of their own.
  delete from public.profile_facts f
   using public.profiles p
   where f.workspace_id = p_workspace_id and p.workspace_id = f.workspace_id and p.id = f.profile_id
     and p.merged_into is not null
     and (p_profile is null or f.profile_id = p_profile or f.profile_id in (select tessera.cluster(p_workspace_id, p_profile)));
  return written;
end
$$;
comment on function tessera.refresh_profile_facts(uuid, uuid) is
  'Recomputes the segment facts of a workspace''s people, or of one person after their events changed; drops facts of profiles merged away.';

-- The compiler ----------------------------------------------------------------

create function tessera.segment_attribute_sql(p_attribute text) returns text
language sql immutable parallel safe set search_path = '' as $$
  -- The whitelist: attribute names map to fixed expressions over profile_facts f.
  select case p_attribute
    when 'amount_spent' then 'f.amount_spent'
    when 'number_of_orders' then 'f.number_of_orders'
    when 'average_order_value' then 'f.average_order_value'
    when 'first_order_date' then '(f.first_order_at at time zone ''utc'')::date'
    when 'last_order_date' then '(f.last_order_at at time zone ''utc'')::date'
    when 'first_seen_date' then '(f.first_seen_at at time zone ''utc'')::date'
    when 'last_seen_date' then '(f.last_seen_at at time zone ''utc'')::date'
    when 'first_seen_source' then 'f.first_seen_source'
    when 'sources' then 'f.sources'
    when 'courses_completed' then 'f.courses_completed'
    when 'churn_risk' then 'f.churn_risk'
    when 'churn_band' then 'f.churn_band'
    when 'stage' then 'f.stage'
    when 'social_followers' then 'f.social_followers'
    when 'social_interactions' then 'f.social_interactions'
    when 'email_subscribed' then 'f.email_subscribed'
    when 'country' then 'f.country'
  end
$$;
comment on function tessera.segment_attribute_sql(text) is 'The SQL expression over profile_facts f of each segment attribute; null for a name that is not one.';

create function tessera.segment_attribute_type(p_attribute text) returns text
language sql immutable parallel safe set search_path = '' as $$
  select case
    when p_attribute in ('amount_spent', 'number_of_orders', 'average_order_value', 'sources', 'courses_completed', 'churn_risk',
                         'social_followers', 'social_interactions') then 'number'
    when p_attribute in ('first_order_date', 'last_order_date', 'first_seen_date', 'last_seen_date') then 'date'
    when p_attribute in ('first_seen_source', 'churn_band', 'stage', 'country') then 'text'
    when p_attribute = 'email_subscribed' then 'boolean'
  end
$$;
comment on function tessera.segment_attribute_type(text) is 'The value type of each segment attribute (number, date, text, boolean).';

create function tessera.segment_value_sql(p_value jsonb, p_attribute_type text, inout params jsonb, out sql text)
language plpgsql immutable set search_path = '' as $$
declare
  slot text;
begin
  -- A value becomes a reference to the parameter array ($1), cast to the attribute's type.
  if p_value ->> 'type' = 'relative_date' then
    if p_attribute_type <> 'date' then raise exception 'segment: a relative date only compares with a date attribute' using errcode = '22023'; end if;
    params := params || to_jsonb((p_value ->> 'days')::integer);
    slot := (jsonb_array_length(params) - 1)::text;
    sql := format('(select (($2 at time zone ''utc'')::date) + ($1->>%s)::integer)', slot);
    return;
  end if;
  if p_value ->> 'type' not in ('number', 'text', 'date', 'boolean') then
    raise exception 'segment: unknown value type %', coalesce(p_value ->> 'type', 'null') using errcode = '22023';
  end if;
  if (p_value ->> 'type') <> p_attribute_type then
    raise exception 'segment: a % attribute cannot compare with a % value', p_attribute_type, p_value ->> 'type' using errcode = '22023';
  end if;
  params := params || jsonb_build_array(p_value -> 'value');
  slot := (jsonb_array_length(params) - 1)::text;
  -- Wrapped in a scalar subquery so Postgres reads the parameter once per query, not once per person.
  sql := case p_attribute_type
    when 'number' then format('(select ($1->>%s)::numeric)', slot)
    when 'date' then format('(select ($1->>%s)::date)', slot)
    when 'boolean' then format('(select ($1->>%s)::boolean)', slot)
    else format('(select lower($1->>%s))', slot)
  end;
end
$$;
comment on function tessera.segment_value_sql(jsonb, text, jsonb) is
  'Appends a segment value to the parameter array and returns the SQL that reads it back, typed; refuses values of the wrong type.';

create function tessera.compile_segment(p_node jsonb, inout params jsonb default '[]', out sql text, p_depth integer default 0)
language plpgsql immutable set search_path = '' as $$
declare
  kind text := p_node ->> 'kind';
  attribute_sql text;
  attribute_type text;
  part record;
  parts text[] := '{}';
  child jsonb;
  value_sql text;
  low_sql text;
  verb_types text[];
  filters text[] := '{}';
  at_least integer;
begin
  if p_depth > 60 then raise exception 'segment: nested too deeply' using errcode = '22023'; end if;
  if jsonb_typeof(p_node) <> 'object' then raise exception 'segment: a condition must be an object' using errcode = '22023'; end if;
  if kind in ('compare', 'in', 'between', 'is_null') then
    attribute_sql := tessera.segment_attribute_sql(p_node ->> 'attribute');
    attribute_type := tessera.segment_attribute_type(p_node ->> 'attribute');
    if attribute_sql is null then
      raise exception 'segment: unknown attribute %', coalesce(p_node ->> 'attribute', 'null') using errcode = '22023';
    end if;
  end if;
  case kind
    when 'and', 'or' then
      if jsonb_typeof(p_node -> 'conditions') <> 'array' or jsonb_array_length(p_node -> 'conditions') < 2 then
        raise exception 'segment: % needs two or more conditions', kind using errcode = '22023';
      end if;
      for child in select value from jsonb_array_elements(p_node -> 'conditions') loop
        select * into part from tessera.compile_segment(child, params, p_depth + 1);
        params := part.params;
        parts := parts || part.sql;
      end loop;
      sql := '(' || array_to_string(parts, case kind when 'and' then ' and ' else ' or ' end) || ')';
    when 'not' then
      select * into part from tessera.compile_segment(p_node -> 'condition', params, p_depth + 1);
      params := part.params;
      sql := '(not ' || part.sql || ')';
    when 'compare' then
      if p_node ->> 'op' not in ('=', '!=', '<', '<=', '>', '>=') then
        raise exception 'segment: unknown operator %', coalesce(p_node ->> 'op', 'null') using errcode = '22023';
      end if;
      if attribute_type in ('text', 'boolean') and p_node ->> 'op' not in ('=', '!=') then
        raise exception 'segment: % is % and only compares with = or !=', p_node ->> 'attribute', attribute_type using errcode = '22023';
      end if;
      select * into part from tessera.segment_value_sql(p_node -> 'value', attribute_type, params);
      params := part.params;
      sql := format('(%s %s %s)', attribute_sql, case p_node ->> 'op' when '!=' then '<>' else p_node ->> 'op' end, part.sql);
    when 'in' then
      if jsonb_typeof(p_node -> 'values') <> 'array' or jsonb_array_length(p_node -> 'values') = 0 then
        raise exception 'segment: IN needs at least one value' using errcode = '22023';
      end if;
      for child in select value from jsonb_array_elements(p_node -> 'values') loop
        select * into part from tessera.segment_value_sql(child, attribute_type, params);
        params := part.params;
        parts := parts || part.sql;
      end loop;
      sql := format('(%s%s in (%s))', case when (p_node ->> 'negated')::boolean then 'not ' else '' end, attribute_sql, array_to_string(parts, ', '));
    when 'between' then
      if attribute_type not in ('number', 'date') then
        raise exception 'segment: BETWEEN needs a number or date attribute, not %', p_node ->> 'attribute' using errcode = '22023';
      end if;
      select * into part from tessera.segment_value_sql(p_node -> 'low', attribute_type, params);
      params := part.params;
      low_sql := part.sql;
      select * into part from tessera.segment_value_sql(p_node -> 'high', attribute_type, params);
      params := part.params;
      sql := format('(%s between %s and %s)', attribute_sql, low_sql, part.sql);
    when 'is_null' then
      sql := format('(%s is %snull)', attribute_sql, case when (p_node ->> 'negated')::boolean then 'not ' else '' end);
    when 'has' then
      if p_node ->> 'identity' not in ('email', 'phone', 'shopify_customer', 'kajabi_member', 'instagram', 'facebook', 'tiktok', 'x', 'youtube') then
        raise exception 'segment: unknown identity %', coalesce(p_node ->> 'identity', 'null') using errcode = '22023';
      end if;
      params := params || to_jsonb(tessera.segment_identity_bit(case p_node ->> 'identity'
        when 'facebook' then 'facebook_id' when 'youtube' then 'youtube_handle' else p_node ->> 'identity' end));
      sql := format('((f.identity_bits & (select ($1->>%s)::integer)) <> 0)', jsonb_array_length(params) - 1);
    when 'event' then
      verb_types := case p_node ->> 'verb'
        when 'ordered' then array['order_placed'] when 'paid' then array['payment_succeeded']
        when 'refunded' then array['refund_issued'] when 'commented' then array['commented']
        when 'followed' then array['followed'] when 'liked' then array['liked', 'reacted']
        when 'messaged' then array['messaged'] when 'mentioned' then array['mentioned']
        when 'completed_course' then array['course_completed'] end;
      if verb_types is null then
        raise exception 'segment: unknown event verb %', coalesce(p_node ->> 'verb', 'null') using errcode = '22023';
      end if;
      params := params || jsonb_build_array(to_jsonb(verb_types));
      filters := filters || format('e.type in (select jsonb_array_elements_text($1->%s))', jsonb_array_length(params) - 1);
      if p_node ? 'product' and jsonb_typeof(p_node -> 'product') = 'string' then
        params := params || jsonb_build_array(p_node -> 'product');
        filters := filters || format(
          'exists (select 1 from jsonb_array_elements(case jsonb_typeof(e.properties -> ''items'') when ''array'' then e.properties -> ''items'' else ''[]'' end) item where lower(btrim(item ->> ''title'')) = lower(btrim($1->>%s)))',
          jsonb_array_length(params) - 1);
      end if;
      case p_node #>> '{window,kind}'
        when 'last_days' then
          params := params || to_jsonb((p_node #>> '{window,days}')::integer);
          filters := filters || format('e.occurred_at >= $2 - make_interval(days => ($1->>%s)::integer)', jsonb_array_length(params) - 1);
        when 'since' then
          params := params || to_jsonb((p_node #>> '{window,date}')::date);
          filters := filters || format('e.occurred_at >= (($1->>%s)::date)::timestamp at time zone ''utc''', jsonb_array_length(params) - 1);
        when 'between' then
          params := params || to_jsonb((p_node #>> '{window,from}')::date) || to_jsonb((p_node #>> '{window,to}')::date);
          filters := filters || format('e.occurred_at >= (($1->>%s)::date)::timestamp at time zone ''utc'' and e.occurred_at < (($1->>%s)::date + 1)::timestamp at time zone ''utc''',
                                       jsonb_array_length(params) - 2, jsonb_array_length(params) - 1);
        else
          if p_node ? 'window' and p_node -> 'window' <> 'null'::jsonb then
            raise exception 'segment: unknown event window %', p_node -> 'window' using errcode = '22023';
          end if;
      end case;
      at_least := coalesce((p_node ->> 'atLeast')::integer, 1);
      if at_least < 1 then raise exception 'segment: at least must be 1 or more' using errcode = '22023'; end if;
      params := params || to_jsonb(at_least);
      -- One pass over the workspace's matching events ($3 is the workspace), hashed, rather than a
      -- lookup per person: the people who did it at least N times, by their root profile.
      sql := format('(f.profile_id in (select coalesce(p.merged_into, p.id) from public.events e join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id where e.workspace_id = $3 and %s group by 1 having count(*) >= ($1->>%s)::integer))',
                    array_to_string(filters, ' and '), jsonb_array_length(params) - 1);
    else
      raise exception 'segment: unknown condition kind %', coalesce(kind, 'null') using errcode = '22023';
  end case;
end
$$;
comment on function tessera.compile_segment(jsonb, jsonb, integer) is
  'Compiles a segment syntax tree into a SQL predicate over profile_facts f: names go through whitelists, every value into the parameter array $1 ($2 is now, $3 the workspace). Raises 22023 naming what is wrong.';

-- Saved segments and their members --------------------------------------------

create table public.segments (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  query text not null check (length(query) <= 10000),
  definition jsonb not null,
  compiled_sql text not null,
  compiled_params jsonb not null,
  -- Relative dates and event windows move with the clock: such segments are re-evaluated periodically, not only on events.
  time_dependent boolean not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (workspace_id, id),
  unique (workspace_id, name)
);
comment on table public.segments is
  'Saved segments: the query as typed, its syntax tree, and the compiled predicate (whitelisted SQL with its parameters) used to keep membership current.';

create table public.segment_members (
  workspace_id uuid not null,
  segment_id uuid not null,
  profile_id uuid not null,
  entered_at timestamptz not null default now(),
  primary key (workspace_id, segment_id, profile_id),
  foreign key (workspace_id, segment_id) references public.segments (workspace_id, id) on delete cascade,
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.segment_members is 'Who is in each saved segment now, and since when.';
-- Event conditions read a workspace's events by type and time ("ordered in last 30 days").
create index events_type_time_idx on public.events (workspace_id, type, occurred_at);

create index segment_members_profile_idx on public.segment_members (workspace_id, profile_id);

create table public.segment_membership_changes (
  workspace_id uuid not null,
  id bigint generated always as identity,
  segment_id uuid not null,
  profile_id uuid not null,
  change text not null check (change in ('entered', 'exited')),
  changed_at timestamptz not null default now(),
  primary key (workspace_id, id),
  foreign key (workspace_id, segment_id) references public.segments (workspace_id, id) on delete cascade
);
comment on table public.segment_membership_changes is
  'Every entry into and exit from a saved segment, in order: what realtime subscribers and outbound webhooks are told.';
create index segment_membership_changes_segment_idx on public.segment_membership_changes (workspace_id, segment_id, id);

-- Entries and exits reach subscribers live: NOTIFY for `tessera serve`, the publication on Supabase.
create trigger segment_membership_changes_announce after insert on public.segment_membership_changes
  for each row execute function tessera.announce_change();
do $$
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    alter publication supabase_realtime add table public.segment_membership_changes;
  end if;
end
$$;

alter table public.segments enable row level security;
alter table public.segment_members enable row level security;
alter table public.segment_membership_changes enable row level security;
revoke all on public.segments, public.segment_members, public.segment_membership_changes from anon, authenticated;
grant select on public.segments, public.segment_members, public.segment_membership_changes to authenticated;
create policy segments_members_read on public.segments for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy segment_members_members_read on public.segment_members for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy segment_membership_changes_members_read on public.segment_membership_changes for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create function tessera.segment_is_time_dependent(p_node jsonb) returns boolean
language sql immutable parallel safe set search_path = '' as $$
  select p_node::text ~ '"relative_date"|"last_days"'
$$;
comment on function tessera.segment_is_time_dependent(jsonb) is 'Whether a segment''s meaning moves with the clock (relative dates, "in last N days").';

create function tessera.segment_matches(p_workspace_id uuid, p_sql text, p_params jsonb, p_now timestamptz, p_profile uuid default null)
returns setof uuid
language plpgsql stable set search_path = '' as $$
begin
  -- p_sql is compiler output (whitelisted names, values only as $1 parameters), never user text.
  return query execute format(
    'select f.profile_id from public.profile_facts f where f.workspace_id = $3 and ($4::uuid is null or f.profile_id = $4) and %s', p_sql)
    using p_params, p_now, p_workspace_id, p_profile;
end
$$;
comment on function tessera.segment_matches(uuid, text, jsonb, timestamptz, uuid) is
  'The people of a workspace (or the one person named) who match a compiled segment predicate at a given time.';

create function public.preview_segment(segment jsonb, "limit" integer default 10, workspace_id uuid default null) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  ws uuid := tessera.request_workspace(preview_segment.workspace_id);
  compiled record;
  wanted integer := least(greatest(coalesce(preview_segment."limit", 10), 0), 100);
  total bigint;
  sample jsonb;
begin
  select * into compiled from tessera.compile_segment(preview_segment.segment);
  execute format('select count(*) from public.profile_facts f where f.workspace_id = $3 and %s', compiled.sql)
    into total using compiled.params, now(), ws;
  execute format(
    'select coalesce(jsonb_agg(jsonb_build_object(''id'', p.id, ''display_name'', p.display_name, ''email'', p.email, ''phone'', p.phone,
                                                  ''lifetime_revenue'', p.lifetime_revenue, ''currency'', p.currency,
                                                  ''last_activity_at'', p.last_activity_at) order by p.last_activity_at desc nulls last, p.id), ''[]'')
       from (select f.profile_id from public.profile_facts f where f.workspace_id = $3 and %s
              order by f.last_seen_at desc nulls last, f.profile_id limit $4) hit
       join public.profiles p on p.workspace_id = $3 and p.id = hit.profile_id', compiled.sql)
    into sample using compiled.params, now(), ws, wanted;
  return jsonb_build_object('count', total, 'sample', sample);
end
$$;
comment on function public.preview_segment(jsonb, integer, uuid) is
  'How many people match a segment (its syntax tree) right now, with a sample of them; nothing is saved. Errors (22023) say what in the tree is wrong.';

create function tessera.apply_segment_membership(p_workspace_id uuid, p_segment uuid, p_now timestamptz, p_profile uuid default null)
returns table (entered integer, exited integer)
language plpgsql volatile set search_path = '' as $$
declare
  seg public.segments;
  matched boolean;
  was_member boolean;
begin
  select * into seg from public.segments s where s.workspace_id = p_workspace_id and s.id = p_segment;
  if seg.id is null then raise exception 'segment: no segment %', p_segment using errcode = 'P0002'; end if;
  entered := 0;
  exited := 0;
  if p_profile is not null then
    -- One person (after their event): a yes/no and at most one row written.
    matched := exists (select 1 from tessera.segment_matches(p_workspace_id, seg.compiled_sql, seg.compiled_params, p_now, p_profile));
    was_member := exists (select 1 from public.segment_members m where m.workspace_id = p_workspace_id and m.segment_id = p_segment and m.profile_id = p_profile);
    if matched and not was_member then
      insert into public.segment_members (workspace_id, segment_id, profile_id, entered_at) values (p_workspace_id, p_segment, p_profile, p_now);
      insert into public.segment_membership_changes (workspace_id, segment_id, profile_id, change, changed_at) values (p_workspace_id, p_segment, p_profile, 'entered', p_now);
      entered := 1;
    elsif was_member and not matched then
      delete from public.segment_members m where m.workspace_id = p_workspace_id and m.segment_id = p_segment and m.profile_id = p_profile;
      insert into public.segment_membership_changes (workspace_id, segment_id, profile_id, change, changed_at) values (p_workspace_id, p_segment, p_profile, 'exited', p_now);
      exited := 1;
    end if;
    return next;
    return;
  end if;
  -- Everyone (a new segment, the nightly run): the matches once, then set differences.
  create temporary table if not exists pg_temp.segment_now (profile_id uuid primary key) on commit drop;
  truncate pg_temp.segment_now;
  insert into pg_temp.segment_now select * from tessera.segment_matches(p_workspace_id, seg.compiled_sql, seg.compiled_params, p_now);
  with gone as (
    delete from public.segment_members m
     where m.workspace_id = p_workspace_id and m.segment_id = p_segment
       and not exists (select 1 from pg_temp.segment_now n where n.profile_id = m.profile_id)
    returning m.profile_id
  ), logged as (
    insert into public.segment_membership_changes (workspace_id, segment_id, profile_id, change, changed_at)
    select p_workspace_id, p_segment, g.profile_id, 'exited', p_now from gone g
    returning 1
  )
  select count(*)::integer into exited from logged;
  with came as (
    insert into public.segment_members (workspace_id, segment_id, profile_id, entered_at)
    select p_workspace_id, p_segment, n.profile_id, p_now from pg_temp.segment_now n
    on conflict do nothing
    returning profile_id
  ), logged as (
    insert into public.segment_membership_changes (workspace_id, segment_id, profile_id, change, changed_at)
    select p_workspace_id, p_segment, c.profile_id, 'entered', p_now from came c
    returning 1
  )
  select count(*)::integer into entered from logged;
  return next;
end
$$;
comment on function tessera.apply_segment_membership(uuid, uuid, timestamptz, uuid) is
  'Brings a saved segment''s members up to date — for one person after their facts changed (incremental), or for everyone — recording each entry and exit.';

create function tessera.refresh_memberships(p_workspace_id uuid, p_profile uuid, p_now timestamptz default now()) returns integer
language plpgsql volatile set search_path = '' as $$
declare
  seg record;
  changed integer := 0;
  result record;
begin
  select coalesce(p.merged_into, p.id) into p_profile from public.profiles p where p.workspace_id = p_workspace_id and p.id = p_profile;
  if p_profile is null then return 0; end if;
  -- Profiles merged into this person are no longer anyone's membership of their own: they leave.
  with gone as (
    delete from public.segment_members m
     where m.workspace_id = p_workspace_id
       and m.profile_id in (select c from tessera.cluster(p_workspace_id, p_profile) c where c <> p_profile)
    returning m.segment_id, m.profile_id
  ), logged as (
    insert into public.segment_membership_changes (workspace_id, segment_id, profile_id, change, changed_at)
    select p_workspace_id, g.segment_id, g.profile_id, 'exited', p_now from gone g
    returning 1
  )
  select count(*)::integer into changed from logged;
  -- One person against every saved segment of the workspace: the incremental path, after each event.
  for seg in select s.id from public.segments s where s.workspace_id = p_workspace_id order by s.id loop
    select * into result from tessera.apply_segment_membership(p_workspace_id, seg.id, p_now, p_profile);
    changed := changed + result.entered + result.exited;
  end loop;
  return changed;
end
$$;
comment on function tessera.refresh_memberships(uuid, uuid, timestamptz) is
  'Re-evaluates one person against every saved segment of the workspace and records what changed; returns how many entries and exits.';

create function public.save_segment(name text, query text, definition jsonb, workspace_id uuid default null) returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
#variable_conflict use_column
declare
  ws uuid := tessera.request_workspace(save_segment.workspace_id);
  compiled record;
  saved public.segments;
  counts record;
begin
  -- Security definer (membership rows are written here), so the caller's right to the workspace is checked by hand.
  if coalesce(auth.role(), 'service_role') <> 'service_role' and not exists (
       select 1 from public.workspace_members m
        where m.workspace_id = ws and m.user_id = auth.uid() and m.role in ('owner', 'admin', 'member')) then
    raise exception using errcode = '42501', message = 'Only owners, admins and members of this workspace may save its segments.';
  end if;
  select * into compiled from tessera.compile_segment(save_segment.definition);
  insert into public.segments as s (workspace_id, name, query, definition, compiled_sql, compiled_params, time_dependent, created_by)
  values (ws, btrim(save_segment.name), save_segment.query, save_segment.definition, compiled.sql, compiled.params,
          tessera.segment_is_time_dependent(save_segment.definition), auth.uid())
  on conflict (workspace_id, name) do update
     set query = excluded.query, definition = excluded.definition, compiled_sql = excluded.compiled_sql,
         compiled_params = excluded.compiled_params, time_dependent = excluded.time_dependent, updated_at = now()
  returning * into saved;
  select * into counts from tessera.apply_segment_membership(ws, saved.id, now());
  return jsonb_build_object('id', saved.id, 'name', saved.name, 'query', saved.query, 'definition', saved.definition,
                            'members', (select count(*) from public.segment_members m where m.workspace_id = ws and m.segment_id = saved.id),
                            'time_dependent', saved.time_dependent, 'updated_at', saved.updated_at);
end
$$;
comment on function public.save_segment(text, text, jsonb, uuid) is
  'Saves (or replaces, by name) a segment: its query text and syntax tree, compiled and checked here; computes its members at once.';

create function public.list_segments(workspace_id uuid default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', s.id, 'name', s.name, 'query', s.query, 'definition', s.definition, 'time_dependent', s.time_dependent,
           'members', (select count(*) from public.segment_members m where m.workspace_id = s.workspace_id and m.segment_id = s.id),
           'updated_at', s.updated_at) order by s.name), '[]')
    from public.segments s
   where s.workspace_id = tessera.request_workspace(list_segments.workspace_id)
$$;
comment on function public.list_segments(uuid) is 'The workspace''s saved segments with their member counts.';

create function public.segment_members(segment_id uuid, cursor uuid default null, "limit" integer default 50, workspace_id uuid default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  -- Keyset pagination by profile id: stable while members come and go.
  with page as (
    select p.id, p.display_name, p.email, p.lifetime_revenue, p.currency, p.churn_risk, p.churn_band, m.entered_at
      from public.segment_members m
      join public.profiles p on p.workspace_id = m.workspace_id and p.id = m.profile_id
     where m.workspace_id = tessera.request_workspace(segment_members.workspace_id)
       and m.segment_id = segment_members.segment_id
       and (segment_members.cursor is null or m.profile_id > segment_members.cursor)
     order by m.profile_id
     limit least(greatest(coalesce(segment_members."limit", 50), 1), 500)
  )
  select jsonb_build_object(
    'members', coalesce((select jsonb_agg(to_jsonb(page) order by page.id) from page), '[]'),
    'next_cursor', case when (select count(*) from page) = least(greatest(coalesce(segment_members."limit", 50), 1), 500)
                        then (select page.id from page order by page.id desc limit 1) end)
$$;
comment on function public.segment_members(uuid, uuid, integer, uuid) is 'A saved segment''s members, a page at a time (keyset on profile id).';

revoke all on function tessera.compute_profile_facts(uuid, uuid), tessera.refresh_profile_facts(uuid, uuid),
  tessera.segment_matches(uuid, text, jsonb, timestamptz, uuid), tessera.apply_segment_membership(uuid, uuid, timestamptz, uuid),
  tessera.refresh_memberships(uuid, uuid, timestamptz) from public;
grant execute on function tessera.compute_profile_facts(uuid, uuid), tessera.refresh_profile_facts(uuid, uuid),
  tessera.apply_segment_membership(uuid, uuid, timestamptz, uuid), tessera.refresh_memberships(uuid, uuid, timestamptz) to service_role;
-- The compiler and matcher run inside preview_segment and save_segment for signed-in staff.
grant execute on function tessera.segment_matches(uuid, text, jsonb, timestamptz, uuid) to authenticated, service_role;
revoke all on function public.preview_segment(jsonb, integer, uuid), public.save_segment(text, text, jsonb, uuid),
  public.list_segments(uuid), public.segment_members(uuid, uuid, integer, uuid) from public, anon;
grant execute on function public.preview_segment(jsonb, integer, uuid), public.save_segment(text, text, jsonb, uuid),
  public.list_segments(uuid), public.segment_members(uuid, uuid, integer, uuid) to authenticated, service_role;

-- The profile's wire shape also carries the lifecycle stage (0014), so a stage change reaches live widgets.
create or replace function tessera.profile_json(p public.profiles) returns jsonb
language sql stable set search_path = '' as $$
  select tessera.profile_core_json(p)
         || jsonb_build_object('churn', case when p.churn_risk is null then null
                                             else jsonb_build_object('risk', p.churn_risk, 'band', p.churn_band) end,
                               'stage', p.stage)
$$;
