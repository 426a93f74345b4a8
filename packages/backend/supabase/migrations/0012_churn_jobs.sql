-- Churn jobs: what the refit, the re-scoring after each event and the
-- backtests read. Subscriptions are contractual and modelled by the sBG, so
-- their payments leave the purchase histories BG/NBD reads; the engagement
-- model reads features from every source; a person's headline score is the
-- model that fits their relationship best.

alter table public.churn_models add column horizon_days integer check (horizon_days > 0);
comment on column public.churn_models.horizon_days is 'The horizon the fit''s scores look ahead (days): re-scoring after an event uses the same one.';

create function tessera.counts_as_purchase(p_revenue numeric, p_properties jsonb) returns boolean
language sql immutable parallel safe set search_path = '' as $$
  select p_revenue > 0 and coalesce(p_properties ->> 'payment_type', '') <> 'subscription'
$$;
comment on function tessera.counts_as_purchase(numeric, jsonb) is
  'A purchase as the non-contractual models see it: money in, and not a subscription renewal (those belong to the sBG).';

create or replace function tessera.purchase_summaries(p_workspace_id uuid, p_as_of timestamptz, p_profile uuid default null)
returns table (profile_id uuid, frequency integer, recency_days double precision, age_days double precision,
               repeat_mean_value double precision, last_purchase_at timestamptz, currency text)
