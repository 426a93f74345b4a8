-- Storefront customers: a shopper logged in to a Shopify store reads their own
-- card, and nothing else. The backend mints them a short-lived token after
-- verifying a Shopify App Proxy request (src/auth/app-proxy.ts); its claim
-- `tessera_customer: { workspace_id, profile_id, customer }` is what the
-- policies below read. The token's role is `authenticated` but its subject is
-- no member of any workspace, so every staff policy (workspace_members) stays
-- closed to it; here it gets SELECT on exactly what get_profile, get_churn and
-- get_journey read (profiles, identities, traits, events, churn_scores), and
-- only the rows of its own person: the profile it names, the root it has been
-- merged into, and every profile merged into that root. Realtime changes of
-- that person's `profiles` row reach it through the same profiles policy.
-- Every function that works on a whole workspace (search, segments, analytics,
-- duplicates, webhooks) asks tessera.request_workspace, which refuses it.

create function tessera.storefront_claim() returns jsonb
language sql stable set search_path = '' as $$
  -- Only a verified token's claims reach request.jwt.claims; a Supabase Auth user
  -- cannot set a top-level claim (only user_metadata), so this is ours alone.
  select case when auth.role() = 'authenticated' then auth.jwt() -> 'tessera_customer' end
$$;
comment on function tessera.storefront_claim() is
  'The tessera_customer claim ({workspace_id, profile_id, customer}) of a storefront customer token, or null for every other caller.';

create function tessera.storefront_workspace_id() returns uuid
language sql stable set search_path = '' as $$
  select case when tessera.storefront_claim() ->> 'workspace_id' ~ '^[0-9a-fA-F-]{36}$'
              then (tessera.storefront_claim() ->> 'workspace_id')::uuid end
$$;
comment on function tessera.storefront_workspace_id() is 'The workspace of a storefront customer token; null for staff, service and anon callers.';

create function tessera.storefront_profile_id() returns uuid
language sql stable set search_path = '' as $$
  select case when tessera.storefront_claim() ->> 'profile_id' ~ '^[0-9a-fA-F-]{36}$'
              then (tessera.storefront_claim() ->> 'profile_id')::uuid end
$$;
comment on function tessera.storefront_profile_id() is
  'The profile a storefront customer token was minted for (its root at the time); null for staff, service and anon callers.';

create function tessera.storefront_person_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  -- Followed now, not when the token was minted: a merge since then still leads
  -- to the person, and an unmerge takes the split-off profiles away.
  with person as (
    select root.workspace_id, root.id
      from public.profiles p
      join public.profiles root on root.workspace_id = p.workspace_id and root.id = coalesce(p.merged_into, p.id)
     where p.workspace_id = tessera.storefront_workspace_id()
       and p.id = tessera.storefront_profile_id()
       and root.erased_at is null
  )
  select m.id from person join public.profiles m on m.workspace_id = person.workspace_id and m.id = person.id
  union all
  select m.id from person join public.profiles m on m.workspace_id = person.workspace_id and m.merged_into = person.id
$$;
comment on function tessera.storefront_person_ids() is
  'Every profile of the storefront customer''s person (their root and the profiles merged into it); empty for any other caller. Security definer so the profiles policy can use it without recursing into itself.';

revoke all on function tessera.storefront_claim(), tessera.storefront_workspace_id(), tessera.storefront_profile_id(),
  tessera.storefront_person_ids() from public;
grant execute on function tessera.storefront_claim(), tessera.storefront_workspace_id(), tessera.storefront_profile_id(),
  tessera.storefront_person_ids() to authenticated, service_role;

-- What get_profile, get_churn and get_journey read, for the customer's own person only.
-- Each policy reads the claim through (select …): an InitPlan evaluated once per
-- query. Called bare, the function ran once per row for every staff query too
-- (policies are OR-ed), which made workspace_overview 40x slower at 100k people.
create policy profiles_storefront_customer_read on public.profiles for select to authenticated
  using (workspace_id = (select tessera.storefront_workspace_id()) and id in (select tessera.storefront_person_ids()));
comment on policy profiles_storefront_customer_read on public.profiles is
  'A storefront customer token reads its own person''s profile rows (root and merged), so get_profile and realtime on that row work for them.';

create policy identities_storefront_customer_read on public.identities for select to authenticated
  using (workspace_id = (select tessera.storefront_workspace_id()) and profile_id in (select tessera.storefront_person_ids()));
comment on policy identities_storefront_customer_read on public.identities is
  'A storefront customer token reads its own person''s identities (the card lists them).';

create policy traits_storefront_customer_read on public.traits for select to authenticated
  using (workspace_id = (select tessera.storefront_workspace_id()) and profile_id in (select tessera.storefront_person_ids()));
comment on policy traits_storefront_customer_read on public.traits is
  'A storefront customer token reads its own person''s traits (get_profile returns them).';

create policy events_storefront_customer_read on public.events for select to authenticated
  using (workspace_id = (select tessera.storefront_workspace_id()) and profile_id in (select tessera.storefront_person_ids()));
comment on policy events_storefront_customer_read on public.events is
  'A storefront customer token reads its own person''s events (last activity and get_journey).';

create policy churn_scores_storefront_customer_read on public.churn_scores for select to authenticated
  using (workspace_id = (select tessera.storefront_workspace_id()) and profile_id in (select tessera.storefront_person_ids()));
comment on policy churn_scores_storefront_customer_read on public.churn_scores is
  'A storefront customer token reads its own person''s churn scores (get_churn).';

-- Workspace-wide functions refuse a customer token outright rather than answer
-- from the rows above (search_profiles would otherwise find the customer themself).
-- 0001's function keeps its body under a new name; request_workspace checks the
-- token first and then asks it, so the two never drift apart.
alter function tessera.request_workspace(uuid) rename to staff_workspace;
comment on function tessera.staff_workspace(uuid) is
  'The workspace a staff or service call is about (0001''s request_workspace): the one it names, else the JWT''s workspace claim, else the only one the caller can reach.';

create function tessera.request_workspace(requested uuid) returns uuid
language plpgsql stable security definer set search_path = '' as $$
begin
  if tessera.storefront_claim() is not null then
    raise exception using errcode = '42501',
      message = 'A storefront customer token reads only its own profile: get_profile, get_churn and get_journey with its profile id.',
      hint = 'Workspace-wide functions (search, segments, analytics, duplicates, webhooks) need a staff session.';
  end if;
  return tessera.staff_workspace(requested);
end
$$;
comment on function tessera.request_workspace(uuid) is
  'The workspace an API call is about (see tessera.staff_workspace). Refuses storefront customer tokens (42501): they read one person, never a workspace.';
revoke all on function tessera.request_workspace(uuid) from public;
grant execute on function tessera.request_workspace(uuid) to authenticated, service_role;
