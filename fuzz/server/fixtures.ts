/**
 * What the server fuzz needs to send valid-looking requests: a real server (test harness) with a
 * workspace made through the SDK — owner alice, member bob (STORE_USE, READ on `team`) — a few
 * store records, real identity/device/token/workspace ids, tokens derived from real logins, and
 * every request body the SDK sent while setting this up (captured from `fetch`), to mutate.
 */
import { generateSignKeyPair, randomBytes } from '../../src-shared/crypto/index.js';
import { BackboneClient } from '../../src-shared/sdk/client.js';
import type { ClientPrivateKey } from '../../src-shared/sdk/keys.js';
import { registeredRoutes, type RegisteredRoute } from '../../src-server/http/route-table.js';
import { useTestBackendsOutsideVitest } from './backends.js';
import {
  challenge,
  loginBody,
  newTestDevice,
  newTestIdentity,
  registeredUser,
  registrationBody,
  revocationBody,
  type TestIdentity,
} from '../../src-server/test/client.js';
import { startTestServer, type TestServer } from '../../src-server/test/harness.js';
import type { JsonObject } from './generators.js';

export const FUZZ_BODY_LIMIT = 64 * 1024;

export interface CapturedRequest {
  method: string;
  /** The registered route it matched (`/v1/workspaces/:workspaceId/log`). */
  route: string;
  body: JsonObject;
}

export interface ServerFixtures {
  server: TestServer;
  routes: RegisteredRoute[];
  /** Valid tokens the generators may send; replaced by `refreshTokens` (index stays stable). */
  tokens: string[];
  /** Tokens of the workspace owner with every scope (never used on destructive routes). */
  ownerTokenIndexes: number[];
  ids: {
    identities: string[];
    devices: string[];
    workspaces: string[];
    tokens: string[];
  };
  captured: CapturedRequest[];
  /** Extra valid bodies per route key (`POST /v1/identities`). */
  bodies: Record<string, JsonObject[]>;
  alice: TestIdentity;
  refreshTokens(): Promise<void>;
  close(): Promise<void>;
}

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Runs `work` with `fetch` recording every JSON request body it sends. */
async function capturing<T>(
  routes: RegisteredRoute[],
  out: CapturedRequest[],
  bearers: Set<string>,
  work: () => Promise<T>,
): Promise<T> {
  const original = globalThis.fetch;
  const patterns = routes.map((r) => ({ ...r, pattern: patternOf(r.url) }));
  globalThis.fetch = async (input, init) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input : input.url,
    );
    const method = (init?.method ?? 'GET').toUpperCase();
    const authorization = new Headers(init?.headers).get('authorization');
    if (authorization?.startsWith('Bearer ')) bearers.add(authorization.slice(7));
    const route = patterns.find((p) => p.method === method && p.pattern.test(url.pathname));
    if (route && typeof init?.body === 'string') {
      try {
        const body = JSON.parse(init.body) as unknown;
        if (body && typeof body === 'object' && !Array.isArray(body)) {
          out.push({ method, route: route.url, body: body as JsonObject });
        }
      } catch {
        // not JSON: nothing to mutate
      }
    }
    return original(input, init);
  };
  try {
    return await work();
  } finally {
    globalThis.fetch = original;
  }
}

