-- The append-only log of everything the platforms send us. Every webhook body
-- is stored here verbatim, with its headers, before anything else happens, so
-- nothing is ever lost: processing can be retried, replayed or re-run after a
-- fix from this log alone.
--
-- status:
--   pending    stored, not processed yet
--   processed  turned into identities, events and traits
--   ignored    a topic Tessera does not handle (kept: a later version may)
--   failed     the dead-letter: malformed or unprocessable, with the reason in
--              `error`; retryable once the cause is fixed
--   rejected   refused at the door (bad signature): never processed, never retried

create table public.raw_events (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  id bigint generated always as identity,
  source text not null check (source ~ '^[a-z][a-z0-9_]{0,39}$'),
  topic text not null,
  idempotency_key text not null,
  headers jsonb not null,
  body bytea not null,
  received_at timestamptz not null default now(),
  triggered_at timestamptz,
  status text not null default 'pending' check (status in ('pending', 'processed', 'ignored', 'failed', 'rejected')),
  attempts integer not null default 0,
  error text,
  processed_at timestamptz,
  profile_id uuid,
  primary key (workspace_id, id)
);
comment on table public.raw_events is
  'Every webhook and import row as received (body verbatim, headers), with its processing status. Rows with status failed are the dead-letter queue.';
comment on column public.raw_events.idempotency_key is
  'The platform''s delivery id (X-Shopify-Event-Id, stable across retries): the same key is processed once.';
comment on column public.raw_events.triggered_at is
  'When the platform says the event happened (X-Shopify-Triggered-At): older news never overwrites newer.';

-- Rejected deliveries do not take the key: a forged request carrying a real
-- event id must not block the genuine delivery.
create unique index raw_events_idempotency_idx on public.raw_events (workspace_id, source, idempotency_key)
  where status <> 'rejected';
create index raw_events_pending_idx on public.raw_events (workspace_id, id) where status = 'pending';
create index raw_events_failed_idx on public.raw_events (workspace_id, received_at) where status = 'failed';

alter table public.raw_events enable row level security;
revoke all on public.raw_events from anon, authenticated;
grant select on public.raw_events to authenticated;
create policy raw_events_admins_read on public.raw_events for select to authenticated
  using (workspace_id in (select tessera.my_admin_workspace_ids()));

create table tessera.connections (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  source text not null,
  account text not null,
  secret text not null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, source, account)
);
comment on table tessera.connections is
  'Hosted routing of webhooks: which workspace a platform account (a Shopify shop domain) belongs to, and the secret its deliveries are signed with. Never readable through an API key.';
comment on column tessera.connections.account is 'The platform''s account id, e.g. the shop''s myshopify.com domain.';
-- One account routes to one workspace. This is a lookup across tenants: on a
-- distributed engine it is a reference table, not a distributed one.
create unique index connections_account_idx on tessera.connections (source, account);
alter table tessera.connections enable row level security;
revoke all on tessera.connections from public, anon, authenticated;

create table tessera.unrouted_deliveries (
  id bigint generated always as identity primary key,
  source text not null,
  headers jsonb not null,
  body bytea not null,
  received_at timestamptz not null default now(),
  reason text not null
);
comment on table tessera.unrouted_deliveries is
  'Deliveries that named no connected account (an unknown shop domain), kept so that nothing is lost while a connection is being set up.';
alter table tessera.unrouted_deliveries enable row level security;
revoke all on tessera.unrouted_deliveries from public, anon, authenticated;

create function public.webhook_connection(source text, account text) returns jsonb
language sql stable security definer set search_path = '' as $$
  select jsonb_build_object('workspace_id', c.workspace_id, 'secret', c.secret)
    from tessera.connections c
   where c.source = webhook_connection.source and c.account = webhook_connection.account
$$;
comment on function public.webhook_connection(text, text) is
  'The workspace and signing secret of a platform account, for the webhook Edge Functions. Service key only.';
revoke all on function public.webhook_connection(text, text) from public, anon, authenticated;
grant execute on function public.webhook_connection(text, text) to service_role;
