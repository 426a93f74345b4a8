-- Outbound webhooks: Tessera tells a partner's server when something happens,
-- starting with people entering and leaving saved segments
-- (docs/outbound-webhooks.md). Every row of segment_membership_changes becomes
-- one delivery per active endpoint of its workspace subscribed to the event;
-- the worker (src/outbound/deliver.ts) claims due deliveries, POSTs them
-- signed with the endpoint's secret, and records each attempt here.
--
-- delivery status:
--   pending    waiting for its next attempt (next_attempt_at), or in flight
--   delivered  the endpoint answered 2xx
--   failed     the dead-letter: six attempts without a 2xx, the last error kept;
--              retry_webhook_delivery sends it again

-- Endpoints and their secrets ---------------------------------------------------

create function tessera.webhook_event_types() returns text[]
language sql immutable parallel safe set search_path = '' as $$
  select array['segment.entered', 'segment.exited']
$$;
comment on function tessera.webhook_event_types() is 'The event types an endpoint may subscribe to.';

create function tessera.webhook_url_allowed(p_url text) returns boolean
language sql immutable parallel safe set search_path = '' as $$
  -- https only, except plain http to this machine while developing. The host is
  -- letters, digits, dots and hyphens: no user-info (`https://a@b`), so what the
  -- URL appears to name is where it goes.
  select coalesce(length(p_url) <= 2048 and (
    p_url ~ '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#]\S*)?$'
    or p_url ~ '^http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?([/?#]\S*)?$'), false)
$$;
comment on function tessera.webhook_url_allowed(text) is
  'Whether a URL may receive webhooks: https://, or http://localhost and http://127.0.0.1 for local development.';

create table public.webhook_endpoints (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  url text not null check (tessera.webhook_url_allowed(url)),
  event_types text[] not null check (cardinality(event_types) > 0 and event_types <@ tessera.webhook_event_types()),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  disabled_reason text,
  primary key (workspace_id, id),
  check (active or disabled_reason is not null)
);
comment on table public.webhook_endpoints is
  'Partner URLs a workspace sends events to, and which events each wants. The signing secret is kept apart, in tessera.webhook_endpoint_secrets.';
comment on column public.webhook_endpoints.active is
  'Inactive endpoints get no new deliveries and their pending ones wait; retry_webhook_delivery makes the endpoint active again.';
comment on column public.webhook_endpoints.disabled_reason is 'Why Tessera stopped sending to the endpoint (nothing delivered for three days and a delivery dead-lettered).';

alter table public.webhook_endpoints enable row level security;
revoke all on public.webhook_endpoints from anon, authenticated;
grant select on public.webhook_endpoints to authenticated;
-- Endpoints send people's data out of Tessera: owners and admins manage and see them, as they see the raw log.
create policy webhook_endpoints_admins_read on public.webhook_endpoints for select to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()));

-- Like tessera.connections: a table in the tessera schema that no API role can
-- read. Only create_webhook_endpoint (once, to the admin registering it) and
-- claim_webhook_deliveries (to the worker) hand a secret out.
create table tessera.webhook_endpoint_secrets (
  workspace_id uuid not null,
  endpoint_id uuid not null,
  secret text not null,
  primary key (workspace_id, endpoint_id),
  foreign key (workspace_id, endpoint_id) references public.webhook_endpoints (workspace_id, id) on delete cascade
);
comment on table tessera.webhook_endpoint_secrets is
  'The HMAC-SHA256 key each endpoint''s deliveries are signed with. Never readable through an API key; shown once, when the endpoint is created.';
alter table tessera.webhook_endpoint_secrets enable row level security;
revoke all on tessera.webhook_endpoint_secrets from public, anon, authenticated;

