-- Identity resolution that is explainable and reversible.
--
-- * Rules are data, per workspace, over global defaults: how strongly each
--   identity kind links (priority), how many of a kind one person may have
--   (max_per_profile: a second shopify_customer blocks the merge instead of
--   fusing two real people who share a family email), whether the kind is
--   listed on the card, and which values never link anyone (blocked values).
-- * Merges move nothing. Every identity, event and trait stays with the
--   profile that first owned it (a "member"); a merge points members at a
--   surviving root (profiles.merged_into) and records why. Reads gather the
--   root's cluster. Unmerging cuts the pointer: every row goes back to where
--   it came from, exactly, and a block stops the two from re-merging.
-- * Traits conflicting across sources are settled by source priority, then
--   by the most recent observation; every source's value is kept.

create table tessera.identity_rule_defaults (
  kind text primary key,
  priority integer not null,
  max_per_profile integer check (max_per_profile > 0),
  listed boolean not null default true
);
comment on table tessera.identity_rule_defaults is
  'Identity rules every workspace starts from: link priority, at most how many of a kind one profile may have, whether the card lists the kind.';
insert into tessera.identity_rule_defaults (kind, priority, max_per_profile, listed) values
  ('shopify_customer', 300, 1, true),
  ('kajabi_member', 300, 1, true),
  ('shopify_order', 280, null, false),
  ('shopify_checkout', 270, null, false),
  ('email', 200, null, true),
  ('phone', 150, null, true),
  ('instagram_id', 120, 1, false),
  ('facebook_id', 120, null, false),
  ('tiktok_id', 120, 1, false),
  ('x_id', 120, 1, false),
  ('youtube_channel_id', 120, null, true),
  ('instagram', 100, null, true),
  ('tiktok', 100, null, true),
  ('x', 100, null, true),
  ('youtube_handle', 100, null, true);

create table public.identity_rules (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  kind text not null,
  priority integer not null,
  max_per_profile integer check (max_per_profile > 0),
  listed boolean not null default true,
  primary key (workspace_id, kind)
);
comment on table public.identity_rules is
  'A workspace''s own identity rules, overriding tessera.identity_rule_defaults kind by kind.';

create table tessera.blocked_identity_defaults (
  kind text not null,
  pattern text not null,
  note text not null,
  primary key (kind, pattern)
);
comment on table tessera.blocked_identity_defaults is
  'Values that never link anyone, for every workspace: kind (or * for any kind) and an anchored regular expression on the normalised value.';
insert into tessera.blocked_identity_defaults (kind, pattern, note) values
  ('*', '^(null|undefined|none|n/?a|na|nil|anonymous|unknown|guest|test|0|-+|\.+)$', 'placeholders typed into forms'),
  ('email', '^(test|null|none|nobody|anonymous|unknown|noreply|no-reply|donotreply|do-not-reply|mailer-daemon)@', 'role or placeholder mailboxes'),
  ('email', '^test@example\.(com|org|net)$', 'the documentation address'),
  ('phone', '^\+\d{1,3}(\d)\1{6,}$', 'one digit repeated (0000000000)'),
  ('phone', '^\+1?(1234567890|123456789)$', 'counting digits');

create table public.blocked_identities (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  kind text not null,
  pattern text not null,
  note text,
  primary key (workspace_id, kind, pattern)
);
comment on table public.blocked_identities is
  'A workspace''s own never-link values (a shop''s front-desk email, a store phone), in addition to the defaults.';

create table tessera.source_priority_defaults (
  source text primary key,
  priority integer not null
);
comment on table tessera.source_priority_defaults is
  'Which source wins when two say different things about the same trait (higher wins; ties go to the most recent observation).';
insert into tessera.source_priority_defaults (source, priority) values
  ('shopify', 300), ('kajabi', 250), ('import', 200), ('meta', 120), ('tiktok', 110), ('x', 110), ('youtube', 100);

create table public.source_priorities (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  source text not null,
  priority integer not null,
  primary key (workspace_id, source)
);
comment on table public.source_priorities is 'A workspace''s own trait source priorities, overriding tessera.source_priority_defaults.';

