-- Customer journeys: one timeline per person, across every source and every
-- profile merged into them, newest first. get_journey pages it by keyset
-- (occurred_at desc, id desc), so a page costs the same at the start of a
-- history of ten thousand events as at its end, and events arriving while
-- someone pages never make a page skip or repeat one. Each event carries a
-- sentence saying what happened (tessera.event_summary, for segments and
-- exports to reuse) and only the properties a timeline shows. The JSON shape is
-- the JourneyPage schema in packages/core/src/schemas/journey.ts.

-- Words --------------------------------------------------------------------

-- The three one-line helpers below have no search_path setting on purpose:
-- it would stop Postgres inlining them into their callers, which made
-- summaries five times slower. They name nothing outside pg_catalog, and
-- their callers (event_summary) pin search_path themselves.

create function tessera.format_money(amount numeric, currency text) returns text
language sql stable as $$
  -- Symbols only where they are unambiguous to the shops Tessera serves
  -- (CA$ and A$ as Intl writes them in English); any other currency by its code.
  select case when amount < 0 then '-' else '' end
      || case upper(currency)
           when 'USD' then '$' when 'CAD' then 'CA$' when 'AUD' then 'A$' when 'EUR' then '€' when 'GBP' then '£'
           else coalesce(upper(currency) || ' ', '') end
      || to_char(abs(amount), 'FM999,999,999,999,990.00')
$$;
comment on function tessera.format_money(numeric, text) is
  'An amount as people read it: 2 decimals, thousands separated, with $ (USD), CA$, A$, € or £, else the ISO code first ("CHF 84.00"); null for no amount.';

create function tessera.source_label(name text) returns text
language sql immutable as $$
  select case lower(name)
    when 'shopify' then 'Shopify' when 'kajabi' then 'Kajabi' when 'meta' then 'Meta'
    when 'instagram' then 'Instagram' when 'facebook' then 'Facebook' when 'tiktok' then 'TikTok'
    when 'x' then 'X' when 'twitter' then 'X' when 'youtube' then 'YouTube' when 'linkedin' then 'LinkedIn'
    when 'social_import' then 'a social import'
    else initcap(replace(name, '_', ' ')) end
$$;
comment on function tessera.source_label(text) is 'A source or social network as people write it: Shopify, Kajabi, Instagram, TikTok, X, YouTube, …';

