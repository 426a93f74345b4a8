// The theme app extension's app embed block, rendered as Shopify would render
// it (liquidjs with the filters and tags Shopify adds) for a signed-in
// customer, then parsed by a real HTML parser (Chromium's DOMParser): the tag,
// its attributes, the configuration, and what a hostile shop setting or
// customer name can and cannot do to the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Liquid, Tag, type Context, type Emitter, type TagToken, type TopLevelToken } from 'liquidjs';
import { chromium, type Browser, type Page } from 'playwright-core';

const extension = new URL('./extensions/tessera-customer/', import.meta.url);
const source = readFileSync(new URL('blocks/customer-card.liquid', extension), 'utf8');
const storefrontStrings = JSON.parse(readFileSync(new URL('locales/en.default.json', extension), 'utf8'));
const schema = JSON.parse(/{%\s*schema\s*%}([\s\S]*?){%\s*endschema\s*%}/.exec(source)![1]!);
const ASSET_BASE = 'https://cdn.shopify.com/extensions/0b4c2f7e-5d1a-4e8b-9f3c-2a6d8e1f7b90/1.4.0/assets/';

/**
 * Shopify's `json` filter, in its two plausible forms: plain JSON, and JSON
 * with `<`, `>` and `&` written as \u escapes (as Rails' encoder does). The
 * block must be safe with either, so every test runs with both.
 */
const jsonFilters = {
  plain: (value: unknown) => JSON.stringify(value ?? null),
  'html-safe': (value: unknown) =>
    JSON.stringify(value ?? null).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
};

/** A liquidjs engine with what Shopify provides to theme app extensions and this block uses. */
function shopifyLiquid(json: (value: unknown) => string): Liquid {
  const engine = new Liquid({ strictFilters: true });
  engine.registerFilter('json', json);
  engine.registerFilter('asset_url', (name: string) => `${ASSET_BASE}${encodeURIComponent(name)}`);
  engine.registerFilter('stylesheet_tag', (url: string) => `<link href="${url}" rel="stylesheet" type="text/css" media="all" />`);
  // Shopify's handleize: lower case, runs of anything but letters and digits become one hyphen, none at the ends.
  engine.registerFilter('handleize', (value: unknown) =>
    String(value ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, ''),
  );
  engine.registerFilter('t', (key: string) => {
    const text = key.split('.').reduce<any>((node, part) => node?.[part], storefrontStrings);
    if (typeof text !== 'string') throw new Error(`translation missing: ${key}`);
    return text;
  });
  // {% schema %} is read by Shopify's theme editor, never rendered.
  engine.registerTag(
    'schema',
    class extends Tag {
      constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
        super(token, remain, liquid);
        while (remain.length) {
          const next = remain.shift()!;
          if ((next as TagToken).name === 'endschema') return;
        }
        throw new Error('{% schema %} without {% endschema %}');
      }
      *render(_ctx: Context, _emitter: Emitter) {}
    },
  );
  return engine;
}

/** The block's settings as the theme editor saves them: the schema's defaults, then the merchant's changes. */
function settings(overrides: Record<string, unknown> = {}) {
  const defaults = Object.fromEntries(schema.settings.filter((s: { id?: string }) => s.id).map((s: { id: string; default?: unknown }) => [s.id, s.default ?? (s.id.startsWith('offer_') ? false : '')]));
  return { ...defaults, project_url: 'https://hearth-and-grain.supabase.co', publishable_key: 'sb_publishable_3f9a1c7e2b5d4a8c9e1f0b6d', ...overrides };
}

/** A signed-in customer, shaped like Shopify's Liquid `customer` object. */
const amara = {
  id: 7241000047514,
  email: 'amara.okafor@example.com',
  first_name: 'Amara',
  last_name: 'Okafor',
  name: 'Amara Okafor',
  phone: '+14155550142',
  orders_count: 6,
  total_spent: 31250,
  tags: ['sourdough-club', 'wholesale-interest'],
  accepts_marketing: true,
  has_account: true,
  default_address: { city: 'Oakland', province_code: 'CA', country_code: 'US', zip: '94612' },
};

const HOSTILE = '</script><script>alert(1)</script>';
const HOSTILE_ATTRIBUTE = `"><img src=x onerror=alert(1)>'${HOSTILE}`;

