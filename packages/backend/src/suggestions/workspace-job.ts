/**
 * Possible duplicates among a workspace's real people, stored for review.
 *
 * Reads every person (root profile, not erased) with what the engine compares,
 * gathered over everything merged into them; runs `runSuggestions`; and hands
 * the whole result to `tessera.store_duplicate_suggestions`, which opens new
 * pairs, refreshes open ones, skips pairs a person already decided (or that are
 * one person by now) and withdraws open pairs the run no longer finds. A person
 * then confirms or dismisses each one (`confirm_duplicate_suggestion`,
 * `dismiss_duplicate_suggestion`); nothing here merges anyone.
 *
 * Runs as the database owner or the service key: it reads the whole workspace.
 */
import type { Queryable } from '../db/database.ts';
import { profileToPerson, type ProfileForSuggestions } from './profiles.ts';
import { DEFAULT_THRESHOLD, runSuggestions } from './suggest.ts';

/**
 * The identities the engine compares: emails (their name part), phones (their
 * digits) and social handles. Platform ids (shopify_customer, instagram_id, …)
 * are opaque numbers: two profiles never hold the same one (identities are unique
 * per workspace), and two close ones say nothing about who someone is.
 */
const IDENTITY_KINDS = ['email', 'phone', 'instagram', 'tiktok', 'x', 'youtube_handle'];

/**
 * The traits `profileToPerson` reads, under every name a source gives them
 * (profiles.ts, TRAIT_NAMES). Names come from the profile's projection, which
 * already settles conflicting sources; these are the rest. Today's normalisers
 * store `city`, `province_code` and `country_code` (Shopify) and `city` (Kajabi);
 * the engine has no country field.
 */
const TRAIT_NAMES = [
  'city',
  'postcode', 'zip', 'postal_code',
  'province_code', 'state', 'province',
  'address1', 'address_line_1', 'street_address',
  'date_of_birth', 'birthday', 'birth_date',
];

export interface WorkspaceSuggestionOptions {
  /** Store pairs scoring at least this; default DEFAULT_THRESHOLD (0.9). */
  threshold?: number;
}

/** What one run found and what became of it. */
export interface WorkspaceSuggestionReport {
  /** People compared (root profiles that are not erased). */
  people: number;
  /** Pairs the engine compared, against n(n−1)/2 for all pairs. */
  candidates: number;
  /** Pairs scoring at least the threshold. */
  suggested: number;
  /** Pairs opened for review by this run. */
  new: number;
  /** Pairs already open, with their score and evidence brought up to date. */
  refreshed: number;
  /** Pairs a person already confirmed or dismissed, or that became one person (or were split apart by an unmerge) meanwhile. */
  skipped: number;
  /** Open pairs this run no longer finds (a profile merged or erased, or the evidence changed). */
  withdrawn: number;
}

/** Every person in the workspace, as the engine's adapter reads profiles. */
export async function readPeople(db: Queryable, workspaceId: string): Promise<ProfileForSuggestions[]> {
  // One pass each over profiles, identities and traits, gathered by the person each
  // row belongs to now (its profile's root) with one GROUP BY. No join against an
  // aggregate: right after a bulk import the planner's row counts are stale, and it
  // would pick a nested loop that costs people × rows.
  const rows = await db.query<{ person: ProfileForSuggestions }>(
    `select (array_agg(x.person) filter (where x.person is not null))[1]
            || jsonb_build_object(
                 'identities', coalesce(jsonb_agg(x.identity order by x.identity ->> 'kind', x.identity ->> 'value') filter (where x.identity is not null), '[]'),
                 'traits', coalesce(jsonb_agg(x.trait) filter (where x.trait is not null), '[]')) as person
       from (
         select p.id as root, null::jsonb as identity, null::jsonb as trait,
                jsonb_build_object('id', p.id, 'display_name', p.display_name, 'first_name', p.first_name,
                                   'last_name', p.last_name, 'email', p.email, 'phone', p.phone) as person
           from public.profiles p
          where p.workspace_id = $1 and p.merged_into is null and p.erased_at is null
         union all
         select coalesce(p.merged_into, p.id), jsonb_build_object('kind', i.kind, 'value', i.value), null, null
           from public.identities i
           join public.profiles p on p.workspace_id = i.workspace_id and p.id = i.profile_id
          where i.workspace_id = $1 and i.kind = any ($2::text[])
         union all
         select coalesce(p.merged_into, p.id), null,
                jsonb_build_object('name', t.name, 'value', t.value,
                  -- UTC at a fixed width, so observation times compare as text whatever the session's time zone.
                  'observed_at', to_char(t.observed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
                null
           from public.traits t
           join public.profiles p on p.workspace_id = t.workspace_id and p.id = t.profile_id
          where t.workspace_id = $1 and t.name = any ($3::text[]) and jsonb_typeof(t.value) = 'string'
       ) x
      group by x.root
      -- Only people: rows of erased people, or gathered under no root, are dropped.
     having bool_or(x.person is not null)
      order by x.root`,
    [workspaceId, IDENTITY_KINDS, TRAIT_NAMES],
  );
  return rows.map((row) => row.person);
}

/**
 * Finds possible duplicates among a workspace's people and stores them for review.
 *
 * @example
 * const report = await suggestWorkspaceDuplicates(db, workspaceId);
 * // { people: 1204, candidates: 8311, suggested: 14, new: 9, refreshed: 3, skipped: 2, withdrawn: 1 }
 */
export async function suggestWorkspaceDuplicates(
  db: Queryable,
  workspaceId: string,
  options: WorkspaceSuggestionOptions = {},
): Promise<WorkspaceSuggestionReport> {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`The threshold must be a probability between 0 and 1, not ${threshold}`);
  const people = await readPeople(db, workspaceId);
  const run = runSuggestions(people.map(profileToPerson), { threshold });
  const [row] = await db.query<{ stored: Pick<WorkspaceSuggestionReport, 'new' | 'refreshed' | 'skipped' | 'withdrawn'> }>(
    'select tessera.store_duplicate_suggestions($1, $2::jsonb) as stored',
    [workspaceId, JSON.stringify(run.suggestions.map(({ a, b, score, evidence }) => ({ a, b, score, evidence })))],
  );
  const stored = row!.stored;
  return {
    people: people.length,
    candidates: run.candidates,
    suggested: run.suggestions.length,
    new: Number(stored.new),
    refreshed: Number(stored.refreshed),
    skipped: Number(stored.skipped),
    withdrawn: Number(stored.withdrawn),
  };
}
