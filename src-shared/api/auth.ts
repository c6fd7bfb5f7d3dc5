/**
 * Server authentication (docs/design.md §2): challenges, the signed login response, bearer tokens.
 *
 * Login:
 *  1. `POST /v1/auth/challenge` with `{v, clientNonce}` → `{v, id, nonce, audience, expiresAt,
 *     proof}`: single use, 5 minutes; `proof` is the server's `server.proof` over `clientNonce`
 *     (server.ts), which the client checks against the pinned server keys before it signs.
 *  2. The device signs a statement of kind `auth.response`, version 2, with its device key:
 *
 *         signed bytes = UTF-8("backbone/auth.response/v2\n") ‖ UTF-8(JCS(body))
 *         body = {audience, challenge, device, identity, nonce, origin}
 *
 *     `challenge` = challenge id, `nonce` = challenge nonce (both as received), `audience` = the
 *     server id (`GET /v1/server`), `identity` = identity address, `device` = device public key
 *     (base64url), `origin` = the origin the client connected to (`scheme://host[:port]`, as
 *     `new URL(serverUrl).origin`). The server accepts only its own origins (docs/server.md), so
 *     a challenge relayed through another host is refused. JCS orders the keys, so the bytes
 *     are fixed by the six values.
 *  3. `POST /v1/auth/login` with the response and the device certificate (identity-signed
 *     `device.cert`) → a bearer token.
 *
 * Tokens: `"bbt1." ‖ base64url(32 random bytes)`; the server keeps only BLAKE2b of the 32 bytes.
 * Default lifetime 24 h, at most 30 days. A token carries `scopes` (a ceiling on what it may do)
 * and optionally one `workspaceId` it is limited to. A token can derive a narrower, shorter one
 * (same or fewer scopes, same workspace, expiring no later); revoking a token revokes the tokens
 * derived from it.
 */
import { z } from 'zod';
import {
  SignedStatementSchema,
  signStatement,
  toBase64Url,
  type SignKeyPair,
  type SignedStatement,
} from '../crypto/index.js';
import {
  apiVersionSchema,
  base64UrlBytesSchema,
  deviceIdSchema,
  identityIdSchema,
  timestampSchema,
} from './common.js';
import { clientNonceSchema, serverIdSchema } from './server.js';

export const AUTH_CHALLENGE_TTL_SECONDS = 5 * 60;
export const TOKEN_DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const TOKEN_MAX_TTL_SECONDS = 30 * 24 * 60 * 60;
export const TOKEN_MIN_TTL_SECONDS = 60;
export const TOKEN_SECRET_BYTES = 32;
export const TOKEN_PREFIX = 'bbt1.';

export const AUTH_RESPONSE_KIND = 'auth.response';
export const AUTH_RESPONSE_VERSION = 2;

/** Scopes about the identity itself. */
export const IDENTITY_SCOPES = ['IDENTITY_READ', 'TOKEN_READ', 'TOKEN_MANAGE'] as const;
/**
 * Workspace permissions. A token's workspace scopes are a ceiling: what it may do in a workspace
 * is the intersection with the identity's role there (enforced once workspaces exist).
 */
export const WORKSPACE_PERMISSIONS = ['ROOT', 'USER_MANAGE', 'STORE_USE', 'STORE_SHARE'] as const;
export const TOKEN_SCOPES = [...IDENTITY_SCOPES, ...WORKSPACE_PERMISSIONS] as const;

export const scopeSchema = z.enum(TOKEN_SCOPES);
export type Scope = z.infer<typeof scopeSchema>;
export const scopesSchema = z
  .array(scopeSchema)
  .min(1)
  .max(TOKEN_SCOPES.length)
  .refine((list) => new Set(list).size === list.length, 'scopes must not repeat');

/** Workspace ids: 1..64 characters of base64url's alphabet. */
export const workspaceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a workspace id');

/** Public id of a challenge or a token (16 random bytes, base64url). */
export const publicIdSchema = base64UrlBytesSchema(16);
export const challengeNonceSchema = base64UrlBytesSchema(32);
export const tokenLabelSchema = z.string().min(1).max(100);
export const ttlSecondsSchema = z
  .number()
  .int()
  .min(TOKEN_MIN_TTL_SECONDS)
  .max(TOKEN_MAX_TTL_SECONDS);

/** The bearer token text: `bbt1.` + 43 base64url characters. */
export const bearerTokenSchema = z
  .string()
  .regex(/^bbt1\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'must be a Backbone token');

// --- challenge ----------------------------------------------------------------------------------

/**
 * `POST /v1/auth/challenge` body: none, `{}`, `{v: 1}`, or with the client's nonce for the
 * server to sign (clients always send one and require the proof).
 */
export const challengeRequestSchema = z
  .strictObject({ v: apiVersionSchema.optional(), clientNonce: clientNonceSchema.optional() })
  .nullish();

