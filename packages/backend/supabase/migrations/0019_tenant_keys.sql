-- What the scale path's review of the hot read plans changed (docs/scaling.md).
--
-- The schema needed no key change to be distributable by workspace_id:
-- src/db/tenant-keys.test.ts reads the catalog and finds workspace_id leading
-- every tenant table's primary key and unique index, on both sides of every
-- foreign key between tenant tables, and in every join between them. What
-- bench/explain.ts found is below: a scan of the whole backlog and a JIT cost.

-- The worker takes the oldest pending raw events across all workspaces
-- (src/ingest/processor.ts: where status = 'pending' order by received_at, id
-- limit n). raw_events_pending_idx is ordered by (workspace_id, id), so with a
-- backlog (an import queues one pending row per line) every batch read and
-- sorted the whole backlog: with 100,000 pending rows, 181-309 ms per batch of
-- 100 (bench/explain.ts, three runs). In queue order a batch reads 100 index
-- entries (0.08 ms). The index does not lead with workspace_id because this one
-- read is across workspaces; it is not unique, so a distributed engine keeps it
-- per shard.
create index raw_events_queue_idx on public.raw_events (received_at, id) where status = 'pending';
comment on index public.raw_events_queue_idx is
  'Pending raw events in the order the worker takes them (oldest first), whatever the workspace.';

-- search_profiles runs as the caller, so row-level security wraps every table
-- it reads, and the planner prices each person of the workspace with those
-- checks: on 20,000 people the estimate passes jit_above_cost and the server
-- JIT-compiled the plan on every call, 681-945 ms of an 832-1,039 ms search;
-- without JIT the search takes 71 ms (bench/explain.ts). Off for this function
-- only; the answer is the same. A later `create or replace` of search_profiles
-- must repeat `set jit = off`, or the setting is dropped. (An index cannot take
-- over the identity match: LIKE is not leakproof, so under RLS it is never an
-- index condition; see docs/scaling.md.)
alter function public.search_profiles(text, integer, uuid) set jit = off;