create table public.identity_conflicts (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  id bigint generated always as identity,
  kind text not null,
  value text not null,
  owner_profile_id uuid,
  anchor_profile_id uuid,
  reason text not null,
  raw_event_id bigint,
  detected_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolution text,
  primary key (workspace_id, id)
);
comment on table public.identity_conflicts is
  'An identity that would have linked two profiles a rule says are different people (or that were unmerged): left unlinked, kept for a person to decide.';
create index identity_conflicts_open_idx on public.identity_conflicts (workspace_id, detected_at desc) where resolved_at is null;

create table public.profile_merge_blocks (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  profile_a uuid not null,
  profile_b uuid not null,
  reason text not null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, profile_a, profile_b),
  check (profile_a < profile_b)
);
comment on table public.profile_merge_blocks is
  'Pairs of profiles a person has said are different people (an unmerge): resolution never merges their clusters again.';

alter table public.profile_merges add column unmerged_at timestamptz;
alter table public.profile_merges add column unmerge_reason text;
alter table public.profile_merges add column reason text not null default 'shared identity';
comment on column public.profile_merges.linked_by is 'The identities (kind, value) that linked the two, as they arrived.';
comment on column public.profile_merges.unmerged_at is 'When this merge was undone; the row stays as history.';
create index profile_merges_survivor_idx on public.profile_merges (workspace_id, survivor_id) where unmerged_at is null;
create index profile_merges_merged_idx on public.profile_merges (workspace_id, merged_id) where unmerged_at is null;
create index profiles_cluster_idx on public.profiles (workspace_id, merged_into) where merged_into is not null;

alter table public.profiles add column erased_at timestamptz;
comment on column public.profiles.erased_at is 'When this person''s personal data was erased (GDPR): the row keeps only non-identifying aggregates.';

alter table public.identity_rules enable row level security;
revoke all on public.identity_rules from anon, authenticated;
grant select, insert, update, delete on public.identity_rules to authenticated;
create policy identity_rules_members_read on public.identity_rules for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy identity_rules_admins_write on public.identity_rules for all to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()))
  with check (workspace_id in (select tessera.my_admin_workspace_ids()));

alter table public.blocked_identities enable row level security;
revoke all on public.blocked_identities from anon, authenticated;
grant select, insert, update, delete on public.blocked_identities to authenticated;
create policy blocked_identities_members_read on public.blocked_identities for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy blocked_identities_admins_write on public.blocked_identities for all to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()))
  with check (workspace_id in (select tessera.my_admin_workspace_ids()));

alter table public.source_priorities enable row level security;
revoke all on public.source_priorities from anon, authenticated;
grant select, insert, update, delete on public.source_priorities to authenticated;
create policy source_priorities_members_read on public.source_priorities for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy source_priorities_admins_write on public.source_priorities for all to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()))
  with check (workspace_id in (select tessera.my_admin_workspace_ids()));

alter table public.identity_conflicts enable row level security;
revoke all on public.identity_conflicts from anon, authenticated;
grant select on public.identity_conflicts to authenticated;
create policy identity_conflicts_members_read on public.identity_conflicts for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

alter table public.profile_merge_blocks enable row level security;
revoke all on public.profile_merge_blocks from anon, authenticated;
grant select on public.profile_merge_blocks to authenticated;
create policy profile_merge_blocks_members_read on public.profile_merge_blocks for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

alter table tessera.identity_rule_defaults enable row level security;
alter table tessera.blocked_identity_defaults enable row level security;
alter table tessera.source_priority_defaults enable row level security;
revoke all on tessera.identity_rule_defaults, tessera.blocked_identity_defaults, tessera.source_priority_defaults from public, anon, authenticated;

-- Rules as the resolver reads them ------------------------------------------

create function tessera.identity_rule(p_workspace_id uuid, p_kind text, out priority integer, out max_per_profile integer, out listed boolean)
language sql stable security definer set search_path = '' as $$
  select coalesce(w.priority, d.priority, 100), case when w.kind is not null then w.max_per_profile else d.max_per_profile end,
         coalesce(w.listed, d.listed, true)
    from (select 1) one
    left join public.identity_rules w on w.workspace_id = p_workspace_id and w.kind = p_kind
    left join tessera.identity_rule_defaults d on d.kind = p_kind
