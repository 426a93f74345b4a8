-- Ingest: raw event → identity resolution → events and traits → profile.
-- A source's normaliser (TypeScript, pure) turns a raw body into a record:
--   {
--     "observed_at": "2026-11-24T10:00:00Z",           -- when the source saw this
--     "identities": [{ "kind": "email", "value": "Ana@Example.com" }, …],
--     "traits":     [{ "name": "first_name", "value": "Ana" }, …],
--     "events":     [{ "external_id": "order:450789469:placed", "type": "order_placed",
--                      "occurred_at": "…", "revenue": 84.0, "currency": "USD", "properties": {…} }, …]
--   }
-- and tessera.apply_record() writes it in one transaction. The canonical form
-- of identities is defined here, once, so every path (webhooks, imports,
-- resolve_profile) agrees on it.

create function tessera.normalise_identity(kind text, value text) returns text
language sql immutable set search_path = '' as $$
  select nullif(case
    when kind = 'email' then lower(btrim(value))
    -- Phones arrive in E.164 from the normalisers, which know the customer's
    -- country; here only formatting characters are dropped.
    when kind = 'phone' then case
      when regexp_replace(value, '[\s().-]', '', 'g') ~ '^\+[1-9][0-9]{6,14}$'
        then regexp_replace(value, '[\s().-]', '', 'g')
      when regexp_replace(value, '[\s().-]', '', 'g') ~ '^00[1-9][0-9]{6,14}$'
        then '+' || substr(regexp_replace(value, '[\s().-]', '', 'g'), 3)
    end
    -- Social handles: case-insensitive, with or without the @.
    when kind in ('instagram', 'tiktok', 'x', 'youtube_handle') then lower(ltrim(btrim(value), '@'))
    else btrim(value)
  end, '')
$$;
comment on function tessera.normalise_identity(text, text) is
  'The canonical value of an identity: emails lower-cased and trimmed, phones in E.164 (or null), handles lower-cased without @. Null means unusable.';

create function public.record_raw_event(
  workspace_id uuid,
  source text,
  topic text,
  idempotency_key text,
  headers jsonb,
  body_base64 text,
  triggered_at timestamptz default null,
  status text default 'pending',
  error text default null
) returns jsonb
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  stored public.raw_events;
begin
  insert into public.raw_events (workspace_id, source, topic, idempotency_key, headers, body, triggered_at, status, error)
  values (record_raw_event.workspace_id, record_raw_event.source, record_raw_event.topic, record_raw_event.idempotency_key,
          record_raw_event.headers, decode(record_raw_event.body_base64, 'base64'), record_raw_event.triggered_at,
          record_raw_event.status, record_raw_event.error)
  on conflict (workspace_id, source, idempotency_key) where status <> 'rejected' do nothing
  returning * into stored;
  if found then
    return jsonb_build_object('id', stored.id, 'duplicate', false, 'status', stored.status);
  end if;
  select * into stored from public.raw_events r
   where r.workspace_id = record_raw_event.workspace_id and r.source = record_raw_event.source
     and r.idempotency_key = record_raw_event.idempotency_key and r.status <> 'rejected';
  return jsonb_build_object('id', stored.id, 'duplicate', true, 'status', stored.status, 'error', stored.error);
end
$$;
comment on function public.record_raw_event(uuid, text, text, text, jsonb, text, timestamptz, text, text) is
  'Stores one delivery verbatim before anything else happens. A repeated idempotency key stores nothing and answers duplicate=true with the first delivery''s status.';

create function public.settle_raw_event(workspace_id uuid, raw_event_id bigint, status text, error text default null) returns void
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
begin
  if settle_raw_event.status not in ('ignored', 'failed') then
    raise exception using errcode = '22023', message = format('settle_raw_event sets ignored or failed, not %s', settle_raw_event.status);
  end if;
  update public.raw_events r
     set status = settle_raw_event.status, error = settle_raw_event.error,
         attempts = r.attempts + 1, processed_at = now()
   where r.workspace_id = settle_raw_event.workspace_id and r.id = settle_raw_event.raw_event_id and r.status <> 'processed';
end
$$;
comment on function public.settle_raw_event(uuid, bigint, text, text) is
  'Marks a raw event ignored (topic not handled) or failed (dead-letter, with the reason).';

