-- The profile API the SDK calls with .rpc(): get_profile, resolve_profile,
-- search_profiles. They run as the caller (security invoker), so row-level
-- security decides what each key sees; their JSON shapes are the zod schemas
-- in packages/core/src/schemas/profile.ts.

create function tessera.profile_json(p public.profiles) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'id', p.id,
    'workspace_id', p.workspace_id,
    'display_name', p.display_name,
    'first_name', p.first_name,
    'last_name', p.last_name,
    'email', p.email,
    'phone', p.phone,
    'identities', coalesce((
      select jsonb_agg(jsonb_build_object(
               'kind', i.kind, 'value', i.value, 'source', i.source,
               'first_seen_at', i.first_seen_at, 'last_seen_at', i.last_seen_at)
             order by i.first_seen_at, i.kind, i.value)
        from public.identities i
       where i.workspace_id = p.workspace_id and i.profile_id = p.id), '[]'),
    'traits', coalesce((
      select jsonb_agg(jsonb_build_object('name', t.name, 'value', t.value, 'source', t.source, 'observed_at', t.observed_at)
             order by t.name, t.observed_at desc)
        from public.traits t
       where t.workspace_id = p.workspace_id and t.profile_id = p.id), '[]'),
    'lifetime_revenue', p.lifetime_revenue,
    'currency', p.currency,
    'orders_count', p.orders_count,
    'first_seen_at', p.first_seen_at,
    'last_activity', (
      select jsonb_build_object('type', e.type, 'source', e.source, 'occurred_at', e.occurred_at,
                                'revenue', e.revenue, 'currency', e.currency)
        from public.events e
       where e.workspace_id = p.workspace_id and e.profile_id = p.id
       order by e.occurred_at desc, e.id desc
       limit 1),
    'created_at', p.created_at,
    'updated_at', p.updated_at
  )
$$;
comment on function tessera.profile_json(public.profiles) is 'A profile in the wire shape of the Profile schema.';
revoke all on function tessera.profile_json(public.profiles) from public;
grant execute on function tessera.profile_json(public.profiles) to authenticated, service_role;

create function public.get_profile(profile_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  found_profile public.profiles;
begin
  select * into found_profile from public.profiles p where p.id = get_profile.profile_id;
  if found_profile.merged_into is not null then
    -- A merged-away id still leads to the person: answer with the survivor.
    select * into found_profile from public.profiles p
     where p.workspace_id = found_profile.workspace_id and p.id = found_profile.merged_into;
  end if;
  if found_profile.id is null then
    return null;
  end if;
  return tessera.profile_json(found_profile);
end
$$;
comment on function public.get_profile(uuid) is
  'One unified profile with its identities, traits and last activity; null if it does not exist or the caller may not see it.';

create function public.resolve_profile(kind text, value text, workspace_id uuid default null) returns uuid
language sql stable security invoker set search_path = '' as $$
  select coalesce(p.merged_into, p.id)
    from public.identities i
    join public.profiles p on p.workspace_id = i.workspace_id and p.id = i.profile_id
   where i.workspace_id = tessera.request_workspace(resolve_profile.workspace_id)
     and i.kind = resolve_profile.kind
     and i.value = tessera.normalise_identity(resolve_profile.kind, resolve_profile.value)
$$;
comment on function public.resolve_profile(text, text, uuid) is
  'The id of the profile an identity (kind + value, normalised here) belongs to, or null.';

create function public.search_profiles(query text, "limit" integer default 20, workspace_id uuid default null) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  ws uuid := tessera.request_workspace(search_profiles.workspace_id);
  needle text := lower(btrim(coalesce(search_profiles.query, '')));
  -- The caller's text is matched literally, never as a LIKE pattern.
  pattern text := replace(replace(replace(needle, '\', '\\'), '%', '\%'), '_', '\_');
  wanted integer := least(greatest(coalesce(search_profiles."limit", 20), 1), 100);
begin
  if needle = '' then
    return '[]'::jsonb;
  end if;
  return coalesce((
    select jsonb_agg(jsonb_build_object(
             'id', hit.id, 'display_name', hit.display_name, 'email', hit.email, 'phone', hit.phone,
             'lifetime_revenue', hit.lifetime_revenue, 'currency', hit.currency, 'last_activity_at', hit.last_activity_at)
           order by hit.rank, hit.last_activity_at desc nulls last, hit.id)
      from (
        select p.*,
               case when p.email = needle or exists (
                      select 1 from public.identities i
                       where i.workspace_id = p.workspace_id and i.profile_id = p.id and i.value = needle) then 0
                    when lower(p.display_name) like pattern || '%' then 1
                    else 2 end as rank
          from public.profiles p
         where p.workspace_id = ws
           and p.merged_into is null
           and (lower(p.display_name) like '%' || pattern || '%'
                or p.email like pattern || '%'
                or p.phone like pattern || '%'
                or exists (select 1 from public.identities i
                            where i.workspace_id = p.workspace_id and i.profile_id = p.id
                              and lower(i.value) like pattern || '%'))
         order by rank, p.last_activity_at desc nulls last, p.id
         limit wanted
      ) hit), '[]'::jsonb);
end
$$;
comment on function public.search_profiles(text, integer, uuid) is
  'Profiles whose name contains, or whose email, phone or any identity starts with, the query; exact identity matches first. At most 100.';

revoke all on function public.get_profile(uuid), public.resolve_profile(text, text, uuid),
  public.search_profiles(text, integer, uuid) from public, anon;
grant execute on function public.get_profile(uuid), public.resolve_profile(text, text, uuid),
  public.search_profiles(text, integer, uuid) to authenticated, service_role;
