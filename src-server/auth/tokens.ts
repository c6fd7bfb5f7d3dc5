/**
 * Bearer tokens: `"bbt1." ‖ base64url(32 random bytes)`. The server stores only
 * `BLAKE2b-256("backbone/token/v1\n" ‖ secret)` (base64url), looks tokens up by that hash and
 * compares it again in constant time. A token also has a public id (16 random bytes) by which
 * it is listed and revoked.
 */
import {
  blake2b,
  concatBytes,
  constantTimeEqual,
  fromBase64Url,
  randomBytes,
  sodium,
  toBase64Url,
  utf8,
} from '../../src-shared/crypto/index.js';
import {
  TOKEN_PREFIX,
  TOKEN_SECRET_BYTES,
  bearerTokenSchema,
  type Scope,
  type TokenInfo,
} from '../../src-shared/api/auth.js';
import { BackboneError } from '../../src-shared/errors.js';
import { HttpError } from '../http/errors.js';
import type { ServerContext } from '../context.js';
import { iso } from '../context.js';
import type { TokenRecord } from '../storage/storage.js';

const TOKEN_HASH_DOMAIN = utf8('backbone/token/v1\n');

/** A fresh public id (challenges, tokens): 16 random bytes, base64url. */
export function newPublicId(): string {
  return toBase64Url(randomBytes(16));
}

/** The stored form of a token secret. */
export function hashTokenSecret(secret: Uint8Array): string {
  return toBase64Url(blake2b(concatBytes(TOKEN_HASH_DOMAIN, secret)));
}

/** Constant-time comparison of two stored hashes (base64url texts of equal length). */
export function tokenHashesEqual(a: string, b: string): boolean {
  return constantTimeEqual(utf8(a), utf8(b));
}

/** A new token: the text for the client (once) and the hash to store. */
export function newTokenSecret(): { text: string; hash: string } {
  const secret = randomBytes(TOKEN_SECRET_BYTES);
  try {
    return { text: TOKEN_PREFIX + toBase64Url(secret), hash: hashTokenSecret(secret) };
  } finally {
    sodium().memzero(secret);
  }
}

const challengeHeader = { 'www-authenticate': 'Bearer realm="backbone"' };

/**
 * The token secret from an `Authorization: Bearer bbt1.…` header. Throws 401 `AUTH_REQUIRED`
 * when there is no bearer token and `AUTH_TOKEN_INVALID` when it is malformed.
 */
export function parseBearer(header: string | string[] | undefined): Uint8Array {
  if (typeof header !== 'string' || header.length === 0) {
    throw new HttpError(
      'AUTH_REQUIRED',
      'This request needs a token: log in and send "Authorization: Bearer <token>".',
      challengeHeader,
    );
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) {
    throw new HttpError(
      'AUTH_REQUIRED',
      'Send the token as "Authorization: Bearer <token>".',
      challengeHeader,
    );
  }
  const text = match[1]!;
  if (!bearerTokenSchema.safeParse(text).success) {
    throw new HttpError(
      'AUTH_TOKEN_INVALID',
      'This is not a Backbone token. Log in again.',
      challengeHeader,
    );
  }
  return fromBase64Url(text.slice(TOKEN_PREFIX.length));
}

/** What a new token grants. */
export interface TokenGrant {
  identityId: string;
  deviceId: string;
  parentId: string | null;
  scopes: Scope[];
  workspaceId: string | null;
  label: string | null;
  expiresAt: number;
}

/** Stores a new token and returns its text (the only copy) and record. */
export async function issueToken(
  ctx: ServerContext,
  grant: TokenGrant,
): Promise<{ text: string; record: TokenRecord }> {
  const now = ctx.clock.now();
  const active = await ctx.storage.countActiveTokens(grant.identityId, now);
  if (active >= ctx.config.maxActiveTokens) {
    throw new BackboneError(
      'TOKEN_LIMIT_REACHED',
      `This identity already holds ${active} active tokens. Revoke some before making more.`,
    );
  }
  const { text, hash } = newTokenSecret();
  const record: TokenRecord = {
    id: newPublicId(),
    tokenHash: hash,
    identityId: grant.identityId,
    deviceId: grant.deviceId,
    parentId: grant.parentId,
    scopes: grant.scopes,
    workspaceId: grant.workspaceId,
    label: grant.label,
    createdAt: now,
    expiresAt: grant.expiresAt,
    revokedAt: null,
  };
  await ctx.storage.createToken(record);
  return { text, record };
}

/** A token as the API lists it. */
export function tokenInfo(record: TokenRecord, currentTokenId: string | null): TokenInfo {
  return {
    id: record.id,
    identityId: record.identityId,
    deviceId: record.deviceId,
    parentId: record.parentId,
    scopes: record.scopes as Scope[],
    workspaceId: record.workspaceId,
    label: record.label,
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
    current: record.id === currentTokenId,
  };
}