create function tessera.new_webhook_secret() returns text
language sql volatile set search_path = '' as $$
  -- 32 random bytes as hex. pgcrypto is not available everywhere Tessera runs
  -- (PGlite), but gen_random_uuid draws from the same strong random source:
  -- each v4 uuid carries 30 random hex digits once its version and variant
  -- digits are dropped, and three of them give the 64 needed.
  select 'whsec_' || substr(string_agg(substr(h, 1, 12) || substr(h, 14, 3) || substr(h, 18, 15), ''), 1, 64)
    from (select replace(gen_random_uuid()::text, '-', '') as h from generate_series(1, 3)) u
$$;
comment on function tessera.new_webhook_secret() is 'A fresh endpoint secret: "whsec_" and 32 random bytes in hex.';

-- Deliveries --------------------------------------------------------------------

create table public.webhook_deliveries (
  workspace_id uuid not null,
  id bigint generated always as identity,
  endpoint_id uuid not null,
  event_type text not null,
  event_id text not null,
  -- Whom the event is about, so an erasure finds the payloads that name them.
  profile_id uuid,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz default now(),
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (workspace_id, id),
  unique (workspace_id, endpoint_id, event_id),
  foreign key (workspace_id, endpoint_id) references public.webhook_endpoints (workspace_id, id) on delete cascade,
  check ((status = 'pending') = (next_attempt_at is not null))
);
comment on table public.webhook_deliveries is
  'One event for one endpoint: its payload, where it stands (pending, delivered, or failed: the dead-letter) and what the last attempt got back.';
comment on column public.webhook_deliveries.event_id is
  'The event''s id (Tessera-Event-Id and the payload''s "id"): the same for every endpoint and every retry, so receivers can drop duplicates.';
comment on column public.webhook_deliveries.attempts is
  'Attempts started so far, counted when the worker claims the delivery; an attempt is recorded only if it is still the latest.';
comment on column public.webhook_deliveries.next_attempt_at is
  'When a pending delivery is due; while in flight, when the worker''s claim lapses and another may take it. Null once settled.';

-- The worker's question, across all workspaces: what is due now?
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at, workspace_id, id) where status = 'pending';
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (workspace_id, endpoint_id, id);
create index webhook_deliveries_profile_idx on public.webhook_deliveries (workspace_id, profile_id) where profile_id is not null;

alter table public.webhook_deliveries enable row level security;
revoke all on public.webhook_deliveries from anon, authenticated;
grant select on public.webhook_deliveries to authenticated;
create policy webhook_deliveries_admins_read on public.webhook_deliveries for select to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()));

create function tessera.webhook_retry_delay(p_attempts integer) returns interval
language sql immutable parallel safe set search_path = '' as $$
  -- After the nth failed attempt; null after the sixth: the delivery is dead-lettered.
  select case p_attempts
    when 1 then interval '1 minute' when 2 then interval '5 minutes' when 3 then interval '30 minutes'
    when 4 then interval '2 hours' when 5 then interval '8 hours' end
$$;
comment on function tessera.webhook_retry_delay(integer) is
  'How long to wait after a delivery''s nth failed attempt (1 min, 5 min, 30 min, 2 h, 8 h); null when it has had its six attempts.';

-- Segment entries and exits become deliveries -------------------------------------

