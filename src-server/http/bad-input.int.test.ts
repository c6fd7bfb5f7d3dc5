/**
 * Hostile input against a running server: thousands of generated requests — random methods,
 * paths (known routes with garbage parameters, random and percent-encoded paths, long ones),
 * query strings, headers, and bodies (random JSON, deep nesting, huge strings, raw bytes,
 * valid requests with mutated fields). Every answer must be a well-formed JSON error (4xx) or a
 * success; never a 5xx, never a dropped connection, with two exceptions where the client itself
 * ended the exchange: bytes that start no request (only empty lines) then the client's close, and
 * a well-formed request whose client half-closed before the answer was ready (Node's HTTP server
 * aborts the requests of a client that ended its side; the raw client below always does, so a
 * route that waits on the database — PostgreSQL — can lose that race). Garbage is always
 * answered; and the server must keep serving.
 * The fuzz harness (fuzz/, `npm run fuzz`) covers every route, both WebSockets, the IPC channels
 * and the parsed files; this file keeps the raw-socket and framework-level cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import http from 'node:http';
import { apiErrorSchema } from '../../src-shared/api/common.js';
import { useTestBackends } from '../test/backends.js';
import {
  challenge,
  loginBody,
  newTestDevice,
  newTestIdentity,
  register,
  registeredUser,
  registrationBody,
  revocationBody,
} from '../test/client.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { rawRequest } from '../test/raw.js';
import { garbageBody } from '../../fuzz/server/generators.js';

const backends = useTestBackends();

const RUNS = Number(process.env.BACKBONE_FUZZ_RUNS ?? 2000);
const BODY_LIMIT = 16 * 1024;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface Received {
  status: number;
  contentType: string;
  body: string;
}

function send(url: string, agent: http.Agent, request: Sent): Promise<Received> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port: Number(port),
        method: request.method,
        path: request.path,
        headers:
          request.body === undefined
            ? request.headers
            : { ...request.headers, 'content-length': String(request.body.length) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
    if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}

// --- generators ----------------------------------------------------------------------------

const b64 = (length: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));

const segment = fc.oneof(
  fc.webSegment(),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('..', '.', '%00', '%', '%zz', '%E0%A4%A', '%2F', ';', '*', ':id', '~', '%C0%AF'),
  b64(43),
  b64(22),
  fc.stringMatching(/^bb1[a-z2-7]{32}$/),
  fc.constantFrom('current', 'challenge', 'login', 'tokens', 'devices', 'revoke', 'server'),
  fc.string({ minLength: 100, maxLength: 400 }).map(encodeURIComponent),
);

const routePath = fc.oneof(
  fc.constantFrom(
    '/healthz',
    '/metrics',
    '/v1/server',
    '/v1/auth/challenge',
    '/v1/auth/login',
    '/v1/auth/tokens',
    '/v1/auth/tokens/current',
    '/v1/identities',
  ),
  segment.map((s) => `/v1/auth/tokens/${s}`),
  segment.map((s) => `/v1/identities/${s}`),
  segment.map((s) => `/v1/identities/${s}/devices`),
  fc.tuple(segment, segment).map(([a, b]) => `/v1/identities/${a}/devices/${b}/revoke`),
  fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`),
  fc.array(segment, { maxLength: 4 }).map((parts) => `/v1/${parts.join('/')}`),
  fc.webPath(),
);

const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  fc.webQueryParameters().map((q) => (q ? `?${q}` : '')),
  fc.string({ maxLength: 50 }).map((q) => `?${encodeURIComponent(q)}`),
  fc.constantFrom('?', '?v=1', '?a=1&a=2', '?__proto__[x]=1', '?constructor=1', '?%zz'),
);

const path = fc
  .tuple(routePath, query)
  .map(([p, q]) => (p.startsWith('/') ? p : `/${p}`) + q)
  .filter((p) => /^[\x21-\x7e]*$/.test(p)); // what an HTTP client can put on the request line

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
  fc.constantFrom('PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'MKCOL', 'PURGE'),
);

const headerValue = fc
  .string({ maxLength: 60 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, ''))
  .filter((s) => s === s.trim());

const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/json') },
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
  ),
  headerValue,
);

const authorization = fc.oneof(
  b64(43).map((t) => `Bearer bbt1.${t}`),
  fc.string({ maxLength: 80 }).map((t) => `Bearer ${t.replace(/[^\x21-\x7e]/g, 'x')}`),
  headerValue,
  fc.constantFrom('Bearer', 'Bearer ', 'bearer bbt1.', 'Basic YTpi', 'Bearer bbt1..', 'Token x'),
);

const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);

/** Valid request bodies (made against the live server) that the fuzzer mutates. */
interface Templates {
  bodies: Record<string, unknown>[];
  /** Valid requests (route + body) to mutate in place. */
  routes: { method: string; path: string; body: Record<string, unknown> }[];
}

