/**
 * Authentication routes (`/v1/auth/…`): challenge, login, derive, list, inspect and revoke
 * tokens. See `src-shared/api/auth.ts` for the messages and `auth/login.ts` for the checks.
 */
import {
  challengeRequestSchema,
  challengeResponseSchema,
  currentTokenResponseSchema,
  deriveTokenRequestSchema,
  loginRequestSchema,
  revokeTokenResponseSchema,
  tokenListResponseSchema,
  tokenParamsSchema,
  tokenResponseSchema,
} from '../../src-shared/api/auth.js';
import { API_PREFIX, API_VERSION, emptyQuerySchema } from '../../src-shared/api/common.js';
import { BackboneError } from '../../src-shared/errors.js';
import { authOf, authentication, requireScopes } from '../auth/authenticate.js';
import { createChallenge, verifyLogin } from '../auth/login.js';
import { acceptedOrigins } from '../auth/origins.js';
import { resolveDerivedGrant, resolveLoginGrant } from '../auth/scopes.js';
import { issueToken, tokenInfo } from '../auth/tokens.js';
import type { App, RoutePlugin, ServerContext } from '../context.js';
import { authRouteRateLimit, enforce } from '../plugins/rate-limit.js';
import type { TokenRecord } from '../storage/storage.js';

const MAX_DERIVATION_DEPTH = 16;

export const authRoutes: RoutePlugin = async (app, { ctx }) => {
  const base = `${API_PREFIX}/auth`;

  // Challenge and login: no token yet; the tighter per-IP limit of the auth routes.
  await app.register(async (open: App) => {
    await open.register(authRouteRateLimit, { limits: ctx.limits });

    open.post(
      `${base}/challenge`,
      {
        schema: {
          querystring: emptyQuerySchema,
          body: challengeRequestSchema,
          response: { 201: challengeResponseSchema },
        },
      },
      async (request, reply) => {
        reply.code(201).header('cache-control', 'no-store');
        return createChallenge(ctx, request.body?.clientNonce);
      },
    );

    open.post(
      `${base}/login`,
      {
        schema: {
          querystring: emptyQuerySchema,
          body: loginRequestSchema,
          response: { 201: tokenResponseSchema },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const { identity, device } = await verifyLogin(
          ctx,
          body,
          acceptedOrigins(ctx.config, request.raw.socket),
        );
        // Charged only once the login is proven: strangers cannot drain an identity's budget.
        enforce(ctx.limits.account, identity.id);
        const grant = resolveLoginGrant(body, ctx.clock.now());
        const { text, record } = await issueToken(ctx, {
          identityId: identity.id,
          deviceId: device.id,
          parentId: null,
          ...grant,
          label: body.label ?? null,
        });
        request.log.info({ identity: identity.id, tokenId: record.id }, 'login');
        reply.code(201).header('cache-control', 'no-store');
        return { v: API_VERSION, token: text, info: tokenInfo(record, record.id) };
      },
    );
  });

  // Token management: a valid token (401 otherwise).
  await app.register(async (guarded: App) => {
    await guarded.register(authentication, { ctx });

    guarded.post(
      `${base}/tokens`,
      {
        schema: {
          querystring: emptyQuerySchema,
          body: deriveTokenRequestSchema,
          response: { 201: tokenResponseSchema },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const grant = resolveDerivedGrant(auth.token, request.body, ctx.clock.now());
        const { text, record } = await issueToken(ctx, {
          identityId: auth.identityId,
          deviceId: auth.deviceId,
          parentId: auth.token.id,
          ...grant,
          label: request.body.label ?? auth.token.label,
        });
        reply.code(201).header('cache-control', 'no-store');
        return { v: API_VERSION, token: text, info: tokenInfo(record, auth.token.id) };
      },
    );

    guarded.get(
      `${base}/tokens`,
      {
        preHandler: requireScopes('TOKEN_READ'),
        schema: { querystring: emptyQuerySchema, response: { 200: tokenListResponseSchema } },
      },
      async (request) => {
        const auth = authOf(request);
        const tokens = await ctx.storage.listActiveTokens(auth.identityId, ctx.clock.now());
        return { v: API_VERSION, tokens: tokens.map((token) => tokenInfo(token, auth.token.id)) };
      },
    );

    guarded.get(
      `${base}/tokens/current`,
      {
        schema: { querystring: emptyQuerySchema, response: { 200: currentTokenResponseSchema } },
      },
      async (request) => {
        const auth = authOf(request);
        return { v: API_VERSION, info: tokenInfo(auth.token, auth.token.id) };
      },
    );

    guarded.delete(
      `${base}/tokens/current`,
      {
        schema: { querystring: emptyQuerySchema, response: { 200: revokeTokenResponseSchema } },
      },
      async (request) => {
        const auth = authOf(request);
        const revoked = await ctx.storage.revokeTokenTree(auth.token.id, ctx.clock.now());
        return { v: API_VERSION, id: auth.token.id, revoked };
      },
    );

    guarded.delete(
      `${base}/tokens/:tokenId`,
      {
        schema: {
          params: tokenParamsSchema,
          querystring: emptyQuerySchema,
          response: { 200: revokeTokenResponseSchema },
        },
      },
      async (request) => {
        const auth = authOf(request);
        const target = await ctx.storage.getToken(request.params.tokenId);
        if (!target || target.identityId !== auth.identityId) {
          throw new BackboneError('NOT_FOUND', 'There is no such token.');
        }
        // Any token may revoke itself and the tokens derived from it; others need TOKEN_MANAGE.
        if (
          !auth.scopes.includes('TOKEN_MANAGE') &&
          !(await derivesFrom(ctx, target, auth.token.id))
        ) {
          throw new BackboneError(
            'FORBIDDEN',
            'This token may only revoke itself and tokens derived from it (TOKEN_MANAGE is needed for others).',
          );
        }
        const revoked = await ctx.storage.revokeTokenTree(target.id, ctx.clock.now());
        return { v: API_VERSION, id: target.id, revoked };
      },
    );
  });
};

/** True if `token` is `ancestorId` or was derived (directly or not) from it. */
async function derivesFrom(
  ctx: ServerContext,
  token: TokenRecord,
  ancestorId: string,
): Promise<boolean> {
  let current: TokenRecord | undefined = token;
  for (let depth = 0; current && depth <= MAX_DERIVATION_DEPTH; depth++) {
    if (current.id === ancestorId) return true;
    if (current.parentId === null) return false;
    current = await ctx.storage.getToken(current.parentId);
  }
  return false;
}
