-- Historical backfill (`tessera import`): a merchant's exports, stored and
-- applied a batch of rows at a time. Each row (or each order with its line
-- items) is one raw event, stored verbatim exactly as a webhook is
-- (public.record_raw_event) and applied exactly as a webhook is
-- (public.ingest_raw_event); doing a whole batch in one call and one
-- transaction is what makes a file of years of history take minutes, not
-- hours. A batch either lands whole or not at all, so an import that stops
-- half-way leaves no row stored but unapplied, and running it again skips
-- what landed (the rows' idempotency keys) and carries on.

create function public.import_raw_events(workspace_id uuid, source text, events jsonb) returns jsonb
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

  -- Profiles made in this transaction carry its start time (now()) as created_at.
  select count(*) into created from public.profiles p
   where p.workspace_id = import_raw_events.workspace_id and p.id = any (profile_ids) and p.created_at = now();
  select count(*) into merged from public.profile_merges m
   where m.workspace_id = import_raw_events.workspace_id and m.id > merges_before and m.raw_event_id = any (applied_ids);
  return jsonb_build_object('outcomes', to_jsonb(outcomes), 'profiles_created', created, 'merges', merged);
end
$$;
comment on function public.import_raw_events(uuid, text, jsonb) is
  'Stores a batch of imported rows as raw events and applies each, in one transaction. Each event: {topic, idempotency_key, headers, body (text, stored verbatim), triggered_at, normalised (what public.ingest_raw_event applies) | status + error}. Answers each row''s outcome (imported, resumed, duplicate, rejected, ignored), the profiles created and the merges the batch caused.';

-- Ingest is the backend's job: only the service key may call it.
revoke all on function public.import_raw_events(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function public.import_raw_events(uuid, text, jsonb) to service_role;