$$;
comment on function tessera.identity_rule(uuid, text) is 'The effective rule for an identity kind in a workspace: its own rule, else the default, else priority 100 and no limit.';

create function tessera.blocked_identity(p_workspace_id uuid, p_kind text, p_value text) returns text
language sql stable security definer set search_path = '' as $$
  select b.note from (
    select kind, pattern, note from tessera.blocked_identity_defaults
    union all
    select kind, pattern, coalesce(note, 'blocked by this workspace') from public.blocked_identities where workspace_id = p_workspace_id
  ) b
  where (b.kind = p_kind or b.kind = '*') and p_value ~ b.pattern
  limit 1
$$;
comment on function tessera.blocked_identity(uuid, text, text) is 'Why this normalised identity value never links anyone (null when it may).';

create function tessera.source_priority(p_workspace_id uuid, p_source text) returns integer
language sql stable security definer set search_path = '' as $$
  select coalesce(
    (select priority from public.source_priorities where workspace_id = p_workspace_id and source = p_source),
    (select priority from tessera.source_priority_defaults where source = p_source),
    100)
$$;
comment on function tessera.source_priority(uuid, text) is 'How much a source is trusted for traits in a workspace (higher wins).';

-- Clusters --------------------------------------------------------------------

create function tessera.root_of(p_workspace_id uuid, p_profile_id uuid) returns uuid
language sql stable set search_path = '' as $$
  select coalesce(p.merged_into, p.id) from public.profiles p where p.workspace_id = p_workspace_id and p.id = p_profile_id
$$;
comment on function tessera.root_of(uuid, uuid) is 'The surviving profile a profile belongs to (itself unless merged).';

create function tessera.cluster(p_workspace_id uuid, p_root uuid) returns setof uuid
language sql stable set search_path = '' as $$
  -- Two index lookups rather than one OR, which would scan the workspace.
  select p.id from public.profiles p where p.workspace_id = p_workspace_id and p.id = p_root
  union all
  select p.id from public.profiles p where p.workspace_id = p_workspace_id and p.merged_into = p_root
$$;
comment on function tessera.cluster(uuid, uuid) is 'Every profile that makes up one person: the root and the profiles merged into it.';

create function tessera.merge_blocked(p_workspace_id uuid, p_root_a uuid, p_root_b uuid) returns boolean
language sql stable set search_path = '' as $$
  select exists (
    select 1 from public.profile_merge_blocks b
     where b.workspace_id = p_workspace_id
       and ((b.profile_a in (select tessera.cluster(p_workspace_id, p_root_a)) and b.profile_b in (select tessera.cluster(p_workspace_id, p_root_b)))
         or (b.profile_a in (select tessera.cluster(p_workspace_id, p_root_b)) and b.profile_b in (select tessera.cluster(p_workspace_id, p_root_a)))))
$$;
comment on function tessera.merge_blocked(uuid, uuid, uuid) is 'True when a person has said these two clusters are different people.';

-- Merging is pointing: the merged root and everything already pointing at it
-- now point at the survivor. Nothing else moves.
create or replace function tessera.merge_profiles(p_workspace_id uuid, p_survivor uuid, p_merged uuid[], p_linked_by jsonb, p_raw_event_id bigint)
returns void
language plpgsql volatile set search_path = '' as $$
begin
  update public.profiles set merged_into = p_survivor, updated_at = now()
   where workspace_id = p_workspace_id and (id = any (p_merged) or merged_into = any (p_merged));
  insert into public.profile_merges (workspace_id, survivor_id, merged_id, linked_by, raw_event_id)
  select p_workspace_id, p_survivor, m, p_linked_by, p_raw_event_id from unnest(p_merged) as m;
end
$$;
comment on function tessera.merge_profiles(uuid, uuid, uuid[], jsonb, bigint) is
  'Merges clusters into a survivor by pointing their profiles at it, and records the identities that linked them. Reversible: see public.unmerge_profile.';

