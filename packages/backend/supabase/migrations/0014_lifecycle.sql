-- Lifecycle stages and journey analytics (docs/journeys.md).
--
-- Every person is in one stage of their relationship with the business
-- (follower, lead, first_purchase, repeat, loyal, at_risk, churned,
-- reactivated). The stage is computed from what Tessera knows of them (their
-- purchases, subscription payments, sign-ups and churn score) by one
-- function, tessera.lifecycle_timeline, under the workspace's stage model:
-- thresholds kept as data, with a documented default. The history of stages
-- is kept as transitions (one open per person) and mirrored onto the profile,
-- so live widgets see a new stage through the profile's realtime changes.
-- The analytics functions read only transitions (and, for retention, each
-- cohort member's own purchases), so their cost follows the time range asked
-- about, not the size of the workspace's history.

-- The stage model -------------------------------------------------------------

create function tessera.default_lifecycle_stage_model() returns jsonb
language sql immutable parallel safe set search_path = '' as $$
  select '{
    "stages": [
      {"key": "follower", "label": "Follower", "description": "Known only from social activity (a follow, a comment); never bought and never gave a way to reach them."},
      {"key": "lead", "label": "Lead", "description": "Gave an email or phone, joined a list, submitted a form or signed up; never bought."},
      {"key": "first_purchase", "label": "First purchase", "description": "Bought on exactly one day."},
      {"key": "repeat", "label": "Repeat", "description": "Bought on 2 or more days, fewer than loyal_purchase_days, and spent less than loyal_amount."},
      {"key": "loyal", "label": "Loyal", "description": "Bought on loyal_purchase_days days or more, or spent loyal_amount or more."},
      {"key": "at_risk", "label": "At risk", "description": "A customer whose current churn score is high, or medium while their last purchase is more than at_risk_gap_multiple times their usual gap between purchases ago."},
      {"key": "churned", "label": "Churned", "description": "No purchase in churned_after_days and no subscription payment in subscription_lapse_days."},
      {"key": "reactivated", "label": "Reactivated", "description": "Bought again after having churned; back to repeat or loyal at their next purchase day, or after reactivated_days."}
    ],
    "thresholds": {
      "loyal_purchase_days": 5,
      "loyal_amount": 500,
      "churned_after_days": 365,
      "subscription_lapse_days": 37,
      "reactivated_days": 90,
      "at_risk_gap_multiple": 2
    },
    "lead_events": ["customer_created", "contact_created", "form_submitted", "checkout_started", "tag_added", "offer_purchased"],
    "lead_identities": ["email", "phone"]
  }'::jsonb
$$;
comment on function tessera.default_lifecycle_stage_model() is
  'The stage model a workspace uses until it stores its own: the eight stages (key, label, description), the thresholds (loyal_purchase_days 5, loyal_amount 500, churned_after_days 365, subscription_lapse_days 37, reactivated_days 90, at_risk_gap_multiple 2), the event types that make someone a lead, and the identity kinds that do (email, phone).';

create table public.lifecycle_stage_models (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  version bigint generated always as identity,
  definition jsonb not null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  primary key (workspace_id, version)
);
comment on table public.lifecycle_stage_models is
  'A workspace''s own lifecycle stage model, versioned (the highest version is in force): {"thresholds": {…}, "lead_events": […], "lead_identities": […]}, each part optional and falling back to tessera.default_lifecycle_stage_model(). Stages are recomputed by the next rebuild_lifecycle (nightly) or as each person''s events arrive.';
comment on column public.lifecycle_stage_models.definition is
  'Only what differs from the default, e.g. {"thresholds": {"loyal_purchase_days": 3, "churned_after_days": 180}}.';

create function tessera.check_lifecycle_stage_model() returns trigger
language plpgsql set search_path = '' as $$
declare
  defaults jsonb := tessera.default_lifecycle_stage_model();
  known text := (select string_agg(k, ', ' order by k) from jsonb_object_keys(defaults -> 'thresholds') k);
  problem text;
