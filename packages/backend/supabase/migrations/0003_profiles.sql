-- The unified customer graph: one profile per person, the identities that
-- point at it, the normalised events they did, and their traits with
-- provenance. The profile row itself is a projection of the other three,
-- refreshed by tessera.refresh_profile() whenever they change.
-- Staff read their workspaces' graph; every write goes through the ingest functions.

create table public.profiles (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  display_name text,
  first_name text,
  last_name text,
  email text,
  phone text,
  lifetime_revenue numeric(14, 2) not null default 0,
  currency text,
  orders_count integer not null default 0,
  first_seen_at timestamptz not null default now(),
  last_activity_at timestamptz,
  merged_into uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (workspace_id, id),
  foreign key (workspace_id, merged_into) references public.profiles (workspace_id, id)
);
comment on table public.profiles is
  'One person, unified across every source. Name, contact and totals are projected from traits and events by tessera.refresh_profile().';
comment on column public.profiles.merged_into is
  'Set when this profile was merged into another: the row stays so that its old id still leads to the person.';
comment on column public.profiles.last_activity_at is 'When the person last did anything on any source.';
-- Profile ids are random UUIDs: an id alone finds its row without the workspace.
create index profiles_id_idx on public.profiles (id);
create index profiles_activity_idx on public.profiles (workspace_id, last_activity_at desc nulls last) where merged_into is null;

alter table public.profiles enable row level security;
revoke all on public.profiles from anon, authenticated;
grant select on public.profiles to authenticated;
create policy profiles_members_read on public.profiles for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create table public.identities (
  workspace_id uuid not null,
  kind text not null check (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
  value text not null check (length(value) between 1 and 320),
  profile_id uuid not null,
  source text not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  primary key (workspace_id, kind, value),
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade,
  constraint identities_email_normalised check (kind <> 'email' or value = lower(btrim(value))),
  constraint identities_phone_e164 check (kind <> 'phone' or value ~ '^\+[1-9][0-9]{6,14}$')
);
comment on table public.identities is
  'Ways to recognise a person (email, E.164 phone, platform ids, social handles), each pointing at exactly one profile per workspace.';
comment on column public.identities.kind is 'email, phone, shopify_customer, kajabi_member, instagram, facebook, tiktok, youtube, x, …';
comment on column public.identities.value is 'The normalised value (see tessera.normalise_identity): the same person always yields the same value.';
comment on column public.identities.source is 'The source that first told us this identity.';
create index identities_profile_idx on public.identities (workspace_id, profile_id);

alter table public.identities enable row level security;
revoke all on public.identities from anon, authenticated;
grant select on public.identities to authenticated;
create policy identities_members_read on public.identities for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create table public.events (
  workspace_id uuid not null,
  id bigint generated always as identity,
  profile_id uuid not null,
  source text not null,
  type text not null check (type ~ '^[a-z][a-z0-9_]{0,62}$'),
  external_id text not null,
  occurred_at timestamptz not null,
  revenue numeric(14, 2),
  currency text check (currency ~ '^[A-Z]{3}$'),
  properties jsonb not null default '{}',
  raw_event_id bigint,
  created_at timestamptz not null default now(),
  primary key (workspace_id, id),
  unique (workspace_id, source, external_id),
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.events is
  'What people did, normalised across sources: order_placed, customer_created, lesson_completed, commented, …';
comment on column public.events.external_id is
  'The source''s own id for this event (e.g. order:4501:placed): an event arriving twice is stored once.';
comment on column public.events.revenue is 'Money the event brought in, in `currency` (negative for refunds).';
create index events_profile_time_idx on public.events (workspace_id, profile_id, occurred_at desc, id desc);

alter table public.events enable row level security;
revoke all on public.events from anon, authenticated;
grant select on public.events to authenticated;
create policy events_members_read on public.events for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create table public.traits (
  workspace_id uuid not null,
  profile_id uuid not null,
  name text not null check (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  source text not null,
  value jsonb not null,
  observed_at timestamptz not null,
  raw_event_id bigint,
  primary key (workspace_id, profile_id, name, source),
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.traits is
  'What each source says about a person (first_name, accepts_marketing, tags, …) and when it said it: provenance for every value on the profile.';
comment on column public.traits.observed_at is 'When the source observed this value: a value observed earlier never replaces one observed later.';

alter table public.traits enable row level security;
revoke all on public.traits from anon, authenticated;
grant select on public.traits to authenticated;
create policy traits_members_read on public.traits for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create table public.profile_merges (
  workspace_id uuid not null,
  id bigint generated always as identity,
  survivor_id uuid not null,
  merged_id uuid not null,
  linked_by jsonb not null,
  raw_event_id bigint,
  merged_at timestamptz not null default now(),
  primary key (workspace_id, id),
  foreign key (workspace_id, survivor_id) references public.profiles (workspace_id, id) on delete cascade,
  foreign key (workspace_id, merged_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.profile_merges is
  'Every merge of two profiles and the identities that linked them: the explanation of a unified profile, and what an unmerge undoes.';

alter table public.profile_merges enable row level security;
revoke all on public.profile_merges from anon, authenticated;
grant select on public.profile_merges to authenticated;
create policy profile_merges_members_read on public.profile_merges for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
