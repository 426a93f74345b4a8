// get_journey: one person's timeline across sources and merged profiles,
// newest first, paged by keyset. Pagination is checked against the events'
// order worked out here from the fixtures; summaries against sentences
// written here from the raw payloads the normalisers read.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
// Until @tessera/core exports the journey schemas, the test reads them from their file.
import { JourneyPage } from '@tessera/core';
import { asCaller } from '../auth/as-caller.ts';
import type { Database } from '../db/database.ts';
import { testDatabases } from '../db/test-databases.ts';
import { ensureStaff, ensureWorkspace } from '../local/workspace.ts';
import { normalisers } from '../normalisers/index.ts';
import { kajabiTopic } from '../normalisers/kajabi-topic.ts';
import { socialImportRecord } from '../normalisers/social-import.ts';

const staff = { id: 'a0000000-0000-4000-8000-0000000000a1', email: 'ana@hearth.example', role: 'member' };
const outsider = { id: 'b0000000-0000-4000-8000-0000000000b1', email: 'bo@otherstore.example', role: 'owner' };
const signedIn = (who: { id: string; email: string }) => ({ role: 'authenticated', sub: who.id, email: who.email });

interface JourneyArgs {
  profile: string;
  since?: string | null;
  until?: string | null;
  kinds?: string[] | null;
  sources?: string[] | null;
  cursor?: string | null;
  limit?: number | null;
}

// Timestamps the random journeys draw from: few, so many events share one,
// and two a microsecond apart, so the cursor must keep microseconds exactly.
// Written to the microsecond in UTC, they sort as strings the way they sort as times.
const STAMPS = [
  '2025-12-31T23:59:59.999999Z',
  '2026-03-01T09:00:00.000000Z',
  '2026-03-01T09:00:00.000001Z',
  '2026-03-01T09:00:00.001000Z',
  '2026-03-02T00:00:00.000000Z',
];
const TYPES = ['order_placed', 'commented', 'followed', 'payment_succeeded'];
// Each part of a random person is written by its own source; the third part names both identities and so merges the first two.
const PARTS = ['shopify', 'kajabi', 'meta'] as const;

const fixtureText = (name: string) => readFileSync(new URL(`../normalisers/fixtures/${name}`, import.meta.url), 'utf8');
const fixture = (name: string) => JSON.parse(fixtureText(`${name}.json`));

