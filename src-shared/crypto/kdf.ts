/**
 * Subkey derivation: libsodium `crypto_kdf_derive_from_key` (BLAKE2b keyed with the master key,
 * salt = subkey id as u64 little-endian, personalization = 8-byte context).
 *
 * Contexts are exactly 8 printable ASCII characters (= 8 bytes), such as "bbident1" or "PAKE2+EE".
 * Subkey ids are unsigned 64-bit integers (a `number` up to 2^53 − 1 or a `bigint` up to 2^64 − 1).
 */
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';
import { randomBytes, type RandomSource } from './random.js';
import { sodium } from './sodium.js';
import type { KdfKey } from './types.js';

export const KDF_KEY_BYTES = 32;
export const KDF_CONTEXT_BYTES = 8;
export const KDF_SUBKEY_BYTES_MIN = 16;
export const KDF_SUBKEY_BYTES_MAX = 64;

const U64_MAX = (1n << 64n) - 1n;
const I32_MAX = 0x7fffffff;

/** Brands 32 bytes as a KDF master key (checks the length; keeps the same buffer). */
export function kdfKey(bytes: Uint8Array): KdfKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== KDF_KEY_BYTES) {
    throw new BackboneError('CRYPTO_INVALID_KEY', `A KDF key must be ${KDF_KEY_BYTES} bytes long.`);
  }
  noteSecret('kdf-key', bytes);
  return bytes as KdfKey;
}

/** A fresh random KDF master key. */
export function generateKdfKey(random: RandomSource = randomBytes): KdfKey {
  return kdfKey(random(KDF_KEY_BYTES));
}

const CONTEXT_PATTERN = /^[\x20-\x7e]{8}$/;

/** Checks that `context` is exactly 8 printable ASCII characters (8 bytes); returns it. */
export function checkKdfContext(context: string): string {
  if (typeof context !== 'string' || !CONTEXT_PATTERN.test(context)) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `A KDF context must be exactly ${KDF_CONTEXT_BYTES} printable ASCII characters (for example "bbident1").`,
    );
  }
  return context;
}

function normalizeId(id: number | bigint): number | bigint {
  if (typeof id === 'bigint') {
    if (id < 0n || id > U64_MAX) {
      throw new BackboneError('INVALID_ARGUMENT', 'A KDF subkey id must fit in 64 unsigned bits.');
    }
    return id <= BigInt(I32_MAX) ? Number(id) : id;
  }
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A KDF subkey id must be a non-negative whole number (use a bigint above 2^53).',
    );
  }
  // The wrapper takes a plain number only up to 2^31 − 1; larger ids go through bigint.
  return id <= I32_MAX ? id : BigInt(id);
}

/**
 * Derives subkey number `id` of `length` bytes (16..64, default 32) from `key` under the 8-byte
 * `context`. Deterministic: the same inputs always give the same subkey.
 */
export function deriveSubkey(
  key: KdfKey,
  id: number | bigint,
  context: string,
  length: number = 32,
): Uint8Array {
  kdfKey(key);
  checkKdfContext(context);
  if (!Number.isInteger(length) || length < KDF_SUBKEY_BYTES_MIN || length > KDF_SUBKEY_BYTES_MAX) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `A KDF subkey must be ${KDF_SUBKEY_BYTES_MIN} to ${KDF_SUBKEY_BYTES_MAX} bytes long.`,
    );
  }
  const subkey = sodium().crypto_kdf_derive_from_key(length, normalizeId(id), context, key);
  noteSecret(`subkey:${context}`, subkey);
  return subkey;
}