create or replace function tessera.resolve_identities(p_workspace_id uuid, p_identities jsonb, p_source text, p_observed_at timestamptz, p_raw_event_id bigint)
returns uuid
language plpgsql volatile set search_path = '' as $$
declare
  claim record;
  root uuid;
  chosen uuid[] := '{}';
  anchor uuid;
  counts jsonb := '{}';
  cluster_counts jsonb;
  attach jsonb := '[]';
  moved jsonb := '[]';
  wanted jsonb;
  usable integer := 0;
  blocked_note text;
  blocked_list text[] := '{}';
  survivor uuid;
  over text;
begin
  -- One resolver at a time per workspace: deliveries that link the same
  -- people concurrently must end in the same graph as if they came in turn.
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || p_workspace_id::text, 0));

  select coalesce(jsonb_agg(distinct jsonb_build_object('kind', i.kind, 'value', i.value)), '[]')
    into wanted
    from (select x.kind, tessera.normalise_identity(x.kind, x.value) as value
            from jsonb_to_recordset(p_identities) as x(kind text, value text)) i
   where i.value is not null;

  -- Strongest identities first: the first one matched decides whose record this is.
  for claim in
    select w.kind, w.value, r.priority, r.max_per_profile,
           i.profile_id as owner, tessera.root_of(p_workspace_id, i.profile_id) as owner_root, i.first_seen_at as owner_first_seen
      from jsonb_to_recordset(wanted) as w(kind text, value text)
      cross join lateral tessera.identity_rule(p_workspace_id, w.kind) as r
      -- Lateral: one primary-key lookup per identity, however large the workspace.
      left join lateral (select i.profile_id, i.first_seen_at from public.identities i
                          where i.workspace_id = p_workspace_id and i.kind = w.kind and i.value = w.value) i on true
     order by r.priority desc, w.kind, w.value
  loop
    blocked_note := tessera.blocked_identity(p_workspace_id, claim.kind, claim.value);
    if blocked_note is not null then
      blocked_list := blocked_list || format('%s %s (%s)', claim.kind, claim.value, blocked_note);
      continue;
    end if;
    usable := usable + 1;

    if claim.owner is not null then
      if claim.owner_root = any (chosen) then
        anchor := coalesce(anchor, claim.owner);
        continue;
      end if;
      -- Would taking this person in break a rule?
      select coalesce(jsonb_object_agg(c.kind, c.n), '{}') into cluster_counts
        from (select i.kind, count(*) as n from public.identities i
               where i.workspace_id = p_workspace_id and i.profile_id = any (array(select tessera.cluster(p_workspace_id, claim.owner_root)))
               group by i.kind) c;
      select string_agg(format('at most %s %s per person', r.max_per_profile, k.kind), ', ') into over
        from (select key as kind from jsonb_object_keys(cluster_counts) as key) k
        cross join lateral tessera.identity_rule(p_workspace_id, k.kind) r
       where r.max_per_profile is not null
         and coalesce((counts ->> k.kind)::int, 0) + (cluster_counts ->> k.kind)::int > r.max_per_profile
         and coalesce((counts ->> k.kind)::int, 0) > 0;
      if over is null and exists (select 1 from unnest(chosen) c where tessera.merge_blocked(p_workspace_id, c, claim.owner_root)) then
        over := 'these profiles were unmerged by a person';
      end if;
      if over is not null then
        -- A contested identity belongs with whoever was seen with it first, so the
        -- graph does not depend on the order deliveries happen to arrive in.
        if claim.owner_first_seen > p_observed_at then
          moved := moved || jsonb_build_object('kind', claim.kind, 'value', claim.value, 'from', claim.owner);
          insert into public.identity_conflicts (workspace_id, kind, value, owner_profile_id, anchor_profile_id, reason, raw_event_id)
          values (p_workspace_id, claim.kind, claim.value, claim.owner, anchor,
                  format('Moved to the person seen with it first; not linked to its later owner: %s', over), p_raw_event_id);
        else
          insert into public.identity_conflicts (workspace_id, kind, value, owner_profile_id, anchor_profile_id, reason, raw_event_id)
          values (p_workspace_id, claim.kind, claim.value, claim.owner, anchor, format('Not linked: %s', over), p_raw_event_id);
        end if;
        continue;
      end if;
      chosen := chosen || claim.owner_root;
      anchor := coalesce(anchor, claim.owner);
      select coalesce(jsonb_object_agg(k, coalesce((counts ->> k)::int, 0) + coalesce((cluster_counts ->> k)::int, 0)), '{}') into counts
        from (select jsonb_object_keys(counts) as k union select jsonb_object_keys(cluster_counts)) keys;
    else
      if claim.max_per_profile is not null and coalesce((counts ->> claim.kind)::int, 0) + 1 > claim.max_per_profile then
        insert into public.identity_conflicts (workspace_id, kind, value, owner_profile_id, anchor_profile_id, reason, raw_event_id)
        values (p_workspace_id, claim.kind, claim.value, null, anchor,
                format('Not linked: at most %s %s per person', claim.max_per_profile, claim.kind), p_raw_event_id);
        continue;
      end if;
      attach := attach || jsonb_build_object('kind', claim.kind, 'value', claim.value);
      counts := counts || jsonb_build_object(claim.kind, coalesce((counts ->> claim.kind)::int, 0) + 1);
    end if;
  end loop;

  if usable = 0 then
    raise exception using errcode = '22023',
      message = case when cardinality(blocked_list) > 0
                     then format('The record''s only identities never link anyone: %s.', array_to_string(blocked_list, '; '))
                     else 'The record carries no usable identity, so it cannot be tied to a person.' end,
      hint = 'An email, an E.164 phone or a platform id is needed.';
  end if;

  if cardinality(chosen) = 0 then
    insert into public.profiles (workspace_id, first_seen_at) values (p_workspace_id, p_observed_at) returning id into anchor;
  elsif cardinality(chosen) > 1 then
    -- The oldest person survives, so ids handed out earlier stay the primary ones.
    select p.id into survivor from public.profiles p
     where p.workspace_id = p_workspace_id and p.id = any (chosen) order by p.created_at, p.id limit 1;
    perform tessera.merge_profiles(p_workspace_id, survivor, array_remove(chosen, survivor), wanted, p_raw_event_id);
  end if;

  update public.identities i set profile_id = anchor
    from jsonb_to_recordset(moved) as m(kind text, value text)
   where i.workspace_id = p_workspace_id and i.kind = m.kind and i.value = m.value;
  perform tessera.refresh_profile(p_workspace_id, m.previous) from (select distinct (x ->> 'from')::uuid as previous from jsonb_array_elements(moved) x) m;

  -- New identities belong to the profile the record was matched through, so an
  -- unmerge later knows whose they are.
  insert into public.identities as i (workspace_id, kind, value, profile_id, source, first_seen_at, last_seen_at)
  select p_workspace_id, a.kind, a.value, anchor, p_source, p_observed_at, p_observed_at
    from jsonb_to_recordset(attach) as a(kind text, value text);
  survivor := tessera.root_of(p_workspace_id, anchor);
  for claim in select w.kind, w.value from jsonb_to_recordset(wanted) as w(kind text, value text) loop
    update public.identities i
       set last_seen_at = greatest(i.last_seen_at, p_observed_at), first_seen_at = least(i.first_seen_at, p_observed_at)
     where i.workspace_id = p_workspace_id and i.kind = claim.kind and i.value = claim.value
       and tessera.root_of(p_workspace_id, i.profile_id) = survivor;
  end loop;
  return anchor;
