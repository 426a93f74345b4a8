import { normaliseKajabi } from './kajabi.ts';
import type { Normaliser } from './record.ts';
import { normaliseShopify } from './shopify.ts';

/** One normaliser per source, keyed by the raw event's `source`. */
export const normalisers: Record<string, Normaliser> = {
  shopify: normaliseShopify,
  kajabi: normaliseKajabi,
};