create function tessera.enqueue_segment_webhooks() returns trigger
language plpgsql volatile security definer set search_path = '' as $$
begin
  -- Security definer: the insert into segment_membership_changes may run as
  -- whichever role refreshed the segment, and deliveries are written whatever it is.
  if not exists (select 1 from public.webhook_endpoints e
                  where e.active and e.workspace_id in (select c.workspace_id from new_changes c)) then
    return null;
  end if;
  with events as materialized (
    -- One event id per change, shared by every endpoint that receives it.
    select c.workspace_id, c.segment_id, c.profile_id, c.changed_at, 'segment.' || c.change as event_type,
           'evt_' || replace(gen_random_uuid()::text, '-', '') as event_id
      from new_changes c
  )
  insert into public.webhook_deliveries (workspace_id, endpoint_id, event_type, event_id, profile_id, payload)
  select ev.workspace_id, e.id, ev.event_type, ev.event_id, ev.profile_id,
         jsonb_build_object(
           'id', ev.event_id,
           'type', ev.event_type,
           'created_at', to_char(ev.changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           -- Who and which segment, and no more personal data than a receiver needs to act.
           'data', jsonb_build_object(
             'segment', jsonb_build_object('id', s.id, 'name', s.name),
             'profile', jsonb_build_object('id', ev.profile_id, 'email', p.email, 'display_name', p.display_name)))
    from events ev
    join public.webhook_endpoints e on e.workspace_id = ev.workspace_id and e.active and ev.event_type = any (e.event_types)
    join public.segments s on s.workspace_id = ev.workspace_id and s.id = ev.segment_id
    left join public.profiles p on p.workspace_id = ev.workspace_id and p.id = ev.profile_id;
  return null;
end
$$;
comment on function tessera.enqueue_segment_webhooks() is
  'Trigger: turns each new segment entry or exit into one delivery per active endpoint of the workspace subscribed to segment.entered / segment.exited.';

-- Per statement: a segment saved for a whole workspace logs thousands of changes in one insert, enqueued here in one.
create trigger segment_membership_changes_webhooks
  after insert on public.segment_membership_changes
  referencing new table as new_changes
  for each statement execute function tessera.enqueue_segment_webhooks();

create function tessera.scrub_erased_webhook_payloads() returns trigger
language plpgsql volatile security definer set search_path = '' as $$
begin
  -- Erasure (tessera.erase_person) removes every personal value of a person;
  -- the copies in webhook payloads, sent or waiting, go with them.
  update public.webhook_deliveries d
     set payload = jsonb_set(jsonb_set(d.payload, '{data,profile,email}', 'null'), '{data,profile,display_name}', 'null')
   where d.workspace_id = new.workspace_id and d.profile_id = new.id and d.payload #> '{data,profile}' is not null;
  return null;
end
$$;
comment on function tessera.scrub_erased_webhook_payloads() is
  'Trigger: when a profile is erased, clears the email and name held in the webhook payloads about it.';

create trigger profiles_erased_scrub_webhooks
  after update of erased_at on public.profiles
  for each row when (new.erased_at is not null and new.erased_at is distinct from old.erased_at)
  execute function tessera.scrub_erased_webhook_payloads();

-- What staff call -------------------------------------------------------------------
-- Writes are security definer, because they touch what staff may not write
-- directly (the secrets table, the delivery queue), so each checks by hand that
-- the caller is an owner or admin of the row's workspace. Reads are security
-- invoker: row-level security decides, and the secret is in a table their role
-- cannot read, so no bug in a read can return it.

create function tessera.manages_webhooks(p_workspace_id uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  -- No claims at all is a direct database connection (the CLI, the local server): trusted like the service key.
  select coalesce(auth.role(), 'service_role') = 'service_role'
      or exists (select 1 from public.workspace_members m
                  where m.workspace_id = p_workspace_id and m.user_id = auth.uid() and m.role in ('owner', 'admin'))
$$;
comment on function tessera.manages_webhooks(uuid) is 'Whether the caller may register, delete and retry the workspace''s webhooks: the service key, or an owner or admin.';

create function public.create_webhook_endpoint(url text, events text[], workspace_id uuid default null) returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
#variable_conflict use_column
declare
  ws uuid := tessera.request_workspace(create_webhook_endpoint.workspace_id);
  wanted text[];
  created public.webhook_endpoints;
  secret text := tessera.new_webhook_secret();
begin
  if not tessera.manages_webhooks(ws) then
    raise exception using errcode = '42501', message = 'Only owners and admins of this workspace may register webhook endpoints.';
  end if;
  if not tessera.webhook_url_allowed(create_webhook_endpoint.url) then
    raise exception using errcode = '22023', message = format('Webhook URL %s is not allowed.', coalesce(create_webhook_endpoint.url, 'null')),
      hint = 'Use an https:// URL with a plain host name (no user:password@); http:// only for localhost or 127.0.0.1 while developing.';
  end if;
  select array_agg(distinct btrim(e) order by btrim(e)) into wanted from unnest(create_webhook_endpoint.events) e;
  if wanted is null or not wanted <@ tessera.webhook_event_types() then
    raise exception using errcode = '22023',
      message = format('Unknown or missing event types %s.', coalesce(array_to_string(wanted, ', '), 'none')),
      hint = format('Subscribe to one or more of: %s.', array_to_string(tessera.webhook_event_types(), ', '));
  end if;
  insert into public.webhook_endpoints (workspace_id, url, event_types)
  values (ws, create_webhook_endpoint.url, wanted)
  returning * into created;
  insert into tessera.webhook_endpoint_secrets (workspace_id, endpoint_id, secret) values (ws, created.id, secret);
  return jsonb_build_object('id', created.id, 'url', created.url, 'events', to_jsonb(created.event_types),
                            'active', created.active, 'created_at', created.created_at, 'secret', secret);
end
$$;
comment on function public.create_webhook_endpoint(text, text[], uuid) is
  'Registers an endpoint for the given event types and answers it with its signing secret: the only time the secret is ever returned.';

create function public.list_webhook_endpoints(workspace_id uuid default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', e.id, 'url', e.url, 'events', to_jsonb(e.event_types), 'active', e.active,
           'disabled_reason', e.disabled_reason, 'created_at', e.created_at) order by e.created_at, e.id), '[]')
    from public.webhook_endpoints e
   where e.workspace_id = tessera.request_workspace(list_webhook_endpoints.workspace_id)
