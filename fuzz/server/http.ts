/**
 * Hostile HTTP requests on every route the server registers (enumerated from the server itself,
 * `registeredRoutes`). Each route has an entry in `ROUTE_FUZZ` saying where its real values come
 * from; a route without one fails the coverage check (`uncoveredRoutes`), so a new route joins the
 * fuzz as soon as it is registered. A HEAD route is fuzzed by its GET route's entry point.
 *
 * Every case: a status in 200..499 (never a 5xx, never a dropped connection); a 4xx carries
 * `{error:{code,message}}` (apiErrorSchema) as JSON; a refused request leaves every database
 * table as it was (digest.ts). Between batches: `/healthz` and an authenticated request answer.
 */
import http from 'node:http';
import fc from 'fast-check';
import { apiErrorSchema } from '../../src-shared/api/common.js';
import type { EntryPoint, FuzzOptions, Suite, SuiteInstance } from '../harness.js';
import { violation } from '../harness.js';
import type { RegisteredRoute } from '../../src-server/http/route-table.js';
import { openDatabaseDigest } from './digest.js';
import { FUZZ_BODY_LIMIT, startServerFixtures, type ServerFixtures } from './fixtures.js';
import {
  contentType,
  extraHeaders,
  garbageAuthorization,
  garbageBody,
  hostileQuery,
  hostileSegment,
  mutatedJson,
  printablePath,
  type JsonObject,
} from './generators.js';

export interface RouteFuzz {
  /** Real values of each path parameter. */
  params?: Record<string, (f: ServerFixtures) => string[]>;
  /** Valid query strings (with `?`). */
  queries?: string[];
  /** Destructive for the shared fixtures: the owner's full tokens are never sent. */
  destructive?: boolean;
  /** A WebSocket route: fuzzed as plain HTTP here (426), its frames by the WebSocket suite. */
  websocket?: boolean;
}

const workspaceId = { workspaceId: (f: ServerFixtures) => f.ids.workspaces };
const identityId = { identityId: (f: ServerFixtures) => f.ids.identities };

/** One entry per registered route (`METHOD url`, HEAD excluded: its GET covers it). */
export const ROUTE_FUZZ: Record<string, RouteFuzz> = {
  'GET /healthz': {},
  'GET /metrics': {},
  'GET /v1/server': {},
  'POST /v1/auth/challenge': {},
  'POST /v1/auth/login': {},
  'GET /v1/auth/tokens': {},
  'POST /v1/auth/tokens': {},
  'DELETE /v1/auth/tokens/current': {},
  'GET /v1/auth/tokens/current': {},
  'DELETE /v1/auth/tokens/:tokenId': { params: { tokenId: (f) => f.ids.tokens } },
  'POST /v1/identities': {},
  'GET /v1/identities/:identityId': { params: identityId },
  'GET /v1/identities/:identityId/devices': { params: identityId },
  'POST /v1/identities/:identityId/devices': { params: identityId },
  'POST /v1/identities/:identityId/devices/:deviceId/revoke': {
    params: { ...identityId, deviceId: (f) => f.ids.devices },
  },
  'GET /v1/workspaces': {},
  'POST /v1/workspaces': {},
  'DELETE /v1/workspaces/:workspaceId': { params: workspaceId, destructive: true },
  'GET /v1/workspaces/:workspaceId': { params: workspaceId },
  'GET /v1/workspaces/:workspaceId/log': {
    params: workspaceId,
    queries: ['?from=0', '?from=1&limit=1', '?limit=1000', '?from=3'],
  },
  'POST /v1/workspaces/:workspaceId/log': { params: workspaceId },
  'POST /v1/workspaces/:workspaceId/store/records': { params: workspaceId },
  'POST /v1/workspaces/:workspaceId/store/commit': { params: workspaceId },
  'GET /v1/events': { websocket: true },
  'GET /v1/password-access': { websocket: true },
};

