/**
 * `GET /v1/password-access` (WebSocket): password access, SPAKE2+EE login, registration and
 * password change (docs/password-access.md), one operation per connection, run by
 * `handlePasswordAccessConnection` with the server's keys, its database and its token check.
 *
 * The upgrade request goes through Fastify like any request (`http/upgrade-router.ts`), so the per-IP limits, the
 * shutdown 503, the 404/405 answers and the JSON errors apply before anything is upgraded.
 * On top of them, for this route:
 *
 * - the per-IP limit of the unauthenticated auth routes (`--rate-limit-auth`);
 * - at most `MAX_PENDING_PER_ADDRESS` open password-access sockets (pending handshakes) per
 *   client address, an IPv6 client's address being its /64, and `MAX_PENDING_HANDSHAKES` in
 *   all (429 / 503 otherwise; `HandshakeSlots`);
 * - a `Host` header is required; a browser `Origin`, if sent, must be this server's own origin
 *   (another web page cannot make its visitors' browsers probe or lock usernames); Node
 *   clients send none;
 * - messages of at most one registration frame (`ws` `maxPayload`, so larger ones are refused
 *   before they are buffered) and at most one such message plus 64 KiB waiting unread;
 *   no compression.
 *
 * A plain (non-upgrade) request gets 426 with `Upgrade: websocket`.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { FastifyRequest } from 'fastify';
import { API_PREFIX, emptyQuerySchema } from '../../src-shared/api/common.js';
import { type PwhashParams, type RandomSource, sodium } from '../../src-shared/crypto/index.js';
import { BackboneError } from '../../src-shared/errors.js';
import { wrapNodeWebSocket } from '../../src-shared/pake/connection.js';
import { FRAME_HEADER_BYTES } from '../../src-shared/pake/frames.js';
import {
  MAX_REGISTRATION_FRAME_BYTES,
  type PasswordAccessTimeouts,
} from '../../src-shared/pake/protocol.js';
import { hasScopes } from '../auth/scopes.js';
import { hashTokenSecret, parseBearer, tokenHashesEqual } from '../auth/tokens.js';
import type { RouteOptions, RoutePlugin, ServerContext } from '../context.js';
import { sendError } from '../http/errors.js';
import { installUpgradeRouter, pendingUpgrade } from '../http/upgrade-router.js';
import { headerText, refuseBadHandshake } from '../http/websocket-handshake.js';
import type { FailedLoginPolicy } from '../password-access/failed-login-limiter.js';
import { HandshakeSlots } from '../password-access/handshake-slots.js';
import {
  checkPasswordAccessDeps,
  handlePasswordAccessConnection,
  type PasswordAccessDeps,
  type TokenCheckRequest,
  type TokenVerdict,
} from '../password-access/password-access-handler.js';
import { StorageFailedLoginLimiter } from '../password-access/storage-limiter.js';
import { StoragePasswordAccessStore } from '../password-access/storage-store.js';
import { authRouteRateLimit } from '../plugins/rate-limit.js';
import type { Scheduler } from '../scheduler.js';
import { passwordAccessDummyKey, type ServerKeys } from '../server-keys.js';

export const PASSWORD_ACCESS_PATH = `${API_PREFIX}/password-access`;
/** Largest WebSocket message accepted: one registration frame (header + sealed record). */
export const PASSWORD_ACCESS_MAX_MESSAGE_BYTES = FRAME_HEADER_BYTES + MAX_REGISTRATION_FRAME_BYTES;
/** Most bytes waiting unread: a client sends one frame and waits for the answer. */
const MAX_QUEUED_BYTES = PASSWORD_ACCESS_MAX_MESSAGE_BYTES + 64 * 1024;
/** How often forgotten failed-login states are deleted. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** On shutdown, open sockets get this long to close before they are cut. */
const CLOSE_GRACE_MS = 2000;
/** The scope a token needs to set password access: it manages the identity's credentials. */
export const PASSWORD_ACCESS_SCOPE = 'TOKEN_MANAGE';

/**
 * TESTS ONLY. Set through `buildServer({testOnlyPasswordAccess})`; `main.ts` never sets it and
 * no flag or environment variable reaches it. Injecting the random source lowers the SPAKE2+EE
 * floors to 2 passes / 64 MiB (`INJECTED_RANDOM_FLOORS`), so tests can use cheap parameters.
 */
export interface TestOnlyPasswordAccess {
  random: RandomSource;
  /** Replaces `config.passwordAccess` (may be as low as 2 / 64 MiB). */
  params: PwhashParams;
  timeouts?: Partial<PasswordAccessTimeouts>;
  policy?: Partial<FailedLoginPolicy>;
}

export interface PasswordAccessRouteOptions extends RouteOptions {
  /** Runs the forgotten-failed-login sweep (`failed-login-expiry`). */
  scheduler: Scheduler;
  /** From `passwordAccessSetup` (called by `buildServer`, so a bad configuration fails early). */
  setup: PasswordAccessSetup;
}