interface Parsed {
  scripts: { src: string | null; type: string | null; text: string }[];
  config: any;
  cards: { tag: string; attributes: Record<string, string> }[];
  offer: { hidden: boolean; text: string; code: string | null } | null;
  name: string | null;
  elements: string[];
  handlers: string[];
}

describe('Shopify app embed block: blocks/customer-card.liquid', () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
  });
  after(async () => browser?.close());

  /** Parses the rendered block the way a browser does (without running it). */
  const parse = (html: string): Promise<Parsed> =>
    page.evaluate((markup) => {
      const doc = new DOMParser().parseFromString(`<!doctype html><html><body>${markup}</body></html>`, 'text/html');
      const embed = doc.querySelector<HTMLElement>('details.tessera-embed');
      const offer = doc.querySelector<HTMLElement>('[data-tessera-offer]');
      const all = [...doc.body.querySelectorAll('*')];
      return {
        scripts: [...doc.querySelectorAll('script')].map((s) => ({ src: s.getAttribute('src'), type: s.getAttribute('type'), text: s.textContent ?? '' })),
        config: embed ? JSON.parse(embed.dataset.tesseraConfig!) : null,
        cards: all.filter((e) => e.localName.endsWith('customer-card')).map((e) => ({ tag: e.localName, attributes: Object.fromEntries([...e.attributes].map((a) => [a.name, a.value])) })),
        offer: offer ? { hidden: offer.hidden === true, text: offer.querySelector('.tessera-offer__text')?.textContent ?? '', code: offer.querySelector('code')?.textContent ?? null } : null,
        name: doc.querySelector('.tessera-embed__name')?.textContent ?? null,
        elements: [...new Set(all.map((e) => e.localName))].sort(),
        handlers: all.flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${e.localName}[${a.name}]`)),
      };
    }, html);

  for (const [variant, json] of Object.entries(jsonFilters)) {
    const liquid = shopifyLiquid(json);
    const render = (context: object) => liquid.parseAndRender(source, context);

    describe(`with Shopify's json filter ${variant}`, () => {
      it('renders the card of the signed-in customer, configured from the block settings', async () => {
        const html = await render({ customer: amara, block: { settings: settings() } });
        const parsed = await parse(html);

        assert.deepEqual(parsed.cards, [{ tag: 'customer-card', attributes: { 'profile-id': 'me' } }]);
        assert.equal(parsed.name, 'Amara');
        assert.deepEqual(parsed.config, {
          url: 'https://hearth-and-grain.supabase.co',
          key: 'sb_publishable_3f9a1c7e2b5d4a8c9e1f0b6d',
          prefix: '',
          tag: 'customer-card',
          sessionUrl: '/apps/tessera/session',
          offerBands: ['high'],
          script: `${ASSET_BASE}tessera.min.js`,
        });
        // The bundle is an ES module from the extension's assets; customer-card-embed.js (beside it) configures it.
        assert.deepEqual(
          parsed.scripts.map((s) => [s.type, s.src]),
          [
            ['module', `${ASSET_BASE}tessera.min.js`],
            ['module', `${ASSET_BASE}customer-card-embed.js`],
          ],
        );
        // The offer is rendered hidden; the script reveals it only for a chosen churn band.
        assert.deepEqual(parsed.offer, { hidden: true, text: 'We miss you! Here is 15% off your next order.', code: 'COMEBACK15' });
      });

      it('applies the tag prefix to the element and hands it to Tessera.define', async () => {
        const html = await render({ customer: amara, block: { settings: settings({ tag_prefix: '  Hearth Grain ', theme: 'dark' }) } });
        const parsed = await parse(html);
        assert.deepEqual(parsed.cards, [{ tag: 'hearth-grain-customer-card', attributes: { 'profile-id': 'me', theme: 'dark' } }]);
        assert.equal(parsed.config.prefix, 'hearth-grain');
        assert.equal(parsed.config.tag, 'hearth-grain-customer-card');
        assert.ok(!parsed.elements.includes('customer-card'), 'no unprefixed card next to the prefixed one');
      });

      it('passes the churn bands the shop chose, and leaves the offer out when none is chosen', async () => {
        const some = await parse(await render({ customer: amara, block: { settings: settings({ offer_high: true, offer_medium: true, offer_low: false }) } }));
        assert.deepEqual(some.config.offerBands, ['high', 'medium']);

        const none = await parse(await render({ customer: amara, block: { settings: settings({ offer_high: false }) } }));
        assert.deepEqual(none.config.offerBands, []);
        assert.equal(none.offer, null);
      });

      it('"auto" leaves the theme to the visitor’s system setting', async () => {
        const parsed = await parse(await render({ customer: amara, block: { settings: settings({ theme: 'auto' }) } }));
        assert.deepEqual(parsed.cards[0]!.attributes, { 'profile-id': 'me' });
      });

      it('renders nothing at all for a visitor who is not signed in', async () => {
        const html = await render({ customer: null, block: { settings: settings() } });
        assert.equal(html.trim(), '');
      });

      it('keeps a hostile shop setting and customer name as text: no new element, script or handler', async () => {
        const hostileSettings = settings({
          project_url: `https://x.example/${HOSTILE}`,
          publishable_key: HOSTILE_ATTRIBUTE,
          tag_prefix: `x><script>alert(1)</script><x`,
          offer_text: HOSTILE_ATTRIBUTE,
          discount_code: HOSTILE,
          theme: `dark" onmouseover="alert(1)`,
        });
        const customer = { ...amara, first_name: HOSTILE_ATTRIBUTE, last_name: HOSTILE, name: HOSTILE };
        const html = await render({ customer, block: { settings: hostileSettings } });
        const parsed = await parse(html);
        const clean = await parse(await render({ customer: amara, block: { settings: settings({ tag_prefix: 'x-script-alert-1-script-x' }) } }));

        // The same elements and scripts as a harmless render: nothing was injected.
        assert.deepEqual(parsed.elements, clean.elements);
        assert.deepEqual(parsed.handlers, []);
        assert.deepEqual(parsed.scripts, clean.scripts, 'the scripts are the template’s own, whatever the settings say');
        assert.ok(parsed.scripts.every((s) => s.src?.startsWith(ASSET_BASE) && s.text === ''), 'only the extension’s own assets, no inline code');
        // Every value arrives intact, as data.
        assert.equal(parsed.config.url, `https://x.example/${HOSTILE}`);
        assert.equal(parsed.config.key, HOSTILE_ATTRIBUTE);
        assert.equal(parsed.config.prefix, 'x-script-alert-1-script-x');
        assert.equal(parsed.name, HOSTILE_ATTRIBUTE);
        assert.deepEqual(parsed.offer, { hidden: true, text: HOSTILE_ATTRIBUTE, code: HOSTILE });
        // A theme value outside the select's options is ignored, not printed.
        assert.deepEqual(parsed.cards, [{ tag: 'x-script-alert-1-script-x-customer-card', attributes: { 'profile-id': 'me' } }]);
      });
    });
  }

  it('is an app embed block whose settings are the ones the template reads', () => {
    assert.equal(schema.target, 'body');
    const ids = schema.settings.filter((s: { id?: string }) => s.id).map((s: { id: string }) => s.id);
    const read = [...new Set([...source.matchAll(/block\.settings\.(\w+)/g)].map((m) => m[1]))].sort();
    assert.deepEqual(read, [...ids].sort());
    const themes = schema.settings.find((s: { id?: string }) => s.id === 'theme');
    assert.deepEqual(themes.options.map((o: { value: string }) => o.value), ['auto', 'light', 'dark']);
  });

  it('translates every t: key of the schema in locales/en.default.schema.json', () => {
    const strings = JSON.parse(readFileSync(new URL('locales/en.default.schema.json', extension), 'utf8'));
    const keys = [...JSON.stringify(schema).matchAll(/"t:([\w.]+)"/g)].map((m) => m[1]!);
    assert.ok(keys.length > 10);
    for (const key of keys) assert.equal(typeof key.split('.').reduce<any>((node, part) => node?.[part], strings), 'string', key);
  });

  it('declares a theme app extension', () => {
    const toml = readFileSync(new URL('shopify.extension.toml', extension), 'utf8');
    assert.match(toml, /^type\s*=\s*"theme"\s*$/m);
    assert.match(toml, /^name\s*=\s*".+"\s*$/m);
  });
});
