import fc from 'fast-check';

/**
 * Hostile bodies for the webhook and import fuzz tests, built from the real
 * fixtures of each source: cut short, made invalid UTF-8, reshaped (a value
 * of the wrong type, a deleted key), nested past any sane depth, stuffed
 * with huge strings and numbers, or carrying prototype-pollution keys. Each
 * comes with the name of what was done to it, so a failing case says what
 * kind of input broke the handler.
 */

const encoder = new TextEncoder();

export interface HostileBody {
  kind: string;
  bytes: Uint8Array<ArrayBuffer>;
}

const bytesOf = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text) as Uint8Array<ArrayBuffer>;

/** Byte sequences no UTF-8 decoder accepts: lone continuation bytes, overlongs, surrogates, bytes past U+10FFFF, a cut-off sequence. */
const INVALID_UTF8: number[][] = [[0x80], [0xbf], [0xc0, 0xaf], [0xc3, 0x28], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xfe, 0xff], [0xe2, 0x82]];

/** Raw JSON text a JS value cannot be stringified to: numbers beyond a double, negative zero, exponents past Infinity. */
const HOSTILE_NUMBERS = ['1e400', '-1e400', '-0', '123456789012345678901234567890123456789', '0.0000000000000000000000000000001', '1E+308', '9007199254740993', '-9223372036854775809'];

/** A value to put in place of a fixture's field; `raw` values are spliced in as JSON text (see `withRaw`). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, '', [], {}, 'null', 'undefined', '0', 'NaN') },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS).map((text) => ({ raw: text })) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 400_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 5_000 }).map((n) => ({ raw: '['.repeat(n) + ']'.repeat(n) })) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => ({ raw: `{"${key}":{"polluted":"yes","toString":1,"prototype":{"polluted":"yes"}}}` })) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\u202e', '<script>alert(1)</script>', "'; drop table profiles; --", '\\u0000').map((s) => s.repeat(3)) },
);

type Path = (string | number)[];

/** Every path to a value in a parsed fixture (the root included), so a mutation can land anywhere. */
function pathsOf(value: unknown, path: Path = [], into: Path[] = []): Path[] {
  into.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], into));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], into);
  return into;
}

/** The fixture with the value at `path` replaced (or deleted when `replacement` is DELETE); raw JSON text goes in through placeholders. */
function mutate(document: unknown, path: Path, replacement: unknown): string {
  const raws: string[] = [];
  const place = (value: unknown) => {
    if (value && typeof value === 'object' && 'raw' in value && typeof (value as { raw: unknown }).raw === 'string') {
      raws.push((value as { raw: string }).raw);
      return `\u0001RAW${raws.length - 1}\u0001`;
    }
    return value;
  };
  const copy = structuredClone(document);
  let target: unknown = copy;
  if (path.length === 0) {
    if (replacement === DELETE) return '';
    target = place(replacement);
  }
  else {
    let parent = copy as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (replacement === DELETE) {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else parent[last] = place(replacement);
  }
  return JSON.stringify(target).replace(/"\\u0001RAW(\d+)\\u0001"/g, (_, i) => raws[Number(i)]!);
}

const DELETE = Symbol('delete');

/** Ways to damage one fixture text: every body here is something a buggy or hostile sender could send. */
export function damagedFixture(texts: string[], options: { json: boolean } = { json: true }): fc.Arbitrary<HostileBody> {
  const text = fc.constantFrom(...texts);
  const truncated = text.chain((t) => fc.integer({ min: 0, max: Math.max(0, t.length - 1) }).map((n) => ({ kind: 'truncated', bytes: bytesOf(t.slice(0, n)) })));
  const invalidUtf8 = fc
    .tuple(text, fc.constantFrom(...INVALID_UTF8), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([t, bad, at]) => {
      const whole = bytesOf(t);
      const cut = Math.floor(at * whole.length);
      const bytes = new Uint8Array(whole.length + bad.length);
      bytes.set(whole.subarray(0, cut));
      bytes.set(bad, cut);
      bytes.set(whole.subarray(cut), cut + bad.length);
      return { kind: 'invalid-utf8', bytes };
    });
  const byteNoise = fc.tuple(text, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([t, flips]) => {
    const bytes = bytesOf(t);
    for (const [at, byte] of flips) bytes[Math.floor(at * (bytes.length - 1))] = byte;
    return { kind: 'flipped-bytes', bytes };
  });
  if (!options.json) return fc.oneof(truncated, invalidUtf8, byteNoise);

  const documents = texts.map((t) => JSON.parse(t) as unknown);
  const mutated = fc
    .integer({ min: 0, max: documents.length - 1 })
    .chain((i) => {
      const paths = pathsOf(documents[i]);
      return fc.tuple(fc.constant(documents[i]), fc.constantFrom(...paths), fc.oneof({ weight: 5, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant(DELETE) }));
    })
    .map(([doc, path, value]) => ({ kind: value === DELETE ? 'field-deleted' : 'field-replaced', bytes: bytesOf(mutate(doc, path, value)) }));
  return fc.oneof({ weight: 2, arbitrary: truncated }, { weight: 1, arbitrary: invalidUtf8 }, { weight: 1, arbitrary: byteNoise }, { weight: 5, arbitrary: mutated });
}

/** Bodies that owe nothing to the fixtures: JSON of any shape, deep nesting, pollution keys, huge values, not JSON at all. */
export const strangerBody: fc.Arbitrary<HostileBody> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'wrong-shape', bytes: bytesOf(JSON.stringify(v) ?? 'null') })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('[', '{"a":')).map(([n, open]) => ({
      kind: 'deep-nesting',
      bytes: bytesOf(open.repeat(n) + '1' + (open === '[' ? ']' : '}').repeat(n)),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
      '[{"__proto__":{"isAdmin":true}}]',
      '{"entry":[{"__proto__":{"id":"1"},"id":"__proto__"}],"object":"__proto__"}',
      '{"client_key":"__proto__","event":"constructor","create_time":1,"user_openid":"toString"}',
      '{"for_user_id":"__proto__","__proto__":[]}',
      '{"event":"__proto__","payload":{"constructor":{"prototype":{"polluted":"yes"}}}}',
    ).map((t) => ({ kind: 'prototype-keys', bytes: bytesOf(t) })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS).map((t) => ({ kind: 'huge-number', bytes: bytesOf(t) })) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 4_000_000 }).map((n) => ({ kind: 'huge-string', bytes: bytesOf(JSON.stringify({ id: 'a'.repeat(n) })) })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((b) => ({ kind: 'random-bytes', bytes: new Uint8Array(b) as Uint8Array<ArrayBuffer> })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((s) => ({ kind: 'random-text', bytes: bytesOf(s) })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n', 'null', '[]', '{}', '""', '<?xml version="1.0"?><feed/>', 'a=1&b=2').map((t) => ({ kind: 'tiny', bytes: bytesOf(t) })) },
);

/** A content type the sender claims: the handlers read the bytes, never trust this. */
export const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/atom+xml', 'application/octet-stream', '', 'application/json; charset=latin1');

/** Whether a body parses as JSON (some answers depend on it: no account to route an unparseable body to). */
export function parsesAsJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}
