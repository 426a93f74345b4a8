import { normaliseKajabi } from './kajabi.ts';
import { normaliseKajabiImport } from './kajabi-import.ts';
import { normaliseMeta } from './meta.ts';
import type { Normaliser } from './record.ts';
import { normaliseShopify } from './shopify.ts';
import { normaliseShopifyImport } from './shopify-import.ts';
import { normaliseSocialImport } from './social-import.ts';
import { normaliseTikTok } from './tiktok.ts';
import { normaliseX } from './x.ts';
import { normaliseYouTube } from './youtube.ts';

/** One normaliser per source, keyed by the raw event's `source`. */
export const normalisers: Record<string, Normaliser> = {
  // Rows of Shopify exports (`tessera import`) have topics import/*; webhooks have Shopify's own.
  shopify: (delivery) => (delivery.topic.startsWith('import/') ? normaliseShopifyImport(delivery) : normaliseShopify(delivery)),
  // Rows of Kajabi exports (`tessera import kajabi`) have topics import/*; webhooks have Kajabi's event names.
  kajabi: (delivery) => (delivery.topic.startsWith('import/') ? normaliseKajabiImport(delivery) : normaliseKajabi(delivery)),
  meta: normaliseMeta,
  tiktok: normaliseTikTok,
  x: normaliseX,
  youtube: normaliseYouTube,
  social_import: normaliseSocialImport,
};

/** Sources whose stored bodies are not JSON (YouTube's Atom XML): their normaliser is given the text. */
export const textBodies: ReadonlySet<string> = new Set(['youtube']);
