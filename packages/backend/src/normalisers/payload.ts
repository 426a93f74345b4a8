/**
 * Reading untrusted JSON payloads: the few checks every social normaliser
 * makes on a field before trusting it. Pure; no field is ever coerced into
 * something it does not say.
 */

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A non-empty string, trimmed; anything else is absent. */
export const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/**
 * A platform id as a string. Ids arrive as strings (Meta, X's `id_str`) and
 * sometimes as numbers; a number beyond 2^53 has already lost digits in
 * JSON.parse, so it is refused rather than linked on.
 */
export function idString(value: unknown): string | null {
  if (typeof value === 'string') return /^[\w.:-]{1,200}$/.test(value.trim()) ? value.trim() : null;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  return null;
}

/** A Unix time in seconds or milliseconds (platforms use both), as ISO 8601; null when it is not one. */
export function epochTime(value: unknown): string | null {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) return null;
  // Seconds until the year 33658; anything larger is milliseconds.
  const time = new Date(number < 1e12 ? number * 1000 : number);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/** A date-time string with its offset (or a Z), as ISO 8601; null otherwise. */
export function isoTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/** A social handle in canonical form: trimmed, without the leading @, lower-cased (as tessera.normalise_identity keeps it). */
export function toHandle(value: unknown): string | null {
  const handle = text(value)?.replace(/^@+/, '').toLowerCase();
  return handle && /^[\p{L}\p{N}._-]{1,100}$/u.test(handle) ? handle : null;
}

/** Keys of a payload object a normaliser does not know, prefixed with where they were found. */
export const unknownKeys = (payload: Json, known: ReadonlySet<string>, prefix = ''): string[] =>
  Object.keys(payload).filter((key) => !known.has(key)).map((key) => prefix + key);
