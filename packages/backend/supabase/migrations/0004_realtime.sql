-- Live changes. On a Supabase project, Realtime reads them from the WAL through
-- the supabase_realtime publication; `tessera serve` has no WAL reader, so a
-- trigger NOTIFYs the same change on channel `tessera_realtime` and the local
-- realtime server fans it out (after checking each subscriber may see the row).
-- NOTIFY is transactional: a change is announced only once it is committed.

create function tessera.announce_change() returns trigger
language plpgsql as $$
declare
  change jsonb := jsonb_build_object(
    'schema', tg_table_schema,
    'table', tg_table_name,
    'type', tg_op,
    'commit_timestamp', to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'record', case when tg_op <> 'DELETE' then to_jsonb(new) end,
    'old_record', case when tg_op <> 'INSERT' then jsonb_build_object('workspace_id', old.workspace_id, 'id', old.id) end
  );
begin
  -- NOTIFY payloads stop at 8000 bytes: send the key only and let the server read the row.
  if octet_length(change::text) > 7800 then
    change := change || jsonb_build_object(
      'record', jsonb_build_object('workspace_id', new.workspace_id, 'id', new.id),
      'truncated', true);
  end if;
  perform pg_notify('tessera_realtime', change::text);
  return null;
end
$$;
comment on function tessera.announce_change() is
  'Trigger: NOTIFY tessera_realtime with the change in Supabase Realtime''s shape (schema, table, type, record, old_record).';

create trigger profiles_announce_insert after insert on public.profiles
  for each row execute function tessera.announce_change();
create trigger profiles_announce_update after update on public.profiles
  for each row when (old.* is distinct from new.*) execute function tessera.announce_change();

-- On Supabase, add profiles to the publication Realtime reads.
do $$
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    alter publication supabase_realtime add table public.profiles;
  end if;
end
$$;
