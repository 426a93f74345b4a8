-- Applying stored deliveries a batch at a time. One delivery per transaction
-- paid a commit (an fsync) and a full recomputation of the person's profile
-- (every event and trait of their cluster) for each delivery; a busy store
-- sends many deliveries about one person in a row (order created, paid,
-- fulfilled, customer updated). In a batch, each delivery is applied in
-- order exactly as before, but each person's profile is recomputed once, at
-- the end, and the batch commits once. Identity resolution never reads the
-- recomputed columns (survivors are chosen by created_at), so deferring the
-- recomputation to the end of the batch cannot change who is merged with whom.

-- Inside a batch (`tessera.batch` = 'on', transaction-local), apply_record
-- leaves the profile recomputation to the batch.
create or replace function tessera.apply_record(p_workspace_id uuid, p_source text, p_record jsonb, p_raw_event_id bigint) returns uuid
language plpgsql volatile set search_path = '' as $$
declare
  observed timestamptz := coalesce((p_record ->> 'observed_at')::timestamptz, now());
  profile uuid;
begin
  profile := tessera.resolve_identities(p_workspace_id, coalesce(p_record -> 'identities', '[]'), p_source, observed, p_raw_event_id);

  insert into public.events (workspace_id, profile_id, source, type, external_id, occurred_at, revenue, currency, properties, raw_event_id)
  select p_workspace_id, profile, p_source, e.type, e.external_id, coalesce(e.occurred_at, observed), e.revenue, upper(e.currency),
         coalesce(e.properties, '{}'), p_raw_event_id
    from jsonb_to_recordset(coalesce(p_record -> 'events', '[]'))
         as e(type text, external_id text, occurred_at timestamptz, revenue numeric, currency text, properties jsonb)
  on conflict (workspace_id, source, external_id) do nothing;

  insert into public.traits as t (workspace_id, profile_id, name, source, value, observed_at, raw_event_id)
  select distinct on (x.name) p_workspace_id, profile, x.name, p_source, x.value, coalesce(x.observed_at, observed), p_raw_event_id
    from jsonb_to_recordset(coalesce(p_record -> 'traits', '[]')) as x(name text, value jsonb, observed_at timestamptz)
   where x.value is not null
   order by x.name, coalesce(x.observed_at, observed) desc
  on conflict (workspace_id, profile_id, name, source) do update
     set value = excluded.value, observed_at = excluded.observed_at, raw_event_id = excluded.raw_event_id
   where excluded.observed_at >= t.observed_at;

  if current_setting('tessera.batch', true) is distinct from 'on' then
    perform tessera.refresh_profile(p_workspace_id, profile);
  end if;
  return profile;
end
$$;
comment on function tessera.apply_record(uuid, text, jsonb, bigint) is
  'Writes one normalised record: resolves its identities to a profile, stores its events (once each) and traits (newest wins), refreshes the profile (at the end of the batch, inside public.ingest_raw_events or public.import_raw_events).';

-- Recomputes, once each, the people the given profiles now belong to (after
-- merges in the batch, a profile may have been folded into someone).
create function tessera.refresh_people(p_workspace_id uuid, p_profiles uuid[]) returns void
language sql volatile set search_path = '' as $$
  select tessera.refresh_profile(p_workspace_id, root)
    from (select distinct tessera.root_of(p_workspace_id, p) as root from unnest(p_profiles) as p where p is not null) people
   where root is not null;
$$;
comment on function tessera.refresh_people(uuid, uuid[]) is
  'Recomputes the profile of each person the given profiles belong to, once each (the end of an ingest or import batch).';
revoke all on function tessera.refresh_people(uuid, uuid[]) from public;
grant execute on function tessera.refresh_people(uuid, uuid[]) to service_role;

create function public.ingest_raw_events(workspace_id uuid, events jsonb) returns jsonb
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  entry jsonb;
  profile uuid;
  profiles uuid[] := '{}';
  outcomes jsonb[] := '{}';
begin
  if jsonb_typeof(events) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'ingest_raw_events expects a JSON array of {id, normalised} or {id, status, error}';
  end if;
  perform set_config('tessera.batch', 'on', true);
  for entry in select e from jsonb_array_elements(events) as e loop
    if entry ? 'normalised' then
      profile := public.ingest_raw_event(ingest_raw_events.workspace_id, (entry ->> 'id')::bigint, entry -> 'normalised');
      profiles := profiles || profile;
      outcomes := outcomes || jsonb_build_object('id', (entry ->> 'id')::bigint, 'profile_id', profile);
    else
      perform public.settle_raw_event(ingest_raw_events.workspace_id, (entry ->> 'id')::bigint, entry ->> 'status', entry ->> 'error');
    end if;
  end loop;
  perform set_config('tessera.batch', 'off', true);
  perform tessera.refresh_people(ingest_raw_events.workspace_id, profiles);
  return to_jsonb(outcomes);