end
$$;
comment on function tessera.resolve_identities(uuid, jsonb, text, timestamptz, bigint) is
  'Identity resolution by rules: the profile a record belongs to (creating one, or merging the people its identities link), never breaking a per-person limit or an unmerge, never linking on blocked values; what it refuses is recorded in identity_conflicts.';

create or replace function tessera.refresh_profile(p_workspace_id uuid, p_profile_id uuid) returns void
language plpgsql volatile set search_path = '' as $$
declare
  root uuid := tessera.root_of(p_workspace_id, p_profile_id);
  -- An array, not a subquery: `= any (members)` keeps every lookup on an index.
  members uuid[] := array(select tessera.cluster(p_workspace_id, root));
begin
  with priorities as (
    select d.source, coalesce(w.priority, d.priority) as priority
      from tessera.source_priority_defaults d
      left join public.source_priorities w on w.workspace_id = p_workspace_id and w.source = d.source
    union all
    select w.source, w.priority from public.source_priorities w
     where w.workspace_id = p_workspace_id and w.source not in (select source from tessera.source_priority_defaults)
  ), winning as (
    -- Source priority first, then the most recent observation (docs/identity-resolution.md).
    select distinct on (t.name) t.name, t.value #>> '{}' as value
      from public.traits t
      left join priorities s on s.source = t.source
     where t.workspace_id = p_workspace_id and t.profile_id = any (members) and jsonb_typeof(t.value) <> 'null'
     order by t.name, coalesce(s.priority, 100) desc, t.observed_at desc, t.source
  ), named as (
    select max(value) filter (where name = 'first_name') as first_name,
           max(value) filter (where name = 'last_name') as last_name,
           max(value) filter (where name = 'name') as full_name,
           max(value) filter (where name = 'email') as email,
           max(value) filter (where name = 'phone') as phone
      from winning
  ), activity as (
    select coalesce(sum(e.revenue), 0) as revenue,
           count(*) filter (where e.type = 'order_placed') as orders,
           min(e.occurred_at) as first_at,
           max(e.occurred_at) as last_at,
           (array_agg(e.currency order by e.occurred_at desc) filter (where e.currency is not null))[1] as currency
      from public.events e
     where e.workspace_id = p_workspace_id and e.profile_id = any (members)
  ), contact as (
    select (select i.value from public.identities i
             where i.workspace_id = p_workspace_id and i.profile_id = any (members) and i.kind = 'email'
             order by i.last_seen_at desc limit 1) as email,
           (select i.value from public.identities i
             where i.workspace_id = p_workspace_id and i.profile_id = any (members) and i.kind = 'phone'
             order by i.last_seen_at desc limit 1) as phone,
           (select min(i.first_seen_at) from public.identities i
             where i.workspace_id = p_workspace_id and i.profile_id = any (members)) as first_seen
  ), projected as (
    select n.first_name, n.last_name,
           coalesce(nullif(btrim(concat_ws(' ', n.first_name, n.last_name)), ''), n.full_name) as display_name,
           coalesce(tessera.normalise_identity('email', n.email), c.email) as email,
           coalesce(tessera.normalise_identity('phone', n.phone), c.phone) as phone,
           a.revenue, a.orders, a.last_at, a.currency,
           coalesce(least(a.first_at, c.first_seen), (select min(p.first_seen_at) from public.profiles p
                                                       where p.workspace_id = p_workspace_id and p.id = any (members))) as first_seen
      from named n, activity a, contact c
  )
  update public.profiles p
     set first_name = x.first_name, last_name = x.last_name, display_name = x.display_name,
         email = x.email, phone = x.phone, lifetime_revenue = x.revenue, orders_count = x.orders,
         currency = x.currency, last_activity_at = x.last_at, first_seen_at = x.first_seen,
         updated_at = now()
    from projected x
   where p.workspace_id = p_workspace_id and p.id = root
     and (p.first_name, p.last_name, p.display_name, p.email, p.phone, p.lifetime_revenue, p.orders_count, p.currency,
          p.last_activity_at, p.first_seen_at)
         is distinct from
         (x.first_name, x.last_name, x.display_name, x.email, x.phone, x.revenue, x.orders::integer, x.currency, x.last_at, x.first_seen);