create function tessera.merge_profiles(p_workspace_id uuid, p_survivor uuid, p_merged uuid[], p_linked_by jsonb, p_raw_event_id bigint)
returns void
language plpgsql volatile set search_path = '' as $$
begin
  update public.identities set profile_id = p_survivor
   where workspace_id = p_workspace_id and profile_id = any (p_merged);
  update public.events set profile_id = p_survivor
   where workspace_id = p_workspace_id and profile_id = any (p_merged);
  -- Per trait and source, the value observed last wins.
  insert into public.traits as t (workspace_id, profile_id, name, source, value, observed_at, raw_event_id)
  select distinct on (name, source) workspace_id, p_survivor, name, source, value, observed_at, raw_event_id
    from public.traits
   where workspace_id = p_workspace_id and profile_id = any (p_merged)
   order by name, source, observed_at desc
  on conflict (workspace_id, profile_id, name, source) do update
     set value = excluded.value, observed_at = excluded.observed_at, raw_event_id = excluded.raw_event_id
   where excluded.observed_at > t.observed_at;
  delete from public.traits where workspace_id = p_workspace_id and profile_id = any (p_merged);
  update public.profiles set merged_into = p_survivor, updated_at = now()
   where workspace_id = p_workspace_id and (id = any (p_merged) or merged_into = any (p_merged));
  insert into public.profile_merges (workspace_id, survivor_id, merged_id, linked_by, raw_event_id)
  select p_workspace_id, p_survivor, m, p_linked_by, p_raw_event_id from unnest(p_merged) as m;
end
$$;
comment on function tessera.merge_profiles(uuid, uuid, uuid[], jsonb, bigint) is
  'Moves the identities, events and traits of the merged profiles onto the survivor, points the old rows at it and records why.';

create function tessera.resolve_identities(p_workspace_id uuid, p_identities jsonb, p_source text, p_observed_at timestamptz, p_raw_event_id bigint)
returns uuid
language plpgsql volatile set search_path = '' as $$
declare
  wanted jsonb;
  matches uuid[];
  survivor uuid;
begin
  select coalesce(jsonb_agg(distinct jsonb_build_object('kind', i.kind, 'value', i.value)), '[]')
    into wanted
    from (select x.kind, tessera.normalise_identity(x.kind, x.value) as value
            from jsonb_to_recordset(p_identities) as x(kind text, value text)) i
   where i.value is not null;
  if jsonb_array_length(wanted) = 0 then
    raise exception using errcode = '22023', message = 'The record carries no usable identity, so it cannot be tied to a person.',
      hint = 'An email, an E.164 phone or a platform id is needed.';
  end if;

  -- One resolver at a time per workspace: two deliveries that link the same
  -- people concurrently must end in the same graph as if they came in turn.
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || p_workspace_id::text, 0));

  select array_agg(p.id order by p.created_at, p.id) into matches
    from public.profiles p
   where p.workspace_id = p_workspace_id
     and p.id in (select i.profile_id
                    from jsonb_to_recordset(wanted) as w(kind text, value text)
                    join public.identities i on i.workspace_id = p_workspace_id and i.kind = w.kind and i.value = w.value);

  if matches is null then
    insert into public.profiles (workspace_id, first_seen_at) values (p_workspace_id, p_observed_at)
    returning id into survivor;
  else
    -- The oldest profile survives, so ids handed out earlier stay the primary ones.
    survivor := matches[1];
    if array_length(matches, 1) > 1 then
      perform tessera.merge_profiles(p_workspace_id, survivor, matches[2:], wanted, p_raw_event_id);
    end if;
  end if;

  insert into public.identities as i (workspace_id, kind, value, profile_id, source, first_seen_at, last_seen_at)
  select p_workspace_id, w.kind, w.value, survivor, p_source, p_observed_at, p_observed_at
    from jsonb_to_recordset(wanted) as w(kind text, value text)
  on conflict (workspace_id, kind, value) do update
     set first_seen_at = least(i.first_seen_at, excluded.first_seen_at),
         last_seen_at = greatest(i.last_seen_at, excluded.last_seen_at);
  return survivor;
end
$$;
comment on function tessera.resolve_identities(uuid, jsonb, text, timestamptz, bigint) is
  'Identity resolution: the profile these identities belong to. Creates one if none matches; merges them if several do (transitively linking sources).';

