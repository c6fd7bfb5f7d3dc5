/**
 * BLAKE2b hashes (libsodium `crypto_generichash`), plain and keyed, and constant-time comparison.
 *
 * - Default output: 32 bytes (BLAKE2b-256). Any output length from 16 to 64 bytes is allowed.
 * - Keys for keyed hashing: 16 to 64 bytes.
 * - `constantTimeEqual` is the one comparison to use for MACs, hashes of secrets and validators.
 */
import { BackboneError } from '../errors.js';
import { sodium } from './sodium.js';

export const HASH_BYTES = 32;
export const HASH_BYTES_MIN = 16;
export const HASH_BYTES_MAX = 64;
export const HASH_KEY_BYTES_MIN = 16;
export const HASH_KEY_BYTES_MAX = 64;

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < HASH_BYTES_MIN || length > HASH_BYTES_MAX) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `A BLAKE2b output length must be a whole number from ${HASH_BYTES_MIN} to ${HASH_BYTES_MAX} bytes.`,
    );
  }
}

function checkKey(key: Uint8Array): void {
  if (
    !(key instanceof Uint8Array) ||
    key.length < HASH_KEY_BYTES_MIN ||
    key.length > HASH_KEY_BYTES_MAX
  ) {
    throw new BackboneError(
      'CRYPTO_INVALID_KEY',
      `A BLAKE2b key must be ${HASH_KEY_BYTES_MIN} to ${HASH_KEY_BYTES_MAX} bytes long.`,
    );
  }
}

function checkMessage(message: Uint8Array): void {
  if (!(message instanceof Uint8Array)) {
    throw new BackboneError('INVALID_ARGUMENT', 'BLAKE2b input must be bytes (Uint8Array).');
  }
}

/** Unkeyed BLAKE2b of `message`, `length` bytes (default 32). */
export function blake2b(message: Uint8Array, length: number = HASH_BYTES): Uint8Array {
  checkLength(length);
  checkMessage(message);
  return sodium().crypto_generichash(length, message, null);
}

/** Keyed BLAKE2b (a MAC / PRF) of `message` under `key` (16..64 bytes), `length` bytes. */
export function blake2bKeyed(
  key: Uint8Array,
  message: Uint8Array,
  length: number = HASH_BYTES,
): Uint8Array {
  checkLength(length);
  checkKey(key);
  checkMessage(message);
  return sodium().crypto_generichash(length, message, key);
}

/** Incremental BLAKE2b, for inputs that arrive in pieces (files, streams). */
export interface Blake2bHasher {
  update(chunk: Uint8Array): Blake2bHasher;
  /** Finishes the hash; the hasher cannot be used afterwards. */
  digest(): Uint8Array;
}

export function createBlake2b(length: number = HASH_BYTES, key?: Uint8Array): Blake2bHasher {
  checkLength(length);
  if (key !== undefined) checkKey(key);
  const s = sodium();
  const state = s.crypto_generichash_init(key ?? null, length);
  let done = false;
  const hasher: Blake2bHasher = {
    update(chunk) {
      if (done) throw new BackboneError('INTERNAL', 'This BLAKE2b hasher was already finished.');
      checkMessage(chunk);
      s.crypto_generichash_update(state, chunk);
      return hasher;
    },
    digest() {
      if (done) throw new BackboneError('INTERNAL', 'This BLAKE2b hasher was already finished.');
      done = true;
      return s.crypto_generichash_final(state, length);
    },
  };
  return hasher;
}

/**
 * Constant-time equality of two byte strings. Lengths are not secret: different lengths return
 * false at once; equal lengths are compared without an early exit.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return false;
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return sodium().memcmp(a, b);
}