/** Money as the test expects to read it, written with Intl rather than SQL's to_char. */
const SYMBOLS: Record<string, string> = { USD: '$', CAD: 'CA$', AUD: 'A$', EUR: '€', GBP: '£' };
const money = (amount: number, currency: string) =>
  `${amount < 0 ? '-' : ''}${SYMBOLS[currency] ?? `${currency} `}${Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const items = (n: number) => `${n} ${n === 1 ? 'item' : 'items'}`;
/** A resource of a Kajabi hook's payload, by type. */
type KajabiHook = { payload: { id: string; type: string; attributes: Record<string, any> }[] };
const kajabiResource = (body: KajabiHook, type: string) => body.payload.find((r) => r.type === type)!.attributes;
const kajabiResourceId = (body: KajabiHook, type: string) => body.payload.find((r) => r.type === type)!.id;

for (const target of testDatabases()) {
  describe(`get_journey (${target.name})`, () => {
    let db: Database;
    let ws: string;

    const apply = async (source: string, identities: object[], events: object[], traits: object[] = []) =>
      (await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [
        ws,
        source,
        JSON.stringify({ observed_at: '2026-01-01T00:00:00Z', identities, traits, events, unrecognised: [] }),
      ]))[0]!.id;

    const callJourney = (args: JourneyArgs, claims: object = signedIn(staff)) =>
      asCaller(db, claims as any, (tx) =>
        tx.query<{ page: unknown }>(
          `select public.get_journey(profile_id => $1, since => $2, until => $3, kinds => $4, sources => $5, cursor => $6, "limit" => $7) as page`,
          [args.profile, args.since ?? null, args.until ?? null, args.kinds ?? null, args.sources ?? null, args.cursor ?? null, args.limit ?? null],
        ),
      ).then((rows) => rows[0]!.page);

    /** A page, checked against the core schema the SDK validates with. */
    const journey = async (args: JourneyArgs) => JourneyPage.parse(await callJourney(args));

    /** Every page in turn; `limits` are used one per page, round and round. */
    async function walk(args: JourneyArgs, limits: number[]) {
      const pages: { limit: number; page: JourneyPage }[] = [];
      let cursor: string | null = null;
      do {
        const limit = limits[pages.length % limits.length]!;
        const page = await journey({ ...args, cursor, limit });
        pages.push({ limit, page });
        cursor = page.next_cursor;
        assert.ok(pages.length <= 500, 'the walk does not end');
      } while (cursor);
      return pages;
    }

    const eventIds = async (externalIds: string[]) =>
      new Map(
        (await db.query<{ external_id: string; id: string }>(
          `select external_id, id::text as id from public.events where workspace_id = $1 and external_id = any ($2)`,
          [ws, externalIds],
        )).map((r) => [r.external_id, r.id]),
      );

    before(async () => {
      db = await target.open();
      ws = await ensureWorkspace(db, { slug: 'journeys', name: 'Hearth & Grain' });
      await ensureStaff(db, ws, staff);
      const other = await ensureWorkspace(db, { slug: 'other-store', name: 'Other Store' });
      await ensureStaff(db, other, outsider);
    });
    after(() => db?.close());

    describe('pagination', () => {
      let person = 0;

      it('walking every page gives each matching event exactly once, newest first, whatever the page sizes and filters', async () => {
        const event = fc.record({ at: fc.constantFrom(...STAMPS), type: fc.constantFrom(...TYPES), part: fc.integer({ min: 0, max: 2 }) });
        // Filters are left out more often than set, so most walks have several pages to walk.
        const sometimes = <T,>(value: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: value });
        const runs = 30;
        let walksOfSeveralPages = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.record({
              events: fc.array(event, { minLength: 6, maxLength: 36, size: 'max' }),
              // Mostly small pages; now and then sizes out of range, which the function clamps to 1..200.
              limits: fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0, 250) }), {
                minLength: 1,
                maxLength: 4,
              }),
              since: sometimes(fc.constantFrom(...STAMPS.slice(0, 3))),
              until: sometimes(fc.constantFrom(...STAMPS.slice(2))),
              kinds: sometimes(fc.subarray(TYPES, { minLength: 1 })),
              sources: sometimes(fc.subarray([...PARTS], { minLength: 1 })),
              askForMerged: fc.boolean(),
            }),
            async (run) => {
              const n = ++person;
              const email = { kind: 'email', value: `walker${n}@journeys.example` };
              const member = { kind: 'kajabi_member', value: String(700000 + n) };
              const written = run.events.map((e, i) => ({ ...e, source: PARTS[e.part]!, external_id: `walk:${n}:${i}` }));
              const claims = (part: number) =>
                written.filter((e) => e.part === part).map((e) => ({ external_id: e.external_id, type: e.type, occurred_at: e.at, properties: {} }));
              const survivor = await apply('shopify', [email], claims(0));
              const merged = await apply('kajabi', [member], claims(1));
              await apply('meta', [member, email], claims(2));
              assert.notEqual(survivor, merged);

              const ids = await eventIds(written.map((e) => e.external_id));
              const expected = written
                .map((e) => ({ ...e, id: ids.get(e.external_id)! }))
                .filter((e) => (run.since === null || e.at >= run.since) && (run.until === null || e.at < run.until))
                .filter((e) => (run.kinds === null || run.kinds.includes(e.type)) && (run.sources === null || run.sources.includes(e.source)))
                .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? 1 : -1) : Number(BigInt(b.id) - BigInt(a.id))));

              const pages = await walk(
                { profile: run.askForMerged ? merged : survivor, since: run.since, until: run.until, kinds: run.kinds, sources: run.sources },
                run.limits,
              );
              if (pages.length > 1) walksOfSeveralPages++;
              const seen = pages.flatMap(({ page }) => page.events);
              assert.deepEqual(
                seen.map((e) => [e.id, e.type, e.source]),
                expected.map((e) => [e.id, e.type, e.source]),
              );
              pages.forEach(({ limit, page }, i) => {
                const size = Math.min(Math.max(limit, 1), 200);
                assert.equal(page.profile_id, survivor, 'a merged-away id answers with the survivor');
                if (i < pages.length - 1) assert.equal(page.events.length, size, `page ${i + 1} is full`);
                else assert.ok(page.events.length <= size && (page.events.length > 0 || pages.length === 1), `last page ${i + 1}`);
              });
            },
          ),
          { numRuns: runs },
        );
        // The property says little if the walks were one page long (about two in three have several).
        assert.ok(walksOfSeveralPages >= runs / 4, `${walksOfSeveralPages} of ${runs} walks had several pages`);
      });

      it('events that arrive while someone pages neither shift nor repeat the pages still to come', async () => {
        const email = { kind: 'email', value: 'late.arrivals@journeys.example' };
        const at = (i: number) => new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString();
        const person = await apply('shopify', [email], Array.from({ length: 7 }, (_, i) => ({ external_id: `late:${i}`, type: 'commented', occurred_at: at(i) })));
        const first = await journey({ profile: person, limit: 3 });
        // Two newer events and one at exactly the newest time already shown.
        await apply('shopify', [email], [
          { external_id: 'late:new1', type: 'followed', occurred_at: at(100) },
          { external_id: 'late:new2', type: 'followed', occurred_at: at(101) },
          { external_id: 'late:tie', type: 'followed', occurred_at: at(6) },
        ]);
        const rest = [];
        for (let cursor = first.next_cursor; cursor; ) {
          const page = await journey({ profile: person, limit: 3, cursor });
          rest.push(...page.events);
          cursor = page.next_cursor;
        }
        const ids = await eventIds(Array.from({ length: 7 }, (_, i) => `late:${i}`));
        assert.deepEqual(
          [...first.events, ...rest].map((e) => e.id),
          [6, 5, 4, 3, 2, 1, 0].map((i) => ids.get(`late:${i}`)),
        );
      });

      it('since is inclusive and until exclusive, so consecutive windows share no event', async () => {
        const [t1, t2, t3] = ['2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z', '2026-02-03T00:00:00.000Z'];
        const person = await apply('shopify', [{ kind: 'email', value: 'windows@journeys.example' }], [
          { external_id: 'win:1', type: 'commented', occurred_at: t1 },
          { external_id: 'win:2', type: 'commented', occurred_at: t2 },
          { external_id: 'win:3', type: 'commented', occurred_at: t3 },
        ]);
        const times = async (args: Omit<JourneyArgs, 'profile'>) =>
          (await journey({ profile: person, ...args })).events.map((e) => new Date(e.occurred_at).toISOString());
        assert.deepEqual(await times({ since: t2 }), [t3, t2]);
        assert.deepEqual(await times({ until: t2 }), [t1]);
        assert.deepEqual(await times({ since: t2, until: t3 }), [t2]);
        assert.deepEqual(await times({ since: t3, until: t1 }), []);
        // An empty list of kinds or sources is a filter that nothing passes, not "no filter".
        assert.deepEqual(await times({ kinds: [] }), []);
        assert.deepEqual(await times({ sources: [] }), []);
        assert.deepEqual(await times({ sources: ['shopify'], kinds: ['commented'] }), [t3, t2, t1]);
      });

      it('a cursor get_journey did not hand out is refused as invalid_parameter_value (22023)', async () => {
        const person = await apply('shopify', [{ kind: 'email', value: 'cursors@journeys.example' }], [
          { external_id: 'cur:1', type: 'commented', occurred_at: '2026-02-01T00:00:00Z' },
          { external_id: 'cur:2', type: 'commented', occurred_at: '2026-02-02T00:00:00Z' },
        ]);
        const { next_cursor } = await journey({ profile: person, limit: 1 });
        assert.ok(next_cursor);
        const forged = Buffer.from('2|2026-02-02T00:00:00.000000Z|1').toString('base64url');
        const mangled = Buffer.from('1|yesterday|12').toString('base64url');
        for (const cursor of ['not a cursor', '%%%', next_cursor.slice(0, -4), forged, mangled, `${next_cursor}x`]) {
          await assert.rejects(callJourney({ profile: person, cursor }), (error: { code?: string; message: string }) => {
            assert.equal(error.code, '22023', cursor);
            assert.match(error.message, /cursor .* is not one get_journey handed out/);
            return true;
          });
        }
      });
    });

    describe('who may read a journey', () => {
      it('a member of another workspace gets null, like get_profile; the anon key may not call it at all', async () => {
        const person = await apply('shopify', [{ kind: 'email', value: 'private@journeys.example' }], [
          { external_id: 'private:1', type: 'order_placed', occurred_at: '2026-02-01T00:00:00Z', revenue: 10, currency: 'USD', properties: { item_count: 1 } },
        ]);
        assert.equal(await callJourney({ profile: person }, signedIn(outsider)), null);
        assert.equal(await callJourney({ profile: '00000000-0000-4000-8000-000000000000' }), null);
        await assert.rejects(callJourney({ profile: person }, { role: 'anon' }), { code: '42501' });
        // Positive control: the workspace's own staff read it.
        assert.equal((await journey({ profile: person })).events.length, 1);
      });
    });

    describe('summaries and properties', () => {
      const ingested = new Map<string, { profile: string; source: string }>();

      /** Runs a fixture through its source's normaliser into the workspace, as the processor does. */
      async function ingest(name: string, source: string, topic: string | null = null) {
        const isXml = source === 'youtube';
        const body = isXml ? fixtureText(`${name}.xml`) : fixture(name);
        const result = normalisers[source]!({ source, topic: topic ?? (source === 'kajabi' ? kajabiTopic(body) : 'test'), headers: {}, body, triggeredAt: null, receivedAt: '2026-04-05T10:00:00.000Z' });
        assert.equal(result.kind, 'record', `${name} normalises to a record`);
        const record = (result as { record: { events: { external_id: string }[] } }).record;
        const [row] = await db.query<{ id: string }>(`select tessera.apply_record($1, $2, $3::jsonb, null) as id`, [ws, source, JSON.stringify(record)]);
        for (const e of record.events) ingested.set(e.external_id, { profile: row!.id, source });
      }

      /** The journey entry of the event stored under this external id. */
      async function entry(externalId: string) {
        const { profile, source } = ingested.get(externalId)!;
        const [row] = await db.query<{ id: string }>(`select id::text as id from public.events where workspace_id = $1 and source = $2 and external_id = $3`, [ws, source, externalId]);
        const found = (await journey({ profile, limit: 200 })).events.find((e) => e.id === row!.id);
        assert.ok(found, `${externalId} is on the journey`);
        return found;
      }

      before(async () => {
        await ingest('shopify-customer', 'shopify', 'customers/create');
        await ingest('shopify-order', 'shopify', 'orders/create');
        await ingest('shopify-refund', 'shopify', 'refunds/create');
        await ingest('shopify-checkout', 'shopify', 'checkouts/create');
        for (const name of ['kajabi-hook-payment-succeeded', 'kajabi-hook-purchase', 'kajabi-hook-form-submission', 'kajabi-hook-tag-added', 'kajabi-hook-order-created']) {
          await ingest(name, 'kajabi');
        }
        for (const name of ['meta-instagram-comment', 'meta-instagram-message', 'meta-page-feed-comment', 'meta-page-mention']) await ingest(name, 'meta');
        for (const name of ['tiktok-authorization-removed', 'tiktok-video-publish-completed']) await ingest(name, 'tiktok');
        for (const name of ['x-direct-message', 'x-follow', 'x-tweet-reply']) await ingest(name, 'x');
        await ingest('youtube-video-published', 'youtube');
      });

      it('Shopify: sign-up, order, refund and checkout in words, with the shop’s currency', async () => {
        assert.equal((await entry(`shopify:customer:${fixture('shopify-customer').id}:created`)).summary, 'Signed up');

        const order = fixture('shopify-order');
        const quantity = order.line_items.reduce((sum: number, line: { quantity: number }) => sum + line.quantity, 0);
        const placed = await entry(`shopify:order:${order.id}:placed`);
        assert.equal(placed.summary, `Ordered ${items(quantity)}, ${money(Number(order.current_total_price ?? order.total_price), order.currency)}`);

        const refund = fixture('shopify-refund');
        const paidBack = refund.transactions.filter((t: { kind: string; status: string }) => t.kind === 'refund' && t.status === 'success');
        const amount = paidBack.reduce((sum: number, t: { amount: string }) => sum + Number(t.amount), 0);
        assert.equal((await entry(`shopify:refund:${refund.id}`)).summary, `Refunded ${money(amount, paidBack[0].currency)}`);

        const checkout = fixture('shopify-checkout');
        const inCart = checkout.line_items.reduce((sum: number, line: { quantity: number }) => sum + line.quantity, 0);
        assert.equal(
          (await entry(`shopify:checkout:${checkout.token}:started`)).summary,
          `Started a checkout with ${items(inCart)}, ${money(Number(checkout.total_price), checkout.currency)}`,
        );
      });

      it('Kajabi: payments with their offer, purchases, forms, tags and orders', async () => {
        const payment = fixture('kajabi-hook-payment-succeeded');
        const charge = kajabiResource(payment, 'transactions');
        const offer = kajabiResource(payment, 'offers');
        assert.equal(
          (await entry(`kajabi:payment:${payment.payload[0].id}`)).summary,
          `Paid ${money(charge.amount_in_cents / 100, charge.currency)} for '${offer.title}'`,
        );

        const purchase = fixture('kajabi-hook-purchase');
        assert.equal((await entry(`kajabi:purchase:${purchase.payload[0].id}`)).summary, `Bought '${kajabiResource(purchase, 'offers').title}'`);

        const form = fixture('kajabi-hook-form-submission');
        assert.equal((await entry(`kajabi:form_submission:${form.payload[0].id}`)).summary, `Submitted the form '${kajabiResource(form, 'forms').title}'`);

        const tag = fixture('kajabi-hook-tag-added');
        const tagged = await entry([...ingested.keys()].find((key) => key.startsWith('kajabi:tag_added:'))!);
        assert.equal(tagged.summary, `Tagged '${kajabiResource(tag, 'contact_tags').name}'`);

        const order = fixture('kajabi-hook-order-created');
        const orderCharge = kajabiResource(order, 'transactions');
        const quantity = order.payload
          .filter((r: { type: string }) => r.type === 'order_items')
          .reduce((sum: number, r: { attributes: { quantity: number } }) => sum + r.attributes.quantity, 0);
        const orderEntry = await entry(`kajabi:order:${kajabiResourceId(order, 'orders')}`);
        assert.equal(orderEntry.summary, `Ordered ${items(quantity)}, ${money(orderCharge.amount_in_cents / 100, orderCharge.currency)}`);
        // Its charge has no offer of its own: the sentence says only what was paid.
        assert.equal((await entry(`kajabi:payment:${order.payload[0].id}`)).summary, `Paid ${money(orderCharge.amount_in_cents / 100, orderCharge.currency)}`);
      });

      it('social networks: what someone in the audience did, on which network', async () => {
        const comment = fixture('meta-instagram-comment').entry[0].changes[0].value;
        const commented = await entry(`instagram:comment:${comment.id}`);
        assert.equal(commented.summary, 'Commented on your Instagram post');
        assert.equal(commented.properties.text, comment.text);

        const message = fixture('meta-instagram-message').entry[0].messaging[0].message;
        assert.equal((await entry(`instagram:message:${message.mid}`)).summary, 'Messaged you on Instagram');
        const pageComment = fixture('meta-page-feed-comment').entry[0].changes[0].value;
        assert.equal((await entry(`facebook:comment:${pageComment.comment_id}`)).summary, 'Commented on your Facebook post');
        const mention = fixture('meta-page-mention').entry[0].changes[0].value;
        assert.equal((await entry(`facebook:mention:${mention.comment_id ?? mention.post_id}`)).summary, 'Mentioned you on Facebook');

        const key = (prefix: string) => [...ingested.keys()].find((k) => k.startsWith(prefix))!;
        assert.equal((await entry(key('tiktok:authorization_removed:'))).summary, 'Disconnected TikTok');
        assert.equal((await entry(key('tiktok:video:'))).summary, 'Published a video on TikTok');
        assert.equal((await entry(key('x:dm:'))).summary, 'Messaged you on X');
        assert.equal((await entry(key('x:follow:'))).summary, 'Followed you on X');
        assert.equal((await entry(key('x:tweet:'))).summary, 'Replied to your X post');

        const title = /<entry>[\s\S]*?<title>([^<]*)<\/title>/.exec(fixtureText('youtube-video-published.xml'))![1]!.replaceAll('&amp;', '&');
        assert.equal((await entry(key('youtube:video:'))).summary, `Published '${title}' on YouTube`);
      });

      it('courses, imports, other currencies and types it has no sentence for', async () => {
        const person = await apply('kajabi', [{ kind: 'email', value: 'learner@journeys.example' }], [
          { external_id: 'words:lesson', type: 'lesson_completed', occurred_at: '2026-02-01T00:00:00Z', properties: { course_title: 'Sourdough Basics', lesson_number: 4, lesson_title: 'Shaping' } },
          { external_id: 'words:lesson-titled', type: 'lesson_completed', occurred_at: '2026-02-01T00:00:01Z', properties: { course_title: 'Sourdough Basics', lesson_title: 'Shaping' } },
          { external_id: 'words:eur', type: 'payment_succeeded', occurred_at: '2026-02-02T00:00:00Z', revenue: 1234.5, currency: 'EUR', properties: { offer_title: 'Bread Club (yearly)' } },
          { external_id: 'words:chf', type: 'payment_succeeded', occurred_at: '2026-02-03T00:00:00Z', revenue: 29, currency: 'CHF', properties: {} },
          { external_id: 'words:gbp', type: 'order_placed', occurred_at: '2026-02-04T00:00:00Z', revenue: 12, currency: 'GBP', properties: {} },
          { external_id: 'words:love', type: 'reacted', occurred_at: '2026-02-05T00:00:00Z', properties: { network: 'facebook', reaction: 'love', comment_id: '1_2' } },
          { external_id: 'words:webinar', type: 'webinar_registered', occurred_at: '2026-02-06T00:00:00Z', properties: {} },
        ]);
        const row = socialImportRecord({ handle: '@learner.bakes', email: 'learner@journeys.example', event_type: 'follow', time: '2026-02-07T00:00:00Z', network: 'tiktok' }, '2026-02-08T00:00:00Z');
        await apply('social_import', row.identities, row.events);

        const summaries = (await journey({ profile: person })).events.map((e) => [e.type, e.summary]);
        assert.deepEqual(summaries, [
          ['followed', 'Followed you on TikTok'],
          ['webinar_registered', 'Did webinar registered on Kajabi'],
          ['reacted', 'Reacted to your Facebook comment (love)'],
          ['order_placed', `Placed an order, ${money(12, 'GBP')}`],
          ['payment_succeeded', `Paid ${money(29, 'CHF')}`],
          ['payment_succeeded', `Paid ${money(1234.5, 'EUR')} for 'Bread Club (yearly)'`],
          ['lesson_completed', "Completed 'Shaping' in 'Sourdough Basics'"],
          ['lesson_completed', "Completed lesson 4 of 'Sourdough Basics'"],
        ]);
        assert.equal(money(1234.5, 'EUR'), '€1,234.50');
        assert.equal(money(29, 'CHF'), 'CHF 29.00');
      });

      it('properties keep what a timeline shows and leave out ids, answers and links', async () => {
        const order = fixture('shopify-order');
        const placed = await entry(`shopify:order:${order.id}:placed`);
        assert.deepEqual(
          placed.properties.items,
          order.line_items.map((line: { title: string; quantity: number; price: string }) => ({ title: line.title, quantity: line.quantity, price: Number(line.price) })),
        );
        assert.equal(placed.properties.name, order.name);
        for (const hidden of ['order_id', 'shop_domain', 'test', 'source_name']) assert.equal(hidden in placed.properties, false, hidden);

        const checkout = await entry(`shopify:checkout:${fixture('shopify-checkout').token}:started`);
        assert.equal('recovery_url' in checkout.properties, false);
        assert.equal('checkout_token' in checkout.properties, false);
        const form = await entry(`kajabi:form_submission:${fixture('kajabi-hook-form-submission').payload[0].id}`);
        assert.deepEqual(form.properties, { form_title: kajabiResource(fixture('kajabi-hook-form-submission'), 'forms').title });
        const payment = await entry(`kajabi:payment:${fixture('kajabi-hook-payment-succeeded').payload[0].id}`);
        assert.deepEqual(Object.keys(payment.properties), ['offer_title']);
      });
    });

    describe('a person with ten thousand events', () => {
      let big: string;
      let small: string;

      before(async () => {
        const events = (tag: string, count: number, from: number) =>
          Array.from({ length: count }, (_, i) => ({
            external_id: `${tag}:${i}`,
            type: i % 3 ? 'commented' : 'order_placed',
            occurred_at: new Date(from + i * 3_600_000).toISOString(),
            revenue: i % 3 ? null : 20,
            currency: 'USD',
            properties: i % 3 ? { network: 'instagram', text: `Comment ${i}` } : { item_count: 2, items: [{ title: 'Country Loaf', quantity: 2, price: 10 }] },
          }));
        // Two profiles (Shopify and Kajabi) merged into one person, interleaved in time, among other people.
        big = await apply('shopify', [{ kind: 'email', value: 'regular@journeys.example' }], events('big-a', 6000, Date.UTC(2024, 0, 1)));
        await apply('kajabi', [{ kind: 'kajabi_member', value: '990001' }], events('big-b', 4000, Date.UTC(2024, 0, 1) + 1_800_000));
        await apply('meta', [{ kind: 'kajabi_member', value: '990001' }, { kind: 'email', value: 'regular@journeys.example' }], []);
        for (let k = 0; k < 6; k++) await apply('shopify', [{ kind: 'email', value: `neighbour${k}@journeys.example` }], events(`noise-${k}`, 500, Date.UTC(2024, 0, 1)));
        small = await apply('shopify', [{ kind: 'email', value: 'newcomer@journeys.example' }], events('small', 60, Date.UTC(2024, 0, 1)));
        await db.exec('analyze public.events');
      });

      /** Buffers (pages) one call reads, the function's own queries included, after its plans are warm. */
      const pagesRead = async (profile: string, cursor: string | null = null) => {
        for (let i = 0; i < 6; i++) await callJourney({ profile, cursor }); // past plpgsql's five custom plans, onto the generic one
        return asCaller(db, signedIn(staff) as any, async (tx) => {
          const [row] = await tx.query<Record<string, any>>(`explain (analyze, buffers, format json) select public.get_journey(profile_id => $1, cursor => $2)`, [profile, cursor]);
          const plan = row!['QUERY PLAN'][0].Plan;
          return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
        });
      };

      it('reads about as much for its first page, and for a page deep in the history, as for a newcomer’s', async (t) => {
        let cursor: string | null = null;
        let walked = 0;
        while (walked < 9000) {
          const page: JourneyPage = await journey({ profile: big, cursor, limit: 200 });
          walked += page.events.length;
          cursor = page.next_cursor;
        }
        const [{ pages } = { pages: 0 }] = await db.query<{ pages: number }>(`select (sum(pg_relation_size(relid)) / current_setting('block_size')::int)::int as pages from pg_partition_tree('public.events')`);
        const first = await pagesRead(big);
        const deep = await pagesRead(big, cursor);
        const newcomer = await pagesRead(small);
        t.diagnostic(`buffers read: first page ${first}, page after 9000 events ${deep}, newcomer ${newcomer}; the events table has ${pages} pages`);
        // A scan of the table, or of all 10,000 index entries, reads hundreds to thousands of pages; a keyset page reads tens.
        assert.ok(pages > 300, `the table is big enough for the comparison (${pages} pages)`);
        assert.ok(first <= newcomer + 40, `first page read ${first} buffers, a newcomer's ${newcomer}`);
        assert.ok(deep <= newcomer + 40, `deep page read ${deep} buffers, a newcomer's ${newcomer}`);

        const timings = [];
        for (let i = 0; i < 15; i++) {
          const start = performance.now();
          await callJourney({ profile: big });
          timings.push(performance.now() - start);
        }
        timings.sort((a, b) => a - b);
        t.diagnostic(`first page of 50 of 10,000 events, as a signed-in member: median ${timings[7]!.toFixed(1)} ms`);
      });
    });
  });
}
