/**
 * Bearer-token authentication of a request, and the route guard `requireAuth(ctx, …scopes)`.
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
import type { ServerContext } from '../context.js';
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
    /** Set by `requireAuth` for authenticated routes. */
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

/** preHandler guard: a valid token with every scope in `scopes`; sets `request.auth`. */
export function requireAuth(ctx: ServerContext, ...scopes: Scope[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const auth = await authenticate(request, ctx);
    enforce(ctx.limits.account, auth.identityId);
    if (!hasScopes(auth.scopes, scopes)) {
      throw new BackboneError(
        'FORBIDDEN',
        `This token lacks the scope${scopes.length > 1 ? 's' : ''} ${scopes.join(', ')} needed here.`,
      );
    }
    request.auth = auth;
  };
}

/** The authenticated caller (for handlers behind `requireAuth`). */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new BackboneError('INTERNAL', 'Route is missing its auth guard.');
  return request.auth;
}
