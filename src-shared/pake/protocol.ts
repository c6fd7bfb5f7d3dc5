/**
 * Password access (docs/design.md §5): the JSON payloads, limits and ids shared by the client
 * (`client.ts`) and the server handler (`src-server/password-access/`). The protocol is described
 * in `docs/password-access.md`.
 *
 * Ids bound into the SPAKE2+EE transcript:
 *
 *     clientId = UTF-8(workspace ‖ "/" ‖ username)    -- at most 64 + 1 + 64 = 129 bytes
 *     serverId = UTF-8(server id)                      -- "bbs1" + 32 base32 characters
 *
 * `workspace` is a workspace id (1..64 characters of base64url's alphabet, no "/"), `username`
 * is a normalized username (see `normalizeUsername`: 1..64 characters of `a-z 0-9 . _ @ + -`,
 * starting with a letter or digit). Neither contains "/" twice, so the concatenation is
 * unambiguous. The server refuses a username that is not in normalized form; clients normalize
 * what the user typed first.
 */
import { z } from 'zod';
import {
  fromUtf8,
  utf8,
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_HEADERBYTES,
  SEAL_OVERHEAD_BYTES,
} from '../crypto/index.js';
import { BackboneError, type ErrorCode } from '../errors.js';

/** Version of every JSON payload of the password-access protocol. */
export const PASSWORD_ACCESS_VERSION = 1;

/** Operations a connection can ask for in its hello. */
export const PASSWORD_ACCESS_OPS = ['login', 'register', 'change'] as const;
export type PasswordAccessOp = (typeof PASSWORD_ACCESS_OPS)[number];

// ---------------------------------------------------------------------------------------------
// Sizes

const MiB = 1024 * 1024;

/** Largest hello payload (JSON). */
export const MAX_HELLO_BYTES = 1024;
/** Largest `ok` payload (JSON). */
export const MAX_OK_BYTES = 1024;
/** Largest `error` payload (JSON). */
export const MAX_ERROR_BYTES = 2048;
/** Largest keyfile blob a server keeps and releases (the keyfile itself is ~300 bytes). */
export const MAX_KEYFILE_BLOB_BYTES = 2 * MiB;
/** Plaintext bytes per secretstream message (docs/design.md §0: at most 1 MiB). */
export const BLOB_CHUNK_BYTES = 1 * MiB;
/** A secretstream header frame's payload: exactly this. */
export const STREAM_HEADER_BYTES = SECRETSTREAM_HEADERBYTES;
/** Largest `sealed` frame payload: one chunk plus the secretstream overhead. */
export const MAX_SEALED_FRAME_BYTES = BLOB_CHUNK_BYTES + SECRETSTREAM_ABYTES;
/** Largest base64url text of a keyfile blob in a registration record. */
export const MAX_KEYFILE_BLOB_TEXT = Math.ceil((MAX_KEYFILE_BLOB_BYTES * 4) / 3);
/** Largest `registration` frame payload: the sealed JSON record. */
export const MAX_REGISTRATION_FRAME_BYTES = SEAL_OVERHEAD_BYTES + MAX_KEYFILE_BLOB_TEXT + 2048;
/**
 * Default bound of the bytes a connection queues before the reader takes them: enough for a
 * whole blob stream (2 MiB + framing) or one registration frame, with room to spare.
 */
export const DEFAULT_MAX_QUEUED_BYTES = 8 * MiB;

/** Associated data of every message of the server → client keyfile-blob stream. */
export const KEYFILE_BLOB_STREAM_AD = utf8('backbone/password-access/v1/keyfile-blob');

// ---------------------------------------------------------------------------------------------
// Timeouts (milliseconds a side waits for the peer's next frame)

export interface PasswordAccessTimeouts {
  /** A frame the peer can answer at once (hello, public data, response 3, ok, stream). */
  step: number;
  /**
   * The server's wait for response 1 (one Argon2id run on the client) when the public data asks
   * for the floor cost (3 passes, 256 MiB; about 0.8 s on the 2-core test machine); scaled up
   * with heavier parameters, at most `argon2` (`response1TimeoutMs` in the server's handler).
   * Short, because an unauthenticated connection holds a slot while it waits.
   */
  response1: number;
  /**
   * A frame the peer sends after running Argon2id with parameters it chose itself (the
   * registration record, token-authenticated): longer with "stronger, slower" settings on a slow
   * device. Also the cap of the response 1 wait.
   */
  argon2: number;
}

