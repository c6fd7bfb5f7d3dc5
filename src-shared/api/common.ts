/**
 * Building blocks of the server's HTTP API (`/v1`): the error envelope, the version field every
 * message carries, and the byte/id formats. One zod schema per wire message lives in the
 * sibling files (`auth.ts`, `identities.ts`, `server.ts`); the server validates every request
 * with them and the SDK reuses them to check every answer.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';

/** Version of the HTTP API; every request and response body carries `v: API_VERSION`. */
export const API_VERSION = 1 as const;
/** Path prefix of the versioned API. */
export const API_PREFIX = `/v${API_VERSION}`;

/** The `v` field of every versioned message. */
export const apiVersionSchema = z.literal(API_VERSION);

const BASE64URL_LAST_CHAR: Record<number, string> = { 2: '[AQgw]', 4: '[AEIMQUYcgkosw048]' };

/**
 * A canonical base64url text (no padding) of exactly `length` bytes: the length of the text and
 * the unused trailing bits are fixed, so one byte string has one text.
 */
export function base64UrlBytesSchema(length: number) {
  const full = Math.floor((length * 8) / 6);
  const rest = (length * 8) % 6;
  const pattern = new RegExp(
    `^[A-Za-z0-9_-]{${full}}${rest === 0 ? '' : BASE64URL_LAST_CHAR[rest]}$`,
  );
  return z.string().regex(pattern, `must be ${length} bytes as base64url`);
}

/** An Ed25519 or X25519 public key (32 bytes, base64url). */
export const publicKeySchema = base64UrlBytesSchema(32);

/** An identity address: `bb1` + 32 base32 characters (see docs/design.md §1). */
export const identityIdSchema = z
  .string()
  .regex(/^bb1[a-z2-7]{32}$/, 'must be an identity address');

/** A device is identified by its Ed25519 public key (base64url). */
export const deviceIdSchema = publicKeySchema;

/** A point in time on the wire: ISO 8601 UTC (`2026-01-02T03:04:05.678Z`). */
export const timestampSchema = z.iso.datetime();

/** Any string within `ERROR_CODES` — or a newer code this client does not know yet. */
export const errorCodeSchema = z.string().min(1).max(64);

/** Every error answer of the server: `{error: {code, message}}` with a 4xx/5xx status. */
export const apiErrorSchema = z.strictObject({
  error: z.strictObject({
    code: errorCodeSchema,
    message: z.string().max(1000),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** True if `code` is one of the codes this build knows. */
export function isKnownErrorCode(code: string): code is (typeof ERROR_CODES)[number] {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** A query string that carries nothing: any parameter is refused. */
export const emptyQuerySchema = z.strictObject({});