language sql stable set search_path = '' as $$
  -- Counted once per day as in the BG/NBD papers: frequency = repeat purchase days.
  with purchases as (
    select coalesce(p.merged_into, p.id) as person, date_trunc('day', e.occurred_at) as day,
           sum(e.revenue) as value, max(e.occurred_at) as at, max(e.currency) as currency
      from public.events e
      join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
     where e.workspace_id = p_workspace_id and tessera.counts_as_purchase(e.revenue, e.properties) and e.occurred_at <= p_as_of
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

create function tessera.subscription_histories(p_workspace_id uuid, p_as_of timestamptz, p_profile uuid default null)
returns table (profile_id uuid, periods_paid integer, first_paid_at timestamptz, last_paid_at timestamptz,
               mean_payment double precision, currency text, active boolean)
language sql stable set search_path = '' as $$
  -- Monthly plans (Kajabi's usual): a member whose last payment is more than
  -- a month and a week old has cancelled or lapsed.
  select coalesce(p.merged_into, p.id),
         count(distinct date_trunc('day', e.occurred_at))::integer,
         min(e.occurred_at), max(e.occurred_at),
         avg(e.revenue)::double precision, max(e.currency),
         max(e.occurred_at) > p_as_of - interval '37 days'
    from public.events e
    join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
   where e.workspace_id = p_workspace_id and e.revenue > 0 and e.properties ->> 'payment_type' = 'subscription'
     and e.occurred_at <= p_as_of
     and (p_profile is null or coalesce(p.merged_into, p.id) = p_profile)
   group by 1
$$;
comment on function tessera.subscription_histories(uuid, timestamptz, uuid) is
  'Each subscriber''s paid periods as of a time (what the sBG reads): how many, first and last payment, mean payment, still active.';

create function tessera.churn_features(p_workspace_id uuid, p_as_of timestamptz, p_horizon_days integer, p_profile uuid default null)
returns table (profile_id uuid, days_since_last_purchase double precision, purchase_days integer,
               purchase_days_90 integer, purchase_days_prev_90 integer, revenue double precision,
               tenure_days double precision, days_since_last_activity double precision,
               social_90 integer, social_prev_90 integer, learning_90 integer, refunds integer, sources integer,
               subscribed boolean, purchase_days_after integer)
language sql stable set search_path = '' as $$
  -- Everything a person did up to the cutoff, across sources; and (for
  -- training and backtests) how many days they bought on in the horizon after
  -- it. Customers only: people who bought at least once before the cutoff.
  with activity as (
    select coalesce(p.merged_into, p.id) as person, e.source, e.type, e.occurred_at, e.revenue,
           tessera.counts_as_purchase(e.revenue, e.properties) as purchase,
           e.properties ->> 'payment_type' = 'subscription' and e.revenue > 0 as renewal
      from public.events e
      join public.profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
     where e.workspace_id = p_workspace_id and e.occurred_at <= p_as_of + make_interval(days => p_horizon_days)
       and (p_profile is null or coalesce(p.merged_into, p.id) = p_profile)
  ), per_person as (
    select person,
           max(occurred_at) filter (where purchase and occurred_at <= p_as_of) as last_purchase,
           min(occurred_at) filter (where purchase and occurred_at <= p_as_of) as first_purchase,
           count(distinct date_trunc('day', occurred_at)) filter (where purchase and occurred_at <= p_as_of) as purchase_days,
           count(distinct date_trunc('day', occurred_at)) filter (where purchase and occurred_at <= p_as_of and occurred_at > p_as_of - interval '90 days') as purchase_days_90,
           count(distinct date_trunc('day', occurred_at)) filter (where purchase and occurred_at <= p_as_of - interval '90 days' and occurred_at > p_as_of - interval '180 days') as purchase_days_prev_90,
           coalesce(sum(revenue) filter (where revenue > 0 and occurred_at <= p_as_of), 0) as revenue,
           min(occurred_at) filter (where occurred_at <= p_as_of) as first_seen,
           max(occurred_at) filter (where not purchase and occurred_at <= p_as_of) as last_activity,
           count(*) filter (where source not like 'shopify%' and source not like 'kajabi%' and occurred_at <= p_as_of and occurred_at > p_as_of - interval '90 days') as social_90,
           count(*) filter (where source not like 'shopify%' and source not like 'kajabi%' and occurred_at <= p_as_of - interval '90 days' and occurred_at > p_as_of - interval '180 days') as social_prev_90,
           count(*) filter (where source like 'kajabi%' and not purchase and not renewal and occurred_at <= p_as_of and occurred_at > p_as_of - interval '90 days') as learning_90,
           count(*) filter (where revenue < 0 and occurred_at <= p_as_of) as refunds,
           count(distinct split_part(source, '_', 1)) filter (where occurred_at <= p_as_of) as sources,
           bool_or(renewal and occurred_at <= p_as_of and occurred_at > p_as_of - interval '37 days') as subscribed,
           count(distinct date_trunc('day', occurred_at)) filter (where purchase and occurred_at > p_as_of) as purchase_days_after
      from activity
     group by person
  )
  select person,
         extract(epoch from p_as_of - last_purchase) / 86400,
         purchase_days::integer, purchase_days_90::integer, purchase_days_prev_90::integer, revenue::double precision,
         extract(epoch from p_as_of - least(first_seen, first_purchase)) / 86400,
         extract(epoch from p_as_of - coalesce(last_activity, first_seen)) / 86400,
         social_90::integer, social_prev_90::integer, learning_90::integer, refunds::integer, sources::integer,
         coalesce(subscribed, false), purchase_days_after::integer
    from per_person
   where last_purchase is not null
$$;
comment on function tessera.churn_features(uuid, timestamptz, integer, uuid) is
  'Per customer, what the engagement model reads at a cutoff (recency, frequency and its trend, revenue, tenure, days since anything other than an order, social and learning activity and their trend, refunds, sources, subscription), and the purchase days in the horizon after it (its label).';

create function tessera.churn_model_rank(p_model text) returns integer
language sql immutable parallel safe set search_path = '' as $$
  select case p_model when 'engagement' then 0 when 'bgnbd' then 1 when 'sbg' then 2 else 3 end
$$;
comment on function tessera.churn_model_rank(text) is
  'Which score is a person''s headline when several models scored them: the engagement model (reads every source), then BG/NBD, then sBG.';

create or replace function tessera.store_churn_scores(p_workspace_id uuid, p_scores jsonb) returns integer
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
     set churn_risk = h.risk, churn_band = h.band, updated_at = now()
    from (select distinct on (s.profile_id) s.profile_id, s.risk, s.band
            from public.churn_scores s
           where s.workspace_id = p_workspace_id
             and s.profile_id in (select (x ->> 'profile_id')::uuid from jsonb_array_elements(p_scores) x)
           order by s.profile_id, tessera.churn_model_rank(s.model)) h
   where p.workspace_id = p_workspace_id and p.id = h.profile_id
     and (p.churn_risk, p.churn_band) is distinct from (h.risk, h.band);
  return stored;
end
$$;
comment on function tessera.store_churn_scores(uuid, jsonb) is
  'Upserts scores ({profile_id, model, version, risk, band, horizon_days, palive, expected_purchases, clv, factors}[]) and mirrors each person''s headline score onto their profile.';

create or replace function public.get_churn(profile_id uuid) returns jsonb
language sql stable security invoker set search_path = '' as $$
  with person as (
    select root.id, root.workspace_id, root.currency
      from public.profiles p
      join public.profiles root on root.workspace_id = p.workspace_id and root.id = coalesce(p.merged_into, p.id)
     where p.id = get_churn.profile_id
  ), scores as (
    select s.*, tessera.churn_model_rank(s.model) as rank
      from person join public.churn_scores s on s.workspace_id = person.workspace_id and s.profile_id = person.id
  )
  select jsonb_build_object(
    'profile_id', person.id,
    'risk', h.risk,
    'band', h.band,
    'horizon_days', h.horizon_days,
    'palive', h.palive,
    'expected_purchases', h.expected_purchases,
    'clv', h.clv,
    'currency', person.currency,
    'model', h.model,
    'model_version', h.version,
    'factors', h.factors,
    'scored_at', h.scored_at,
    'models', (select jsonb_agg(jsonb_build_object('model', s.model, 'model_version', s.version, 'risk', s.risk, 'band', s.band,
                                                    'horizon_days', s.horizon_days, 'scored_at', s.scored_at) order by s.rank)
                 from scores s))
    from person
    join lateral (select * from scores order by rank limit 1) h on true
$$;
comment on function public.get_churn(uuid) is
  'A person''s headline churn risk (probability of no purchase — or, for a subscriber, of cancelling — in the horizon, 0–1), band, P(alive), expected purchases, CLV and the reasons in plain words, with every model''s score; null before they are scored.';

revoke all on function tessera.subscription_histories(uuid, timestamptz, uuid), tessera.churn_features(uuid, timestamptz, integer, uuid) from public;
grant execute on function tessera.subscription_histories(uuid, timestamptz, uuid), tessera.churn_features(uuid, timestamptz, integer, uuid) to service_role;

-- The profile's wire shape gains its headline churn score, so the SDK's live
-- profile (and every card following it) sees a new score as it is stored.
alter function tessera.profile_json(public.profiles) rename to profile_core_json;
comment on function tessera.profile_core_json(public.profiles) is 'A profile''s identity, traits, totals and last activity: the Profile schema without what later migrations add.';

create function tessera.profile_json(p public.profiles) returns jsonb
language sql stable set search_path = '' as $$
  select tessera.profile_core_json(p)
         || jsonb_build_object('churn', case when p.churn_risk is null then null
                                             else jsonb_build_object('risk', p.churn_risk, 'band', p.churn_band) end)
$$;
comment on function tessera.profile_json(public.profiles) is 'A profile in the wire shape of the Profile schema, with its headline churn score.';
revoke all on function tessera.profile_json(public.profiles) from public;
grant execute on function tessera.profile_json(public.profiles) to authenticated, service_role;