export const routeKey = (route: RegisteredRoute) =>
  `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;

/** Registered routes that have no generator (the coverage check wants none). */
export function uncoveredRoutes(routes: RegisteredRoute[]): string[] {
  return [...new Set(routes.map(routeKey))].filter((key) => !(key in ROUTE_FUZZ));
}

export interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Index into the fixtures' token list, resolved when sent (tokens are refreshed). */
  token?: number;
  body: Buffer | undefined;
}

interface Received {
  status: number;
  contentType: string;
  body: string;
}

export function send(
  url: string,
  agent: http.Agent,
  request: Sent,
  token?: string,
): Promise<Received> {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string> = { ...request.headers };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers['content-length'] = String(request.body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port: Number(port),
        method: request.method,
        path: request.path,
        headers,
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
    req.end(request.body);
  });
}

function requestArbitrary(
  route: RegisteredRoute,
  spec: RouteFuzz,
  f: ServerFixtures,
  otherMethods: string[],
): fc.Arbitrary<Sent> {
  const segments = route.url.split('/');
  const pathArb = fc
    .tuple(
      ...segments.map((segment) => {
        if (!segment.startsWith(':')) return fc.constant(segment);
        const real = spec.params?.[segment.slice(1)]?.(f) ?? [];
        return real.length > 0
          ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...real) }, hostileSegment)
          : hostileSegment;
      }),
    )
    .map((parts) => parts.join('/'));
  const query = fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    ...(spec.queries ? [{ weight: 2, arbitrary: fc.constantFrom(...spec.queries) }] : []),
    { weight: 2, arbitrary: hostileQuery },
  );
  const path = fc
    .tuple(
      pathArb,
      fc.oneof({ weight: 12, arbitrary: fc.constant('') }, fc.constantFrom('/', '//', '/x', '%20')),
      query,
    )
    .map(([p, suffix, q]) => p + suffix + q)
    .filter(printablePath);
  const method = fc.oneof(
    { weight: 16, arbitrary: fc.constant(route.method) },
    ...(route.method === 'GET' ? [fc.constant('HEAD')] : []),
    ...(otherMethods.length > 0 ? [fc.constantFrom(...otherMethods)] : []),
  );
  const usable = f.tokens
    .map((_t, i) => i)
    .filter((i) => !(spec.destructive && f.ownerTokenIndexes.includes(i)));
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...usable).map((token) => ({ token })) },
    { weight: 2, arbitrary: fc.constant({}) },
    garbageAuthorization.map((authorization) => ({ authorization })),
  );
  const templates: JsonObject[] = [
    ...f.captured
      .filter((c) => c.route === route.url && c.method === route.method)
      .map((c) => c.body),
    ...(f.bodies[`${route.method} ${route.url}`] ?? []),
  ];
  const isBodyRoute = route.method === 'POST';
  const body: fc.Arbitrary<Buffer | undefined> = fc.oneof(
    { weight: isBodyRoute ? 1 : 8, arbitrary: fc.constant(undefined) },
    ...(templates.length > 0
      ? [
          {
            weight: 6,
            arbitrary: fc
              .constantFrom(...templates)
              .chain(mutatedJson)
              .map((b) => Buffer.from(JSON.stringify(b))),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom(...templates).map((b) => Buffer.from(JSON.stringify(b))),
          },
        ]
      : []),
    { weight: isBodyRoute ? 4 : 1, arbitrary: garbageBody(FUZZ_BODY_LIMIT) },
  );
  const websocketHeaders = spec.websocket
    ? fc.option(
        // No `Upgrade` header: Node's HTTP client cannot read a refused upgrade's answer (the
        // WebSocket suite sends those over raw sockets).
        fc.record({
          connection: fc.constantFrom('keep-alive', 'close'),
          'sec-websocket-version': fc.constantFrom('13', '8', 'x'),
          'sec-websocket-key': fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', 'short', ''),
        }),
        { nil: undefined },
      )
    : fc.constant(undefined);
  return fc
    .record({
      method,
      path,
      auth,
      contentType: fc.option(contentType, { nil: undefined, freq: 3 }),
      extra: extraHeaders,
      body,
      websocketHeaders,
    })
    .map(
      ({ method: m, path: p, auth: a, contentType: ct, extra, body: b, websocketHeaders: wh }) => {
        // A real upgrade is the WebSocket suite's job; here the plain-HTTP answers (426, 400).
        const headers: Record<string, string> = { ...extra, ...(wh ?? {}) };
        if (ct !== undefined && (b !== undefined || isBodyRoute)) headers['content-type'] = ct;
        if ('authorization' in a) headers.authorization = a.authorization;
        return {
          method: m,
          path: p,
          headers,
          ...('token' in a ? { token: a.token } : {}),
          body: b,
        };
      },
    );
}

export function checkResponse(request: Sent, response: Received): void {
  const context = `${request.method} ${request.path.slice(0, 160)} → ${response.status} ${response.body.slice(0, 300)}`;
  if (response.status === 0) violation(`no answer (dropped connection): ${context}`);
  if (response.status >= 500) violation(`server error: ${context}`);
  if (response.status < 200) violation(`unexpected status: ${context}`);
  if (response.status >= 400 && request.method !== 'HEAD') {
    if (!response.contentType.includes('application/json')) {
      violation(`error without a JSON body (${response.contentType}): ${context}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      violation(`error body is not JSON: ${context}`);
    }
    if (!apiErrorSchema.safeParse(parsed).success) {
      violation(`error body does not match {error:{code,message}}: ${context}`);
    }
  }
}

