/**
 * Hostile pieces of HTTP requests: path segments, queries, headers, bodies, and the mutation of
 * a valid JSON body (one field replaced or dropped, anywhere inside).
 */
import fc from 'fast-check';

export type JsonObject = Record<string, unknown>;

export const b64 = (length: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));

/** Path segments that are wrong in every way a parameter can be. */
export const hostileSegment = fc.oneof(
  fc.webSegment(),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom(
    '..',
    '.',
    '%2E%2E',
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    '%',
    '%zz',
    '%E0%A4%A',
    '%2F',
    ';',
    '*',
    ':id',
    '~',
    '%C0%AF',
    '0',
    '-1',
    '9007199254740993',
    '1e400',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    'ws_',
    'WS_MAIN',
  ),
  b64(43),
  b64(22),
  fc.stringMatching(/^bb1[a-z2-7]{32}$/),
  fc.stringMatching(/^[a-z0-9_-]{1,64}$/),
  fc.string({ minLength: 150, maxLength: 400 }).map(encodeURIComponent),
);

export const hostileQuery = fc.oneof(
  fc.webQueryParameters().map((q) => (q ? `?${q}` : '')),
  fc.string({ maxLength: 50 }).map((q) => `?${encodeURIComponent(q)}`),
  fc.constantFrom(
    '?',
    '?v=1',
    '?a=1&a=2',
    '?__proto__[x]=1',
    '?constructor=1',
    '?%zz',
    '?from=-1',
    '?from=1e400',
    '?from=99999999999999999999',
    '?limit=0',
    '?limit=100000',
    '?from=1&from=2',
    '?limit=%00',
  ),
);

/** What an HTTP client can put on the request line. */
export const printablePath = (p: string) => /^[\x21-\x7e]*$/.test(p);

export const headerValue = fc
  .string({ maxLength: 60 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, ''))
  .filter((s) => s === s.trim());

export const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/jsonx',
    'application/json-patch+json',
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=abc',
    'application/octet-stream',
    '*/*',
    '',
  ),
  headerValue,
);

export const garbageAuthorization = fc.oneof(
  b64(43).map((t) => `Bearer bbt1.${t}`),
  fc.string({ maxLength: 80 }).map((t) => `Bearer ${t.replace(/[^\x21-\x7e]/g, 'x')}`),
  headerValue,
  fc.constantFrom('Bearer', 'Bearer ', 'bearer bbt1.', 'Basic YTpi', 'Bearer bbt1..', 'Token x'),
);

export const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue, {
  maxKeys: 3,
});

const deepJson = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : '}';
    return open.repeat(depth) + '1' + close.repeat(depth);
  });

/** A value to put where a valid one was: wrong types, huge numbers, odd strings. */
export const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    null,
    0,
    -1,
    1.5,
    2,
    1e300,
    -1e300,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    'A'.repeat(5000),
    [],
    {},
    true,
    '../../etc/passwd',
    '\u0000',
    '\ud800',
    '=',
    '====',
    'bad base64!',
    'AAAA====',
    '\u202e\u200b',
  ),
  b64(43),
  b64(86),
  b64(44),
  fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString('base64')),
);

function mutate(body: unknown, path: string[], value: unknown, drop: boolean): unknown {
  if (path.length === 0 || body === null || typeof body !== 'object') return value;
  const copy: JsonObject = Array.isArray(body)
    ? ({ ...body } as JsonObject)
    : { ...(body as JsonObject) };
  const [key, ...rest] = path;
  if (key === undefined) return value;
  if (rest.length === 0 && drop) delete copy[key];
  else copy[key] = mutate(copy[key], rest, value, drop);
  return copy;
}

function keyPaths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value !== null && typeof value === 'object' && prefix.length < 6) {
    for (const [key, child] of Object.entries(value as JsonObject)) {
      out.push([...prefix, key]);
      keyPaths(child, [...prefix, key], out);
    }
  }
  return out;
}

/** `template` with one field replaced, dropped, or one extra field added. */
export function mutatedJson(template: JsonObject): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.nat(), replacement, fc.constantFrom('replace', 'drop', 'extra'))
    .map(([index, value, how]) => {
      const paths = keyPaths(template);
      const at = paths[index % Math.max(1, paths.length)] ?? [];
      if (how === 'extra') return mutate(template, [...at.slice(0, -1), '__extra'], value, false);
      return mutate(template, at, value, how === 'drop');
    });
}

/** Bodies that are not what any route wants (plus oversized ones). */
export function garbageBody(bodyLimit: number): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text)) },
    fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify({ v: 1, x: v }))),
    deepJson.map((text) => Buffer.from(text)),
    fc
      .integer({ min: bodyLimit - 50, max: bodyLimit * 2 })
      .map((n) => Buffer.from(JSON.stringify({ v: 1, pad: 'x'.repeat(n) }))),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
    fc
      .constantFrom(
        '',
        '{"__proto__":{"a":1}}',
        '{"constructor":{"prototype":{}}}',
        '{"v":1}{"v":1}',
        '\uFEFF{"v":1}',
        '{"v":1e400}',
        '{"v":-0}',
        '{"v":"1"}',
        '{"v":1,"v":2}',
        'null',
        '[]',
        '"\\ud800"',
        '{"v":1',
        '{"v":9007199254740993}',
      )
      .map((s) => Buffer.from(s)),
  );
}
