-- Churn: fitted models per workspace and each person's score. The numeric
-- models live in TypeScript (packages/backend/src/churn: BG/NBD, Gamma-Gamma,
-- sBG); the database keeps what they fitted and what they said, and hands
-- the models each person's purchase summary.

create table public.churn_models (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  model text not null check (model in ('bgnbd', 'gammagamma', 'sbg', 'engagement')),
  version integer not null,
  params jsonb not null,
  log_likelihood double precision,
  customers integer not null,
  time_unit text not null default 'day',
  fitted_at timestamptz not null default now(),
  primary key (workspace_id, model, version)
);
comment on table public.churn_models is
  'Each fit of a churn model for a workspace (parameters, log-likelihood, how many customers), versioned: scores name the version they came from.';

create table public.churn_scores (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  profile_id uuid not null,
  model text not null,
  version integer not null,
  risk double precision not null check (risk between 0 and 1),
  band text not null check (band in ('low', 'medium', 'high')),
  horizon_days integer not null,
  palive double precision check (palive between 0 and 1),
  expected_purchases double precision,
  clv numeric(14, 2),
  factors jsonb not null default '[]',
  scored_at timestamptz not null default now(),
  primary key (workspace_id, profile_id, model),
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.churn_scores is
  'One person''s latest churn score per model: the probability of no purchase in the horizon, its band, P(alive), expected purchases, CLV, and the reasons in plain words.';

alter table public.profiles add column churn_risk double precision;
alter table public.profiles add column churn_band text check (churn_band in ('low', 'medium', 'high'));
comment on column public.profiles.churn_risk is 'The person''s current churn risk (from churn_scores), kept on the profile so a new score reaches live widgets through the profile''s realtime changes.';

alter table public.churn_models enable row level security;
revoke all on public.churn_models from anon, authenticated;
grant select on public.churn_models to authenticated;
create policy churn_models_members_read on public.churn_models for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

alter table public.churn_scores enable row level security;
revoke all on public.churn_scores from anon, authenticated;
grant select on public.churn_scores to authenticated;
create policy churn_scores_members_read on public.churn_scores for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

create function tessera.purchase_summaries(p_workspace_id uuid, p_as_of timestamptz, p_profile uuid default null)
returns table (profile_id uuid, frequency integer, recency_days double precision, age_days double precision,
               repeat_mean_value double precision, last_purchase_at timestamptz, currency text)
language sql stable set search_path = '' as $$
  -- A purchase is an event that brought money in (orders, course payments),
  -- counted once per day as in the BG/NBD papers: frequency = repeat purchase days.
  with purchases as (
    select coalesce(p.merged_into, p.id) as person, date_trunc('day', e.occurred_at) as day,
           sum(e.revenue) as value, max(e.occurred_at) as at, max(e.currency) as currency
      from public.events e
      join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
     where e.workspace_id = p_workspace_id and e.revenue > 0 and e.occurred_at <= p_as_of
       and (p_profile is null or coalesce(p.merged_into, p.id) = p_profile)
     group by 1, 2
  ), ranked as (
    select *, row_number() over (partition by person order by day) as n from purchases
  )
  select person,
         (count(*) - 1)::integer,
         extract(epoch from max(day) - min(day)) / 86400,
         extract(epoch from p_as_of - min(day)) / 86400,
         avg(value) filter (where n > 1)::double precision,
         max(at),
         max(currency)
    from ranked
   group by person
$$;
comment on function tessera.purchase_summaries(uuid, timestamptz, uuid) is
  'Each person''s purchase history as the churn models read it, in days: frequency (repeat purchase days), recency (first to last purchase), age (first purchase to as-of), mean repeat purchase value.';

create function public.get_churn(profile_id uuid) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select jsonb_build_object(
    'profile_id', root.id,
    'risk', s.risk,
    'band', s.band,
    'horizon_days', s.horizon_days,
    'palive', s.palive,
    'expected_purchases', s.expected_purchases,
    'clv', s.clv,
    'currency', root.currency,
    'model', s.model,
    'model_version', s.version,
    'factors', s.factors,
    'scored_at', s.scored_at)
    from (select coalesce(p.merged_into, p.id) as id, p.workspace_id
            from public.profiles p where p.id = get_churn.profile_id) person
    join public.profiles root on root.workspace_id = person.workspace_id and root.id = person.id
    join public.churn_scores s on s.workspace_id = root.workspace_id and s.profile_id = root.id
   order by case s.model when 'bgnbd' then 0 when 'sbg' then 1 else 2 end
   limit 1
$$;
comment on function public.get_churn(uuid) is
  'A person''s churn risk (probability of no purchase in the horizon, 0–1), band, P(alive), expected purchases, CLV and the reasons in plain words; null before they are scored.';

create function tessera.store_churn_scores(p_workspace_id uuid, p_scores jsonb) returns integer
language plpgsql volatile set search_path = '' as $$
declare
  stored integer;
begin
  insert into public.churn_scores as s (workspace_id, profile_id, model, version, risk, band, horizon_days, palive, expected_purchases, clv, factors, scored_at)
  select p_workspace_id, x.profile_id, x.model, x.version, x.risk, x.band, x.horizon_days, x.palive, x.expected_purchases, x.clv, coalesce(x.factors, '[]'), now()
    from jsonb_to_recordset(p_scores) as x(profile_id uuid, model text, version integer, risk double precision, band text, horizon_days integer,
                                          palive double precision, expected_purchases double precision, clv numeric, factors jsonb)
  on conflict (workspace_id, profile_id, model) do update
     set version = excluded.version, risk = excluded.risk, band = excluded.band, horizon_days = excluded.horizon_days,
         palive = excluded.palive, expected_purchases = excluded.expected_purchases, clv = excluded.clv,
         factors = excluded.factors, scored_at = excluded.scored_at;
  get diagnostics stored = row_count;
  -- The profile carries the headline figure, so widgets following it over realtime see the new risk.
  update public.profiles p
     set churn_risk = x.risk, churn_band = x.band, updated_at = now()
    from jsonb_to_recordset(p_scores) as x(profile_id uuid, model text, risk double precision, band text)
   where p.workspace_id = p_workspace_id and p.id = x.profile_id and x.model = 'bgnbd'
     and (p.churn_risk, p.churn_band) is distinct from (x.risk, x.band);
  return stored;
end
$$;
comment on function tessera.store_churn_scores(uuid, jsonb) is
  'Upserts scores ({profile_id, model, version, risk, band, horizon_days, palive, expected_purchases, clv, factors}[]) and mirrors the BG/NBD risk onto the profile.';

revoke all on function public.get_churn(uuid) from public, anon;
grant execute on function public.get_churn(uuid) to authenticated, service_role;
revoke all on function tessera.purchase_summaries(uuid, timestamptz, uuid), tessera.store_churn_scores(uuid, jsonb) from public;
grant execute on function tessera.purchase_summaries(uuid, timestamptz, uuid), tessera.store_churn_scores(uuid, jsonb) to service_role;
