import { createClient } from '@supabase/supabase-js';
import { ProfileSummary } from '@tessera/core';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ws from 'ws';
import { asCaller } from '../auth/as-caller.ts';
import { signToken } from '../auth/jwt.ts';
import type { Database, Queryable } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { testDatabases } from '../db/test-databases.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { normaliseKajabi } from '../normalisers/kajabi.ts';
import type { Normaliser, NormalisedRecord, TraitClaim } from '../normalisers/record.ts';
import { normaliseShopify } from '../normalisers/shopify.ts';
import { normaliseSocialImport } from '../normalisers/social-import.ts';
import { startServer, type RunningServer } from '../server/start.ts';
import { profileToPerson } from './profiles.ts';
import { parseSuggestWorkspaceArgs, suggestWorkspaceCommand } from './workspace-cli.ts';
import { readPeople, suggestWorkspaceDuplicates } from './workspace-job.ts';

const JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters';
const RECEIVED = '2026-04-20T09:00:00.000Z';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../normalisers/fixtures/${name}.json`, import.meta.url), 'utf8'));

/**
 * Writes one delivery into a workspace as the pipeline does: the source's own
 * normaliser, then tessera.apply_record. `extraTraits` are what a normaliser
 * does not store yet (see the postcode test).
 */
async function ingest(db: Queryable, workspaceId: string, source: string, normalise: Normaliser, topic: string, body: unknown, extraTraits: TraitClaim[] = []): Promise<string> {
  const result = normalise({ source, topic, headers: {}, body, triggeredAt: null, receivedAt: RECEIVED });
  if (result.kind !== 'record') throw new Error(`expected a record from ${source} ${topic}`);
  const record: NormalisedRecord = { ...result.record, traits: [...result.record.traits, ...extraTraits] };
  const [row] = await db.query<{ id: string }>('select tessera.apply_record($1, $2, $3::jsonb, null) as id', [workspaceId, source, JSON.stringify(record)]);
  return row!.id;
}

/** A Shopify customers/create payload (REST Admin API Customer resource, as in fixtures/shopify-customer.json). */
function shopifyCustomer(id: number, first: string, last: string, email: string, address: { city: string; province_code: string; zip: string; country_code?: string }) {
  const base = fixture('shopify-customer');
  const defaultAddress = {
    ...base.default_address, id: id + 1, customer_id: id, first_name: first, last_name: last, name: `${first} ${last}`,
    address1: null, address2: null, city: address.city, province: null, province_code: address.province_code,
    zip: address.zip, country_code: address.country_code ?? 'US', country: 'United States', country_name: 'United States', phone: null,
  };
  return {
    ...base, id, email, first_name: first, last_name: last, phone: null, note: null, tags: '',
    admin_graphql_api_id: `gid://shopify/Customer/${id}`, addresses: [defaultAddress], default_address: defaultAddress,
  };
}

/** A Kajabi form_submission hook (developers.kajabi.com webhooks; fixtures/kajabi-hook-form-submission.json). */
function kajabiForm(id: string, name: string, email: string, city: string, country: string, place: { state: string | null; zip: string | null }) {
  const base = fixture('kajabi-hook-form-submission');
  const [submission, form] = base.payload;
  return {
    ...base,
    payload: [
      { ...submission, id, attributes: { ...submission.attributes, name, email, address_city: city, address_country: country, address_state: place.state, address_zip: place.zip, phone_number: null, custom_1: null } },
      form,
    ],
  };
}

/** One row of a social audience export: handle, display_name, email, event_type, time, network. */
const socialRow = (handle: string, displayName: string, email: string) =>
  ({ handle, display_name: displayName, email, event_type: 'follow', time: '2026-02-11T18:04:00Z', network: 'instagram' });

interface ListedSuggestion {
  profile_a: string;
  profile_b: string;
  score: number;
  evidence: Record<string, string>;
  status: string;
  suggested_at: string;
  decided_at: string | null;
  decided_by: string | null;
  profiles: unknown[];
}
const pairOf = (x: string, y: string) => [x, y].sort().join(' ');
const pairsIn = (list: ListedSuggestion[]) => list.map((s) => pairOf(s.profile_a, s.profile_b)).sort();

