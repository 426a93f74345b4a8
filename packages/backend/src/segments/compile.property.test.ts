// The compiled SQL means what the language says: for random segments over a
// couple of thousand random people, Postgres selects exactly the people the
// in-memory evaluator (the language's definition, in @tessera/core) selects.
import type { SegmentNode } from '@tessera/core';
import { SEGMENT_IDENTITIES } from '@tessera/core/segments';
import { matchesSegment, type SegmentFacts } from '../../../core/src/segments/index.ts';
import { NEAR, NOW, personArbitrary, segmentArbitrary } from '../../../core/src/segments/arbitraries.ts';
import * as fc from 'fast-check';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureWorkspace } from '../local/workspace.ts';

const PEOPLE = 2000;
/** The identity kind stored for each name `has` tests (a platform's handle or id both count). */
const STORED_KIND: Record<(typeof SEGMENT_IDENTITIES)[number], string> = {
  email: 'email', phone: 'phone', shopify_customer: 'shopify_customer', kajabi_member: 'kajabi_member',
  instagram: 'instagram', facebook: 'facebook_id', tiktok: 'tiktok_id', x: 'x', youtube: 'youtube_channel_id',
};

for (const target of testDatabases()) {
  describe(`compiled segments agree with the language's definition (${target.name})`, { timeout: 300_000 }, () => {
    let db: Database;
    let ws: string;
    let people: (SegmentFacts & { id: string })[];

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'property', name: 'Property' });
      people = fc.sample(personArbitrary, { numRuns: PEOPLE, seed: 20261124 }).map((person) => ({
        ...person,
        // Follower counts are whole numbers in the table.
        social_followers: person.social_followers === null ? null : Math.round(person.social_followers),
        id: randomUUID(),
      }));
      const lower = (text: string | null) => (text === null ? null : text.toLowerCase());
      await db.query(
        `insert into public.profiles (workspace_id, id) select $1, x.id from jsonb_to_recordset($2::jsonb) as x(id uuid)`,
        [ws, JSON.stringify(people.map((p) => ({ id: p.id })))],
      );
      // Facts as tessera.compute_profile_facts stores them: text lower-cased, identities as kinds and bits.
      await db.query(
        `insert into public.profile_facts (workspace_id, profile_id, member_ids, amount_spent, number_of_orders, average_order_value,
            first_order_at, last_order_at, first_seen_at, last_seen_at, first_seen_source, sources, courses_completed, churn_risk,
            churn_band, stage, social_followers, social_interactions, email_subscribed, country, identity_kinds, identity_bits)
         select $1, x.id, array[x.id], x.amount_spent, x.number_of_orders, x.average_order_value, x.first_order_date, x.last_order_date,
                x.first_seen_date, x.last_seen_date, x.first_seen_source, x.sources, x.courses_completed, x.churn_risk, x.churn_band,
                x.stage, x.social_followers, x.social_interactions, x.email_subscribed, x.country, x.kinds,
                coalesce((select bit_or(tessera.segment_identity_bit(k)) from unnest(x.kinds) k), 0)
           from jsonb_to_recordset($2::jsonb) as x(id uuid, amount_spent numeric, number_of_orders integer, average_order_value numeric,
                first_order_date timestamptz, last_order_date timestamptz, first_seen_date timestamptz, last_seen_date timestamptz,
                first_seen_source text, sources integer, courses_completed integer, churn_risk double precision, churn_band text, stage text,
                social_followers integer, social_interactions integer, email_subscribed boolean, country text, kinds text[])`,
        [ws, JSON.stringify(people.map((p) => ({
          ...p,
          first_seen_source: lower(p.first_seen_source), churn_band: lower(p.churn_band), stage: lower(p.stage), country: lower(p.country),
          kinds: p.identities.map((name) => STORED_KIND[name as keyof typeof STORED_KIND]),
          events: undefined,
        })))],
      );
      const events = people.flatMap((p) => p.events.map((e, n) => ({
        profile_id: p.id, type: e.type, occurred_at: e.occurred_at, external_id: `${p.id}:${n}`,
        properties: { items: e.products.map((title) => ({ title, quantity: 1 })) },
      })));
      await db.query(
        `insert into public.events (workspace_id, profile_id, source, type, external_id, occurred_at, properties)
         select $1, x.profile_id, 'shopify', x.type, x.external_id, x.occurred_at, x.properties
           from jsonb_to_recordset($2::jsonb) as x(profile_id uuid, type text, external_id text, occurred_at timestamptz, properties jsonb)`,
        [ws, JSON.stringify(events)],
      );
    });
    after(() => db?.close());

    const selectedBySql = async (segment: SegmentNode) => {
      const [compiled] = await db.query<{ sql: string; params: unknown }>('select * from tessera.compile_segment($1::jsonb)', [JSON.stringify(segment)]);
      const rows = await db.query<{ id: string }>('select tessera.segment_matches($1, $2, $3::jsonb, $4) as id', [
        ws, compiled!.sql, JSON.stringify(compiled!.params), NOW.toISOString(),
      ]);
      return new Set(rows.map((r) => r.id));
    };

    it(`selects exactly the people the evaluator selects, for random segments over ${PEOPLE} people`, async () => {
      let nonTrivial = 0;
      await fc.assert(
        fc.asyncProperty(segmentArbitrary(NEAR, 3), async (segment) => {
          const expected = people.filter((p) => matchesSegment(segment, p, NOW)).map((p) => p.id);
          const actual = await selectedBySql(segment);
          if (expected.length > 0 && expected.length < PEOPLE) nonTrivial++;
          assert.equal(actual.size, expected.length, `${JSON.stringify(segment)}: SQL ${actual.size}, evaluator ${expected.length}`);
          for (const id of expected) assert.ok(actual.has(id), `${JSON.stringify(segment)} misses ${id}`);
        }),
        { numRuns: 150, seed: 7 },
      );
      // The property means little if every segment matched everyone or no one.
      assert.ok(nonTrivial > 50, `${nonTrivial} of 150 segments split the people`);
    });
  });
}
