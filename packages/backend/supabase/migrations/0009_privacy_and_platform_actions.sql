-- What a raw event can ask for besides a record: a platform's own merge of two
-- of its ids (Shopify customers/merge) and a person's privacy request
-- (Shopify customers/redact, customers/data_request, shop/redact; and the
-- `tessera erase` / `tessera export` commands). Erasure removes every personal
-- value of the person from profiles, identities, traits, events and the raw
-- log, keeps non-identifying aggregates (revenue, counts, dates), and records
-- that it happened.

create table public.privacy_requests (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  id bigint generated always as identity,
  action text not null check (action in ('erase', 'export', 'erase_account')),
  requested_via text not null,
  reference text,
  profile_ids uuid[] not null default '{}',
  raw_event_id bigint,
  requested_at timestamptz not null default now(),
  completed_at timestamptz,
  result jsonb,
  primary key (workspace_id, id)
);
comment on table public.privacy_requests is
  'Every erasure and data export, who asked (a platform webhook, the CLI) and what was done: the record that the person''s request was honoured. Exports keep the data gathered for the merchant to hand over.';
alter table public.privacy_requests enable row level security;
revoke all on public.privacy_requests from anon, authenticated;
grant select on public.privacy_requests to authenticated;
create policy privacy_requests_admins_read on public.privacy_requests for select to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()));

alter table public.raw_events add column redacted_at timestamptz;
comment on column public.raw_events.redacted_at is 'When the body was replaced because the person it was about had their data erased.';

-- Which people these identities belong to (roots), for privacy requests.
create function tessera.people_with_identities(p_workspace_id uuid, p_identities jsonb) returns setof uuid
language sql stable set search_path = '' as $$
  select distinct tessera.root_of(p_workspace_id, i.profile_id)
    from jsonb_to_recordset(p_identities) as x(kind text, value text)
    cross join lateral (select i.profile_id from public.identities i
                         where i.workspace_id = p_workspace_id and i.kind = x.kind
                           and i.value = tessera.normalise_identity(x.kind, x.value)) i
$$;
comment on function tessera.people_with_identities(uuid, jsonb) is 'The people (root profiles) that own any of these identities.';

create function tessera.export_person(p_workspace_id uuid, p_root uuid) returns jsonb
language sql stable set search_path = '' as $$
  with cluster as (select array(select tessera.cluster(p_workspace_id, p_root)) as members)
  select jsonb_build_object(
    'profile', (select tessera.profile_json(p) from public.profiles p where p.workspace_id = p_workspace_id and p.id = p_root),
    'merged_profiles', to_jsonb(array_remove(cluster.members, p_root)),
    'identities', coalesce((select jsonb_agg(to_jsonb(i) - 'workspace_id' order by i.kind, i.value) from public.identities i
                             where i.workspace_id = p_workspace_id and i.profile_id = any (cluster.members)), '[]'),
    'traits', coalesce((select jsonb_agg(to_jsonb(t) - 'workspace_id' order by t.name, t.source) from public.traits t
                         where t.workspace_id = p_workspace_id and t.profile_id = any (cluster.members)), '[]'),
    'events', coalesce((select jsonb_agg(to_jsonb(e) - 'workspace_id' order by e.occurred_at, e.id) from public.events e
                         where e.workspace_id = p_workspace_id and e.profile_id = any (cluster.members)), '[]'),
    'merges', coalesce((select jsonb_agg(to_jsonb(m) - 'workspace_id' order by m.id) from public.profile_merges m
                         where m.workspace_id = p_workspace_id and (m.survivor_id = any (cluster.members) or m.merged_id = any (cluster.members))), '[]'),
    'raw_events', coalesce((select jsonb_agg(jsonb_build_object(
                              'id', r.id, 'source', r.source, 'topic', r.topic, 'received_at', r.received_at,
                              'headers', r.headers, 'body', convert_from(r.body, 'UTF8')) order by r.id)
                             from public.raw_events r
                            where r.workspace_id = p_workspace_id and r.id in (select raw_event_id from public.events e
                                                                                where e.workspace_id = p_workspace_id and e.profile_id = any (cluster.members)
                                                                               union select raw_event_id from public.traits t
                                                                                where t.workspace_id = p_workspace_id and t.profile_id = any (cluster.members)
                                                                               union select r2.id from public.raw_events r2
                                                                                where r2.workspace_id = p_workspace_id and r2.profile_id = any (cluster.members))), '[]')
  )
  from cluster