create function tessera.json_number(value jsonb) returns numeric
language sql immutable as $$
  select case when jsonb_typeof(value) = 'number' then (value #>> '{}')::numeric end
$$;
comment on function tessera.json_number(jsonb) is 'A JSON number as numeric; null for anything else (a string, null, missing), so a source''s odd value never breaks a summary.';

create function tessera.event_summary(e public.events) returns text
-- PL/pgSQL rather than SQL: its plan is kept for the session, where a SQL
-- function with a search_path would be planned again for every event.
language plpgsql stable set search_path = '' as $$
declare
  p jsonb := e.properties;
  -- Social events name their network; everything else happened on its source.
  place text := tessera.source_label(coalesce(nullif(p ->> 'network', ''), e.source));
  -- Money: what the event brought in, else the price its source quoted.
  amount numeric := coalesce(e.revenue, tessera.json_number(p -> 'total'), tessera.json_number(p -> 'value'),
                             tessera.json_number(p -> 'amount'), tessera.json_number(p -> 'amount_in_cents') / 100);
  money text := tessera.format_money(amount, coalesce(e.currency, nullif(p ->> 'currency', '')));
  money_back text := tessera.format_money(abs(amount), coalesce(e.currency, nullif(p ->> 'currency', '')));
  items integer := coalesce(tessera.json_number(p -> 'item_count'),
                            case when jsonb_typeof(p -> 'items') = 'array' then
                              (select sum(coalesce(tessera.json_number(i -> 'quantity'), 1)) from jsonb_array_elements(p -> 'items') i) end);
  item_words text := items || case when items = 1 then ' item' else ' items' end;
  -- Titles are quoted as people quote them; a missing one stays null.
  title text := '''' || coalesce(nullif(btrim(p ->> 'offer_title'), ''), nullif(btrim(p ->> 'form_title'), ''),
                                 nullif(btrim(p ->> 'tag_name'), ''), nullif(btrim(p ->> 'title'), '')) || '''';
  order_name text := nullif(btrim(p ->> 'name'), '');
  course text := '''' || coalesce(nullif(btrim(p ->> 'course_title'), ''), nullif(btrim(p ->> 'course_name'), '')) || '''';
  lesson text := '''' || coalesce(nullif(btrim(p ->> 'lesson_title'), ''), nullif(btrim(p ->> 'lesson_name'), '')) || '''';
  lesson_number integer := coalesce(tessera.json_number(p -> 'lesson_number'), tessera.json_number(p -> 'lesson_position'));
  -- What of the account's a social event was about.
  target text := case when p ->> 'network' = 'x' then 'post'
                      when p -> 'live' = 'true'::jsonb then 'live video'
                      when upper(p ->> 'media_product_type') = 'REELS' then 'reel'
                      when e.type = 'reacted' and p ->> 'comment_id' is not null then 'comment'
                      else 'post' end;
begin
  return case e.type
    -- Shops and courses: what the person bought, paid, signed up for, completed.
    when 'order_placed' then
      case when items > 0 then 'Ordered ' || item_words else 'Placed an order' end || coalesce(', ' || money, '')
    when 'order_paid' then 'Paid for ' || coalesce('order ' || order_name, 'an order')
    when 'order_fulfilled' then coalesce('Order ' || order_name, 'An order') || ' was fulfilled'
    when 'order_cancelled' then coalesce('Order ' || order_name, 'An order') || ' was cancelled'
    when 'refund_issued' then coalesce('Refunded ' || money_back, 'Was refunded')
    when 'refund_failed' then 'A refund' || coalesce(' of ' || money_back, '') || ' failed'
    when 'refund_pending' then 'A refund' || coalesce(' of ' || money_back, '') || ' is pending'
    when 'checkout_started' then
      'Started a checkout' || case when items > 0 then ' with ' || item_words else '' end || coalesce(', ' || money, '')
    when 'checkout_completed' then 'Completed a checkout' || coalesce(', ' || money, '')
    when 'customer_created' then 'Signed up'
    when 'contact_created' then 'Signed up'
    when 'customer_deleted' then 'Customer record deleted on ' || place
    when 'payment_succeeded' then coalesce('Paid ' || money, 'Made a payment') || coalesce(' for ' || title, '')
    when 'payment_failed' then 'A payment' || coalesce(' of ' || money, '') || coalesce(' for ' || title, '') || ' failed'
    when 'payment_pending' then 'A payment' || coalesce(' of ' || money, '') || coalesce(' for ' || title, '') || ' is pending'
    when 'payment_disputed' then 'Disputed a payment' || coalesce(' of ' || money, '') || coalesce(' for ' || title, '')
    when 'offer_purchased' then 'Bought ' || coalesce(title, 'an offer')
    when 'form_submitted' then coalesce('Submitted the form ' || title, 'Submitted a form')
    when 'tag_added' then coalesce('Tagged ' || title, 'Tagged')
    when 'tag_removed' then coalesce('Tag ' || title || ' removed', 'A tag was removed')
    when 'lesson_completed' then
      case when lesson_number is not null then 'Completed lesson ' || lesson_number || coalesce(' of ' || course, '')
           when lesson is not null then 'Completed ' || lesson || coalesce(' in ' || course, '')
           else 'Completed a lesson' || coalesce(' of ' || course, '') end
    when 'course_completed' then 'Completed ' || coalesce(course, title, 'a course')
    -- Social networks: what someone in the audience did to the account.
    when 'commented' then case when p ->> 'kind' = 'reply' then 'Replied to your ' else 'Commented on your ' end || place || ' ' || target
    when 'followed' then 'Followed you on ' || place
    when 'subscribed' then 'Subscribed to you on ' || place
    when 'messaged' then 'Messaged you on ' || place
    when 'mentioned' then 'Mentioned you on ' || place
    when 'liked' then 'Liked your ' || place || ' ' || target
    when 'reacted' then
      case when lower(coalesce(p ->> 'reaction', 'like')) = 'like' then 'Liked your ' || place || ' ' || target
           else 'Reacted to your ' || place || ' ' || target || ' (' || lower(p ->> 'reaction') || ')' end
    when 'reposted' then case when p ->> 'kind' = 'quote' then 'Quoted' else 'Reposted' end || ' your ' || place || ' ' || target
    when 'shared' then 'Shared your ' || place || ' ' || target
    when 'video_published' then 'Published ' || coalesce(title, 'a video') || ' on ' || place
    when 'video_deleted' then 'Deleted a video on ' || place
    when 'tiktok_disconnected' then 'Disconnected ' || place
    else 'Did ' || replace(e.type, '_', ' ') || ' on ' || place
  end;
end
$$;
comment on function tessera.event_summary(public.events) is
  'One sentence saying what an event was, from its type and properties ("Ordered 2 items, $84.00", "Paid $29.00 for ''Bread Club (monthly)''", "Commented on your Instagram post"); "Did <type> on <Source>" for a type it does not know. Written once for journeys, segments and exports.';

create function tessera.event_timeline_properties(e public.events) returns jsonb
language plpgsql immutable set search_path = '' as $$
declare
  p jsonb := e.properties;
begin
  -- A whitelist, not a blacklist: a source adding a field (ids, form answers,
  -- recovery links) never reaches a timeline until someone decides it should.
  return jsonb_strip_nulls(jsonb_build_object(
    'network', p -> 'network', 'text', p -> 'text', 'kind', p -> 'kind', 'reaction', p -> 'reaction',
    'live', p -> 'live', 'media_product_type', p -> 'media_product_type',
    'item_count', p -> 'item_count', 'name', p -> 'name', 'order_number', p -> 'order_number',
    'discount_codes', p -> 'discount_codes', 'financial_status', p -> 'financial_status',
    'fulfillment_status', p -> 'fulfillment_status', 'cancel_reason', p -> 'cancel_reason', 'note', p -> 'note',
    'offer_title', p -> 'offer_title', 'form_title', p -> 'form_title', 'tag_name', p -> 'tag_name',
    'title', p -> 'title', 'url', p -> 'url', 'reason', p -> 'reason',
    'course_title', p -> 'course_title', 'course_name', p -> 'course_name', 'lesson_title', p -> 'lesson_title',
    'lesson_name', p -> 'lesson_name', 'lesson_number', p -> 'lesson_number', 'lesson_position', p -> 'lesson_position',
    -- Items: what was bought, how many, at what price; never SKUs or product ids.
    'items', case when jsonb_typeof(p -> 'items') = 'array' then (
      select coalesce(jsonb_agg(jsonb_build_object('title', i -> 'title', 'quantity', i -> 'quantity', 'price', i -> 'price')), '[]')
        from jsonb_array_elements(p -> 'items') i where jsonb_typeof(i) = 'object') end));
end
$$;
comment on function tessera.event_timeline_properties(public.events) is
  'The properties of an event a timeline shows (items with title, quantity and price; offer, form, tag or video title; network; comment or message text; order name and status), never ids, answers or the raw payload.';

create function tessera.journey_event_json(e public.events) returns jsonb
language plpgsql stable set search_path = '' as $$
begin
  return jsonb_build_object(
    'id', e.id::text, -- a bigint is not safe as a JavaScript number
    'source', e.source,
    'type', e.type,
    'occurred_at', e.occurred_at,
    'revenue', e.revenue,
    'currency', e.currency,
    'summary', tessera.event_summary(e),
    'properties', tessera.event_timeline_properties(e));
end
$$;
comment on function tessera.journey_event_json(public.events) is 'One event in the wire shape of the JourneyEvent schema: what happened, when, where, for how much, in words.';

-- Cursors ------------------------------------------------------------------

create function tessera.journey_cursor(occurred_at timestamptz, id bigint) returns text
language sql stable set search_path = '' as $$
  -- Version 1: "1|<occurred_at in UTC to the microsecond>|<id>", base64url
  -- without padding. Opaque to callers; exact, so no event is skipped or repeated.
  select translate(encode(convert_to(
           '1|' || to_char(journey_cursor.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|' || journey_cursor.id,
           'UTF8'), 'base64'), E'+/=\n', '-_')
$$;
comment on function tessera.journey_cursor(timestamptz, bigint) is
  'The opaque cursor for the journey position after the event (occurred_at, id): base64url of "1|<UTC timestamp, microseconds>|<event id>".';

create function tessera.journey_position(cursor text, out occurred_at timestamptz, out id bigint)
language plpgsql stable set search_path = '' as $$
declare
  padded text := translate(journey_position.cursor, '-_', '+/');
  parts text[];
begin
  padded := padded || repeat('=', (4 - length(padded) % 4) % 4);
  begin
    parts := regexp_match(convert_from(decode(padded, 'base64'), 'UTF8'),
                          '^1\|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|(\d{1,19})$');
    occurred_at := parts[1]::timestamptz;
    id := parts[2]::bigint;
  exception when others then
    parts := null;
  end;
  if parts is null then
    raise exception using errcode = '22023',
      message = format('The journey cursor %L is not one get_journey handed out.', left(journey_position.cursor, 80)),
      hint = 'Pass next_cursor from the previous page unchanged, or no cursor for the first page.';
  end if;
end
$$;
comment on function tessera.journey_position(text) is
  'Reads a journey cursor back into (occurred_at, id); raises invalid_parameter_value (22023) for anything tessera.journey_cursor did not produce.';

-- The timeline -------------------------------------------------------------

create function public.get_journey(
  profile_id uuid,
  since timestamptz default null,
  until timestamptz default null,
  kinds text[] default null,
  sources text[] default null,
  cursor text default null,
  "limit" integer default 50
) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  person public.profiles;
  members uuid[];
  wanted integer := least(greatest(coalesce(get_journey."limit", 50), 1), 200);
  -- Bounds as values rather than "x is null or …", so every plan (custom or
  -- generic) reads them as index conditions, and a page deep in the history
  -- starts where the cursor points instead of filtering its way there.
  newest timestamptz := coalesce(get_journey.until, 'infinity');
  oldest timestamptz := coalesce(get_journey.since, '-infinity');
  after_at timestamptz := 'infinity';
  after_id bigint := 9223372036854775807;
begin
  if get_journey.cursor is not null then
    select c.occurred_at, c.id into after_at, after_id from tessera.journey_position(get_journey.cursor) c;
  end if;

  -- Row-level security decides: a profile the caller may not see is not found.
  select * into person from public.profiles p where p.id = get_journey.profile_id;
  if person.merged_into is not null then
    -- A merged-away id still leads to the person: answer with the survivor's journey.
    select * into person from public.profiles p where p.workspace_id = person.workspace_id and p.id = person.merged_into;
  end if;
  if person.id is null then
    return null;
  end if;
  members := array(select tessera.cluster(person.workspace_id, person.id));

  -- Each member profile reads at most one page plus one from events_profile_time_idx,
  -- in index order; the pages are then merged. One more than asked says whether there is a next page.
  return (
    with page as (
      select l.e, row_number() over (order by (l.e).occurred_at desc, (l.e).id desc) as n
        from unnest(members) as m(profile_id)
       cross join lateral (
         select e from public.events e
          where e.workspace_id = person.workspace_id and e.profile_id = m.profile_id
            and e.occurred_at >= oldest and e.occurred_at < newest
            and e.occurred_at <= after_at and (e.occurred_at < after_at or e.id < after_id)
            and (get_journey.kinds is null or e.type = any (get_journey.kinds))
            and (get_journey.sources is null or e.source = any (get_journey.sources))
          order by e.occurred_at desc, e.id desc
          limit wanted + 1
       ) l
       order by n
       limit wanted + 1
    )
    select jsonb_build_object(
             'profile_id', person.id,
             'events', coalesce(jsonb_agg(tessera.journey_event_json(page.e) order by page.n) filter (where page.n <= wanted), '[]'::jsonb),
             'next_cursor', case when count(*) > wanted
                                 then min(tessera.journey_cursor((page.e).occurred_at, (page.e).id)) filter (where page.n = wanted) end)
      from page);
end
$$;
comment on function public.get_journey(uuid, timestamptz, timestamptz, text[], text[], text, integer) is
  'A person''s timeline across every source and merged profile, newest first by (occurred_at, id): {profile_id, events: [{id, source, type, occurred_at, revenue, currency, summary, properties}], next_cursor}. since is inclusive, until exclusive; kinds filters by event type, sources by source (null = all, empty = none); limit 1–200 (default 50); cursor = next_cursor of the previous page. Null if the profile does not exist or the caller may not see it.';

revoke all on function tessera.format_money(numeric, text), tessera.source_label(text), tessera.json_number(jsonb), tessera.event_summary(public.events),
  tessera.event_timeline_properties(public.events), tessera.journey_event_json(public.events), tessera.journey_cursor(timestamptz, bigint),
  tessera.journey_position(text) from public;
grant execute on function tessera.format_money(numeric, text), tessera.source_label(text), tessera.json_number(jsonb), tessera.event_summary(public.events),
  tessera.event_timeline_properties(public.events), tessera.journey_event_json(public.events), tessera.journey_cursor(timestamptz, bigint),
  tessera.journey_position(text) to authenticated, service_role;
revoke all on function public.get_journey(uuid, timestamptz, timestamptz, text[], text[], text, integer) from public, anon;
grant execute on function public.get_journey(uuid, timestamptz, timestamptz, text[], text[], text, integer) to authenticated, service_role;