export const DEFAULT_TIMEOUTS: Readonly<PasswordAccessTimeouts> = Object.freeze({
  step: 30_000,
  response1: 30_000,
  argon2: 180_000,
});

// ---------------------------------------------------------------------------------------------
// Ids

/** Workspace ids: 1..64 characters of base64url's alphabet (as `workspaceIdSchema` of the API). */
export const passwordAccessWorkspaceSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a workspace id');

/**
 * Normalized usernames: 1..64 characters of `a-z 0-9 . _ @ + -`, the first a letter or digit.
 * ASCII only, so nothing can look like someone else's name through Unicode confusables.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@+-]{0,63}$/;
export const passwordAccessUsernameSchema = z
  .string()
  .regex(USERNAME_PATTERN, 'must be a normalized username');

/** Server ids: `bbs1` + 32 base32 characters (as `serverIdSchema` in `api/server.ts`). */
export const passwordAccessServerIdSchema = z
  .string()
  .regex(/^bbs1[a-z2-7]{32}$/, 'must be a server id');

/** Bearer tokens travel opaque; the server's token check decides. */
export const passwordAccessTokenSchema = z.string().regex(/^[A-Za-z0-9._~-]{1,256}$/);

/**
 * The normalized form of a username as typed: Unicode NFKC (full-width letters become ASCII),
 * surrounding spaces removed, lower case. Throws `INVALID_ARGUMENT` if the result is not a valid
 * username. Idempotent: a normalized username normalizes to itself.
 */
export function normalizeUsername(input: string): string {
  if (typeof input !== 'string') {
    throw new BackboneError('INVALID_ARGUMENT', 'A username must be text.');
  }
  const normalized = input.normalize('NFKC').trim().toLowerCase();
  if (!USERNAME_PATTERN.test(normalized)) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A username must be 1 to 64 characters: letters a–z, digits, ".", "_", "@", "+" or "-", ' +
        'starting with a letter or a digit.',
    );
  }
  return normalized;
}

function checkWorkspace(workspace: string): void {
  if (!passwordAccessWorkspaceSchema.safeParse(workspace).success) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A workspace id must be 1 to 64 characters of A–Z, a–z, 0–9, "-", "_".',
    );
  }
}

/** Refuses anything but a valid server id (`INVALID_ARGUMENT`). */
export function checkServerId(serverId: string): void {
  if (!passwordAccessServerIdSchema.safeParse(serverId).success) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'This is not a Backbone server id ("bbs1" followed by 32 characters); ask GET /v1/server.',
    );
  }
}

/**
 * The SPAKE2+EE client id: `UTF-8(workspace + "/" + username)`. Both must be valid, the
 * username in normalized form (`INVALID_ARGUMENT` otherwise).
 */
export function passwordAccessClientId(workspace: string, username: string): Uint8Array {
  checkWorkspace(workspace);
  if (typeof username !== 'string' || !USERNAME_PATTERN.test(username)) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'The username is not in normalized form; pass it through normalizeUsername first.',
    );
  }
  return utf8(`${workspace}/${username}`);
}

/** The SPAKE2+EE server id: `UTF-8(server id)`. */
export function passwordAccessServerId(serverId: string): Uint8Array {
  checkServerId(serverId);
  return utf8(serverId);
}

/** The key failed logins are counted under: the client id as text. */
export function attemptKeyOf(workspace: string, username: string): string {
  return `${workspace}/${username}`;
}

// ---------------------------------------------------------------------------------------------
// Payloads

const v = z.literal(PASSWORD_ACCESS_VERSION);

const identityFields = {
  v,
  workspace: passwordAccessWorkspaceSchema,
  username: passwordAccessUsernameSchema,
};

/** Client → server, first frame. `login` carries no token; `register`/`change` must. */
export const helloSchema = z.discriminatedUnion('op', [
  z.strictObject({ ...identityFields, op: z.literal('login') }),
  z.strictObject({
    ...identityFields,
    op: z.literal('register'),
    token: passwordAccessTokenSchema,
  }),
  z.strictObject({ ...identityFields, op: z.literal('change'), token: passwordAccessTokenSchema }),
]);
export type Hello = z.infer<typeof helloSchema>;

/** Either side → the other, then close: why the exchange stops. */
export const errorPayloadSchema = z.strictObject({
  v,
  code: z.string().regex(/^[A-Z0-9_]{1,64}$/),
  message: z.string().max(1000),
  /** For `PAKE_RATE_LIMITED` / `PAKE_LOCKED_OUT`: when to try again (milliseconds from now). */
  retryAfterMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
});
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