$$;
comment on function public.list_webhook_endpoints(uuid) is 'The workspace''s webhook endpoints (never their secrets), oldest first.';

create function public.delete_webhook_endpoint(id uuid) returns void
language plpgsql volatile security definer set search_path = '' as $$
#variable_conflict use_column
declare
  ws uuid;
begin
  select e.workspace_id into ws from public.webhook_endpoints e where e.id = delete_webhook_endpoint.id;
  -- Missing and not yours read the same: an id from another workspace tells nothing.
  if ws is null or not tessera.manages_webhooks(ws) then
    raise exception using errcode = '42501', message = format('No webhook endpoint %s that you may manage.', delete_webhook_endpoint.id);
  end if;
  delete from public.webhook_endpoints e where e.workspace_id = ws and e.id = delete_webhook_endpoint.id;
end
$$;
comment on function public.delete_webhook_endpoint(uuid) is 'Deletes an endpoint with its secret and its deliveries: nothing more is sent to it.';

create function public.list_webhook_deliveries(endpoint_id uuid, status text default null, "limit" integer default 50) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
#variable_conflict use_column
begin
  if list_webhook_deliveries.status is not null and list_webhook_deliveries.status not in ('pending', 'delivered', 'failed') then
    raise exception using errcode = '22023', message = format('Unknown delivery status %s.', list_webhook_deliveries.status),
      hint = 'Use pending, delivered or failed (the dead-letter), or leave it out.';
  end if;
  return (
    select coalesce(jsonb_agg(jsonb_build_object(
             'id', d.id, 'event_id', d.event_id, 'event_type', d.event_type, 'status', d.status, 'attempts', d.attempts,
             'next_attempt_at', d.next_attempt_at, 'last_status_code', d.last_status_code, 'last_error', d.last_error,
             'created_at', d.created_at, 'delivered_at', d.delivered_at, 'payload', d.payload) order by d.id desc), '[]')
      from (select * from public.webhook_deliveries x
             where x.endpoint_id = list_webhook_deliveries.endpoint_id
               and (list_webhook_deliveries.status is null or x.status = list_webhook_deliveries.status)
             order by x.id desc
             limit least(greatest(coalesce(list_webhook_deliveries."limit", 50), 1), 500)) d);
end
$$;
comment on function public.list_webhook_deliveries(uuid, text, integer) is
  'An endpoint''s deliveries, newest first, optionally only pending, delivered or failed (the dead-letter); at most 500.';