async function setupHttp(options: FuzzOptions): Promise<SuiteInstance> {
  const f = await startServerFixtures(options.postgres);
  const digest = await openDatabaseDigest(f.server.opened);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const missing = uncoveredRoutes(f.routes);
  if (missing.length > 0) {
    await f.close();
    throw new Error(
      `routes without a fuzz generator (add them to ROUTE_FUZZ): ${missing.join(', ')}`,
    );
  }
  const methodsByUrl = new Map<string, Set<string>>();
  for (const r of f.routes) {
    const set = methodsByUrl.get(r.url) ?? new Set<string>();
    set.add(r.method);
    methodsByUrl.set(r.url, set);
  }
  let last = await digest.digest();
  const entryPoints: EntryPoint[] = f.routes
    .filter((r) => r.method !== 'HEAD')
    .map((route): EntryPoint<Sent> => {
      const spec = ROUTE_FUZZ[routeKey(route)]!;
      const allowed = methodsByUrl.get(route.url) ?? new Set<string>();
      const others = [
        'GET',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
      ].filter((m) => !allowed.has(m));
      return {
        name: `http ${route.method} ${route.url}`,
        weight: route.method === 'POST' ? 3 : 2,
        arbitrary: requestArbitrary(route, spec, f, others),
        async check(request) {
          const token = request.token === undefined ? undefined : f.tokens[request.token];
          const response = await send(f.server.url, agent, request, token);
          checkResponse(request, response);
          const now = await digest.digest();
          if (response.status >= 400 && now !== last) {
            last = now;
            violation(
              `a refused request (${response.status} ${response.body.slice(0, 200)}) changed the database: ${request.method} ${request.path.slice(0, 160)}`,
            );
          }
          last = now;
        },
      };
    });
  return {
    entryPoints,
    async probe() {
      const health = await f.server.api.get('/healthz');
      if (health.status !== 200)
        violation(`the server stopped serving: /healthz → ${health.status}`);
      await f.refreshTokens();
      const current = await f.server.api.get('/v1/auth/tokens/current', { token: f.tokens[0] });
      if (current.status !== 200) {
        violation(`an authenticated request failed after the batch: ${current.status}`);
      }
      const metrics = await f.server.api.get('/metrics');
      if (/status="5\d\d"/.test(metrics.text)) violation('the metrics count a 5xx answer');
      last = await digest.digest();
    },
    async close() {
      agent.destroy();
      await digest.close();
      await f.close();
    },
  };
}

export const httpSuite: Suite = { name: 'server-http', weight: 25, setup: setupHttp };
