-- Intake a batch at a time (docs/scaling.md has the before and after). In
-- order below: identity values normalised inline; per-record helpers whose
-- plans are kept; the blocked-identity patterns as one set; raw events stored a batch per call
-- (record_raw_events); the backfill storing its rows that way and choosing
-- its fast lane with them.
--
-- Measured with pg_stat_statements (track = all) over four 500-row batches
-- of the bench's customer export, 310 ms a batch: choosing the fast lane took
-- 81 ms, of which 1,202 calls of normalise_identity took 11 ms and as many
-- of blocked_identity 20 ms (a SQL function with SET or SECURITY DEFINER is
-- never inlined: each call is an executor run); storing the rows one
-- record_raw_event at a time, and the loop's array appends, about 65 ms.

-- The canonical value of an identity, now inlined where it is used. It
-- reads no table and calls only pg_catalog functions, named as such, so it
-- needs no search_path of its own, and without one Postgres expands it in
-- place instead of running it per value.
create or replace function tessera.normalise_identity(kind text, value text) returns text
language sql immutable parallel safe as $$
  select nullif(case
    when kind = 'email' then pg_catalog.lower(pg_catalog.btrim(value))
    -- Phones arrive in E.164 from the normalisers, which know the customer's
    -- country; here only formatting characters are dropped.
    when kind = 'phone' then case
      when pg_catalog.regexp_replace(value, '[\s().-]', '', 'g') ~ '^\+[1-9][0-9]{6,14}$'
        then pg_catalog.regexp_replace(value, '[\s().-]', '', 'g')
      when pg_catalog.regexp_replace(value, '[\s().-]', '', 'g') ~ '^00[1-9][0-9]{6,14}$'
        then '+' || pg_catalog.substr(pg_catalog.regexp_replace(value, '[\s().-]', '', 'g'), 3)
    end
    -- Social handles: case-insensitive, with or without the @.
    when kind in ('instagram', 'tiktok', 'x', 'youtube_handle') then pg_catalog.lower(pg_catalog.ltrim(pg_catalog.btrim(value), '@'))
    else pg_catalog.btrim(value)
  end, '')
$$;

-- Helpers called once per record or per identity are PL/pgSQL, whose plans
-- are kept for the session. A SQL function that cannot be inlined (SECURITY
-- DEFINER, a SET clause, more than one statement) is planned again in every
-- statement that calls it: over the bench's 3,584 Shopify deliveries
-- (track_functions = all, at 0023), identity_rule took 42 µs a call,
-- blocked_identity 62 µs and write_record_facts 0.57 ms, mostly planning;
-- as PL/pgSQL, identity_rule 21 µs and blocked_identity 33 µs.
create or replace function tessera.identity_rule(p_workspace_id uuid, p_kind text, out priority integer, out max_per_profile integer, out listed boolean)
language plpgsql stable security definer set search_path = '' as $$
begin
  select coalesce(w.priority, d.priority, 100), case when w.kind is not null then w.max_per_profile else d.max_per_profile end,
         coalesce(w.listed, d.listed, true)
    into priority, max_per_profile, listed
    from (select 1) one
    left join public.identity_rules w on w.workspace_id = p_workspace_id and w.kind = p_kind
    left join tessera.identity_rule_defaults d on d.kind = p_kind;
end
$$;

-- The patterns that keep an identity from linking anyone, as one set: a
-- batch tests all its identities against them in one join.
create function tessera.blocked_patterns(p_workspace_id uuid) returns table (kind text, pattern text, note text)
language plpgsql stable security definer set search_path = '' as $$
begin
  return query
    select d.kind, d.pattern, d.note from tessera.blocked_identity_defaults d
    union all
    select b.kind, b.pattern, coalesce(b.note, 'blocked by this workspace') from public.blocked_identities b where b.workspace_id = p_workspace_id;
end
$$;
comment on function tessera.blocked_patterns(uuid) is
  'The identity patterns that never link anyone in a workspace (the defaults and its own), with why: (kind or *, regex, note).';
revoke all on function tessera.blocked_patterns(uuid) from public, anon, authenticated;
grant execute on function tessera.blocked_patterns(uuid) to service_role;

