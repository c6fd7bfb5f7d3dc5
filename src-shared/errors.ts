/**
 * Typed errors shared by every part of Backbone.
 *
 * Every error carries a stable machine-readable `code` and a human message that says what
 * happened and what to do. Messages never contain secrets (keys, passwords, plaintext).
 */

export const ERROR_CODES = [
  // generic
  'INTERNAL',
  'INVALID_ARGUMENT',
  'UNSUPPORTED_VERSION',
  // IPC / bridge
  'IPC_UNKNOWN_CHANNEL',
  'IPC_INVALID_REQUEST',
  'IPC_INVALID_RESPONSE',
  'IPC_FORBIDDEN_SENDER',
  'IPC_DISCONNECTED',
  'BRIDGE_UNAUTHORIZED',
  // wire protocols
  'PROTOCOL_INVALID_FRAME',
  'CONNECTION_CLOSED',
  // crypto
  'CRYPTO_DECRYPT_FAILED',
  'CRYPTO_BAD_SIGNATURE',
  'CRYPTO_PARAMS_BELOW_FLOOR',
  /** Password-hashing parameters above what this app computes (a denial of service otherwise). */
  'CRYPTO_PARAMS_ABOVE_CEILING',
  'CRYPTO_INVALID_KEY',
  'CRYPTO_STREAM_TRUNCATED',
  'CRYPTO_STREAM_CORRUPT',
  'PAKE_ABORTED',
  'PAKE_RATE_LIMITED',
  'PAKE_LOCKED_OUT',
  'KEYFILE_WRONG_PASSWORD',
  'KEYFILE_CORRUPT',
  'KEYFILE_IO',
  'KIT_INVALID',
  'STATEMENT_INVALID',
  // workspace membership log, invitations, naming key
  'MEMBERSHIP_INVALID',
  'MEMBERSHIP_BAD_SIGNATURE',
  'MEMBERSHIP_BROKEN_CHAIN',
  'MEMBERSHIP_FORBIDDEN',
  'MEMBERSHIP_FORK',
  'MEMBERSHIP_ROLLBACK',
  'MEMBERSHIP_WRONG_WORKSPACE',
  'MEMBERSHIP_ROTATION_REQUIRED',
  'MEMBERSHIP_UNKNOWN_MEMBER',
  /** A workspace this device never verified: compare its fingerprint before opening it. */
  'MEMBERSHIP_FINGERPRINT_REQUIRED',
  'INVITATION_INVALID',
  'INVITATION_BAD_SIGNATURE',
  'NAMING_KEY_INVALID',
  // encrypted store (src-shared/store)
  'STORE_VALUE_TOO_LARGE',
  'STORE_INVALID_PATH',
  'STORE_INVALID_RECORD',
  'STORE_NOT_FOUND',
  'STORE_CONFLICT',
  'STORE_FORBIDDEN',
  'STORE_NO_KEY',
  'STORE_BAD_SIGNATURE',
  'STORE_TAMPERED',
  'STORE_STALE',
  'STORE_EXPIRED',
  /** Something is already at this path (creating refuses to overwrite). */
  'STORE_EXISTS',
  /** This device's saved rollback memory does not open (changed, foreign, cut short). */
  'STORE_SEEN_DAMAGED',
  // encrypted backup repository (src-shared/backup, docs/backup.md)
  /** A repository header, pack, index or snapshot file is malformed or of an unknown layout. */
  'BACKUP_CORRUPT',
  /** The repository header asks for Argon2id below the floors (a downgrade): refused. */
  'BACKUP_PARAMS_BELOW_FLOOR',
  /** The password (or the root secret) does not open this repository's backup key. */
  'BACKUP_WRONG_PASSWORD',
  'BACKUP_WRONG_RECOVERY_KEY',
  /** A chunk, pack or file failed authentication: altered or damaged data. */
  'BACKUP_TAMPERED',
  /** A blob the repository needs is not in the store (deleted or never uploaded). */
  'BACKUP_MISSING',
  /** `init` on a store that already holds a repository. */
  'BACKUP_EXISTS',
  /** A snapshot signed by another identity, or made for another repository. */
  'BACKUP_SNAPSHOT_FOREIGN',
  /** The snapshot list is older than what this device saw (hidden newest, rolled back). */
  'BACKUP_SNAPSHOT_ROLLBACK',
  /** A snapshot does not chain to its predecessor (a swapped, removed or inserted snapshot). */
  'BACKUP_SNAPSHOT_BROKEN_CHAIN',
  /** A path in a snapshot would write outside the restore target. */
  'BACKUP_UNSAFE_PATH',
  // server / HTTP API (HTTP statuses: src-server/http/errors.ts)
  'INVALID_REQUEST',
  'INVALID_JSON',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'URI_TOO_LONG',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'AUTH_REQUIRED',
  'AUTH_TOKEN_INVALID',
  'AUTH_TOKEN_EXPIRED',
  'AUTH_TOKEN_REVOKED',
  'AUTH_DEVICE_REVOKED',
  'AUTH_CHALLENGE_INVALID',
  'AUTH_CHALLENGE_EXPIRED',
  /** The login was signed for another address than this server's (a relayed login). */
  'AUTH_ORIGIN_MISMATCH',
  'AUTH_SIGNATURE_INVALID',
  'AUTH_CERTIFICATE_INVALID',
  'AUTH_IDENTITY_UNKNOWN',
  'FORBIDDEN',
  'SCOPE_NOT_ALLOWED',
  'SIGNATURE_INVALID',
  'IDENTITY_EXISTS',
  'DEVICE_EXISTS',
  'DEVICE_REVOKED',
  'TOKEN_LIMIT_REACHED',
  'WORKSPACE_EXISTS',
  'MEMBERSHIP_CONFLICT',
  // client SDK (src-shared/sdk)
  'SERVER_UNREACHABLE',
  'SERVER_INVALID_RESPONSE',
  'SERVER_KEY_CHANGED',
  /** The server did not prove, with its signing key, the box key it presented. */
  'SERVER_PROOF_INVALID',
  /** A remote server over plain http:// without the explicit allowance. */
  'INSECURE_TRANSPORT',
  // desktop app core (src-main/core)
  'SESSION_LOCKED',
  'SESSION_WRONG_STATE',
  'PASSWORD_TOO_WEAK',
  'KEYCHAIN_UNAVAILABLE',
  /** The server cannot be reached: reading works from the local copy, changes need the server. */
  'OFFLINE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class BackboneError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackboneError';
    this.code = code;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isBackboneError(value: unknown, code?: ErrorCode): value is BackboneError {
  return value instanceof BackboneError && (code === undefined || value.code === code);
}