for (const target of testDatabases()) {
  describe(`possible duplicates in a workspace, reviewed by people (${target.name})`, () => {
    let db: Database;
    let server: RunningServer;
    let anonKey: string;
    let serviceKey: string;
    const staffA = { id: 'a0000000-0000-4000-8000-00000000000a', email: 'ana@hearth.example', role: 'member' };
    const viewerA = { id: 'a0000000-0000-4000-8000-0000000000ee', email: 'vic@hearth.example', role: 'viewer' };
    const staffB = { id: 'b0000000-0000-4000-8000-00000000000b', email: 'bo@larder.example', role: 'owner' };
    const tokens: Record<'a' | 'viewer' | 'b', string> = { a: '', viewer: '', b: '' };
    let hearth: string;
    let larder: string;
    const people: Record<string, string> = {};

    const as = (who: 'a' | 'viewer' | 'b' | 'anon' | 'service') =>
      createClient(server.url, who === 'service' ? serviceKey : anonKey, {
        ...(who !== 'anon' && who !== 'service' ? { accessToken: async () => tokens[who] } : {}),
        realtime: { transport: ws as any },
      });
    const list = async (who: 'a' | 'viewer' | 'b', args: Record<string, unknown> = {}) => {
      const { data, error } = await as(who).rpc('list_duplicate_suggestions', args);
      assert.equal(error, null);
      return data as ListedSuggestion[];
    };

    before(async () => {
      db = await target.open();
      hearth = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
      larder = await ensureWorkspace(db, { slug: 'larder', name: 'The Larder' });
      await ensureStaff(db, hearth, staffA);
      await ensureStaff(db, hearth, viewerA);
      await ensureStaff(db, larder, staffB);

      // Jonathan buys on Shopify with his Gmail address…
      people.jonathan = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(7364001001, 'Jonathan', 'Smith', 'jonathan.smith@gmail.com', { city: 'Portland', province_code: 'OR', zip: '97205' }));
      // …and follows the shop on Instagram as @jonathan.smith; the audience export ties the handle to his
      // studio address, which he also gave a Kajabi form (with his city). No identity is shared with his Shopify self.
      people.jon = await ingest(db, hearth, 'social_import', normaliseSocialImport, 'row', socialRow('@jonathan.smith', 'Jon Smith', 'jon@smithandkettle.example'));
      const jonOnKajabi = await ingest(db, hearth, 'kajabi', normaliseKajabi, 'form_submission',
        kajabiForm('66120980', 'Jon Smith', 'jon@smithandkettle.example', 'Portland', 'US', { state: 'OR', zip: '97205' }));
      assert.equal(jonOnKajabi, people.jon, 'the form and the export row are one person by their email');
      // Same surname, same city, another person.
      people.maya = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(7364001002, 'Maya', 'Smith', 'maya.smith@outlook.com', { city: 'Portland', province_code: 'OR', zip: '97214' }));
      // Amara on Shopify (Toronto), and an Amara Okafor in Toronto filling in a Kajabi form from a studio address.
      people.amara = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create', fixture('shopify-customer'));
      // An Instagram commenter known only by her handle and first name, for now.
      people.amaraMakes = await ingest(db, hearth, 'social_import', normaliseSocialImport, 'row',
        { handle: '@amara.makes', display_name: 'Amara', event_type: 'comment', time: '2026-01-30T20:15:00Z', network: 'instagram' });
      people.amaraStudio = await ingest(db, hearth, 'kajabi', normaliseKajabi, 'form_submission',
        kajabiForm('66120981', 'Amara Okafor', 'amara.okafor@okafor-studio.ca', 'Toronto', 'CA', { state: 'ON', zip: null }));
      people.priya = await ingest(db, hearth, 'kajabi', normaliseKajabi, 'form_submission', fixture('kajabi-hook-form-submission'));
      people.diego = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(7364001003, 'Diego', 'Alvarez', 'diego.alvarez@proton.me', { city: 'Portland', province_code: 'OR', zip: '97209' }));
      people.hana = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(7364001004, 'Hana', 'Sato', 'hana.sato@icloud.com', { city: 'Seattle', province_code: 'WA', zip: '98101' }));

      server = await startServer({ db, jwtSecret: JWT_SECRET, port: 0, localWorkspaceId: hearth, secrets: {} });
      anonKey = await signToken(JWT_SECRET, { role: 'anon' });
      serviceKey = await signToken(JWT_SECRET, { role: 'service_role' });
      tokens.a = await signToken(JWT_SECRET, { role: 'authenticated', sub: staffA.id, email: staffA.email }, '1h');
      tokens.viewer = await signToken(JWT_SECRET, { role: 'authenticated', sub: viewerA.id, email: viewerA.email }, '1h');
      tokens.b = await signToken(JWT_SECRET, { role: 'authenticated', sub: staffB.id, email: staffB.email }, '1h');
    });
    after(async () => {
      await server?.close();
      await db?.close();
    });

    it('the same man as a Shopify customer and as an Instagram follower is suggested, with a score and the evidence', async () => {
      const report = await suggestWorkspaceDuplicates(db, hearth);
      assert.equal(report.people, 9, 'the Instagram row and the Kajabi form are one person already');
      assert.equal(report.new, report.suggested);
      assert.deepEqual({ refreshed: report.refreshed, skipped: report.skipped, withdrawn: report.withdrawn }, { refreshed: 0, skipped: 0, withdrawn: 0 });

      const open = await list('a');
      const jon = open.find((s) => pairOf(s.profile_a, s.profile_b) === pairOf(people.jonathan!, people.jon!));
      assert.ok(jon, 'Jonathan Smith (Shopify) and Jon Smith (@jonathan.smith) are suggested');
      assert.equal(jon.status, 'open');
      assert.ok(jon.score >= 0.9 && jon.score <= 1, `score ${jon.score}`);
      assert.deepEqual(jon.evidence, {
        given_name: 'Jaro–Winkler ≥ 0.85', // jon / jonathan
        surname: 'exact',
        city: 'exact', // Shopify's default address and the Kajabi form
        online_name: 'exact', // the handle is his Gmail name
      });
      assert.equal(jon.profile_a < jon.profile_b, true, 'stored once, in id order');
      const [a, b] = jon.profiles.map((p) => ProfileSummary.parse(p));
      assert.deepEqual([a!.id, b!.id], [jon.profile_a, jon.profile_b]);
      assert.deepEqual(new Set([a!.display_name, b!.display_name]), new Set(['Jonathan Smith', 'Jon Smith']));
    });

    it('a namesake in the same city, and strangers, are not suggested', async () => {
      const open = await list('a');
      assert.deepEqual(pairsIn(open), [pairOf(people.jonathan!, people.jon!), pairOf(people.amara!, people.amaraStudio!)].sort());
      assert.ok(open.every((s, i) => i === 0 || s.score <= open[i - 1]!.score), 'one run: highest score first');
      assert.equal((await list('a', { limit: 1 })).length, 1);
    });

    it('running the job again refreshes the open pairs and opens none twice', async () => {
      const report = await suggestWorkspaceDuplicates(db, hearth);
      assert.deepEqual({ new: report.new, refreshed: report.refreshed, withdrawn: report.withdrawn }, { new: 0, refreshed: 2, withdrawn: 0 });
      const [{ count }] = await db.query<{ count: number }>('select count(*)::int as count from public.duplicate_suggestions where workspace_id = $1', [hearth]) as [{ count: number }];
      assert.equal(count, 2);
    });

    it('a member of another workspace sees none of them, and cannot decide them', async () => {
      assert.deepEqual(await list('b'), []);
      assert.deepEqual(await list('b', { workspace_id: hearth }), []);
      assert.deepEqual(await list('b', { workspace_id: hearth, status: 'dismissed' }), []);
      for (const fn of ['confirm_duplicate_suggestion', 'dismiss_duplicate_suggestion']) {
        const { status, error } = await as('b').rpc(fn, { profile_a: people.jonathan, profile_b: people.jon });
        assert.equal(status, 403, fn);
        assert.equal(error?.code, '42501');
      }
      // Row-level security on the table itself, not only on the profiles the listing joins.
      const visible = (staff: typeof staffA) => asCaller(db, { role: 'authenticated', sub: staff.id }, (tx) =>
        tx.query<{ count: number }>('select count(*)::int as count from public.duplicate_suggestions').then(([row]) => row!.count));
      assert.equal(await visible(staffB), 0);
      // Nothing changed for Hearth's own staff.
      assert.equal(await visible(staffA), 2);
      assert.equal((await list('a')).length, 2);
      const [row] = await db.query<{ merged: boolean }>('select merged_into is not null as merged from public.profiles where id = $1', [people.jon]);
      assert.equal(row!.merged, false);
    });

    it('a viewer may review the queue but not decide it; the anon key reads nothing', async () => {
      assert.equal((await list('viewer')).length, 2);
      const { status } = await as('viewer').rpc('confirm_duplicate_suggestion', { profile_a: people.jonathan, profile_b: people.jon });
      assert.equal(status, 403);
      const anon = await as('anon').rpc('list_duplicate_suggestions', {});
      assert.equal(anon.status, 401);
      assert.equal(anon.error?.code, '42501');
    });

    it('confirming merges the two into one person and marks the suggestion confirmed', async () => {
      // Named either way round: the pair is the same.
      const { data: survivor, error } = await as('a').rpc('confirm_duplicate_suggestion', { profile_a: people.jon, profile_b: people.jonathan });
      assert.equal(error, null);
      assert.equal(survivor, people.jonathan, 'the older profile survives, as in every merge');
      const roots = await db.query<{ id: string }>(
        'select id::text from public.profiles where workspace_id = $1 and id = any ($2::uuid[]) and merged_into is null', [hearth, [people.jonathan, people.jon]]);
      assert.deepEqual(roots.map((r) => r.id), [people.jonathan]);
      const { data: profile } = await as('a').rpc('get_profile', { profile_id: people.jon });
      assert.equal(profile.id, people.jonathan);
      assert.ok(profile.identities.some((i: { kind: string; value: string }) => i.kind === 'instagram' && i.value === 'jonathan.smith'));
      const [merge] = await db.query<{ reason: string }>('select reason from public.profile_merges where workspace_id = $1 and merged_id = $2', [hearth, people.jon]);
      assert.equal(merge!.reason, 'possible duplicate confirmed by a person');

      assert.deepEqual(pairsIn(await list('a')), [pairOf(people.amara!, people.amaraStudio!)]);
      const [confirmed] = await list('a', { status: 'confirmed' });
      assert.equal(pairOf(confirmed!.profile_a, confirmed!.profile_b), pairOf(people.jonathan!, people.jon!));
      assert.equal(confirmed!.decided_by, staffA.id);
      assert.ok(confirmed!.decided_at);
      // Once merged, it cannot be dismissed: that would be an unmerge.
      const dismiss = await as('a').rpc('dismiss_duplicate_suggestion', { profile_a: people.jon, profile_b: people.jonathan });
      assert.equal(dismiss.error?.code, '22023');
    });

    it('dismissing hides the pair, and running the job again does not bring it back', async () => {
      const { error } = await as('a').rpc('dismiss_duplicate_suggestion', { profile_a: people.amara, profile_b: people.amaraStudio });
      assert.equal(error, null);
      assert.deepEqual(await list('a'), []);
      const [dismissed] = await list('a', { status: 'dismissed' });
      assert.equal(pairOf(dismissed!.profile_a, dismissed!.profile_b), pairOf(people.amara!, people.amaraStudio!));
      assert.equal(dismissed!.decided_by, staffA.id);

      const report = await suggestWorkspaceDuplicates(db, hearth);
      assert.equal(report.suggested, 1, 'the engine still finds the two Amaras…');
      assert.deepEqual({ new: report.new, skipped: report.skipped }, { new: 0, skipped: 1 }, '…and the store keeps them dismissed');
      assert.deepEqual(await list('a'), []);
      assert.equal((await list('a', { status: 'dismissed' })).length, 1);
    });

    it('a dismissed pair stays dismissed when one of them becomes part of another person', async () => {
      // A later export ties @amara.makes to the studio address: the two profiles are one person now, the older one surviving.
      await ingest(db, hearth, 'social_import', normaliseSocialImport, 'row', socialRow('@amara.makes', 'Amara Okafor', 'amara.okafor@okafor-studio.ca'));
      const [row] = await db.query<{ root: string }>('select merged_into::text as root from public.profiles where id = $1', [people.amaraStudio]);
      assert.equal(row!.root, people.amaraMakes);

      // The job reads each person over every profile merged into them.
      const people9 = await readPeople(db, hearth);
      assert.equal(people9.some((p) => p.id === people.amaraStudio), false, 'a merged-away profile is not a person of its own');
      const { givenName, surname, city, emails, handles } = profileToPerson(people9.find((p) => p.id === people.amaraMakes)!);
      assert.deepEqual({ givenName, surname, city, emails, handles },
        { givenName: 'Amara', surname: 'Okafor', city: 'Toronto', emails: ['amara.okafor@okafor-studio.ca'], handles: ['amara.makes'] });

      const report = await suggestWorkspaceDuplicates(db, hearth);
      const [pair] = await db.query<{ n: number }>('select count(*)::int as n from public.duplicate_suggestions where workspace_id = $1 and $2 in (profile_a, profile_b)', [hearth, people.amaraMakes]);
      assert.equal(report.suggested, 1, 'the engine pairs Shopify Amara with the person @amara.makes has become…');
      assert.deepEqual({ new: report.new, skipped: report.skipped, pairs: pair!.n }, { new: 0, skipped: 1, pairs: 0 }, '…whose studio profile was dismissed as her');
      assert.deepEqual(await list('a'), []);
    });

    it('a pair a person split apart is never suggested again', async () => {
      // Confirmed, then unmerged: the confirmation and the unmerge both say so.
      assert.equal((await as('a').rpc('unmerge_profile', { profile_id: people.jon })).error, null);
      // Merged by hand by mistake, then split: no suggestion was ever made for them.
      const lena = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(7364001006, 'Lena', 'Fischer', 'lena.fischer@gmx.de', { city: 'Portland', province_code: 'OR', zip: '97210' }));
      const lenaStudio = await ingest(db, hearth, 'kajabi', normaliseKajabi, 'form_submission',
        kajabiForm('66120982', 'Lena Fischer', 'lena.fischer@fischer-ceramics.example', 'Portland', 'US', { state: 'OR', zip: null }));
      assert.equal((await as('a').rpc('merge_profiles', { profile_id: lena, other_profile_id: lenaStudio })).error, null);
      assert.equal((await as('a').rpc('unmerge_profile', { profile_id: lenaStudio })).error, null);

      const report = await suggestWorkspaceDuplicates(db, hearth);
      assert.equal(report.suggested, 3, 'Jonathan and Jon, the two Lenas and the two Amaras still look alike');
      assert.deepEqual({ new: report.new, skipped: report.skipped }, { new: 0, skipped: 3 });
      assert.deepEqual(await list('a'), []);
    });

    it('an erased person\'s open suggestion leaves the queue at once and is withdrawn by the next run', async () => {
      const hana2 = people.hana2 = await ingest(db, hearth, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(7364001005, 'Hana', 'Sato', 'hana.sato.design@gmail.com', { city: 'Seattle', province_code: 'WA', zip: '98101' }));
      const first = await suggestWorkspaceDuplicates(db, hearth);
      assert.equal(first.new, 1, 'Hana Sato, Seattle, twice');
      assert.deepEqual(pairsIn(await list('a')), [pairOf(people.hana!, hana2)]);
      await db.query('select public.erase_profile($1)', [hana2]);
      assert.deepEqual(await list('a'), []);
      const next = await suggestWorkspaceDuplicates(db, hearth);
      assert.equal(next.withdrawn, 1);
    });

    it('a run stored after people changed skips pairs that are one person, merged away or erased by then', async () => {
      const evidence = { given_name: 'different', surname: 'exact', city: 'exact' };
      const stale = [
        { a: people.amaraMakes, b: people.amaraStudio, score: 0.99, evidence }, // one person since
        { a: people.amaraStudio, b: people.priya, score: 0.95, evidence }, // merged away
        { a: people.priya, b: people.amaraStudio, score: 0.95, evidence },
        { a: people.hana2, b: people.hana, score: 0.99, evidence }, // erased
        { a: people.maya, b: people.diego, score: 0.91, evidence }, // both still people of their own: opened…
        { a: people.diego, b: people.maya, score: 0.92, evidence }, // …once, with the better score
      ];
      const [row] = await db.query<{ stored: unknown }>('select tessera.store_duplicate_suggestions($1, $2::jsonb) as stored', [hearth, JSON.stringify(stale)]);
      assert.deepEqual(row!.stored, { new: 1, refreshed: 0, skipped: 3, withdrawn: 0 });
      const open = await list('a');
      assert.deepEqual(pairsIn(open), [pairOf(people.maya!, people.diego!)]);
      assert.equal(open[0]!.score, 0.92);
      // The next real run does not find Maya and Diego: their pair is withdrawn.
      const report = await suggestWorkspaceDuplicates(db, hearth);
      assert.equal(report.withdrawn, 1);
      assert.deepEqual(await list('a'), []);
    });

    it('a postcode on both sides is what turns "Jon Smith, Portland" into a suggestion', async () => {
      // The Larder's customers: Jonathan on Shopify, and Jon from an Instagram export and a Kajabi form,
      // with a handle that says nothing (@smithandkettle). Names and a city alone are weak evidence.
      const jonathan = await ingest(db, larder, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(8800001, 'Jonathan', 'Smith', 'jonathan.smith@gmail.com', { city: 'Portland', province_code: 'OR', zip: '97205' }));
      const jon = await ingest(db, larder, 'social_import', normaliseSocialImport, 'row', socialRow('@smithandkettle', 'Jon Smith', 'jon@smithandkettle.example'));
      const form = kajabiForm('77120980', 'Jon Smith', 'jon@smithandkettle.example', 'Portland', 'US', { state: 'OR', zip: '97205' });
      await ingest(db, larder, 'kajabi', normaliseKajabi, 'form_submission', form);
      await ingest(db, larder, 'shopify', normaliseShopify, 'customers/create',
        shopifyCustomer(8800002, 'Rosa', 'Delgado', 'rosa.delgado@gmail.com', { city: 'Eugene', province_code: 'OR', zip: '97401' }));
      await ingest(db, larder, 'kajabi', normaliseKajabi, 'form_submission', kajabiForm('77120981', 'Tom Becker', 'tom@beckerbakes.example', 'Salem', 'US', { state: 'OR', zip: '97301' }));

      const before = await suggestWorkspaceDuplicates(db, larder);
      assert.equal(before.suggested, 0, 'given name close, surname and city equal: below the threshold');

      // What the two payloads above carry and the normalisers do not store yet: Shopify's
      // default_address.zip and Kajabi's address_zip, as a `postcode` trait (the lines the report proposes).
      await ingest(db, larder, 'shopify', normaliseShopify, 'customers/update',
        shopifyCustomer(8800001, 'Jonathan', 'Smith', 'jonathan.smith@gmail.com', { city: 'Portland', province_code: 'OR', zip: '97205' }), [{ name: 'postcode', value: '97205' }]);
      await ingest(db, larder, 'kajabi', normaliseKajabi, 'form_submission', form, [{ name: 'postcode', value: '97205' }]);

      const afterPostcode = await suggestWorkspaceDuplicates(db, larder);
      assert.equal(afterPostcode.new, 1);
      const open = await list('b');
      assert.deepEqual(pairsIn(open), [pairOf(jonathan, jon)]);
      assert.equal(open[0]!.evidence.postcode, 'exact');
      // And Hearth's staff see none of The Larder's.
      assert.deepEqual(await list('a', { workspace_id: larder }), []);
    });

    it('refuses a status it does not know', async () => {
      const { status, error } = await as('a').rpc('list_duplicate_suggestions', { status: 'pending' });
      assert.equal(status, 400);
      assert.equal(error?.code, '22023');
      assert.match(error!.message, /status must be open, confirmed or dismissed, not pending/);
    });
  });
}