const paramsSchema = z.strictObject({
  opslimit: z.number().int().min(1).max(0x7fffffff),
  memlimit: z.number().int().min(8192).max(0x7fffffff),
});

/** Server → client, register/change: `ready` (send the record) then `stored`. */
export const okPayloadSchema = z.discriminatedUnion('status', [
  z.strictObject({
    v,
    status: z.literal('ready'),
    /** The server's default Argon2id parameters (those its dummy public data uses). */
    params: paramsSchema,
  }),
  z.strictObject({ v, status: z.literal('stored') }),
]);
export type OkPayload = z.infer<typeof okPayloadSchema>;

const b64 = (maxChars: number) =>
  z
    .string()
    .min(1)
    .max(maxChars)
    .regex(/^[A-Za-z0-9_-]+$/);

/**
 * Client → server, register/change: the record, as JSON, sealed to the server's static box key
 * (`registration` frame). It repeats the hello's op and ids and the server id, so a sealed
 * record cannot be replayed for another username, op or server.
 */
export const registrationRecordSchema = z.strictObject({
  v,
  op: z.enum(['register', 'change']),
  serverId: passwordAccessServerIdSchema,
  workspace: passwordAccessWorkspaceSchema,
  username: passwordAccessUsernameSchema,
  /** SPAKE2+EE stored data, 164 bytes, base64url. */
  storedData: b64(219),
  /** The keyfile blob (the serialized keyfile, encrypted under the password), base64url. */
  keyfileBlob: b64(MAX_KEYFILE_BLOB_TEXT),
});
export type RegistrationRecord = z.infer<typeof registrationRecordSchema>;

/** UTF-8 JSON of a payload. */
export function encodeJsonPayload(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

/** Parses a JSON payload against its schema; anything else is `PROTOCOL_INVALID_FRAME`. */
export function decodeJsonPayload<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch (cause) {
    throw new BackboneError('PROTOCOL_INVALID_FRAME', `The ${what} is not valid JSON.`, { cause });
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    'v' in value &&
    (value as { v: unknown }).v !== PASSWORD_ACCESS_VERSION
  ) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `The ${what} has a protocol version this app does not speak; update Backbone or the server.`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BackboneError('PROTOCOL_INVALID_FRAME', `The ${what} is malformed.`);
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A password-access error that may say when to try again (rate limit, lock-out). */
export class PasswordAccessError extends BackboneError {
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PasswordAccessError';
    this.retryAfterMs = options?.retryAfterMs;
  }

  override toJSON(): { code: ErrorCode; message: string; retryAfterMs?: number } {
    return this.retryAfterMs === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

/** The one message of every failed handshake (as `spake2ee.ts`): it never says which part failed. */
export const PAKE_ABORTED_MESSAGE =
  'Password authentication failed. Check the username and password and try again.';

function minutes(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** The client's own message for a code a server sent (server text is never shown as is). */
export function messageForServerError(code: string, retryAfterMs?: number): string {
  switch (code) {
    case 'PAKE_ABORTED':
      return PAKE_ABORTED_MESSAGE;
    case 'PAKE_RATE_LIMITED':
      return `Too many failed attempts for this username. Wait ${minutes(retryAfterMs ?? 0)} and try again.`;
    case 'PAKE_LOCKED_OUT':
      return (
        `Password access for this username is locked after too many failed attempts. ` +
        `Try again in ${minutes(retryAfterMs ?? 0)}, or open Backbone on a device you already use.`
      );
    case 'AUTH_TOKEN_INVALID':
    case 'AUTH_TOKEN_EXPIRED':
    case 'AUTH_TOKEN_REVOKED':
      return 'The server did not accept this device’s sign-in. Sign in to the server again and retry.';
    case 'FORBIDDEN':
      return 'This username belongs to someone else, or your sign-in may not set it.';
    case 'NOT_FOUND':
      return 'This username has no password access yet; register it first.';
    case 'PROTOCOL_INVALID_FRAME':
      return 'The server did not understand this app’s request. Update Backbone or the server.';
    case 'UNSUPPORTED_VERSION':
      return 'The server speaks another version of the password-access protocol. Update Backbone or the server.';
    case 'REQUEST_TIMEOUT':
      return 'The server stopped waiting. Check the connection and try again.';
    case 'UNAVAILABLE':
      return 'The server is busy or down. Try again later.';
    default:
      return `The server refused the request (${code}). Try again later.`;
  }
}