end
$$;
comment on function tessera.refresh_profile(uuid, uuid) is
  'Recomputes the projection (name, contact, revenue, orders, last activity) of the person a profile belongs to, over their whole cluster; writes only if something changed.';

create or replace function tessera.profile_json(p public.profiles) returns jsonb
language sql stable set search_path = '' as $$
  with cluster as (select array(select tessera.cluster(p.workspace_id, p.id)) as members)
  select jsonb_build_object(
    'id', p.id,
    'workspace_id', p.workspace_id,
    'display_name', p.display_name,
    'first_name', p.first_name,
    'last_name', p.last_name,
    'email', p.email,
    'phone', p.phone,
    'identities', coalesce((
      select jsonb_agg(jsonb_build_object(
               'kind', i.kind, 'value', i.value, 'source', i.source,
               'first_seen_at', i.first_seen_at, 'last_seen_at', i.last_seen_at)
             order by i.first_seen_at, i.kind, i.value)
        from public.identities i
       where i.workspace_id = p.workspace_id and i.profile_id = any (cluster.members)
         and (tessera.identity_rule(p.workspace_id, i.kind)).listed), '[]'),
    'traits', coalesce((
      select jsonb_agg(jsonb_build_object('name', t.name, 'value', t.value, 'source', t.source, 'observed_at', t.observed_at)
             order by t.name, tessera.source_priority(p.workspace_id, t.source) desc, t.observed_at desc)
        from public.traits t
       where t.workspace_id = p.workspace_id and t.profile_id = any (cluster.members)), '[]'),
    'lifetime_revenue', p.lifetime_revenue,
    'currency', p.currency,
    'orders_count', p.orders_count,
    'first_seen_at', p.first_seen_at,
    'last_activity', (
      select jsonb_build_object('type', e.type, 'source', e.source, 'occurred_at', e.occurred_at,
                                'revenue', e.revenue, 'currency', e.currency)
        from public.events e
       where e.workspace_id = p.workspace_id and e.profile_id = any (cluster.members)
       order by e.occurred_at desc, e.id desc
       limit 1),
    'created_at', p.created_at,
    'updated_at', p.updated_at
  )
  from cluster