$$;
comment on function tessera.export_person(uuid, uuid) is 'Everything Tessera holds about one person, as JSON: the answer to a data request.';

create function tessera.erase_person(p_workspace_id uuid, p_root uuid, p_extra_raw_event bigint) returns jsonb
language plpgsql volatile set search_path = '' as $$
declare
  members uuid[];
  values_held text[];
  raw_ids bigint[];
  counts jsonb;
  redacted_raw integer;
begin
  select array_agg(id) into members from tessera.cluster(p_workspace_id, p_root) as id;
  select coalesce(array_agg(i.value), '{}') into values_held from public.identities i
   where i.workspace_id = p_workspace_id and i.profile_id = any (members);
  select coalesce(array_agg(distinct r), '{}') into raw_ids from (
    select raw_event_id as r from public.events where workspace_id = p_workspace_id and profile_id = any (members)
    union select raw_event_id from public.traits where workspace_id = p_workspace_id and profile_id = any (members)
    union select id from public.raw_events where workspace_id = p_workspace_id and profile_id = any (members)
    union select raw_event_id from public.profile_merges where workspace_id = p_workspace_id and (survivor_id = any (members) or merged_id = any (members))
    union select p_extra_raw_event
  ) x where r is not null;

  counts := jsonb_build_object(
    'identities', (select count(*) from public.identities where workspace_id = p_workspace_id and profile_id = any (members)),
    'traits', (select count(*) from public.traits where workspace_id = p_workspace_id and profile_id = any (members)),
    'events', (select count(*) from public.events where workspace_id = p_workspace_id and profile_id = any (members)));

  delete from public.identities where workspace_id = p_workspace_id and profile_id = any (members);
  delete from public.traits where workspace_id = p_workspace_id and profile_id = any (members);
  -- Events stay for the shop's totals (what was bought, when, for how much), without anything that says who.
  update public.events set properties = '{}'::jsonb where workspace_id = p_workspace_id and profile_id = any (members);
  update public.profile_merges set linked_by = '[]'::jsonb
   where workspace_id = p_workspace_id and (survivor_id = any (members) or merged_id = any (members));
  update public.identity_conflicts set value = '[erased]'
   where workspace_id = p_workspace_id and (owner_profile_id = any (members) or anchor_profile_id = any (members) or value = any (values_held));
  update public.raw_events
     set body = convert_to(jsonb_build_object('redacted', true, 'topic', topic)::text, 'UTF8'),
         error = case when error is null then null else '[redacted with the person''s data]' end,
         redacted_at = now()
   where workspace_id = p_workspace_id and id = any (raw_ids);
  get diagnostics redacted_raw = row_count;
  update public.profiles
     set display_name = null, first_name = null, last_name = null, email = null, phone = null,
         erased_at = now(), updated_at = now()
   where workspace_id = p_workspace_id and id = any (members);
  -- Earlier exports of this person held their data too.
  update public.privacy_requests set result = jsonb_build_object('erased', true)
   where workspace_id = p_workspace_id and action = 'export' and profile_ids && members;
  return counts || jsonb_build_object('raw_events', redacted_raw, 'profiles', cardinality(members));
end
$$;
comment on function tessera.erase_person(uuid, uuid, bigint) is
  'Removes every personal value of one person (their whole cluster) from identities, traits, events, merges, conflicts and the raw log; keeps the profile row with its totals, marked erased.';

create function tessera.apply_privacy_request(p_workspace_id uuid, p_request jsonb, p_via text, p_raw_event_id bigint) returns jsonb
language plpgsql volatile set search_path = '' as $$
declare
  action text := p_request ->> 'action';
  people uuid[];
  person uuid;
  result jsonb := '{}';
  erased jsonb := '[]';