create function public.retry_webhook_delivery(id bigint) returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
#variable_conflict use_column
declare
  d public.webhook_deliveries;
begin
  select * into d from public.webhook_deliveries x where x.id = retry_webhook_delivery.id for update;
  if d.id is null or not tessera.manages_webhooks(d.workspace_id) then
    raise exception using errcode = '42501', message = format('No webhook delivery %s that you may retry.', retry_webhook_delivery.id);
  end if;
  if d.status = 'pending' then
    raise exception using errcode = '22023', message = format('Delivery %s is already queued: attempt %s is due at %s.', d.id, d.attempts + 1, d.next_attempt_at);
  end if;
  -- Asking to send again says the receiver is ready: a disabled endpoint is enabled with it.
  update public.webhook_endpoints e set active = true, disabled_reason = null
   where e.workspace_id = d.workspace_id and e.id = d.endpoint_id and not e.active;
  update public.webhook_deliveries x
     set status = 'pending', attempts = 0, next_attempt_at = now(), last_error = null, last_status_code = null, delivered_at = null
   where x.workspace_id = d.workspace_id and x.id = d.id
  returning * into d;
  return jsonb_build_object('id', d.id, 'event_id', d.event_id, 'status', d.status, 'next_attempt_at', d.next_attempt_at);
end
$$;
comment on function public.retry_webhook_delivery(bigint) is
  'Sends a failed (or delivered) delivery again, with six fresh attempts, and re-enables its endpoint if it was disabled.';

-- What the worker calls -------------------------------------------------------------

create function public.claim_webhook_deliveries(as_of timestamptz default now(), "limit" integer default 20, lease_seconds integer default 60)
returns table (workspace_id uuid, id text, endpoint_id uuid, event_id text, event_type text, body text, attempt integer, url text, secret text)
language sql volatile security definer set search_path = '' as $$
  -- skip locked: workers running side by side each take different rows. The
  -- claim pushes next_attempt_at past the send's time-out, so a committed
  -- claim is not due for anyone else until it lapses (the worker died).
  with due as (
    select d.workspace_id, d.id
      from public.webhook_deliveries d
      join public.webhook_endpoints e on e.workspace_id = d.workspace_id and e.id = d.endpoint_id and e.active
     where d.status = 'pending' and d.next_attempt_at <= claim_webhook_deliveries.as_of
     order by d.next_attempt_at, d.id
     limit greatest(claim_webhook_deliveries."limit", 0)
       for update of d skip locked
  )
  update public.webhook_deliveries d
     set attempts = d.attempts + 1,
         next_attempt_at = claim_webhook_deliveries.as_of + make_interval(secs => claim_webhook_deliveries.lease_seconds)
    from due, public.webhook_endpoints e, tessera.webhook_endpoint_secrets s
   where d.workspace_id = due.workspace_id and d.id = due.id
     and e.workspace_id = d.workspace_id and e.id = d.endpoint_id
     and s.workspace_id = d.workspace_id and s.endpoint_id = d.endpoint_id
  returning d.workspace_id, d.id::text, d.endpoint_id, d.event_id, d.event_type, d.payload::text, d.attempts, e.url, s.secret
$$;
comment on function public.claim_webhook_deliveries(timestamptz, integer, integer) is
  'For the delivery worker: takes up to "limit" due deliveries of active endpoints (for update skip locked), counts the attempt, and holds them for lease_seconds. Answers each with its body, URL and secret. Service key only.';

create function public.record_webhook_attempt(workspace_id uuid, delivery_id bigint, attempt integer, status_code integer default null,
                                              error text default null, as_of timestamptz default now()) returns text
language plpgsql volatile set search_path = '' as $$
#variable_conflict use_column
declare
  d public.webhook_deliveries;
  delay interval;