/** A comma-separated list of HTTP tokens (RFC 6455 §4.1), which `ws` would refuse in plain text. */
const PLACEHOLDER_SERVER_ID = `bbs1${'a'.repeat(32)}`;

// ---------------------------------------------------------------------------------------------
// Token check

const refusal = (reason: Exclude<TokenVerdict, { ok: true }>['reason']): TokenVerdict => ({
  ok: false,
  reason,
});

/**
 * The token check of registration and password change. The token must be known, live (not
 * expired, not revoked, its device not revoked), hold `TOKEN_MANAGE`, and if it is limited to a
 * workspace, to this one. Then the username binding:
 *
 * - if the workspace exists on this server, the username must be the identity's member name
 *   in it (current member; a deleted workspace refuses);
 * - a username already registered is bound to the identity that registered it: only that
 *   identity may replace or change it (the store checks this again, atomically);
 * - otherwise (no such workspace here, username free) the first identity to register it
 *   claims it.
 */
export async function verifyPasswordAccessToken(
  ctx: ServerContext,
  request: TokenCheckRequest,
): Promise<TokenVerdict> {
  let secret: Uint8Array;
  try {
    secret = parseBearer(`Bearer ${request.token}`);
  } catch {
    return refusal('invalid');
  }
  const hash = hashTokenSecret(secret);
  sodium().memzero(secret);
  const found = await ctx.storage.findTokenByHash(hash);
  if (!found || !tokenHashesEqual(found.tokenHash, hash)) return refusal('invalid');
  if (found.deviceRevokedAt !== null || found.revokedAt !== null) return refusal('revoked');
  if (found.expiresAt <= ctx.clock.now()) return refusal('expired');
  const identity = found.identityId;
  if (ctx.limits.account.take(identity) > 0) {
    // Over the per-identity budget: the handler answers UNAVAILABLE ("try again later").
    throw new BackboneError('RATE_LIMITED', 'Too many requests by this identity.');
  }
  if (!hasScopes(found.scopes, [PASSWORD_ACCESS_SCOPE])) return refusal('forbidden');
  if (found.workspaceId !== null && found.workspaceId !== request.workspace) {
    return refusal('forbidden');
  }
  const workspace = await ctx.storage.getWorkspace(request.workspace);
  if (workspace !== undefined) {
    if (workspace.deletedAt !== null) return refusal('forbidden');
    const member = await ctx.storage.getWorkspaceMember(request.workspace, identity);
    if (member === undefined || member.name !== request.username) return refusal('forbidden');
  }
  const existing = await ctx.storage.getPasswordAccess(request.workspace, request.username);
  if (existing !== undefined && existing.identityId !== identity) return refusal('forbidden');
  return { ok: true, identity };
}

// ---------------------------------------------------------------------------------------------
// Upgrade plumbing