create or replace function tessera.blocked_identity(p_workspace_id uuid, p_kind text, p_value text) returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  return (select b.note from tessera.blocked_patterns(p_workspace_id) b
           where (b.kind = p_kind or b.kind = '*') and p_value ~ b.pattern
           limit 1);
end
$$;

create or replace function tessera.write_record_facts(p_workspace_id uuid, p_source text, p_records jsonb) returns void
language plpgsql volatile set search_path = '' as $$
begin
  insert into public.events (workspace_id, profile_id, source, type, external_id, occurred_at, revenue, currency, properties, raw_event_id)
  select p_workspace_id, f.profile_id, p_source, e.type, e.external_id, coalesce(e.occurred_at, f.observed_at),
         e.revenue, upper(e.currency), coalesce(e.properties, '{}'), f.raw_id
    from jsonb_to_recordset(p_records) as f(profile_id uuid, observed_at timestamptz, raw_id bigint, record jsonb)
    cross join lateral jsonb_to_recordset(coalesce(f.record -> 'events', '[]'))
         as e(type text, external_id text, occurred_at timestamptz, revenue numeric, currency text, properties jsonb)
  on conflict (workspace_id, source, external_id) do nothing;

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

-- Raw events, a batch per call: one round trip and one commit for many
-- deliveries (the server's intake groups the deliveries that arrive
-- together; the backfill stores a file's batch). Each is stored by
-- record_raw_event, in order, so a key repeated within the batch is a
-- duplicate of its first delivery exactly as if they had come in turn. (A
-- single insert of the whole batch was tried: preallocating ids to map its
-- rows back cost as much as the 500 cached-plan inserts for a backfill batch,
-- 27 ms, and 0.42 ms for one delivery against 55 µs.)
create function public.record_raw_events(workspace_id uuid, source text, deliveries jsonb) returns jsonb
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  d jsonb;
  stored jsonb[] := '{}';
begin
  if jsonb_typeof(deliveries) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'record_raw_events expects a JSON array of deliveries';
  end if;
  for d in select e from jsonb_array_elements(deliveries) as e loop
    stored := stored || public.record_raw_event(
      record_raw_events.workspace_id, record_raw_events.source, d ->> 'topic', d ->> 'idempotency_key', d -> 'headers',
      coalesce(d ->> 'body_base64', encode(convert_to(d ->> 'body', 'UTF8'), 'base64')), (d ->> 'triggered_at')::timestamptz,
      coalesce(d ->> 'status', 'pending'), d ->> 'error');
  end loop;
  return to_jsonb(stored);
end
$$;
comment on function public.record_raw_events(uuid, text, jsonb) is
  'Stores a batch of deliveries verbatim, in order, in one call: [{topic, idempotency_key, headers, body_base64 or body (text), triggered_at, status, error}] → [{id, duplicate, status, error}], as record_raw_event answers each.';
revoke all on function public.record_raw_events(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function public.record_raw_events(uuid, text, jsonb) to service_role;

-- Records whose person is unambiguous, a batch at a time. Most deliveries
-- need none of identity resolution's decisions: an order from a known
-- customer carries identities that all belong to that customer, plus the new
-- order's id; a new customer's first deliveries name only them. Such records
-- are applied together, a few statements for the batch, with the outcome
-- resolve_identities reaches for each in turn (its short path).
-- The batch's records are grouped by who they name: two records are in one
-- group when they carry an identity in common or identities of one known
-- person. A group is applied here when every identity it carries that is
-- known belongs to one profile (or none is known: a new person), none is
-- blocked, the new ones break no limit (none of a limited kind for a known
-- person; no more than the limit for a new one), no event id of its records
-- is on another record of the batch, and each record carries an identity
-- known by its turn: known before, or on an earlier record of the group
-- (only a new person's first record has none; a record without one would
-- make a new person, whom a later record would merge). Applied in turn, each
-- record of such a group is anchored to that one profile, new identities
-- attach to it, and known ones are marked seen: the same rows this writes. Records of the other groups never name anyone
-- in these, so the caller applies them one at a time after, with the same
-- outcome as in arrival order (src/ingest/unambiguous-lane.test.ts compares
-- both ways).
-- p_rows: [{n, raw_id, source, record}], raw events not yet processed.
-- Answers [{n, raw_id, profile_id}] for the records it applied.
-- Its joins are between sets built from the batch, whose sizes the planner
-- cannot estimate: it nested loops over two of them (quadratic: 228 ms of
-- one 500-row batch's 297 on PGlite, after ANALYZE), so it may not. The
-- identity lookups are laterals, nested loops whatever this says.
create function tessera.apply_unambiguous_records(p_workspace_id uuid, p_rows jsonb) returns jsonb
language plpgsql volatile set search_path = '' set jit = off set enable_nestloop = off as $$
declare
  lane jsonb;
  claims jsonb;
  src text;
begin
  -- The resolver's lock: what is known must not change while the batch is read and applied.
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || p_workspace_id::text, 0));

  with recursive rows as materialized (
    select (t ->> 'n')::integer as n, (t ->> 'raw_id')::bigint as raw_id, t ->> 'source' as source, t -> 'record' as record,
           coalesce((t -> 'record' ->> 'observed_at')::timestamptz, now()) as observed_at
      from jsonb_array_elements(p_rows) as t
  ), usable as materialized (
    -- Each record's usable identities, normalised once.
    select distinct r.n, x.kind, v.value
      from rows r
      cross join lateral jsonb_to_recordset(coalesce(r.record -> 'identities', '[]')) as x(kind text, value text)
      cross join lateral (select tessera.normalise_identity(x.kind, x.value) as value) v
     where v.value is not null
  ), rules as materialized (
    select k.kind, r.max_per_profile
      from (select distinct u.kind from usable u) k cross join lateral tessera.identity_rule(p_workspace_id, k.kind) as r
  ), blocked as materialized (
    select b.kind, b.pattern from tessera.blocked_patterns(p_workspace_id) b
  ), claim as materialized (
    -- Who has each identity now (one index probe each: `limit 1` keeps the planner from hashing the workspace's identities).
    select u.n, u.kind, u.value, o.profile_id as owner, coalesce(p.merged_into, p.id) as root
      from usable u
      left join lateral (select i.profile_id from public.identities i
                          where i.workspace_id = p_workspace_id and i.kind = u.kind and i.value = u.value limit 1) o on true
      left join lateral (select p.merged_into, p.id from public.profiles p
                          where p.workspace_id = p_workspace_id and p.id = o.profile_id limit 1) p on true
  ), named as materialized (
    -- What ties records together: an identity, or a known person.
    select distinct c.n, case when c.root is null then 'identity:' || c.kind || ':' || c.value else 'person:' || c.root end as name
      from claim c
  ), reach (n, other) as (
    select d.n, d.n from named d
    union
    select r.n, b.n from reach r join named a on a.n = r.other join named b on b.name = a.name
  ), grouped as materialized (
    select r.n, min(r.other) as grp from reach r group by r.n
  ), event_ids as (
    select r.n, e.external_id
      from rows r cross join lateral jsonb_to_recordset(coalesce(r.record -> 'events', '[]')) as e(external_id text)
     where e.external_id is not null
  ), unfit as (
    -- Records that must be resolved in turn: their group is too.
    select c.n from claim c where exists (select 1 from blocked b where (b.kind = c.kind or b.kind = '*') and c.value ~ b.pattern)
    union
    select e.n from event_ids e where e.external_id in (select o.external_id from event_ids o group by o.external_id having count(distinct o.n) > 1)
  ), known_by_turn as (
    -- Records carrying an identity known by their turn: known before the batch, or carried by an earlier record.
    select distinct c.n from claim c
      join (select e.kind, e.value, min(e.n) as first_n from claim e group by e.kind, e.value) f on f.kind = c.kind and f.value = c.value
     where c.owner is not null or f.first_n < c.n
  ), late as (
    -- A record with none makes a new person in turn, whom a later record would merge: unless it is the first
    -- record of a new person's group, its group is resolved in turn.
    select g.n, g.grp from grouped g where g.n not in (select k.n from known_by_turn k)
  ), owners as (
    select g.grp, count(distinct c.owner) as owners, (array_agg(c.owner) filter (where c.owner is not null))[1] as owner,
           bool_or(g.n in (select f.n from unfit f)) as unfit
      from grouped g join claim c on c.n = g.n
     group by g.grp
  ), new_limited as (
    -- New identities of a limited kind, per group: none may go to a known person, at most the limit to a new one.
    select g.grp, c.kind, count(distinct c.value) as n, min(ru.max_per_profile) as max_per_profile
      from claim c join grouped g on g.n = c.n join rules ru on ru.kind = c.kind
     where c.owner is null and ru.max_per_profile is not null
     group by g.grp, c.kind
  ), groups as (
    -- (Each condition an uncorrelated subquery, hashed once: joined or correlated, the planner, which cannot
    -- estimate these sets, nested its loops over them.)
    select o.grp, o.owner from owners o
     where o.owners <= 1 and not o.unfit
       and o.grp not in (select nl.grp from new_limited nl where nl.n > nl.max_per_profile)
       and (o.owner is null or o.grp not in (select nl.grp from new_limited nl))
       and o.grp not in (select l.grp from late l where l.n <> l.grp)
       and (o.owner is null or o.grp not in (select l.grp from late l))
  ), people as materialized (
    select gr.grp, coalesce(gr.owner, gen_random_uuid()) as profile_id, gr.owner is null as new from groups gr
  )
  select (select coalesce(jsonb_agg(jsonb_build_object(
                   'n', r.n, 'raw_id', r.raw_id, 'source', r.source, 'observed_at', r.observed_at, 'record', r.record,
                   'profile_id', pe.profile_id, 'new', pe.new, 'first', r.n = g.grp) order by r.n), '[]')
            from rows r join grouped g on g.n = r.n join people pe on pe.grp = g.grp),
         -- Each identity the applied records carry: its profile, whether it is known, when the batch first and last saw it.
         (select coalesce(jsonb_agg(x), '[]') from (
            select distinct on (c.kind, c.value) c.kind, c.value, pe.profile_id, r.source, c.owner is not null as known,
                   min(r.observed_at) over (partition by c.kind, c.value) as first_seen,
                   max(r.observed_at) over (partition by c.kind, c.value) as last_seen
              from claim c join rows r on r.n = c.n join grouped g on g.n = c.n join people pe on pe.grp = g.grp
             order by c.kind, c.value, c.n) x)
    into lane, claims;

  -- New people (created by their group's first record), their identities, and known identities seen again.
  insert into public.profiles (workspace_id, id, first_seen_at)
  select p_workspace_id, l.profile_id, l.observed_at
    from jsonb_to_recordset(lane) as l(profile_id uuid, observed_at timestamptz, new boolean, first boolean)
   where l.new and l.first;
  insert into public.identities (workspace_id, kind, value, profile_id, source, first_seen_at, last_seen_at)
  select p_workspace_id, c.kind, c.value, c.profile_id, c.source, c.first_seen, c.last_seen
    from jsonb_to_recordset(claims) as c(kind text, value text, profile_id uuid, source text, known boolean, first_seen timestamptz, last_seen timestamptz)
   where not c.known;
  update public.identities i
     set last_seen_at = greatest(i.last_seen_at, c.last_seen), first_seen_at = least(i.first_seen_at, c.first_seen)
    from jsonb_to_recordset(claims) as c(kind text, value text, known boolean, first_seen timestamptz, last_seen timestamptz)
   where c.known and i.workspace_id = p_workspace_id and i.kind = c.kind and i.value = c.value;

  for src in select distinct l.source from jsonb_to_recordset(lane) as l(source text) loop
    perform tessera.write_record_facts(p_workspace_id, src,
      (select jsonb_agg(l) from jsonb_array_elements(lane) as l where l ->> 'source' = src));
  end loop;
  update public.raw_events r
     set status = 'processed', error = null, attempts = r.attempts + 1, processed_at = now(), profile_id = l.profile_id
    from jsonb_to_recordset(lane) as l(raw_id bigint, profile_id uuid)
   where r.workspace_id = p_workspace_id and r.id = l.raw_id;
  return (select coalesce(jsonb_agg(jsonb_build_object('n', l.n, 'raw_id', l.raw_id, 'profile_id', l.profile_id)), '[]')
            from jsonb_to_recordset(lane) as l(n integer, raw_id bigint, profile_id uuid));
end
$$;
comment on function tessera.apply_unambiguous_records(uuid, jsonb) is
  'Applies together the records of a batch whose person is unambiguous (one known profile, or one new person that only they name), as resolving each in turn would; [{n, raw_id, source, record}] → [{n, raw_id, profile_id}] applied. The rest are left to the caller, one at a time.';
revoke all on function tessera.apply_unambiguous_records(uuid, jsonb) from public, anon, authenticated;
grant execute on function tessera.apply_unambiguous_records(uuid, jsonb) to service_role;

-- The backfill, storing its rows in one call and deciding what becomes of
-- each in one statement; its fast lane is now the shared one above, which
-- also takes rows about one known person.
create or replace function public.import_raw_events(workspace_id uuid, source text, events jsonb) returns jsonb
language plpgsql volatile set search_path = '' set jit = off as $$
#variable_conflict use_column
declare
  stored jsonb;
  planned jsonb;
  todo jsonb;
  fast_rows integer[] := '{}';
  step record;
  applied_ids bigint[];
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

  -- Every row stored first. A row its normaliser could not use arrives without
  -- `normalised` and lands in the dead-letter (failed, with the reason); an
  -- unhandled kind is ignored.
  stored := public.record_raw_events(import_raw_events.workspace_id, import_raw_events.source, (
    select coalesce(jsonb_agg(jsonb_build_object(
             'topic', e ->> 'topic', 'idempotency_key', e ->> 'idempotency_key', 'headers', e -> 'headers', 'body', e ->> 'body',
             'triggered_at', e ->> 'triggered_at',
             'status', case when e ? 'normalised' then 'pending' else coalesce(e ->> 'status', 'failed') end,
             'error', e ->> 'error') order by x.n), '[]')
      from jsonb_array_elements(events) with ordinality as x(e, n)));

  -- What becomes of each row. Applied: new, or stored earlier and never
  -- applied (pending), or failed before and usable now that the normaliser
  -- has been fixed. The same row again in this batch is stored once, applied
  -- once, and reported as the first one ends (processed: if it fails, so does
  -- the batch).
  with rows as (
    select x.n, x.e, (s.r ->> 'id')::bigint as raw_id, (s.r ->> 'duplicate')::boolean as duplicate, s.r ->> 'status' as status,
           s.r ->> 'error' as error,
           x.e ? 'normalised' and (not (s.r ->> 'duplicate')::boolean or s.r ->> 'status' in ('pending', 'failed')) as usable
      from jsonb_array_elements(events) with ordinality as x(e, n)
      join jsonb_array_elements(stored) with ordinality as s(r, n) on s.n = x.n
  ), decided as (
    select r.*, r.usable and r.n = min(r.n) filter (where r.usable) over (partition by r.raw_id) as applied,
           r.n > min(r.n) filter (where r.usable) over (partition by r.raw_id) as repeated
      from rows r
  )
  select jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
           'n', d.n, 'id', d.raw_id,
           'outcome', case when d.applied then case when d.duplicate then 'resumed' else 'imported' end
                           when d.repeated or d.duplicate then 'duplicate'
                           when d.status = 'ignored' then 'ignored' else 'rejected' end,
           'status', case when d.applied then null when d.repeated then 'processed' when d.duplicate then d.status end,
           'error', case when not d.applied and not coalesce(d.repeated, false) and d.duplicate then d.error end))
         -- (after stripping: a record's own nulls are kept)
         || case when d.applied then jsonb_build_object('normalised', d.e -> 'normalised') else '{}' end order by d.n)
    into planned
    from decided d;
  select coalesce(jsonb_agg(p order by (p ->> 'n')::integer), '[]'), coalesce(array_agg((p ->> 'id')::bigint), '{}')
    into todo, applied_ids
    from jsonb_array_elements(planned) p where p ? 'normalised';

  -- Records whose person is unambiguous together (a batch of records only: a privacy request or a merge
  -- in it is applied in its place in order, so everything is).
  if not exists (select 1 from jsonb_array_elements(todo) as t where t -> 'normalised' ->> 'kind' is distinct from 'record') then
    select coalesce(array_agg((l ->> 'profile_id')::uuid), '{}'), coalesce(array_agg((l ->> 'n')::integer), '{}')
      into profile_ids, fast_rows
      from jsonb_array_elements(tessera.apply_unambiguous_records(import_raw_events.workspace_id, (
             select jsonb_agg(jsonb_build_object('n', t -> 'n', 'raw_id', t -> 'id', 'source', import_raw_events.source,
                                                 'record', t -> 'normalised' -> 'record'))
               from jsonb_array_elements(todo) as t))) as l;
  end if;

  -- The rest, one at a time, in file order.
  for step in select (t ->> 'id')::bigint as raw_id, t -> 'normalised' as normalised
                from jsonb_array_elements(todo) as t
               where (t ->> 'n')::integer <> all (fast_rows) order by (t ->> 'n')::integer loop
    profile_ids := profile_ids || public.ingest_raw_event(import_raw_events.workspace_id, step.raw_id, step.normalised);
  end loop;
  perform set_config('tessera.batch', 'off', true);
  perform tessera.refresh_people(import_raw_events.workspace_id, profile_ids);

  -- Profiles made in this transaction carry its start time (now()) as created_at.
  select count(*) into created from public.profiles p
   where p.workspace_id = import_raw_events.workspace_id and p.id = any (profile_ids) and p.created_at = now();
  select count(*) into merged from public.profile_merges m
   where m.workspace_id = import_raw_events.workspace_id and m.id > merges_before and m.raw_event_id = any (applied_ids);
  return jsonb_build_object(
    'outcomes', coalesce((select jsonb_agg(p - 'n' - 'normalised' order by (p ->> 'n')::integer) from jsonb_array_elements(planned) p), '[]'),
    'profiles_created', created, 'merges', merged);
end
$$;

-- The webhook processor's batches take the same lane: a batch's records whose
-- person is unambiguous together, then the rest in arrival order as before.
create or replace function public.ingest_raw_events(workspace_id uuid, events jsonb) returns jsonb
language plpgsql volatile set search_path = '' set jit = off as $$
#variable_conflict use_column
declare
  entry record;
  profile uuid;
  profiles uuid[] := '{}';
  outcomes jsonb[] := '{}';
  together jsonb := '{}';
begin
  if jsonb_typeof(events) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'ingest_raw_events expects a JSON array of {id, normalised} or {id, status, error}';
  end if;
  perform set_config('tessera.batch', 'on', true);

  -- A batch of records only: a privacy request or a merge in it is applied in its place in order, so everything is.
  if not exists (select 1 from jsonb_array_elements(events) as e where e ? 'normalised' and e -> 'normalised' ->> 'kind' is distinct from 'record') then
    -- Locked as ingest_raw_event locks each, then only those not applied yet (a processed one answers its person below).
    perform 1 from public.raw_events r
      where r.workspace_id = ingest_raw_events.workspace_id
        and r.id in (select (e ->> 'id')::bigint from jsonb_array_elements(events) as e where e ? 'normalised')
      order by r.id for update;
    select coalesce(jsonb_object_agg(l ->> 'n', l -> 'profile_id'), '{}') into together
      from jsonb_array_elements(tessera.apply_unambiguous_records(ingest_raw_events.workspace_id, (
             select coalesce(jsonb_agg(jsonb_build_object('n', x.n, 'raw_id', r.id, 'source', r.source, 'record', x.e -> 'normalised' -> 'record')), '[]')
               from jsonb_array_elements(events) with ordinality as x(e, n)
               join public.raw_events r on r.workspace_id = ingest_raw_events.workspace_id and r.id = (x.e ->> 'id')::bigint
              where x.e ? 'normalised' and r.status in ('pending', 'failed')))) as l;
  end if;

  for entry in select x.e, x.n from jsonb_array_elements(events) with ordinality as x(e, n) order by x.n loop
    if together ? entry.n::text then
      profile := (together ->> entry.n::text)::uuid;
    elsif entry.e ? 'normalised' then
      profile := public.ingest_raw_event(ingest_raw_events.workspace_id, (entry.e ->> 'id')::bigint, entry.e -> 'normalised');
    else
      perform public.settle_raw_event(ingest_raw_events.workspace_id, (entry.e ->> 'id')::bigint, entry.e ->> 'status', entry.e ->> 'error');
      continue;
    end if;
    profiles := profiles || profile;
    outcomes := outcomes || jsonb_build_object('id', (entry.e ->> 'id')::bigint, 'profile_id', profile);
  end loop;
  perform set_config('tessera.batch', 'off', true);
  perform tessera.refresh_people(ingest_raw_events.workspace_id, profiles);
  return to_jsonb(outcomes);
end
$$;
