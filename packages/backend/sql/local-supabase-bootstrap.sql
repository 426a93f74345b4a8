-- The few parts of a Supabase project that Tessera's migrations rely on,
-- recreated for a plain PostgreSQL server or PGlite. `tessera migrate` runs
-- this first and SKIPS it on a Supabase project, where these already exist.
--
-- It copies Supabase's definitions rather than inventing its own, so that
-- row-level security behaves the same locally and hosted:
--   * the API roles anon, authenticated and service_role (service_role bypasses RLS);
--   * auth.uid(), auth.role(), auth.jwt(), which read the claims the API layer
--     puts in `request.jwt.claims` for the length of one transaction;
--   * a minimal auth.users, so memberships can reference users;
--   * Supabase's default privileges on schema public (everything granted to
--     the API roles), so that our migrations must lock tables down explicitly,
--     exactly as they must on Supabase.

do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      begin
        execute format('create role %I nologin noinherit', r);
      exception when duplicate_object or unique_violation then
        null; -- another database on this server created it a moment ago
      end;
    end if;
  end loop;
  -- Roles are shared by every database of the server: altering one that is already right would race
  -- with another database's bootstrap ("tuple concurrently updated"), so only the first one does it.
  if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
    begin
      execute 'alter role service_role bypassrls';
    exception when others then
      if not (select rolbypassrls from pg_roles where rolname = 'service_role') then raise; end if;
    end;
  end if;
end
$$;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key,
  email text,
  raw_app_meta_data jsonb not null default '{}',
  created_at timestamptz not null default now()
);
comment on table auth.users is 'Local stand-in for Supabase Auth users: only what memberships reference.';

create or replace function auth.uid() returns uuid
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
comment on function auth.uid() is 'The signed-in user''s id (the JWT `sub` claim), as on Supabase.';

create or replace function auth.role() returns text
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
comment on function auth.role() is 'The caller''s API role (the JWT `role` claim), as on Supabase.';

create or replace function auth.jwt() returns jsonb
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
comment on function auth.jwt() is 'All claims of the caller''s JWT, as on Supabase.';

grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