create function tessera.refresh_profile(p_workspace_id uuid, p_profile_id uuid) returns void
language plpgsql volatile set search_path = '' as $$
begin
  with winning as (
    -- Across sources, the value observed last wins.
    select distinct on (t.name) t.name, t.value #>> '{}' as value
      from public.traits t
     where t.workspace_id = p_workspace_id and t.profile_id = p_profile_id and jsonb_typeof(t.value) <> 'null'
     order by t.name, t.observed_at desc, t.source
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
     where e.workspace_id = p_workspace_id and e.profile_id = p_profile_id
  ), contact as (
    select (select i.value from public.identities i
             where i.workspace_id = p_workspace_id and i.profile_id = p_profile_id and i.kind = 'email'
             order by i.last_seen_at desc limit 1) as email,
           (select i.value from public.identities i
             where i.workspace_id = p_workspace_id and i.profile_id = p_profile_id and i.kind = 'phone'
             order by i.last_seen_at desc limit 1) as phone,
           (select min(i.first_seen_at) from public.identities i
             where i.workspace_id = p_workspace_id and i.profile_id = p_profile_id) as first_seen
  ), projected as (
    select n.first_name, n.last_name,
           coalesce(nullif(btrim(concat_ws(' ', n.first_name, n.last_name)), ''), n.full_name) as display_name,
           coalesce(tessera.normalise_identity('email', n.email), c.email) as email,
           coalesce(tessera.normalise_identity('phone', n.phone), c.phone) as phone,
           a.revenue, a.orders, a.last_at, a.currency,
           least(a.first_at, c.first_seen) as first_seen
      from named n, activity a, contact c
  )
  update public.profiles p
     set first_name = x.first_name, last_name = x.last_name, display_name = x.display_name,
         email = x.email, phone = x.phone, lifetime_revenue = x.revenue, orders_count = x.orders,
         currency = x.currency, last_activity_at = x.last_at,
         first_seen_at = least(p.first_seen_at, coalesce(x.first_seen, p.first_seen_at)),
         updated_at = now()
    from projected x
   where p.workspace_id = p_workspace_id and p.id = p_profile_id
     and (p.first_name, p.last_name, p.display_name, p.email, p.phone, p.lifetime_revenue, p.orders_count, p.currency, p.last_activity_at,
          least(p.first_seen_at, coalesce(x.first_seen, p.first_seen_at)))
         is distinct from
         (x.first_name, x.last_name, x.display_name, x.email, x.phone, x.revenue, x.orders::integer, x.currency, x.last_at, p.first_seen_at);
end
$$;
comment on function tessera.refresh_profile(uuid, uuid) is
  'Recomputes a profile''s projection (name, contact, revenue, orders, last activity) from its traits, identities and events; writes only if something changed.';

create function tessera.apply_record(p_workspace_id uuid, p_source text, p_record jsonb, p_raw_event_id bigint) returns uuid
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

  perform tessera.refresh_profile(p_workspace_id, profile);
  return profile;
end
$$;
comment on function tessera.apply_record(uuid, text, jsonb, bigint) is
  'Writes one normalised record: resolves its identities to a profile, stores its events (once each) and traits (newest wins), refreshes the profile.';

create function public.ingest_raw_event(workspace_id uuid, raw_event_id bigint, normalised jsonb) returns uuid
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  raw public.raw_events;
  profile uuid;
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
  profile := tessera.apply_record(raw.workspace_id, raw.source, ingest_raw_event.normalised, raw.id);
  update public.raw_events r
     set status = 'processed', error = null, attempts = r.attempts + 1, processed_at = now(), profile_id = profile
   where r.workspace_id = raw.workspace_id and r.id = raw.id;
  return profile;
end
$$;
comment on function public.ingest_raw_event(uuid, bigint, jsonb) is
  'Applies the normalised record of one stored raw event and marks it processed, in one transaction. Idempotent.';

-- Ingest is the backend's job: only the service key may call these.
revoke all on function public.record_raw_event(uuid, text, text, text, jsonb, text, timestamptz, text, text),
  public.settle_raw_event(uuid, bigint, text, text),
  public.ingest_raw_event(uuid, bigint, jsonb) from public, anon, authenticated;
grant execute on function public.record_raw_event(uuid, text, text, text, jsonb, text, timestamptz, text, text),
  public.settle_raw_event(uuid, bigint, text, text),
  public.ingest_raw_event(uuid, bigint, jsonb) to service_role;
revoke all on function tessera.normalise_identity(text, text), tessera.merge_profiles(uuid, uuid, uuid[], jsonb, bigint),
  tessera.resolve_identities(uuid, jsonb, text, timestamptz, bigint), tessera.refresh_profile(uuid, uuid),
  tessera.apply_record(uuid, text, jsonb, bigint) from public;
grant execute on function tessera.normalise_identity(text, text) to authenticated, service_role;
grant execute on function tessera.merge_profiles(uuid, uuid, uuid[], jsonb, bigint),
  tessera.resolve_identities(uuid, jsonb, text, timestamptz, bigint), tessera.refresh_profile(uuid, uuid),
  tessera.apply_record(uuid, text, jsonb, bigint) to service_role;
