-- Workspaces (one per merchant or creator) and the staff who belong to them.
-- Every tenant table carries workspace_id first in its primary key; row-level
-- security lets a signed-in user reach only the workspaces they are a member of.

create schema if not exists tessera;
comment on schema tessera is 'Tessera internals: helpers and tables that no API key reaches directly. Never exposed through the API.';
revoke all on schema tessera from public;
-- RLS policies call the membership helpers below as the signed-in user.
grant usage on schema tessera to authenticated, service_role;

create table public.workspaces (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) > 0),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  created_at timestamptz not null default now()
);
comment on table public.workspaces is 'A merchant''s or creator''s account: the tenant every other row belongs to.';

create table public.workspace_members (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (workspace_id, user_id)
);
comment on table public.workspace_members is 'Which staff users (auth.users) belong to which workspace, and as what.';
create index workspace_members_user_idx on public.workspace_members (user_id);

create function tessera.my_workspace_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select m.workspace_id from public.workspace_members m where m.user_id = auth.uid()
$$;
comment on function tessera.my_workspace_ids() is
  'Workspaces the signed-in user belongs to. Security definer so RLS policies can read memberships without recursing into their own policy.';

create function tessera.my_admin_workspace_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select m.workspace_id from public.workspace_members m where m.user_id = auth.uid() and m.role in ('owner', 'admin')
$$;
comment on function tessera.my_admin_workspace_ids() is 'Workspaces where the signed-in user is an owner or admin.';

revoke all on function tessera.my_workspace_ids(), tessera.my_admin_workspace_ids() from public;
grant execute on function tessera.my_workspace_ids(), tessera.my_admin_workspace_ids() to authenticated, service_role;

create function tessera.request_workspace(requested uuid) returns uuid
language plpgsql stable security definer set search_path = '' as $$
declare
  claimed uuid := coalesce(
    requested,
    nullif(auth.jwt() -> 'app_metadata' ->> 'workspace_id', '')::uuid,
    nullif(auth.jwt() ->> 'workspace_id', '')::uuid
  );
  reachable uuid[];
begin
  -- A named workspace is only a choice, not a grant: RLS still decides what the caller sees in it.
  if claimed is not null then
    return claimed;
  end if;
  if auth.role() = 'authenticated' then
    select array_agg(m.workspace_id) into reachable
      from (select workspace_id from public.workspace_members where user_id = auth.uid() limit 2) m;
  else
    select array_agg(w.id) into reachable from (select id from public.workspaces limit 2) w;
  end if;
  if coalesce(array_length(reachable, 1), 0) = 1 then
    return reachable[1];
  end if;
  if reachable is null then
    raise exception using errcode = '42501', message = 'No workspace is reachable with this key.',
      hint = 'Sign in as a member of a workspace, or pass workspace_id.';
  end if;
  raise exception using errcode = '22023', message = 'workspace_id is required: this key reaches several workspaces.',
    hint = 'Pass workspace_id, or put it in the JWT''s app_metadata.workspace_id claim.';
end
$$;
comment on function tessera.request_workspace(uuid) is
  'The workspace an API call is about: the one it names, else the JWT''s workspace claim, else the only one the caller can reach.';
revoke all on function tessera.request_workspace(uuid) from public;
grant execute on function tessera.request_workspace(uuid) to authenticated, service_role;

alter table public.workspaces enable row level security;
revoke all on public.workspaces from anon, authenticated;
grant select on public.workspaces to authenticated;
create policy workspaces_members_read on public.workspaces for select to authenticated
  using (id in (select tessera.my_workspace_ids()));

alter table public.workspace_members enable row level security;
revoke all on public.workspace_members from anon, authenticated;
grant select on public.workspace_members to authenticated;
create policy workspace_members_members_read on public.workspace_members for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