describe('tessera identity suggest --workspace', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-suggest-workspace-'));
  // The command's own database: PGlite in the data directory, whatever the environment says.
  const databaseUrl = process.env.DATABASE_URL;
  before(async () => {
    delete process.env.DATABASE_URL;
    const db = await openConfiguredDatabase(loadConfig(dataDir));
    await migrate(db);
    const workspace = await ensureWorkspace(db, { slug: 'hearth', name: 'Hearth & Grain' });
    await ingest(db, workspace, 'shopify', normaliseShopify, 'customers/create', fixture('shopify-customer'));
    await ingest(db, workspace, 'kajabi', normaliseKajabi, 'form_submission',
      kajabiForm('66120981', 'Amara Okafor', 'amara.okafor@okafor-studio.ca', 'Toronto', 'CA', { state: 'ON', zip: null }));
    await ingest(db, workspace, 'kajabi', normaliseKajabi, 'form_submission', fixture('kajabi-hook-form-submission'));
    await ensureWorkspace(db, { slug: 'larder', name: 'The Larder' });
    await db.close();
  });
  after(() => {
    if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the workspace\'s possible duplicates and prints what it found', async () => {
    const printed: string[] = [];
    const report = await suggestWorkspaceCommand({ dataDir, workspace: 'hearth', print: (text) => printed.push(text) });
    assert.deepEqual({ people: report.people, suggested: report.suggested, new: report.new }, { people: 3, suggested: 1, new: 1 });
    assert.match(printed[0]!, /^Hearth & Grain \(hearth\): 3 people, \d+ pairs compared$/m);
    assert.match(printed[0]!, /^ {2}possible duplicates {3}1 {2}scoring 0\.9 or more$/m);
    assert.match(printed[0]!, /^ {2}new {19}1 {2}opened for review$/m);
    const again = await suggestWorkspaceCommand({ dataDir, workspace: 'hearth', print: () => {} });
    assert.deepEqual({ new: again.new, refreshed: again.refreshed }, { new: 0, refreshed: 1 });
  });

  it('takes the workspace by slug or id, and never makes one up', async () => {
    const empty = await suggestWorkspaceCommand({ dataDir, workspace: 'larder', threshold: 0.5, print: () => {} });
    assert.deepEqual({ people: empty.people, suggested: empty.suggested }, { people: 0, suggested: 0 });
    await assert.rejects(suggestWorkspaceCommand({ dataDir, workspace: 'acme', print: () => {} }), /No workspace "acme" here; there are: hearth, larder/);
  });

  it('--workspace selects this command; --csv alone stays with the file command; both, or a bad threshold, are refused', () => {
    assert.equal(parseSuggestWorkspaceArgs(['--csv', 'people.csv', '--threshold', '0.95']), undefined);
    assert.deepEqual(parseSuggestWorkspaceArgs(['--workspace', 'hearth', '--threshold', '0.95']), { dataDir: '.tessera', workspace: 'hearth', threshold: 0.95 });
    assert.deepEqual(parseSuggestWorkspaceArgs(['--workspace=hearth', '--data-dir', '.tessera/demo']), { dataDir: '.tessera/demo', workspace: 'hearth' });
    assert.throws(() => parseSuggestWorkspaceArgs(['--workspace', 'hearth', '--csv', 'people.csv']), /Give either --csv FILE or --workspace, not both/);
    assert.throws(() => parseSuggestWorkspaceArgs(['--workspace', 'hearth', '--threshold', 'high']), /--threshold must be a probability between 0 and 1, not high/);
  });
});
