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
  // crypto
  'CRYPTO_DECRYPT_FAILED',
  'CRYPTO_BAD_SIGNATURE',
  'CRYPTO_PARAMS_BELOW_FLOOR',
  'CRYPTO_INVALID_KEY',
  'CRYPTO_STREAM_TRUNCATED',
  'CRYPTO_STREAM_CORRUPT',
  'PAKE_ABORTED',
  'KEYFILE_WRONG_PASSWORD',
  'KEYFILE_CORRUPT',
  'KEYFILE_IO',
  'KIT_INVALID',
  'STATEMENT_INVALID',
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
