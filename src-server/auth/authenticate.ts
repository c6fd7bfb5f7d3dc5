/**
 * Bearer-token authentication of a request: the `authentication` plugin, which a route plugin
 * registers (inside itself) to authenticate every one of its routes, and the per-route scope
 * guard `requireScopes(…scopes)`.
 *
 * A token works only if it is known, not revoked, not expired, and its device is not revoked
 * (checked on every request, so revoking a device cuts its tokens off at once). Failures are
 * 401 with a code saying which; a token without a required scope is 403 `FORBIDDEN`.
 */
import type { FastifyRequest } from 'fastify';
import { sodium } from '../../src-shared/crypto/index.js';
import type { Scope } from '../../src-shared/api/auth.js';
import { HttpError } from '../http/errors.js';
import { BackboneError } from '../../src-shared/errors.js';
import type { RouteOptions, ServerContext } from '../context.js';
import { unencapsulated } from '../plugins/encapsulation.js';
import { enforce } from '../plugins/rate-limit.js';
import { hasScopes } from './scopes.js';
import { hashTokenSecret, parseBearer, tokenHashesEqual } from './tokens.js';
import type { TokenRecord } from '../storage/storage.js';

export interface AuthContext {
  token: TokenRecord;
  identityId: string;
  deviceId: string;
  scopes: readonly string[];
  workspaceId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `authentication` plugin's preHandler for the routes it guards. */
    auth: AuthContext | null;
  }
}

const challengeHeader = { 'www-authenticate': 'Bearer realm="backbone", error="invalid_token"' };

function unauthorized(
  code: 'AUTH_TOKEN_INVALID' | 'AUTH_TOKEN_EXPIRED' | 'AUTH_TOKEN_REVOKED' | 'AUTH_DEVICE_REVOKED',
  message: string,
): HttpError {
  return new HttpError(code, message, challengeHeader);
}

/** Checks the request's bearer token; returns who is asking. */
export async function authenticate(
  request: FastifyRequest,
  ctx: ServerContext,
): Promise<AuthContext> {
  const secret = parseBearer(request.headers.authorization);
  const hash = hashTokenSecret(secret);
  sodium().memzero(secret);
  const found = await ctx.storage.findTokenByHash(hash);
  if (!found || !tokenHashesEqual(found.tokenHash, hash)) {
    throw unauthorized('AUTH_TOKEN_INVALID', 'This token is not known here. Log in again.');
  }
  if (found.deviceRevokedAt !== null) {
    throw unauthorized(
      'AUTH_DEVICE_REVOKED',
      'The device this token belongs to was revoked. It can no longer sign in.',
    );
  }
  if (found.revokedAt !== null) {
    throw unauthorized('AUTH_TOKEN_REVOKED', 'This token was revoked. Log in again.');
  }
  if (found.expiresAt <= ctx.clock.now()) {
    throw unauthorized('AUTH_TOKEN_EXPIRED', 'This token has expired. Log in again.');
  }
  const { deviceRevokedAt: _deviceRevokedAt, ...token } = found;
  return {
    token,
    identityId: token.identityId,
    deviceId: token.deviceId,
    scopes: token.scopes,
    workspaceId: token.workspaceId,
  };
}

/**
 * Registered inside a route plugin (`await app.register(authentication, {ctx})`): every route of
 * that plugin needs a valid token (401 otherwise) and charges the identity's rate limit before
 * its handler runs; `request.auth` says who asks. Routes of other plugins are not affected.
 */
export const authentication = unencapsulated<RouteOptions>(
  'authentication',
  async (app, { ctx }) => {
    app.decorateRequest('auth', null);
    app.addHook('preHandler', async (request) => {
      const auth = await authenticate(request, ctx);
      enforce(ctx.limits.account, auth.identityId);
      request.auth = auth;
    });
  },
);

/** Route preHandler (behind `authentication`): the token holds every scope in `scopes`. */
export function requireScopes(...scopes: Scope[]) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!hasScopes(authOf(request).scopes, scopes)) {
      throw new BackboneError(
        'FORBIDDEN',
        `This token lacks the scope${scopes.length > 1 ? 's' : ''} ${scopes.join(', ')} needed here.`,
      );
    }
  };
}

/** The authenticated caller (for handlers behind `authentication`). */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new BackboneError('INTERNAL', 'Route is missing its auth guard.');
  return request.auth;
}