begin
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || p_workspace_id::text, 0));
  if action = 'erase_account' then
    -- Everything this platform account sent: each person it told us about is erased.
    select coalesce(array_agg(distinct tessera.root_of(p_workspace_id, i.profile_id)), '{}') into people
      from public.identities i where i.workspace_id = p_workspace_id and i.source = split_part(p_via, ':', 1);
    update public.raw_events
       set body = convert_to(jsonb_build_object('redacted', true, 'topic', topic)::text, 'UTF8'), redacted_at = now()
     where workspace_id = p_workspace_id and source = split_part(p_via, ':', 1)
       and (p_request ->> 'account' is null or headers ->> 'x-shopify-shop-domain' = p_request ->> 'account');
  else
    select coalesce(array_agg(p), '{}') into people from tessera.people_with_identities(p_workspace_id, p_request -> 'identities') p;
  end if;

  if action = 'export' then
    result := jsonb_build_object('exports', coalesce((select jsonb_agg(tessera.export_person(p_workspace_id, p)) from unnest(people) p), '[]'));
  else
    foreach person in array people loop
      erased := erased || tessera.erase_person(p_workspace_id, person, p_raw_event_id);
    end loop;
    -- The request itself names the person: it is redacted too, once honoured.
    update public.raw_events
       set body = convert_to(jsonb_build_object('redacted', true, 'topic', topic)::text, 'UTF8'), redacted_at = now()
     where workspace_id = p_workspace_id and id = p_raw_event_id;
    result := jsonb_build_object('erased', erased);
  end if;

  insert into public.privacy_requests (workspace_id, action, requested_via, reference, profile_ids, raw_event_id, completed_at, result)
  values (p_workspace_id, action, p_via, p_request ->> 'reference', people, p_raw_event_id, now(),
          result || jsonb_build_object('people_found', cardinality(people)));
  return jsonb_build_object('people', to_jsonb(people)) || result;
end
$$;
comment on function tessera.apply_privacy_request(uuid, jsonb, text, bigint) is
  'Honours a privacy request (erase, export, erase_account) for the people its identities name, and records it in privacy_requests.';

create function tessera.apply_platform_merge(p_workspace_id uuid, p_merge jsonb, p_raw_event_id bigint) returns uuid
language plpgsql volatile set search_path = '' as $$
declare
  kept uuid;
  merged uuid;
  survivor uuid;
begin
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || p_workspace_id::text, 0));
  select tessera.root_of(p_workspace_id, i.profile_id) into kept from public.identities i
   where i.workspace_id = p_workspace_id and i.kind = p_merge -> 'kept' ->> 'kind'
     and i.value = tessera.normalise_identity(p_merge -> 'kept' ->> 'kind', p_merge -> 'kept' ->> 'value');
  select tessera.root_of(p_workspace_id, i.profile_id) into merged from public.identities i
   where i.workspace_id = p_workspace_id and i.kind = p_merge -> 'merged' ->> 'kind'
     and i.value = tessera.normalise_identity(p_merge -> 'merged' ->> 'kind', p_merge -> 'merged' ->> 'value');
  if kept is null and merged is null then
    return null; -- neither customer reached us: nothing to merge
  end if;
  if kept is null or merged is null or kept = merged then
    -- Only one side is known: it carries on under the kept id.
    perform tessera.resolve_identities(p_workspace_id, jsonb_build_array(p_merge -> 'kept'), 'shopify', now(), p_raw_event_id);
    return coalesce(kept, merged);
  end if;
  -- The platform knows these are one person: its merge overrides identity limits.
  select p.id into survivor from public.profiles p where p.workspace_id = p_workspace_id and p.id in (kept, merged)
   order by p.created_at, p.id limit 1;
  perform tessera.merge_profiles(p_workspace_id, survivor, array[case when survivor = kept then merged else kept end],
                                 jsonb_build_array(p_merge -> 'kept', p_merge -> 'merged'), p_raw_event_id);
  update public.profile_merges m set reason = p_merge ->> 'reason'
   where m.workspace_id = p_workspace_id and m.raw_event_id = p_raw_event_id;
  perform tessera.refresh_profile(p_workspace_id, survivor);
  return survivor;
end
$$;
comment on function tessera.apply_platform_merge(uuid, jsonb, bigint) is
  'Applies a merge the platform itself made (Shopify customers/merge): the two ids are one person, whatever the identity limits say.';

create or replace function public.ingest_raw_event(workspace_id uuid, raw_event_id bigint, normalised jsonb) returns uuid
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  raw public.raw_events;
  profile uuid;
  outcome jsonb;
