-- Possible duplicates for a person to review. Identity resolution merges two
-- profiles only when they share an identity; the suggestion engine
-- (src/suggestions, docs/suggestions.md) scores pairs that share none but
-- look like one person. A job stores its pairs here
-- (tessera.store_duplicate_suggestions); a person confirms one, which merges
-- the two exactly as a hand merge does, or dismisses it, which keeps that pair
-- from ever being suggested again. Nothing here merges on its own.

create table public.duplicate_suggestions (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  profile_a uuid not null,
  profile_b uuid not null,
  score double precision not null check (score >= 0 and score <= 1),
  evidence jsonb not null default '{}',
  suggested_at timestamptz not null default now(),
  scored_at timestamptz not null default now(),
  status text not null default 'open' check (status in ('open', 'confirmed', 'dismissed')),
  decided_at timestamptz,
  decided_by uuid references auth.users (id) on delete set null,
  primary key (workspace_id, profile_a, profile_b),
  -- One row per pair, whichever way round the engine named it.
  check (profile_a < profile_b),
  check ((status = 'open') = (decided_at is null)),
  foreign key (workspace_id, profile_a) references public.profiles (workspace_id, id) on delete cascade,
  foreign key (workspace_id, profile_b) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.duplicate_suggestions is
  'Pairs of profiles that share no identity but are probably one person, with the probability and how each field compared; open until a person confirms (merges) or dismisses them.';
comment on column public.duplicate_suggestions.score is 'P(same person) from the suggestion model: use it to rank, not as calibrated odds (docs/suggestions.md).';
comment on column public.duplicate_suggestions.evidence is 'How each field present on both profiles compared, e.g. {"surname": "exact", "city": "exact", "given_name": "Jaro–Winkler ≥ 0.85"}.';
comment on column public.duplicate_suggestions.suggested_at is 'When the pair was first suggested; later runs refresh its score and evidence but keep this.';
comment on column public.duplicate_suggestions.scored_at is 'When the latest run that found the pair computed its score and evidence.';
comment on column public.duplicate_suggestions.decided_by is 'The staff user who confirmed or dismissed it; null when it was the service key or the CLI.';
-- The review queue, in the order list_duplicate_suggestions answers it.
create index duplicate_suggestions_queue_idx on public.duplicate_suggestions (workspace_id, status, decided_at desc, suggested_at desc, score desc);

alter table public.duplicate_suggestions enable row level security;
revoke all on public.duplicate_suggestions from anon, authenticated;
-- People decide through confirm_/dismiss_duplicate_suggestion; the job writes through the service key.
grant select on public.duplicate_suggestions to authenticated;
create policy duplicate_suggestions_members_read on public.duplicate_suggestions for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create function tessera.duplicate_decided(p_workspace_id uuid, p_root_a uuid, p_root_b uuid) returns boolean
language sql stable set search_path = '' as $$
  -- Decided for any profile of either person: a pair dismissed before one of them
  -- absorbed another profile stays dismissed for the person it became.
  with a as (select array(select tessera.cluster(p_workspace_id, p_root_a)) as members),
       b as (select array(select tessera.cluster(p_workspace_id, p_root_b)) as members)
  select exists (
    select 1 from public.duplicate_suggestions s, a, b
     where s.workspace_id = p_workspace_id and s.status <> 'open'
       and ((s.profile_a = any (a.members) and s.profile_b = any (b.members))
         or (s.profile_a = any (b.members) and s.profile_b = any (a.members))))
$$;
comment on function tessera.duplicate_decided(uuid, uuid, uuid) is
  'True when a person has already confirmed or dismissed a suggestion between any profiles of these two people.';

create function tessera.store_duplicate_suggestions(p_workspace_id uuid, p_suggestions jsonb) returns jsonb
language plpgsql volatile set search_path = '' as $$
declare
  offered integer;
  opened integer;
  refreshed integer;
  withdrawn integer;
begin
  if jsonb_typeof(p_suggestions) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'store_duplicate_suggestions expects a JSON array of {a, b, score, evidence}';
  end if;
  -- Roots and clusters must not change under us while we decide what is still worth suggesting.
  perform pg_advisory_xact_lock(hashtextextended('tessera.resolve_identities:' || p_workspace_id::text, 0));

  with offer as (
    select distinct on (least(s.a, s.b), greatest(s.a, s.b))
           least(s.a, s.b) as profile_a, greatest(s.a, s.b) as profile_b, s.score, coalesce(s.evidence, '{}') as evidence
      from jsonb_to_recordset(p_suggestions) as s(a uuid, b uuid, score double precision, evidence jsonb)
     where s.a <> s.b
     order by least(s.a, s.b), greatest(s.a, s.b), s.score desc
  ), written as (
    insert into public.duplicate_suggestions as s (workspace_id, profile_a, profile_b, score, evidence)
    select p_workspace_id, o.profile_a, o.profile_b, o.score, o.evidence
      from offer o
     -- Pair by pair, each check an index lookup (scalar subqueries are never turned into
     -- joins, which stale row counts after a bulk import would make quadratic): both still
     -- separate people (roots, not erased), never decided by a person, not split apart by an unmerge.
     where (select count(*) from public.profiles p
             where p.workspace_id = p_workspace_id and p.id in (o.profile_a, o.profile_b) and p.merged_into is null and p.erased_at is null) = 2
       and not tessera.duplicate_decided(p_workspace_id, o.profile_a, o.profile_b)
       and not tessera.merge_blocked(p_workspace_id, o.profile_a, o.profile_b)
    on conflict (workspace_id, profile_a, profile_b) do update
       set score = excluded.score, evidence = excluded.evidence, scored_at = excluded.scored_at
     -- A person deciding the pair while this ran wins.
     where s.status = 'open'
    returning (xmax = 0) as is_new
  )
  select (select count(*) from offer), count(*) filter (where is_new), count(*) filter (where not is_new)
    into offered, opened, refreshed from written;

  -- The offer is a whole run's result: an open pair it did not score again has lost its evidence, or a profile.
  delete from public.duplicate_suggestions s
   where s.workspace_id = p_workspace_id and s.status = 'open' and s.scored_at < now();
  get diagnostics withdrawn = row_count;
  return jsonb_build_object('new', opened, 'refreshed', refreshed, 'skipped', offered - opened - refreshed, 'withdrawn', withdrawn);
end
$$;
comment on function tessera.store_duplicate_suggestions(uuid, jsonb) is
  'Stores one complete suggestion run for a workspace ([{a, b, score, evidence}]), once per transaction: new pairs open, open pairs get the new score, pairs a person decided, pairs already one person or split apart by an unmerge are skipped, and open pairs the run no longer finds are withdrawn. Answers {new, refreshed, skipped, withdrawn}.';

create function tessera.duplicate_summary(p public.profiles) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object('id', p.id, 'display_name', p.display_name, 'email', p.email, 'phone', p.phone,
                            'lifetime_revenue', p.lifetime_revenue, 'currency', p.currency, 'last_activity_at', p.last_activity_at)
$$;
comment on function tessera.duplicate_summary(public.profiles) is 'One side of a suggested pair, in the shape of the ProfileSummary schema (as search_profiles answers).';

create function public.list_duplicate_suggestions(status text default 'open', "limit" integer default 50, workspace_id uuid default null) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  ws uuid := tessera.request_workspace(list_duplicate_suggestions.workspace_id);
  wanted integer := least(greatest(coalesce(list_duplicate_suggestions."limit", 50), 1), 100);
begin
  if list_duplicate_suggestions.status is null or list_duplicate_suggestions.status not in ('open', 'confirmed', 'dismissed') then
    raise exception using errcode = '22023', message = format('status must be open, confirmed or dismissed, not %s', coalesce(list_duplicate_suggestions.status, 'null'));
  end if;
  return coalesce((
    select jsonb_agg(jsonb_build_object(
             'profile_a', s.profile_a, 'profile_b', s.profile_b, 'score', s.score, 'evidence', s.evidence, 'status', s.status,
             'suggested_at', s.suggested_at, 'decided_at', s.decided_at, 'decided_by', s.decided_by,
             'profiles', jsonb_build_array(tessera.duplicate_summary(a), tessera.duplicate_summary(b)))
           order by s.decided_at desc, s.suggested_at desc, s.score desc, s.profile_a, s.profile_b)
      from (select * from public.duplicate_suggestions d
             where d.workspace_id = ws and d.status = list_duplicate_suggestions.status
               -- An open pair is only worth reviewing while both are still people of their own (the next run withdraws it).
               and (d.status <> 'open' or (
                    exists (select 1 from public.profiles p where p.workspace_id = ws and p.id = d.profile_a and p.merged_into is null and p.erased_at is null)
                and exists (select 1 from public.profiles p where p.workspace_id = ws and p.id = d.profile_b and p.merged_into is null and p.erased_at is null)))
             -- Open pairs have no decided_at: newest run first, then highest score.
             order by d.decided_at desc, d.suggested_at desc, d.score desc, d.profile_a, d.profile_b
             limit wanted) s
      join public.profiles a on a.workspace_id = s.workspace_id and a.id = s.profile_a
      join public.profiles b on b.workspace_id = s.workspace_id and b.id = s.profile_b), '[]'::jsonb);
end
$$;
comment on function public.list_duplicate_suggestions(text, integer, uuid) is
  'Possible duplicates to review (status open, the default), or the ones already confirmed or dismissed (latest decision first); open ones newest first, then highest score; each with both profiles summarised. Open pairs where either profile has since been merged or erased are left out. At most 100.';

create function tessera.decide_duplicate_suggestion(p_profile_a uuid, p_profile_b uuid, p_status text) returns uuid
language plpgsql volatile set search_path = '' as $$
declare
  ws uuid;
  found public.duplicate_suggestions;
  survivor uuid;
begin
  select p.workspace_id into ws from public.profiles p where p.id = least(p_profile_a, p_profile_b);
  if ws is not null then
    -- Before looking at the suggestion, so outsiders learn nothing about the workspace's pairs.
    perform tessera.require_editor(ws);
  end if;
  select s.* into found from public.duplicate_suggestions s
   where s.workspace_id = ws and s.profile_a = least(p_profile_a, p_profile_b) and s.profile_b = greatest(p_profile_a, p_profile_b);
  if found.workspace_id is null then
    raise exception using errcode = 'P0002', message = format('No duplicate suggestion for profiles %s and %s.', p_profile_a, p_profile_b);
  end if;
  if p_status = 'dismissed' and found.status = 'confirmed' then
    raise exception using errcode = '22023', message = 'This suggestion was confirmed and the two profiles merged: dismissing it cannot split them.',
      hint = 'Unmerge the profile that was merged away (unmerge_profile).';
  end if;
  if p_status = 'confirmed' then
    -- Merging an already merged pair changes nothing and answers the person they are.
    survivor := public.merge_profiles(found.profile_a, found.profile_b, 'possible duplicate confirmed by a person');
  end if;
  -- Deciding again the same way keeps the first decision's time and author.
  update public.duplicate_suggestions s
     set status = p_status, decided_at = now(), decided_by = auth.uid()
   where s.workspace_id = ws and s.profile_a = found.profile_a and s.profile_b = found.profile_b and s.status <> p_status;
  return survivor;
end
$$;
comment on function tessera.decide_duplicate_suggestion(uuid, uuid, text) is
  'Records a person''s decision on a suggested pair (editors only, as for merges); confirming merges the two and answers the surviving profile.';

create function public.confirm_duplicate_suggestion(profile_a uuid, profile_b uuid) returns uuid
language sql volatile security definer set search_path = '' as $$
  select tessera.decide_duplicate_suggestion(confirm_duplicate_suggestion.profile_a, confirm_duplicate_suggestion.profile_b, 'confirmed')
$$;
comment on function public.confirm_duplicate_suggestion(uuid, uuid) is
  'A person confirms a suggested pair is one person: merges them (as merge_profiles does; reversible with unmerge_profile) and marks the suggestion confirmed. Returns the surviving profile id. Owners, admins, members and the service key.';

create function public.dismiss_duplicate_suggestion(profile_a uuid, profile_b uuid) returns void
language sql volatile security definer set search_path = '' as $$
  select tessera.decide_duplicate_suggestion(dismiss_duplicate_suggestion.profile_a, dismiss_duplicate_suggestion.profile_b, 'dismissed');
$$;
comment on function public.dismiss_duplicate_suggestion(uuid, uuid) is
  'A person says a suggested pair are different people: the suggestion is dismissed and never made again for them. Owners, admins, members and the service key.';

revoke all on function public.list_duplicate_suggestions(text, integer, uuid), public.confirm_duplicate_suggestion(uuid, uuid),
  public.dismiss_duplicate_suggestion(uuid, uuid) from public, anon;
grant execute on function public.list_duplicate_suggestions(text, integer, uuid), public.confirm_duplicate_suggestion(uuid, uuid),
  public.dismiss_duplicate_suggestion(uuid, uuid) to authenticated, service_role;
revoke all on function tessera.duplicate_decided(uuid, uuid, uuid), tessera.store_duplicate_suggestions(uuid, jsonb),
  tessera.duplicate_summary(public.profiles), tessera.decide_duplicate_suggestion(uuid, uuid, text) from public;
-- The summary is read by list_duplicate_suggestions, which runs as the caller.
grant execute on function tessera.duplicate_summary(public.profiles) to authenticated, service_role;
grant execute on function tessera.duplicate_decided(uuid, uuid, uuid), tessera.store_duplicate_suggestions(uuid, jsonb),
  tessera.decide_duplicate_suggestion(uuid, uuid, text) to service_role;