$$;

create or replace function public.resolve_profile(kind text, value text, workspace_id uuid default null) returns uuid
language sql stable security invoker set search_path = '' as $$
  select coalesce(p.merged_into, p.id)
    from public.identities i
    join public.profiles p on p.workspace_id = i.workspace_id and p.id = i.profile_id
   where i.workspace_id = tessera.request_workspace(resolve_profile.workspace_id)
     and i.kind = resolve_profile.kind
     and i.value = tessera.normalise_identity(resolve_profile.kind, resolve_profile.value)
$$;

-- Merge and unmerge, for people ---------------------------------------------

create function tessera.require_editor(p_workspace_id uuid) returns void
language plpgsql stable security definer set search_path = '' as $$
begin
  -- Security definer: current_user is the owner here, so the caller is known by
  -- their verified claims. No claims at all means a direct database session (the CLI).
  if coalesce(auth.role(), 'service_role') = 'service_role' then
    return;
  end if;
  if not exists (select 1 from public.workspace_members m
                  where m.workspace_id = p_workspace_id and m.user_id = auth.uid() and m.role in ('owner', 'admin', 'member')) then
    raise exception using errcode = '42501', message = 'Only owners, admins and members of this workspace may merge or unmerge its profiles.';
  end if;
end
$$;
comment on function tessera.require_editor(uuid) is 'Raises unless the caller may change this workspace''s identity graph (service key, or a member who is not a viewer).';

create function public.merge_profiles(profile_id uuid, other_profile_id uuid, reason text default 'merged by a person') returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  ws uuid;
  a uuid;
  b uuid;
  survivor uuid;
  merged uuid;
begin
  select p.workspace_id into ws from public.profiles p where p.id = merge_profiles.profile_id;
  if ws is null or not exists (select 1 from public.profiles p where p.workspace_id = ws and p.id = merge_profiles.other_profile_id) then
    raise exception using errcode = 'P0002', message = 'Both profiles must exist in the same workspace.';
  end if;
  perform tessera.require_editor(ws);
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || ws::text, 0));
  a := tessera.root_of(ws, merge_profiles.profile_id);
  b := tessera.root_of(ws, merge_profiles.other_profile_id);
  if a = b then
    return a;
  end if;
  select p.id into survivor from public.profiles p where p.workspace_id = ws and p.id in (a, b) order by p.created_at, p.id limit 1;
  merged := case when survivor = a then b else a end;
  -- A person's explicit merge overrides an earlier unmerge of the same two.
  delete from public.profile_merge_blocks k
   where k.workspace_id = ws
     and ((k.profile_a in (select tessera.cluster(ws, a)) and k.profile_b in (select tessera.cluster(ws, b)))
       or (k.profile_a in (select tessera.cluster(ws, b)) and k.profile_b in (select tessera.cluster(ws, a))));
  perform tessera.merge_profiles(ws, survivor, array[merged], '[]'::jsonb, null);
  update public.profile_merges m set reason = merge_profiles.reason
   where m.workspace_id = ws and m.merged_id = merged and m.unmerged_at is null;
  perform tessera.refresh_profile(ws, survivor);
  return survivor;