begin
  select * into raw from public.raw_events r
   where r.workspace_id = ingest_raw_event.workspace_id and r.id = ingest_raw_event.raw_event_id
   for update;
  if not found then
    raise exception using errcode = 'P0002', message = format('raw event %s not found in workspace %s', ingest_raw_event.raw_event_id, ingest_raw_event.workspace_id);
  end if;
  if raw.status = 'processed' then
    return raw.profile_id; -- processing is idempotent: a retry after success changes nothing
  end if;
  if raw.status = 'rejected' then
    raise exception using errcode = '22023', message = format('raw event %s was rejected at the door and is never processed', raw.id);
  end if;
  -- `normalised` is a normaliser's outcome: {kind: record|privacy|merge, …} (src/normalisers/record.ts).
  case ingest_raw_event.normalised ->> 'kind'
    when 'record' then
      profile := tessera.apply_record(raw.workspace_id, raw.source, ingest_raw_event.normalised -> 'record', raw.id);
    when 'merge' then
      profile := tessera.apply_platform_merge(raw.workspace_id, ingest_raw_event.normalised -> 'merge', raw.id);
    when 'privacy' then
      outcome := tessera.apply_privacy_request(raw.workspace_id, ingest_raw_event.normalised -> 'request', raw.source || ':webhook', raw.id);
      profile := (outcome -> 'people' ->> 0)::uuid;
    else
      raise exception using errcode = '22023', message = format('Unknown normalised outcome %L', ingest_raw_event.normalised ->> 'kind');
  end case;
  update public.raw_events r
     set status = 'processed', error = null, attempts = r.attempts + 1, processed_at = now(), profile_id = profile
   where r.workspace_id = raw.workspace_id and r.id = raw.id;
  return profile;
end
$$;

create function public.erase_profile(profile_id uuid, reference text default null) returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
declare
  ws uuid;
begin
  select p.workspace_id into ws from public.profiles p where p.id = erase_profile.profile_id;
  if ws is null then
    raise exception using errcode = 'P0002', message = format('No profile %s.', erase_profile.profile_id);
  end if;
  if coalesce(auth.role(), 'service_role') <> 'service_role'
     and not exists (select 1 from public.workspace_members m where m.workspace_id = ws and m.user_id = auth.uid() and m.role in ('owner', 'admin')) then
    raise exception using errcode = '42501', message = 'Only owners and admins of this workspace may erase a person''s data.';
  end if;
  return tessera.apply_privacy_request(ws,
    jsonb_build_object('action', 'erase', 'reference', erase_profile.reference,
      'identities', (select coalesce(jsonb_agg(jsonb_build_object('kind', i.kind, 'value', i.value)), '[]')
                       from public.identities i where i.workspace_id = ws
                        and i.profile_id in (select tessera.cluster(ws, tessera.root_of(ws, erase_profile.profile_id))))),
    case when auth.role() is null then 'cli' else 'api' end, null);
end
$$;
comment on function public.erase_profile(uuid, text) is 'Erases a person''s personal data (GDPR right to erasure), keeping non-identifying totals; owners, admins and the service key only.';

create function public.export_profile(profile_id uuid, reference text default null) returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
declare
  ws uuid;
  root uuid;
begin
  select p.workspace_id into ws from public.profiles p where p.id = export_profile.profile_id;
  if ws is null then
    raise exception using errcode = 'P0002', message = format('No profile %s.', export_profile.profile_id);
  end if;
  if coalesce(auth.role(), 'service_role') <> 'service_role'
     and not exists (select 1 from public.workspace_members m where m.workspace_id = ws and m.user_id = auth.uid() and m.role in ('owner', 'admin')) then
    raise exception using errcode = '42501', message = 'Only owners and admins of this workspace may export a person''s data.';
  end if;
  root := tessera.root_of(ws, export_profile.profile_id);
  insert into public.privacy_requests (workspace_id, action, requested_via, reference, profile_ids, completed_at, result)
  values (ws, 'export', case when auth.role() is null then 'cli' else 'api' end, export_profile.reference, array[root], now(),
          jsonb_build_object('people_found', 1));
  return tessera.export_person(ws, root);
end
$$;
comment on function public.export_profile(uuid, text) is 'Everything held about a person, as JSON (GDPR right of access), recorded in privacy_requests; owners, admins and the service key only.';

revoke all on function public.erase_profile(uuid, text), public.export_profile(uuid, text) from public, anon;
grant execute on function public.erase_profile(uuid, text), public.export_profile(uuid, text) to authenticated, service_role;
revoke all on function tessera.people_with_identities(uuid, jsonb), tessera.export_person(uuid, uuid), tessera.erase_person(uuid, uuid, bigint),
  tessera.apply_privacy_request(uuid, jsonb, text, bigint), tessera.apply_platform_merge(uuid, jsonb, bigint) from public;
grant execute on function tessera.people_with_identities(uuid, jsonb), tessera.export_person(uuid, uuid), tessera.erase_person(uuid, uuid, bigint),
  tessera.apply_privacy_request(uuid, jsonb, text, bigint), tessera.apply_platform_merge(uuid, jsonb, bigint) to service_role;