begin
  -- Only the latest claim may settle a delivery: a worker whose claim lapsed and was taken over records nothing.
  select * into d from public.webhook_deliveries x
   where x.workspace_id = record_webhook_attempt.workspace_id and x.id = record_webhook_attempt.delivery_id
     and x.status = 'pending' and x.attempts = record_webhook_attempt.attempt
     for update;
  if not found then
    return null;
  end if;
  if record_webhook_attempt.status_code between 200 and 299 then
    update public.webhook_deliveries x
       set status = 'delivered', delivered_at = record_webhook_attempt.as_of, next_attempt_at = null,
           last_status_code = record_webhook_attempt.status_code, last_error = null
     where x.workspace_id = d.workspace_id and x.id = d.id;
    return 'delivered';
  end if;
  delay := tessera.webhook_retry_delay(d.attempts);
  update public.webhook_deliveries x
     set status = case when delay is null then 'failed' else 'pending' end,
         next_attempt_at = record_webhook_attempt.as_of + delay,
         last_status_code = record_webhook_attempt.status_code,
         last_error = coalesce(record_webhook_attempt.error, format('HTTP %s', record_webhook_attempt.status_code))
   where x.workspace_id = d.workspace_id and x.id = d.id;
  if delay is not null then
    return 'pending';
  end if;
  -- Dead-lettered. An endpoint that has delivered nothing for three days is
  -- gone or broken: stop sending to it until someone retries.
  update public.webhook_endpoints e
     set active = false,
         disabled_reason = format('Disabled at %s: nothing delivered for 3 days, and delivery %s failed %s times (last: %s). Retry a delivery to enable it again.',
                                  to_char(record_webhook_attempt.as_of at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), d.id, d.attempts,
                                  left(coalesce(record_webhook_attempt.error, format('HTTP %s', record_webhook_attempt.status_code)), 300))
   where e.workspace_id = d.workspace_id and e.id = d.endpoint_id and e.active
     and coalesce((select max(x.delivered_at) from public.webhook_deliveries x
                     where x.workspace_id = e.workspace_id and x.endpoint_id = e.id), e.created_at)
         < record_webhook_attempt.as_of - interval '3 days';
  return 'failed';
end
$$;
comment on function public.record_webhook_attempt(uuid, bigint, integer, integer, text, timestamptz) is
  'For the delivery worker: records one attempt''s result. 2xx is delivered; anything else waits 1 min, 5 min, 30 min, 2 h, 8 h, then fails (the dead-letter) with its error. Answers the new status, or null if the attempt was no longer the latest. Service key only.';

-- Grants ------------------------------------------------------------------------------

revoke all on function tessera.webhook_event_types(), tessera.webhook_url_allowed(text), tessera.new_webhook_secret(),
  tessera.webhook_retry_delay(integer), tessera.enqueue_segment_webhooks(), tessera.scrub_erased_webhook_payloads(),
  tessera.manages_webhooks(uuid) from public;
-- The checks on webhook_endpoints and the retry schedule run as the service key when it writes directly.
grant execute on function tessera.webhook_event_types(), tessera.webhook_url_allowed(text), tessera.webhook_retry_delay(integer)
  to service_role;
revoke all on function public.create_webhook_endpoint(text, text[], uuid), public.list_webhook_endpoints(uuid),
  public.delete_webhook_endpoint(uuid), public.list_webhook_deliveries(uuid, text, integer), public.retry_webhook_delivery(bigint)
  from public, anon;
grant execute on function public.create_webhook_endpoint(text, text[], uuid), public.list_webhook_endpoints(uuid),
  public.delete_webhook_endpoint(uuid), public.list_webhook_deliveries(uuid, text, integer), public.retry_webhook_delivery(bigint)
  to authenticated, service_role;
revoke all on function public.claim_webhook_deliveries(timestamptz, integer, integer),
  public.record_webhook_attempt(uuid, bigint, integer, integer, text, timestamptz) from public, anon, authenticated;
grant execute on function public.claim_webhook_deliveries(timestamptz, integer, integer),
  public.record_webhook_attempt(uuid, bigint, integer, integer, text, timestamptz) to service_role;