begin
  if jsonb_typeof(new.definition) is distinct from 'object' then
    problem := 'The stage model must be a JSON object such as {"thresholds": {"loyal_purchase_days": 3}}.';
  else
    select format('The stage model has no part %s: it may set thresholds, lead_events and lead_identities.', k) into problem
      from jsonb_object_keys(new.definition) k where k not in ('thresholds', 'lead_events', 'lead_identities') limit 1;
  end if;
  if problem is null and new.definition ? 'thresholds' then
    if jsonb_typeof(new.definition -> 'thresholds') <> 'object' then
      problem := 'thresholds must be a JSON object of numbers.';
    else
      select case when not (defaults -> 'thresholds' ? t.key) then format('There is no threshold %s; the thresholds are %s.', t.key, known)
                  else format('Threshold %s must be a positive number, not %s.', t.key, t.value) end
        into problem
        from jsonb_each(new.definition -> 'thresholds') t
       where not (defaults -> 'thresholds' ? t.key) or jsonb_typeof(t.value) <> 'number' or t.value::text::numeric <= 0
       limit 1;
      if problem is null and new.definition -> 'thresholds' ? 'loyal_purchase_days'
         and ((new.definition #>> '{thresholds,loyal_purchase_days}')::numeric < 2
              or (new.definition #>> '{thresholds,loyal_purchase_days}')::numeric % 1 <> 0) then
        problem := 'loyal_purchase_days must be a whole number of at least 2: one purchase day is first_purchase.';
      end if;
    end if;
  end if;
  if problem is null then
    select format('%s must be a JSON array of strings.', part) into problem
      from unnest(array['lead_events', 'lead_identities']) part
     where new.definition ? part
       and (jsonb_typeof(new.definition -> part) <> 'array'
            or exists (select 1 from jsonb_array_elements(new.definition -> part) x where jsonb_typeof(x) <> 'string'))
     limit 1;
  end if;
  if problem is not null then
    raise exception using errcode = '22023', message = problem,
      hint = 'See tessera.default_lifecycle_stage_model() and docs/journeys.md for the parts of a stage model.';
  end if;
  return new;
end
$$;
comment on function tessera.check_lifecycle_stage_model() is
  'Rejects a stage model with unknown parts or thresholds, non-positive thresholds, or a loyal_purchase_days below 2, saying which value is wrong.';
create trigger lifecycle_stage_models_check before insert or update on public.lifecycle_stage_models
  for each row execute function tessera.check_lifecycle_stage_model();

alter table public.lifecycle_stage_models enable row level security;
revoke all on public.lifecycle_stage_models from anon, authenticated;
grant select, insert on public.lifecycle_stage_models to authenticated;
create policy lifecycle_stage_models_members_read on public.lifecycle_stage_models for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));
create policy lifecycle_stage_models_admins_write on public.lifecycle_stage_models for insert to authenticated
  with check (workspace_id in (select tessera.my_admin_workspace_ids()));

create function tessera.lifecycle_stage_model(p_workspace_id uuid) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'version', m.version,
    'stages', d.model -> 'stages',
    'thresholds', (d.model -> 'thresholds') || coalesce(m.definition -> 'thresholds', '{}'),
    'lead_events', coalesce(m.definition -> 'lead_events', d.model -> 'lead_events'),
    'lead_identities', coalesce(m.definition -> 'lead_identities', d.model -> 'lead_identities'))
    from (select tessera.default_lifecycle_stage_model() as model) d
    left join lateral (select s.version, s.definition from public.lifecycle_stage_models s
                        where s.workspace_id = p_workspace_id order by s.version desc limit 1) m on true
$$;
comment on function tessera.lifecycle_stage_model(uuid) is
  'The stage model in force for a workspace: its latest stored definition over the default, part by part and threshold by threshold; version is null while it uses the default.';

create function tessera.lifecycle_stage_rank(p_stage text) returns integer
language sql immutable parallel safe set search_path = '' as $$
  select array_position(array['follower', 'lead', 'first_purchase', 'repeat', 'loyal', 'at_risk', 'churned', 'reactivated'], p_stage)
$$;
comment on function tessera.lifecycle_stage_rank(text) is 'A stage''s place in the lifecycle (follower 1 … reactivated 8), for ordering; null for an unknown stage.';

-- Transitions ------------------------------------------------------------------

create table public.lifecycle_transitions (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  profile_id uuid not null,
  stage text not null check (tessera.lifecycle_stage_rank(stage) is not null),
  entered_at timestamptz not null,
  left_at timestamptz check (left_at > entered_at),
  cause text not null,
  primary key (workspace_id, profile_id, entered_at),
  foreign key (workspace_id, profile_id) references public.profiles (workspace_id, id) on delete cascade
);
comment on table public.lifecycle_transitions is
  'Each person''s stages over time: when they entered each stage, when they left it (null for the stage they are in), and what moved them (order_placed, churn_score, no purchase in 365 days, …). Written by tessera.refresh_stage and tessera.rebuild_lifecycle only.';
comment on column public.lifecycle_transitions.profile_id is 'The person (root profile); profiles merged into them have no transitions of their own.';
comment on column public.lifecycle_transitions.cause is
  'What moved the person into the stage: the event type that did (order_placed, payment_succeeded, refund_issued, customer_created, followed, …), email_known, churn_score, no purchase in N days, subscription lapsed, N days since coming back.';
-- One open stage per person, and the lookup refresh_stage starts from.
create unique index lifecycle_transitions_open_idx on public.lifecycle_transitions (workspace_id, profile_id) where left_at is null;
-- The analytics start from the entries into stages within a time range.
create index lifecycle_transitions_stage_idx on public.lifecycle_transitions (workspace_id, stage, entered_at) include (profile_id, left_at);

alter table public.lifecycle_transitions enable row level security;
revoke all on public.lifecycle_transitions from anon, authenticated;
grant select on public.lifecycle_transitions to authenticated;
create policy lifecycle_transitions_members_read on public.lifecycle_transitions for select to authenticated
  using (workspace_id in (select tessera.my_workspace_ids()));

alter table public.profiles add column if not exists stage text;
alter table public.profiles add constraint profiles_stage_known check (stage is null or tessera.lifecycle_stage_rank(stage) is not null);
comment on column public.profiles.stage is
  'The person''s current lifecycle stage (their open lifecycle_transitions row), kept on the profile for fast reads and so a new stage reaches live widgets through the profile''s realtime changes.';