type JsonObject = Record<string, unknown>;

function mutate(body: unknown, path: string[], replacement: unknown, drop: boolean): unknown {
  if (path.length === 0 || body === null || typeof body !== 'object') return replacement;
  const copy: JsonObject = Array.isArray(body)
    ? ({ ...body } as JsonObject)
    : { ...(body as JsonObject) };
  const [key, ...rest] = path;
  if (key === undefined) return replacement;
  if (rest.length === 0 && drop) delete copy[key];
  else copy[key] = mutate(copy[key], rest, replacement, drop);
  return copy;
}

function keyPaths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value !== null && typeof value === 'object' && prefix.length < 4) {
    for (const [key, child] of Object.entries(value as JsonObject)) {
      out.push([...prefix, key]);
      keyPaths(child, [...prefix, key], out);
    }
  }
  return out;
}

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(null, 0, -1, 1.5, 2, 1e300, '', 'A'.repeat(5000), [], {}, true),
  b64(43),
  b64(86),
);

/** A template body with one field replaced (or dropped) somewhere inside. */
function mutatedBody(template: Record<string, unknown>) {
  return fc.tuple(fc.nat(), replacement, fc.boolean()).map(([index, value, drop]) => {
    const paths = keyPaths(template);
    const at = paths[index % Math.max(1, paths.length)] ?? [];
    return Buffer.from(JSON.stringify(mutate(template, at, value, drop)));
  });
}

function bodyArbitrary(templates: Templates) {
  const mutated = fc.constantFrom(...templates.bodies).chain(mutatedBody);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: mutated },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...templates.bodies).map((b) => Buffer.from(JSON.stringify(b))),
    },
    // Bodies no route wants, oversized ones included: the fuzz harness's generator.
    { weight: 9, arbitrary: garbageBody(BODY_LIMIT) },
  );
}

/** Valid routes with one field of their valid body broken: reaches every route's checks. */
function targetedArbitrary(templates: Templates, tokens: string[]) {
  return fc
    .tuple(
      fc.constantFrom(...templates.routes),
      fc.option(fc.constantFrom(...tokens), { nil: undefined }),
    )
    .chain(([route, token]) =>
      mutatedBody(route.body).map((body): Sent => ({
        method: route.method,
        path: route.path,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      })),
    );
}

function requestArbitrary(templates: Templates, tokens: string[]) {
  return fc.oneof(
    { weight: 2, arbitrary: targetedArbitrary(templates, tokens) },
    { weight: 3, arbitrary: randomRequestArbitrary(templates, tokens) },
  );
}