end
$$;
comment on function public.ingest_raw_events(uuid, jsonb) is
  'Applies a batch of stored raw events in order, in one transaction: each {id, normalised} as public.ingest_raw_event does, each {id, status: ignored|failed, error} settled as public.settle_raw_event does; each person touched is recomputed once, at the end. Answers [{id, profile_id}] for the applied ones.';
revoke all on function public.ingest_raw_events(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.ingest_raw_events(uuid, jsonb) to service_role;

-- The backfill gets the same deferral: its batches are bigger still.
create or replace function public.import_raw_events(workspace_id uuid, source text, events jsonb) returns jsonb
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  entry jsonb;
  stored jsonb;
  raw_id bigint;
  outcome text;
  outcomes jsonb[] := '{}';
  applied_ids bigint[] := '{}';
  profile_ids uuid[] := '{}';
  merges_before bigint;
  created integer;
  merged integer;
begin
  if jsonb_typeof(events) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'import_raw_events expects a JSON array of events';
  end if;
  select coalesce(max(m.id), 0) into merges_before
    from public.profile_merges m where m.workspace_id = import_raw_events.workspace_id;

  perform set_config('tessera.batch', 'on', true);
  for entry in select e from jsonb_array_elements(events) as e loop
    -- A row its normaliser could not use arrives without `normalised` and lands
    -- in the dead-letter (failed, with the reason); an unhandled kind is ignored.
    stored := public.record_raw_event(
      import_raw_events.workspace_id, import_raw_events.source, entry ->> 'topic', entry ->> 'idempotency_key', entry -> 'headers',
      encode(convert_to(entry ->> 'body', 'UTF8'), 'base64'), (entry ->> 'triggered_at')::timestamptz,
      case when entry ? 'normalised' then 'pending' else coalesce(entry ->> 'status', 'failed') end, entry ->> 'error');
    raw_id := (stored ->> 'id')::bigint;

    if entry ? 'normalised' and (not (stored ->> 'duplicate')::boolean or stored ->> 'status' in ('pending', 'failed')) then
      -- New, or stored earlier and never applied (pending), or failed before
      -- and usable now that the normaliser has been fixed.
      profile_ids := profile_ids || public.ingest_raw_event(import_raw_events.workspace_id, raw_id, entry -> 'normalised');
      applied_ids := applied_ids || raw_id;
      outcome := case when (stored ->> 'duplicate')::boolean then 'resumed' else 'imported' end;
    elsif (stored ->> 'duplicate')::boolean then
      outcome := 'duplicate';
    else
      outcome := case when stored ->> 'status' = 'ignored' then 'ignored' else 'rejected' end;
    end if;
    outcomes := outcomes || jsonb_strip_nulls(jsonb_build_object(
      'id', raw_id, 'outcome', outcome,
      'status', case when outcome = 'duplicate' then stored ->> 'status' end,
      'error', case when outcome = 'duplicate' then stored ->> 'error' end));
  end loop;
  perform set_config('tessera.batch', 'off', true);
  perform tessera.refresh_people(import_raw_events.workspace_id, profile_ids);

  -- Profiles made in this transaction carry its start time (now()) as created_at.
  select count(*) into created from public.profiles p
   where p.workspace_id = import_raw_events.workspace_id and p.id = any (profile_ids) and p.created_at = now();
  select count(*) into merged from public.profile_merges m
   where m.workspace_id = import_raw_events.workspace_id and m.id > merges_before and m.raw_event_id = any (applied_ids);
  return jsonb_build_object('outcomes', to_jsonb(outcomes), 'profiles_created', created, 'merges', merged);
end
$$;

-- What follows a person's change — their lifecycle stage, the facts segments
-- read, their segment memberships — for everyone a batch touched, in one call
-- (after their churn scores, which the stage and facts read).
create function tessera.refresh_derived(p_workspace_id uuid, p_profiles uuid[], p_at timestamptz default now()) returns integer
language plpgsql volatile set search_path = '' as $$
declare
  person uuid;
  changed integer := 0;
begin
  for person in
    select distinct tessera.root_of(p_workspace_id, p) as root from unnest(p_profiles) as p where p is not null order by 1
  loop
    continue when person is null;
    perform tessera.refresh_stage(p_workspace_id, person, p_at);
    perform tessera.refresh_profile_facts(p_workspace_id, person);
    changed := changed + tessera.refresh_memberships(p_workspace_id, person, p_at);
  end loop;
  return changed;
end
$$;
comment on function tessera.refresh_derived(uuid, uuid[], timestamptz) is
  'For each person the given profiles belong to: their lifecycle stage, segment facts and segment memberships, brought up to date (after a batch of events). Answers the number of segment entries and exits.';
revoke all on function tessera.refresh_derived(uuid, uuid[], timestamptz) from public;
grant execute on function tessera.refresh_derived(uuid, uuid[], timestamptz) to service_role;