-- Computing stages -----------------------------------------------------------

create function tessera.lifecycle_timeline(p_workspace_id uuid, p_at timestamptz, p_profile uuid default null)
returns table (profile_id uuid, stage text, entered_at timestamptz, left_at timestamptz, cause text)
-- A workspace's whole history is a few sorts of its events: give them memory, and no JIT (the planner's
-- estimates for chained CTEs are wildly high, and compiling the query took longer than running it).
-- Always planned for the arguments given: a generic plan would read the whole workspace for one person.
language plpgsql stable set search_path = '' set jit = off set work_mem = '64MB' set plan_cache_mode = force_custom_plan as $$
declare
  model jsonb := tessera.lifecycle_stage_model(p_workspace_id);
  loyal_days integer := (model #>> '{thresholds,loyal_purchase_days}')::integer;
  loyal_amount numeric := (model #>> '{thresholds,loyal_amount}')::numeric;
  -- Days of 86,400 seconds, so that no session time zone (daylight saving) moves a churn date.
  churned_after interval := make_interval(secs => (model #>> '{thresholds,churned_after_days}')::double precision * 86400);
  lapse interval := make_interval(secs => (model #>> '{thresholds,subscription_lapse_days}')::double precision * 86400);
  comeback interval := make_interval(secs => (model #>> '{thresholds,reactivated_days}')::double precision * 86400);
  overdue double precision := (model #>> '{thresholds,at_risk_gap_multiple}')::double precision;
  lead_events text[] := array(select jsonb_array_elements_text(model -> 'lead_events'));
  lead_identities text[] := array(select jsonb_array_elements_text(model -> 'lead_identities'));
begin
  -- A person's stage at a moment is a function of what they did up to it. The
  -- stage can only change at a checkpoint: an event that moves money or signs
  -- them up, a lead identity first seen, the moment their purchases stop
  -- covering them (churn), the end of a reactivation window, and p_at (where
  -- the churn score, which has no history, can put them at risk). Running
  -- totals over the checkpoints give the stage at each; runs of one stage
  -- become the transitions.
  return query
  with people as (
    select p.id as person, p.first_seen_at, p.churn_band
      from public.profiles p
     where p.workspace_id = p_workspace_id and p.merged_into is null and p.first_seen_at <= p_at
       and (p_profile is null or p.id = p_profile)
  ), members as (
    select coalesce(p.merged_into, p.id) as person, p.id as member
      from public.profiles p
     where p.workspace_id = p_workspace_id and (p_profile is null or p.id = p_profile or p.merged_into = p_profile)
  ), facts as materialized (
    -- Materialized so counts_as_purchase (a function call, not inlined) runs once per event, not once per use.
    select m.person, e.id, e.type, e.occurred_at as t, e.revenue,
           e.revenue > 0 and tessera.counts_as_purchase(e.revenue, e.properties) as purchase,
           coalesce(e.revenue > 0 and e.properties ->> 'payment_type' = 'subscription', false) as renewal
      from members m
      join public.events e on e.workspace_id = p_workspace_id and e.profile_id = m.member
     where e.occurred_at <= p_at and ((e.revenue is not null and e.revenue <> 0) or e.type = any (lead_events))
  ), covered as (
    -- A purchase keeps a person a customer for churned_after_days, a subscription payment for subscription_lapse_days.
    select f.*, case when f.purchase then f.t + churned_after when f.renewal then f.t + lapse end as covered_until
      from facts f
  ), ordered as (
    -- Every window below runs over one ordering of each person's facts, so they share one sort.
    select c.*,
           max(c.t) filter (where c.renewal) over earlier as previous_renewal,
           max(c.covered_until) over earlier as previous_cover
      from covered c
    window earlier as (partition by c.person order by c.t, c.id rows between unbounded preceding and 1 preceding)
  ), money as (
    -- Starting (or restarting, after a lapse) a subscription is buying; renewals only keep the person a customer.
    -- A spell is a run of overlapping cover; a spell after the first is a comeback.
    select o.*,
           o.purchase or (o.renewal and o.t >= coalesce(o.previous_renewal + lapse, '-infinity')) as buys,
           o.covered_until is not null and o.t >= coalesce(o.previous_cover, '-infinity') as opens_spell
      from ordered o
  ), spelled as (
    select m.*,
           sum(m.opens_spell::integer) over running as spell,
           max(case when m.buys then date_trunc('day', m.t, 'UTC') end) over earlier as previous_buy_day
      from money m
    window running as (partition by m.person order by m.t, m.id rows between unbounded preceding and current row),
           earlier as (partition by m.person order by m.t, m.id rows between unbounded preceding and 1 preceding)
  ), spell_bounds as (
    select s.person, s.spell, min(s.t) as began, max(s.covered_until) as ended,
           (array_agg(s.purchase order by s.covered_until desc, s.purchase desc))[1] as ended_by_purchase
      from spelled s where s.covered_until is not null group by s.person, s.spell
  ), checkpoints as (
    select s.person, s.t,
           case when s.buys then 1 when s.revenue > 0 then 2 when s.revenue < 0 then 3 else 4 end as priority,
           s.type as cause,
           s.buys and date_trunc('day', s.t, 'UTC') is distinct from s.previous_buy_day as new_day,
           coalesce(s.revenue, 0) as amount,
           case when s.buys then date_trunc('day', s.t, 'UTC') end as buy_day,
           case when s.buys then s.t end as bought_at,
           coalesce(s.revenue > 0, false) as pays,
           s.covered_until,
           s.type = any (lead_events) as signs_up,
           s.opens_spell and s.spell > 1 as comes_back,
           null::text as band
      from spelled s
    union all
    select b.person, b.ended, 5,
           case when b.ended_by_purchase then format('no purchase in %s days', (model #>> '{thresholds,churned_after_days}'))
                else 'subscription lapsed' end,
           false, 0, null, null, false, null, false, false, null
      from spell_bounds b where b.ended <= p_at
    union all
    select b.person, b.began + comeback, 6, format('%s days since coming back', (model #>> '{thresholds,reactivated_days}')),
           false, 0, null, null, false, null, false, false, null
      from spell_bounds b where b.spell > 1 and b.began + comeback <= p_at
    union all
    select m.person, min(i.first_seen_at), 7, (array_agg(i.kind || '_known' order by i.first_seen_at, i.kind))[1],
           false, 0, null, null, false, null, true, false, null
      from members m
      join public.identities i on i.workspace_id = p_workspace_id and i.profile_id = m.member
     where i.kind = any (lead_identities) and i.first_seen_at <= p_at
     group by m.person
    union all
    select pe.person, pe.first_seen_at, 8, coalesce(first_event.type, 'first_seen'),
           false, 0, null, null, false, null, false, false, null
      from people pe
      -- Index lookups per profile of the person (a lateral over the members CTE would scan it for every person).
      left join lateral (select f.type
                           from (select pe.person as member
                                 union all
                                 select p.id from public.profiles p where p.workspace_id = p_workspace_id and p.merged_into = pe.person) m
                          cross join lateral (select e.type, e.id from public.events e
                                               where e.workspace_id = p_workspace_id and e.profile_id = m.member and e.occurred_at = pe.first_seen_at
                                               order by e.id limit 1) f
                          order by f.id limit 1) first_event on true
    union all
    -- p_at, where the churn score (which has no history) may put a customer at risk. Only this row carries the band.
    select pe.person, p_at, 9, 'churn_score', false, 0, null, null, false, null, false, false, coalesce(pe.churn_band, 'none')
      from people pe
  ), running as (
    -- Window frames include peers: every checkpoint at one instant sees everything that happened at it.
    select c.person, c.t, c.priority, c.cause, c.band, c.days,
           sum(c.amount) over w as spent,
           coalesce(bool_or(c.pays) over w, false) as customer,
           coalesce(bool_or(c.signs_up) over w, false) as lead,
           max(c.covered_until) over w as covered_until,
           max(c.bought_at) over w as last_bought,
           min(c.buy_day) over w as first_day,
           max(c.buy_day) over w as last_day,
           max(c.t) filter (where c.comes_back) over w as came_back_at,
           max(c.days) filter (where c.comes_back) over w as days_at_comeback
      from (select k.*, sum(k.new_day::integer) over (partition by k.person order by k.t) as days from checkpoints k) c
    window w as (partition by c.person order by c.t)
  ), staged as (
    select r.person, r.t, r.priority, s.stage,
           case when s.stage = 'at_risk' then case when r.band = 'high' then 'churn_score' else 'churn_score and overdue' end
                else r.cause end as cause
      from running r
      cross join lateral (select case
        when not r.customer then case when r.lead then 'lead' else 'follower' end
        when r.t >= r.covered_until then 'churned'
        when r.band = 'high'
             or (r.band = 'medium' and r.days >= 2
                 and r.t - r.last_bought > overdue * ((r.last_day - r.first_day) / (r.days - 1))) then 'at_risk'
        when r.came_back_at is not null and r.t < r.came_back_at + comeback and r.days = r.days_at_comeback then 'reactivated'
        when r.days >= loyal_days or r.spent >= loyal_amount then 'loyal'
        when r.days >= 2 then 'repeat'
        else 'first_purchase' end as stage) s
  ), moments as (
    -- One stage per instant; the cause is the weightiest checkpoint at it (a purchase over a sign-up over first sight).
    select distinct on (s.person, s.t) s.person, s.t, s.stage, s.cause
      from staged s
     order by s.person, s.t, s.stage = 'at_risk' desc, s.priority
  ), changes as (
    select m.*, m.stage is distinct from lag(m.stage) over (partition by m.person order by m.t) as changed from moments m
  )
  select c.person, c.stage, c.t, lead(c.t) over (partition by c.person order by c.t), c.cause
    from changes c where c.changed;
end
$$;
comment on function tessera.lifecycle_timeline(uuid, timestamptz, uuid) is
  'Each person''s stages (or one person''s) as their facts up to p_at say, under the workspace''s stage model: purchases (counts_as_purchase, counted by UTC day, plus the first payment of each subscription), money in and out, sign-ups, coverage by purchases and subscriptions, and, at p_at only, the current churn band. Writes nothing.';

create function tessera.refresh_stage(p_workspace_id uuid, p_profile_id uuid, p_at timestamptz default now()) returns text
language plpgsql volatile set search_path = '' as $$
declare
  root uuid := tessera.root_of(p_workspace_id, p_profile_id);
  derived jsonb;
  open_row public.lifecycle_transitions;
  newest jsonb;
  newer jsonb;
begin
  if root is null then
    return null;
  end if;
  -- A rebuild of the workspace takes this exclusively; people are refreshed one at a time each.
  perform pg_advisory_xact_lock_shared(hashtextextended('tessera.lifecycle:' || p_workspace_id::text, 0));
  perform pg_advisory_xact_lock(hashtextextended('tessera.lifecycle:' || p_workspace_id::text || ':' || root::text, 0));

  select coalesce(jsonb_agg(to_jsonb(t) order by t.entered_at), '[]') into derived
    from tessera.lifecycle_timeline(p_workspace_id, p_at, root) t;
  if jsonb_array_length(derived) = 0 then
    return (select p.stage from public.profiles p where p.workspace_id = p_workspace_id and p.id = root);
  end if;
  newest := derived -> -1;

  -- Profiles merged into this person bring their events with them, so the person's past changed: rewrite it.
  delete from public.lifecycle_transitions t
   using public.profiles m
   where m.workspace_id = p_workspace_id and m.merged_into = root and t.workspace_id = p_workspace_id and t.profile_id = m.id;
  if found then
    delete from public.lifecycle_transitions t where t.workspace_id = p_workspace_id and t.profile_id = root;
  end if;

  select * into open_row from public.lifecycle_transitions t
   where t.workspace_id = p_workspace_id and t.profile_id = root and t.left_at is null;
  if open_row.profile_id is null then
    -- Never staged (or just rewritten): the whole derived history.
    delete from public.lifecycle_transitions t where t.workspace_id = p_workspace_id and t.profile_id = root;
    insert into public.lifecycle_transitions (workspace_id, profile_id, stage, entered_at, left_at, cause)
    select p_workspace_id, root, x.stage, x.entered_at, x.left_at, x.cause
      from jsonb_to_recordset(derived) as x(stage text, entered_at timestamptz, left_at timestamptz, cause text);
  else
    -- What happened since the open stage began, less a first piece that only continues it.
    select coalesce(jsonb_agg(s.seg order by s.n), '[]') into newer
      from jsonb_array_elements(derived) with ordinality as s(seg, n)
     where (s.seg ->> 'entered_at')::timestamptz > open_row.entered_at;
    if newer -> 0 ->> 'stage' = open_row.stage then
      newer := newer - 0;
    end if;
    if jsonb_array_length(newer) > 0 then
      update public.lifecycle_transitions t set left_at = (newer -> 0 ->> 'entered_at')::timestamptz
       where t.workspace_id = p_workspace_id and t.profile_id = root and t.entered_at = open_row.entered_at;
      insert into public.lifecycle_transitions (workspace_id, profile_id, stage, entered_at, left_at, cause)
      select p_workspace_id, root, x.stage, x.entered_at, x.left_at, x.cause
        from jsonb_to_recordset(newer) as x(stage text, entered_at timestamptz, left_at timestamptz, cause text);
    elsif newest ->> 'stage' <> open_row.stage then
      -- The facts say another stage since before the open one began (a score that changed, or
      -- history that arrived late): the change is known from now.
      if p_at > open_row.entered_at then
        update public.lifecycle_transitions t set left_at = p_at
         where t.workspace_id = p_workspace_id and t.profile_id = root and t.entered_at = open_row.entered_at;
        insert into public.lifecycle_transitions (workspace_id, profile_id, stage, entered_at, left_at, cause)
        values (p_workspace_id, root, newest ->> 'stage', p_at, null,
                case when open_row.stage = 'at_risk' then 'churn_score' else newest ->> 'cause' end);
      else
        update public.lifecycle_transitions t set stage = newest ->> 'stage', cause = newest ->> 'cause'
         where t.workspace_id = p_workspace_id and t.profile_id = root and t.entered_at = open_row.entered_at;
      end if;
    end if;
  end if;

  update public.profiles p set stage = o.stage, updated_at = now()
    from public.lifecycle_transitions o
   where o.workspace_id = p_workspace_id and o.profile_id = root and o.left_at is null
     and p.workspace_id = p_workspace_id and p.id = root and p.stage is distinct from o.stage;
  update public.profiles p set stage = null, updated_at = now()
   where p.workspace_id = p_workspace_id and p.merged_into = root and p.stage is not null;
  return (select t.stage from public.lifecycle_transitions t
           where t.workspace_id = p_workspace_id and t.profile_id = root and t.left_at is null);
end
$$;
comment on function tessera.refresh_stage(uuid, uuid, timestamptz) is
  'Brings one person''s stage up to date as of p_at (after their events or churn score changed): appends the transitions their facts imply since their open stage began, or their whole history if they have none, and mirrors the stage onto the profile. Idempotent. Returns the stage.';

create function tessera.rebuild_lifecycle(p_workspace_id uuid, p_at timestamptz default now()) returns jsonb
language plpgsql volatile set search_path = '' as $$
declare
  removed integer;
  added integer;
  moved integer;
begin
  perform pg_advisory_xact_lock(hashtextextended('tessera.lifecycle:' || p_workspace_id::text, 0));
  if to_regclass('pg_temp.lifecycle_rebuild') is not null then
    drop table pg_temp.lifecycle_rebuild; -- a second rebuild in the same transaction
  end if;
  create temp table lifecycle_rebuild on commit drop as
    select * from tessera.lifecycle_timeline(p_workspace_id, p_at);
  create index on pg_temp.lifecycle_rebuild (profile_id, entered_at);
  analyze pg_temp.lifecycle_rebuild;

  -- At risk has no history to replay (scores keep only the current one): a person still at risk stays
  -- at risk since Tessera first saw them so, not since this rebuild.
  with kept as (
    select d.profile_id, o.entered_at as since
      from pg_temp.lifecycle_rebuild d
      join public.lifecycle_transitions o on o.workspace_id = p_workspace_id and o.profile_id = d.profile_id and o.left_at is null and o.stage = 'at_risk'
     where d.stage = 'at_risk' and d.left_at is null and o.entered_at < d.entered_at
       and o.entered_at > coalesce((select max(b.entered_at) from pg_temp.lifecycle_rebuild b
                                     where b.profile_id = d.profile_id and b.entered_at < d.entered_at), '-infinity')
  ), earlier as (
    update pg_temp.lifecycle_rebuild b set left_at = k.since
      from kept k where b.profile_id = k.profile_id and b.left_at = (select d.entered_at from pg_temp.lifecycle_rebuild d
                                                                     where d.profile_id = k.profile_id and d.left_at is null)
  )
  update pg_temp.lifecycle_rebuild d set entered_at = k.since
    from kept k where d.profile_id = k.profile_id and d.left_at is null;

  -- Write only the difference, so a nightly rebuild of an unchanged workspace writes nothing.
  delete from public.lifecycle_transitions t
   where t.workspace_id = p_workspace_id
     and not exists (select 1 from pg_temp.lifecycle_rebuild d
                      where d.profile_id = t.profile_id and d.entered_at = t.entered_at and d.stage = t.stage
                        and d.left_at is not distinct from t.left_at and d.cause = t.cause);
  get diagnostics removed = row_count;
  -- What is left matches the rebuild exactly; the rest is new. (On conflict rather than an anti-join: on a
  -- table whose statistics predate a first rebuild, the planner would rescan it for every row inserted.)
  insert into public.lifecycle_transitions (workspace_id, profile_id, stage, entered_at, left_at, cause)
  select p_workspace_id, d.profile_id, d.stage, d.entered_at, d.left_at, d.cause
    from pg_temp.lifecycle_rebuild d
  on conflict do nothing;
  get diagnostics added = row_count;

  update public.profiles p set stage = d.stage, updated_at = now()
    from pg_temp.lifecycle_rebuild d
   where p.workspace_id = p_workspace_id and p.id = d.profile_id and d.left_at is null and p.stage is distinct from d.stage;
  get diagnostics moved = row_count;
  -- Profiles merged away, or not seen yet at p_at, have no stage.
  update public.profiles p set stage = null, updated_at = now()
   where p.workspace_id = p_workspace_id and p.stage is not null
     and not exists (select 1 from pg_temp.lifecycle_rebuild d where d.profile_id = p.id and d.left_at is null);

  return jsonb_build_object(
    'people', (select count(distinct d.profile_id) from pg_temp.lifecycle_rebuild d),
    'transitions', (select count(*) from pg_temp.lifecycle_rebuild d),
    'removed', removed, 'added', added, 'stages_changed', moved);
end
$$;
comment on function tessera.rebuild_lifecycle(uuid, timestamptz) is
  'Replays every person''s history into transitions with their real past times (first_purchase at the first purchase, repeat at the second purchase day, churned when the last purchase stopped covering them, …), writing only what differs, and mirrors each stage onto the profile. At risk can only be placed at p_at (scores have no history). Returns {people, transitions, removed, added, stages_changed}.';

-- Journey analytics ----------------------------------------------------------

create function public.stage_conversion(since timestamptz, until timestamptz, workspace_id uuid default null)
returns table (from_stage text, to_stage text, people integer, entered integer, rate double precision,
               median_days double precision, p75_days double precision)
language sql stable security invoker set search_path = '' as $$
  -- Of the people who entered a stage in [since, until), how many moved on to each next stage before until, and how fast.
  -- A stage left before until was left for one entered in the range too: the next entry of the same person.
  with entries as (
    select t.stage, t.entered_at, t.left_at,
           lead(t.stage) over (partition by t.profile_id order by t.entered_at) as next_stage
      from public.lifecycle_transitions t
     where t.workspace_id = tessera.request_workspace(stage_conversion.workspace_id)
       and t.stage = any (array['follower', 'lead', 'first_purchase', 'repeat', 'loyal', 'at_risk', 'churned', 'reactivated'])
       and t.entered_at >= stage_conversion.since and t.entered_at < stage_conversion.until
  ), entered as (
    select e.stage, count(*)::integer as n from entries e group by e.stage
  ), moves as (
    select e.stage as from_stage, e.next_stage as to_stage, count(*)::integer as people,
           percentile_cont(0.5) within group (order by extract(epoch from e.left_at - e.entered_at) / 86400) as median_days,
           percentile_cont(0.75) within group (order by extract(epoch from e.left_at - e.entered_at) / 86400) as p75_days
      from entries e
     where e.left_at < stage_conversion.until
     group by e.stage, e.next_stage
  )
  select m.from_stage, m.to_stage, m.people, en.n, m.people::double precision / en.n, m.median_days, m.p75_days
    from moves m join entered en on en.stage = m.from_stage
   order by tessera.lifecycle_stage_rank(m.from_stage), m.people desc, tessera.lifecycle_stage_rank(m.to_stage)
$$;
comment on function public.stage_conversion(timestamptz, timestamptz, uuid) is
  'For each move from one stage to the next seen in the time range: of the people who entered from_stage in [since, until) (entered), how many moved next to to_stage before until (people, rate), and the median and 75th percentile of the days they spent in from_stage before moving.';

create function public.common_paths(from_stage text, to_stage text, since timestamptz, until timestamptz,
                                    "limit" integer default 10, workspace_id uuid default null)
returns table (path text[], journeys integer, people integer, median_days double precision, p75_days double precision)
language plpgsql stable security invoker set search_path = '' as $$
declare
  ws uuid := tessera.request_workspace(common_paths.workspace_id);
  wanted integer := least(greatest(coalesce(common_paths."limit", 10), 1), 100);
begin
  if tessera.lifecycle_stage_rank(common_paths.from_stage) is null or tessera.lifecycle_stage_rank(common_paths.to_stage) is null then
    raise exception using errcode = '22023',
      message = format('Unknown stage %s: the stages are follower, lead, first_purchase, repeat, loyal, at_risk, churned and reactivated.',
                       case when tessera.lifecycle_stage_rank(common_paths.from_stage) is null then common_paths.from_stage else common_paths.to_stage end);
  end if;
  -- A journey starts where someone entered from_stage in [since, until) and ends at their next entry into
  -- to_stage before until, with no other entry into from_stage in between (the journey starts again there).
  return query
  with journeys as (
    select s.profile_id, s.entered_at as started, f.entered_at as finished
      from public.lifecycle_transitions s
      cross join lateral (select n.entered_at from public.lifecycle_transitions n
                           where n.workspace_id = ws and n.profile_id = s.profile_id and n.stage = common_paths.to_stage
                             and n.entered_at > s.entered_at and n.entered_at < common_paths.until
                           order by n.entered_at limit 1) f
     where s.workspace_id = ws and s.stage = common_paths.from_stage
       and s.entered_at >= common_paths.since and s.entered_at < common_paths.until
       and not exists (select 1 from public.lifecycle_transitions r
                        where r.workspace_id = ws and r.profile_id = s.profile_id and r.stage = common_paths.from_stage
                          and r.entered_at > s.entered_at and r.entered_at < f.entered_at)
  ), walked as (
    select j.profile_id, extract(epoch from j.finished - j.started) / 86400 as days,
           array(select t.stage from public.lifecycle_transitions t
                  where t.workspace_id = ws and t.profile_id = j.profile_id and t.entered_at between j.started and j.finished
                  order by t.entered_at) as stages
      from journeys j
  )
  select w.stages, count(*)::integer, count(distinct w.profile_id)::integer,
         percentile_cont(0.5) within group (order by w.days), percentile_cont(0.75) within group (order by w.days)
    from walked w
   group by w.stages
   order by count(*) desc, w.stages
   limit wanted;
end
$$;
comment on function public.common_paths(text, text, timestamptz, timestamptz, integer, uuid) is
  'The most common sequences of stages people took from from_stage (entered in [since, until)) to their next entry into to_stage (before until): the path, how many journeys and people took it, and the median and 75th percentile of the days it took. At most "limit" paths (10, up to 100).';

create function public.cohort_retention(since timestamptz, until timestamptz, period text default 'month', workspace_id uuid default null)
returns table (first_touch text, cohort timestamptz, customers integer, period_number integer, purchasers integer, share double precision)
language plpgsql stable security invoker set search_path = '' as $$
declare
  ws uuid := tessera.request_workspace(cohort_retention.workspace_id);
  step interval;
  months_per_step integer;
begin
  case cohort_retention.period
    when 'week' then step := interval '1 week';
    when 'month' then step := interval '1 month'; months_per_step := 1;
    when 'quarter' then step := interval '3 months'; months_per_step := 3;
    when 'year' then step := interval '1 year'; months_per_step := 12;
    else raise exception using errcode = '22023',
      message = format('Unknown period %s: cohorts are by week, month, quarter or year.', cohort_retention.period);
  end case;
  -- Cohorts: people whose first purchase (their first entry into a buying stage) was in [since, until),
  -- by the source of their earliest event and the period of that purchase. Periods are calendar
  -- periods in UTC; period n is reported once it has ended by until (period 0 always).
  return query
  -- Lateral lookups throughout: each is one index range per person, whatever the planner knows of the tables.
  with buyers as (
    -- A person's first buying stage is the one whose predecessor (if any) is follower or lead.
    select t.profile_id as person, t.entered_at as first_paid
      from public.lifecycle_transitions t
     where t.workspace_id = ws and t.stage = any (array['first_purchase', 'repeat', 'loyal'])
       and t.entered_at >= cohort_retention.since and t.entered_at < cohort_retention.until
       and coalesce((select b.stage from public.lifecycle_transitions b
                      where b.workspace_id = ws and b.profile_id = t.profile_id and b.entered_at < t.entered_at
                      order by b.entered_at desc limit 1), 'lead') in ('follower', 'lead')
  ), members as (
    select b.person, m.id as member
      from buyers b
      cross join lateral (select b.person as id
                          union all
                          select p.id from public.profiles p where p.workspace_id = ws and p.merged_into = b.person) m
  ), firsts as (
    -- Each profile's earliest event: the person's is the earliest of these.
    select distinct on (m.person) m.person, coalesce(nullif(f.properties ->> 'network', ''), f.source) as source
      from members m
      cross join lateral (select e.properties, e.source, e.occurred_at, e.id from public.events e
                           where e.workspace_id = ws and e.profile_id = m.member
                           order by e.occurred_at, e.id limit 1) f
     order by m.person, f.occurred_at, f.id
  ), people as (
    select b.person, b.first_paid, date_trunc(cohort_retention.period, b.first_paid, 'UTC') as cohort,
           coalesce(f.source, 'unknown') as first_touch
      from buyers b left join firsts f on f.person = b.person
  ), active as (
    -- The periods each person paid in (a purchase or a subscription payment), numbered from their first purchase's.
    select distinct p.person, p.first_touch, p.cohort,
           case when months_per_step is null then ((paid.period at time zone 'UTC')::date - (p.cohort at time zone 'UTC')::date) / 7
                else ((extract(year from paid.period at time zone 'UTC') - extract(year from p.cohort at time zone 'UTC')) * 12
                      + extract(month from paid.period at time zone 'UTC') - extract(month from p.cohort at time zone 'UTC'))::integer / months_per_step
           end::integer as n
      from people p
      join members m on m.person = p.person
      cross join lateral (select date_trunc(cohort_retention.period, e.occurred_at, 'UTC') as period from public.events e
                           where e.workspace_id = ws and e.profile_id = m.member and e.revenue > 0
                             and e.occurred_at >= p.first_paid and e.occurred_at < cohort_retention.until) paid
  ), cohorts as (
    select p.first_touch, p.cohort, count(*)::integer as size from people p group by p.first_touch, p.cohort
  ), periods as (
    -- Period 0 always; period n once it has ended by until (calendar arithmetic in UTC).
    select c.*, 0 as n from cohorts c
    union
    select c.*, g.k::integer - 1 from cohorts c
      cross join lateral generate_series((c.cohort at time zone 'UTC') + step, cohort_retention.until at time zone 'UTC', step) with ordinality as g(ends, k)
  ), retained as (
    select a.first_touch, a.cohort, a.n, count(*)::integer as purchasers from active a group by a.first_touch, a.cohort, a.n
  )
  select p.first_touch, p.cohort, p.size, p.n, coalesce(r.purchasers, 0), coalesce(r.purchasers, 0)::double precision / p.size
    from periods p
    left join retained r on r.first_touch = p.first_touch and r.cohort = p.cohort and r.n = p.n
   order by p.first_touch, p.cohort, p.n;
end
$$;
comment on function public.cohort_retention(timestamptz, timestamptz, text, uuid) is
  'Retention by cohort: customers whose first purchase was in [since, until), grouped by first-touch source (the network or source of their earliest event: shopify, kajabi, instagram, tiktok, …) and the week, month, quarter or year of that purchase; for each period after it (0 = the first purchase''s own) that has ended by until, how many of them paid (purchase or subscription) in it and what share of the cohort that is.';

revoke all on function public.stage_conversion(timestamptz, timestamptz, uuid),
  public.common_paths(text, text, timestamptz, timestamptz, integer, uuid),
  public.cohort_retention(timestamptz, timestamptz, text, uuid) from public, anon;
grant execute on function public.stage_conversion(timestamptz, timestamptz, uuid),
  public.common_paths(text, text, timestamptz, timestamptz, integer, uuid),
  public.cohort_retention(timestamptz, timestamptz, text, uuid) to authenticated, service_role;
revoke all on function tessera.default_lifecycle_stage_model(), tessera.lifecycle_stage_model(uuid), tessera.lifecycle_stage_rank(text),
  tessera.check_lifecycle_stage_model(), tessera.lifecycle_timeline(uuid, timestamptz, uuid),
  tessera.refresh_stage(uuid, uuid, timestamptz), tessera.rebuild_lifecycle(uuid, timestamptz) from public;
-- The analytics (security invoker) and the stage check read these as the caller.
grant execute on function tessera.default_lifecycle_stage_model(), tessera.lifecycle_stage_model(uuid), tessera.lifecycle_stage_rank(text),
  tessera.check_lifecycle_stage_model() to authenticated, service_role;
grant execute on function tessera.lifecycle_timeline(uuid, timestamptz, uuid), tessera.refresh_stage(uuid, uuid, timestamptz),
  tessera.rebuild_lifecycle(uuid, timestamptz) to service_role;