function randomRequestArbitrary(templates: Templates, tokens: string[]) {
  return fc
    .record({
      method,
      path,
      contentType: fc.option(contentType, { nil: undefined }),
      authorization: fc.option(
        fc.oneof(
          { weight: 2, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
          authorization,
        ),
        { nil: undefined },
      ),
      extra: fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
      body: bodyArbitrary(templates),
    })
    .map(({ method: m, path: p, contentType: ct, authorization: auth, extra, body }): Sent => {
      const headers: Record<string, string> = { ...extra };
      if (ct !== undefined) headers['content-type'] = ct;
      if (auth !== undefined) headers.authorization = auth;
      return { method: m, path: p, headers, body };
    });
}

function check(request: Sent, response: Received): void {
  const context = `${request.method} ${request.path.slice(0, 120)} → ${response.status} ${response.body.slice(0, 200)}`;
  expect(response.status, context).toBeGreaterThanOrEqual(200);
  expect(response.status, context).toBeLessThan(500);
  if (response.status >= 400 && request.method !== 'HEAD') {
    expect(response.contentType, context).toContain('application/json');
    const parsed = apiErrorSchema.safeParse(JSON.parse(response.body));
    expect(parsed.success, context).toBe(true);
  }
}

describe.each(backends)('bad input ($name)', (backend) => {
  let server: TestServer;
  let agent: http.Agent;
  let templates: Templates;
  let tokens: string[];

  beforeAll(async () => {
    server = await startTestServer(backend, { config: { bodyLimit: BODY_LIMIT } });
    agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const alice = await registeredUser(server.api, 'Alice');
    const bob = newTestIdentity('Bob');
    const phone = newTestDevice(alice.user, 'phone');
    const limited = await server.api.post<{ token: string }>(
      '/v1/auth/tokens',
      { v: 1, scopes: ['STORE_USE'] },
      { token: alice.token },
    );
    tokens = [alice.token, limited.body.token];
    const bodies: JsonObject[] = [
      registrationBody(bob),
      { v: 1, certificate: phone.certificate },
      revocationBody(alice.user, phone),
      { v: 1, scopes: ['STORE_USE'], ttlSeconds: 600, label: 'x', workspaceId: 'w' },
      { v: 1 },
    ];
    for (let i = 0; i < 5; i++) {
      bodies.push(loginBody(alice.user, await challenge(server.api), { ttlSeconds: 3600 }));
    }
    const bobPhone = newTestDevice(alice.user, 'tablet');
    const logins = bodies.slice(5) as JsonObject[];
    templates = {
      bodies,
      routes: [
        { method: 'POST', path: '/v1/identities', body: registrationBody(bob) },
        {
          method: 'POST',
          path: `/v1/identities/${alice.user.id}/devices`,
          body: { v: 1, certificate: bobPhone.certificate },
        },
        {
          method: 'POST',
          path: `/v1/identities/${alice.user.id}/devices/${phone.id}/revoke`,
          body: revocationBody(alice.user, phone),
        },
        { method: 'POST', path: '/v1/auth/tokens', body: { v: 1, scopes: ['STORE_USE'] } },
        { method: 'POST', path: '/v1/auth/challenge', body: { v: 1 } },
        ...logins.map((body) => ({ method: 'POST', path: '/v1/auth/login', body })),
      ],
    };
    const other = newTestIdentity('Carol');
    await register(server.api, other);
  });

  afterAll(async () => {
    agent.destroy();
    await server.close();
  });

  it(`answers ${RUNS} generated hostile requests with 4xx JSON errors (or success), never 5xx`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(templates, tokens), async (request) => {
        const response = await send(server.url, agent, request);
        check(request, response);
        const code =
          response.status >= 400 && request.method !== 'HEAD'
            ? `${response.status} ${apiErrorSchema.parse(JSON.parse(response.body)).error.code}`
            : String(response.status);
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The generator reaches deep into the server, not just its 404 handler.
    if (process.env.BACKBONE_FUZZ_STATS) console.log([...seen].sort());
    if (RUNS >= 1000) {
      for (const status of [
        '201',
        '400 INVALID_REQUEST',
        '400 INVALID_JSON',
        '401 AUTH_CHALLENGE_INVALID',
        '403 SIGNATURE_INVALID',
        '404 NOT_FOUND',
        '405 METHOD_NOT_ALLOWED',
        '413 PAYLOAD_TOO_LARGE',
        '415 UNSUPPORTED_MEDIA_TYPE',
      ]) {
        expect(seen.get(status) ?? 0, status).toBeGreaterThan(0);
      }
    }
  }, 120_000);

  it('answers garbage bytes on the socket with a JSON 4xx, never 5xx, never a silent close for garbage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
          fc
            .tuple(method, fc.string({ maxLength: 50 }), fc.string({ maxLength: 100 }))
            .map(([m, p, h]) => Buffer.from(`${m} /${p} HTTP/1.1\r\n${h}\r\n\r\n`)),
          fc
            .string({ maxLength: 100 })
            .map((h) => Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\n${h}\r\n\r\n`)),
        ),
        async (bytes) => {
          const response = await rawRequest(server.url, bytes, { timeoutMs: 15_000 });
          // Only bytes that start no request (empty lines, which HTTP/1.1 ignores before a
          // request line) followed by the client's close go unanswered.
          const text = bytes.toString('latin1');
          if (/^[\r\n]*$/.test(text)) return;
          // A well-formed request the client half-closed: the answer may be aborted (see above).
          if (
            response.status === 0 &&
            /^[A-Z]+ \/\S* HTTP\/1\.1\r\n(?:[^\r\n]+\r\n)*\r\n/.test(text)
          ) {
            return;
          }
          expect(response.status, JSON.stringify(bytes.toString('latin1'))).toBeGreaterThanOrEqual(
            200,
          );
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400 && response.body) {
            expect(apiErrorSchema.safeParse(JSON.parse(response.body)).success).toBe(true);
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 10), endOnFailure: true },
    );
  });

  it('keeps serving afterwards: healthz and a real login still work', async () => {
    expect((await server.api.get('/healthz')).status).toBe(200);
    const { token } = await registeredUser(server.api, 'Dave');
    expect((await server.api.get('/v1/auth/tokens/current', { token })).status).toBe(200);
    const metrics = await server.api.get('/metrics');
    expect(metrics.text).not.toMatch(/status="5\d\d"/);
  });
});