export const challengeResponseSchema = z.strictObject({
  v: apiVersionSchema,
  id: publicIdSchema,
  nonce: challengeNonceSchema,
  /** The server id to sign as `audience`. */
  audience: serverIdSchema,
  expiresAt: timestampSchema,
  /** The server's `server.proof` over the request's `clientNonce` (when it sent one). */
  proof: SignedStatementSchema.optional(),
});
export type ChallengeResponse = z.infer<typeof challengeResponseSchema>;

// --- login --------------------------------------------------------------------------------------

/**
 * An origin as signed into a login: `http(s)://host[:port]`, lower-case, no path, no default
 * port (what `new URL(url).origin` gives). At most 255 characters.
 */
export const loginOriginSchema = z
  .string()
  .max(255)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
    } catch {
      return false;
    }
  }, 'must be an origin (scheme://host[:port])');

/** The origin of a server address as a login signs it. */
export function loginOriginOf(serverUrl: string): string {
  return new URL(serverUrl).origin;
}

/** Body of the `auth.response` statement the device signs. */
export const AuthResponseBodySchema = z.strictObject({
  audience: serverIdSchema,
  challenge: publicIdSchema,
  device: deviceIdSchema,
  identity: identityIdSchema,
  nonce: challengeNonceSchema,
  /** The origin the client connected to (relay protection). */
  origin: loginOriginSchema,
});
export type AuthResponseBody = z.infer<typeof AuthResponseBodySchema>;
export type AuthResponse = SignedStatement<AuthResponseBody>;

/** The device answers a challenge (client side). */
export function signAuthResponse(
  deviceKeyPair: SignKeyPair,
  input: { challenge: ChallengeResponse; identity: string; origin: string },
): AuthResponse {
  const body: AuthResponseBody = {
    audience: input.challenge.audience,
    challenge: input.challenge.id,
    device: toBase64Url(deviceKeyPair.publicKey),
    identity: input.identity,
    nonce: input.challenge.nonce,
    origin: loginOriginOf(input.origin),
  };
  return signStatement(AUTH_RESPONSE_KIND, AUTH_RESPONSE_VERSION, body, deviceKeyPair);
}

/** What a new token may do; every field is optional. */
const tokenRequestFields = {
  /** Default: every scope of the parent (login: every scope). */
  scopes: scopesSchema.optional(),
  /** Limit the token to one workspace. */
  workspaceId: workspaceIdSchema.optional(),
  /** Lifetime; default 24 h (or what is left of the parent's, if less). */
  ttlSeconds: ttlSecondsSchema.optional(),
  /** A name for the token list ("laptop", "backup script"). */
  label: tokenLabelSchema.optional(),
};

/** `POST /v1/auth/login` */
export const loginRequestSchema = z.strictObject({
  v: apiVersionSchema,
  identity: identityIdSchema,
  /** The identity-signed `device.cert` statement of the signing device. */
  certificate: SignedStatementSchema,
  /** The device-signed `auth.response` statement. */
  response: SignedStatementSchema,
  ...tokenRequestFields,
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

/** `POST /v1/auth/tokens` (derive a narrower token from the one in use). */
export const deriveTokenRequestSchema = z.strictObject({
  v: apiVersionSchema,
  ...tokenRequestFields,
});
export type DeriveTokenRequest = z.infer<typeof deriveTokenRequestSchema>;

/** A token as listed (never its secret). */
export const tokenInfoSchema = z.strictObject({
  id: publicIdSchema,
  identityId: identityIdSchema,
  deviceId: deviceIdSchema,
  parentId: publicIdSchema.nullable(),
  scopes: z.array(scopeSchema),
  workspaceId: workspaceIdSchema.nullable(),
  label: tokenLabelSchema.nullable(),
  createdAt: timestampSchema,
  expiresAt: timestampSchema,
  /** True for the token that made this request. */
  current: z.boolean(),
});
export type TokenInfo = z.infer<typeof tokenInfoSchema>;

/** Answer to login and derive: the only time the token's secret is sent. */
export const tokenResponseSchema = z.strictObject({
  v: apiVersionSchema,
  token: bearerTokenSchema,
  info: tokenInfoSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** `GET /v1/auth/tokens/current` */
export const currentTokenResponseSchema = z.strictObject({
  v: apiVersionSchema,
  info: tokenInfoSchema,
});
export type CurrentTokenResponse = z.infer<typeof currentTokenResponseSchema>;

/** `GET /v1/auth/tokens`: the identity's active tokens (not expired, not revoked). */
export const tokenListResponseSchema = z.strictObject({
  v: apiVersionSchema,
  tokens: z.array(tokenInfoSchema),
});
export type TokenListResponse = z.infer<typeof tokenListResponseSchema>;

export const tokenParamsSchema = z.strictObject({ tokenId: publicIdSchema });

/** `DELETE /v1/auth/tokens/:tokenId` and `DELETE /v1/auth/tokens/current` */
export const revokeTokenResponseSchema = z.strictObject({
  v: apiVersionSchema,
  id: publicIdSchema,
  /** How many tokens were revoked: this one and those derived from it. */
  revoked: z.number().int().min(0),
});
export type RevokeTokenResponse = z.infer<typeof revokeTokenResponseSchema>;