/** Host required; a browser Origin must be this server's own (DNS rebinding, other sites). */
function checkHostAndOrigin(request: FastifyRequest): void {
  const host = headerText(request.headers.host);
  if (host === undefined || host.length === 0) {
    throw new BackboneError(
      'INVALID_REQUEST',
      'A WebSocket upgrade must name the server in its Host header.',
    );
  }
  const origin = headerText(request.headers.origin);
  if (origin === undefined) return;
  let originHost: string | undefined;
  try {
    const url = new URL(origin);
    if (url.protocol === 'http:' || url.protocol === 'https:') originHost = url.host;
  } catch {
    // refused below
  }
  if (originHost === undefined || originHost.toLowerCase() !== request.host.toLowerCase()) {
    throw new BackboneError(
      'FORBIDDEN',
      'Web pages from other sites may not use password access on this server.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The route

/** The password-access dependencies that do not need the server keys, checked. */
export interface PasswordAccessSetup {
  base: Omit<PasswordAccessDeps, 'serverId' | 'serverBoxKeyPair' | 'dummyKey'>;
  limiter: StorageFailedLoginLimiter;
}

/**
 * Builds and checks the dependencies; throws on a bad configuration (parameters below the
 * floors). `buildServer` calls it itself, so such a server is refused when it is built.
 */
export function passwordAccessSetup(
  ctx: ServerContext,
  testOnly?: TestOnlyPasswordAccess,
): PasswordAccessSetup {
  const params = testOnly?.params ?? ctx.config.passwordAccess;
  const store = new StoragePasswordAccessStore(ctx.storage, ctx.clock);
  const limiter = new StorageFailedLoginLimiter(ctx.storage, {
    now: () => ctx.clock.now(),
    ...(testOnly?.policy ? { policy: testOnly.policy } : {}),
  });

  const base: PasswordAccessSetup['base'] = {
    params: { opslimit: params.opslimit, memlimit: params.memlimit },
    lookup: (workspace, username) => store.lookup(workspace, username),
    store: (workspace, username, record, op) => store.store(workspace, username, record, op),
    verifyToken: (request) => verifyPasswordAccessToken(ctx, request),
    attempts: limiter,
    ...(testOnly?.timeouts ? { timeouts: testOnly.timeouts } : {}),
    ...(testOnly ? { testOnlyRandom: testOnly.random } : {}),
  };
  checkPasswordAccessDeps({
    ...base,
    serverId: PLACEHOLDER_SERVER_ID,
    serverBoxKeyPair: undefined as never,
    dummyKey: new Uint8Array(32),
  });
  return { base, limiter };
}

export const passwordAccessRoutes: RoutePlugin<PasswordAccessRouteOptions> = async (
  app,
  { ctx, scheduler, setup },
) => {
  const { base: baseDeps, limiter } = setup;

  let dummy: { keys: ServerKeys; key: Uint8Array } | undefined;
  const depsNow = (): PasswordAccessDeps => {
    const keys = ctx.keys();
    if (dummy?.keys !== keys) dummy = { keys, key: passwordAccessDummyKey(keys) };
    return {
      ...baseDeps,
      serverId: keys.id,
      serverBoxKeyPair: keys.boxKeyPair,
      dummyKey: dummy.key,
    };
  };

  scheduler.add({
    name: 'failed-login-expiry',
    intervalMs: SWEEP_INTERVAL_MS,
    run: async (now) => ({ removed: await limiter.sweep(now) }),
  });
  await app.register(authRouteRateLimit, { limits: ctx.limits });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: PASSWORD_ACCESS_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const open = new Set<WebSocket>();
  const slots = new HandshakeSlots();

  installUpgradeRouter(app);

  const serve = async (ws: WebSocket, request: FastifyRequest): Promise<void> => {
    const started = performance.now();
    const conn = wrapNodeWebSocket(ws, {
      maxMessageBytes: PASSWORD_ACCESS_MAX_MESSAGE_BYTES,
      maxQueuedBytes: MAX_QUEUED_BYTES,
    });
    let deps: PasswordAccessDeps;
    try {
      deps = depsNow();
    } catch (error) {
      request.log.error({ err: error }, 'password access unavailable');
      conn.close(1011, 'server not ready');
      return;
    }
    const outcome = await handlePasswordAccessConnection(conn, deps);
    const fields = {
      op: outcome.op,
      workspace: outcome.workspace,
      username: outcome.username,
      result: outcome.result,
      code: outcome.code,
    };
    if (outcome.result === 'error') {
      request.log.error({ ...fields, err: outcome.cause }, 'password access failed');
    } else {
      request.log.info(fields, 'password access');
    }
    if (ctx.metrics) {
      const labels = { method: 'GET', route: PASSWORD_ACCESS_PATH, status: '101' };
      ctx.metrics.requests.inc(labels);
      ctx.metrics.duration.observe(labels, (performance.now() - started) / 1000);
    }
  };

  app.get(
    PASSWORD_ACCESS_PATH,
    { schema: { querystring: emptyQuerySchema } },
    async (request, reply) => {
      const upgrade = pendingUpgrade(request.raw);
      const upgradeHeader = headerText(request.headers.upgrade)?.toLowerCase();
      if (upgrade === undefined || request.method !== 'GET' || upgradeHeader !== 'websocket') {
        sendError(
          reply,
          426,
          'INVALID_REQUEST',
          'Password access speaks WebSocket only: connect with ws:// or wss:// to this path.',
          { upgrade: 'websocket', connection: 'Upgrade, close' },
        );
        return reply;
      }
      checkHostAndOrigin(request);
      if (refuseBadHandshake(request, reply)) return reply;
      const slot = slots.acquire(request.ip);
      if (!slot.ok && slot.refused === 'address') {
        sendError(
          reply,
          429,
          'RATE_LIMITED',
          'Too many password-access connections from this address. Finish the others first.',
          { 'retry-after': '5' },
        );
        return reply;
      }
      if (!slot.ok) {
        throw new BackboneError('UNAVAILABLE', 'The server is busy. Try again later.');
      }
      reply.hijack();
      // The slot is held from here: a failed upgrade destroys the socket, which releases it.
      upgrade.socket.once('close', slot.release);
      wss.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (ws) => {
        open.add(ws);
        ws.once('close', () => {
          open.delete(ws);
          slot.release();
        });
        serve(ws, request).catch((error: unknown) => {
          request.log.error({ err: error }, 'password access failed');
          ws.terminate();
        });
      });
      return reply;
    },
  );

  // Before the HTTP server closes: stop upgrading, close open sockets (cut them after a grace).
  app.addHook('preClose', async () => {
    const closing = [...open].map(
      (ws) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            ws.terminate();
            resolve();
          }, CLOSE_GRACE_MS);
          timer.unref();
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          ws.close(1001, 'server shutting down');
        }),
    );
    await Promise.all(closing);
    wss.close();
  });
};