end
$$;
comment on function public.merge_profiles(uuid, uuid, text) is
  'Merges two people a person says are one (overriding rules and earlier unmerges). Returns the surviving profile id.';

create function public.unmerge_profile(profile_id uuid, reason text default 'unmerged by a person') returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  ws uuid;
  edge public.profile_merges;
  old_root uuid;
begin
  select p.workspace_id into ws from public.profiles p where p.id = unmerge_profile.profile_id;
  if ws is null then
    raise exception using errcode = 'P0002', message = format('No profile %s.', unmerge_profile.profile_id);
  end if;
  perform tessera.require_editor(ws);
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || ws::text, 0));
  select * into edge from public.profile_merges m
   where m.workspace_id = ws and m.merged_id = unmerge_profile.profile_id and m.unmerged_at is null
   order by m.id desc limit 1;
  if edge.id is null then
    raise exception using errcode = '22023', message = format('Profile %s was not merged into anyone: there is nothing to unmerge.', unmerge_profile.profile_id),
      hint = 'Unmerge the profile that was merged away, not the survivor.';
  end if;
  old_root := tessera.root_of(ws, unmerge_profile.profile_id);

  update public.profile_merges m set unmerged_at = now(), unmerge_reason = unmerge_profile.reason
   where m.workspace_id = ws and m.id = edge.id;
  -- The profile takes back everything that was merged into it before (its subtree of merges).
  with recursive subtree(id) as (
    select unmerge_profile.profile_id
    union
    select m.merged_id from public.profile_merges m join subtree s on m.survivor_id = s.id
     where m.workspace_id = ws and m.unmerged_at is null
  )
  update public.profiles p
     set merged_into = case when p.id = unmerge_profile.profile_id then null else unmerge_profile.profile_id end,
         updated_at = now()
   where p.workspace_id = ws and p.id in (select id from subtree);
  insert into public.profile_merge_blocks (workspace_id, profile_a, profile_b, reason)
  values (ws, least(edge.survivor_id, edge.merged_id), greatest(edge.survivor_id, edge.merged_id), unmerge_profile.reason)
  on conflict do nothing;
  perform tessera.refresh_profile(ws, old_root);
  perform tessera.refresh_profile(ws, unmerge_profile.profile_id);
  return unmerge_profile.profile_id;
end
$$;
comment on function public.unmerge_profile(uuid, text) is
  'Splits a merged profile back out of the person it was merged into: its identities, events and traits (and anything merged into it before) go back with it, and the two are never merged again automatically. Returns its id.';

revoke all on function public.merge_profiles(uuid, uuid, text), public.unmerge_profile(uuid, text) from public, anon;
grant execute on function public.merge_profiles(uuid, uuid, text), public.unmerge_profile(uuid, text) to authenticated, service_role;
revoke all on function tessera.identity_rule(uuid, text), tessera.blocked_identity(uuid, text, text), tessera.source_priority(uuid, text),
  tessera.root_of(uuid, uuid), tessera.cluster(uuid, uuid), tessera.merge_blocked(uuid, uuid, uuid), tessera.require_editor(uuid) from public;
grant execute on function tessera.identity_rule(uuid, text), tessera.source_priority(uuid, text), tessera.root_of(uuid, uuid),
  tessera.cluster(uuid, uuid) to authenticated, service_role;
grant execute on function tessera.blocked_identity(uuid, text, text), tessera.merge_blocked(uuid, uuid, uuid), tessera.require_editor(uuid) to service_role;