export async function startServerFixtures(postgres: boolean): Promise<ServerFixtures> {
  const backends = useTestBackendsOutsideVitest();
  const backend = postgres ? backends.postgres : backends.sqlite;
  const server = await startTestServer(backend, { config: { bodyLimit: FUZZ_BODY_LIMIT } });
  try {
    const routes = registeredRoutes(server.app);
    const captured: CapturedRequest[] = [];
    const api = server.api;

    // A workspace with a member and store records, made by the SDK (its bodies captured).
    const bearers = new Set<string>();
    const { workspaceId } = await capturing(routes, captured, bearers, async () => {
      const owner = new BackboneClient({
        server: server.url,
        username: 'alice',
        privateKey: newKey(),
      });
      const ws = await owner.workspace.create('Fuzz');
      const bob = new BackboneClient({
        server: server.url,
        workspace: ws.id,
        username: 'bob',
        privateKey: newKey(),
      });
      await owner.user.import((await bob.user.generate()).invitation, ['STORE_USE']);
      await bob.authenticate();
      await owner.namespace.create('team');
      await owner.entry.set('team/x', 'x-1');
      await owner.entry.set('team/y', 'y-1');
      await owner.namespace.grant('team', 'bob', { access: ['READ'] });
      await bob.entry.get('team/x');
      await owner.entry.delete('team/y');
      return { workspaceId: ws.id };
    });

    // Identities made with the test client (their keys known here, so logins can be signed).
    const alice = await registeredUser(api, 'Alice');
    const carol = await registeredUser(api, 'Carol');
    const phone = newTestDevice(alice.user, 'phone');
    const tablet = newTestDevice(alice.user, 'tablet');
    const added = await api.post(
      `/v1/identities/${alice.user.id}/devices`,
      { v: 1, certificate: phone.certificate },
      { token: alice.token },
    );
    if (added.status !== 201) throw new Error(`device add failed: ${added.status} ${added.text}`);
    const stranger = newTestIdentity('Stranger');
    const logins: JsonObject[] = [];
    for (let i = 0; i < 3; i++) {
      logins.push(loginBody(alice.user, await challenge(api), { ttlSeconds: 3600 }));
    }

    const tokens: string[] = [];
    const tokenIds: string[] = [];
    const derive = async (root: string, scopes?: string[]) => {
      const response = await api.post<{ token: string; info: { id: string } }>(
        '/v1/auth/tokens',
        scopes ? { v: 1, scopes } : { v: 1 },
        { token: root },
      );
      if (response.status !== 201) {
        throw new Error(`token derivation failed: ${response.status} ${response.text}`);
      }
      return response.body;
    };
    // The SDK's login tokens: the workspace owner's and bob's (a member with STORE_USE).
    const byIdentity = new Map<string, string>();
    for (const bearer of bearers) {
      const current = await api.get<{ info: { identityId: string } }>('/v1/auth/tokens/current', {
        token: bearer,
      });
      if (current.status === 200) byIdentity.set(current.body.info.identityId, bearer);
    }
    const [ownerRoot, bobRoot] = [...byIdentity.values()];
    if (!ownerRoot || !bobRoot) throw new Error('the SDK tokens were not captured');
    const refreshTokens = async () => {
      const fresh = [
        await derive(ownerRoot),
        await derive(ownerRoot, ['STORE_USE']),
        await derive(bobRoot),
        await derive(alice.token),
        await derive(carol.token, ['IDENTITY_READ']),
      ];
      fresh.forEach((t, i) => {
        tokens[i] = t.token;
        tokenIds[i] = t.info.id;
      });
    };
    await refreshTokens();

    const identities = [alice.user.id, carol.user.id, stranger.id];
    const devices = [alice.user.devices[0]!.id, phone.id, tablet.id];
    return {
      server,
      routes,
      tokens,
      ownerTokenIndexes: [0, 1],
      ids: {
        identities,
        devices,
        workspaces: [workspaceId, 'nope', 'ws_missing'],
        tokens: tokenIds,
      },
      captured,
      bodies: {
        'POST /v1/identities': [registrationBody(stranger), registrationBody(newTestIdentity('X'))],
        'POST /v1/identities/:identityId/devices': [{ v: 1, certificate: tablet.certificate }],
        'POST /v1/identities/:identityId/devices/:deviceId/revoke': [
          revocationBody(alice.user, phone),
        ],
        'POST /v1/auth/tokens': [
          { v: 1, scopes: ['STORE_USE'], ttlSeconds: 600, label: 'x', workspaceId },
          { v: 1 },
        ],
        'POST /v1/auth/challenge': [{ v: 1 }, {}],
        'POST /v1/auth/login': logins,
      },
      alice: alice.user,
      refreshTokens,
      async close() {
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
