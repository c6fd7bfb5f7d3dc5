/**
 * Record encryption: XChaCha20-Poly1305-IETF (libsodium `crypto_aead_xchacha20poly1305_ietf`)
 * with a random 24-byte nonce and associated data (AD).
 *
 * Format chosen: `aeadEncrypt` returns ONE byte string `nonce (24) ‖ ciphertext ‖ tag (16)`, and
 * `aeadDecrypt` takes the same string back. Formats that keep the nonce in a separate field (the
 * keyfile) use `aeadEncryptParts` / `aeadDecryptParts`.
 *
 * The AD must be non-empty: it always names the context (e.g. "backbone/entry/v1" ‖ ids), so a
 * ciphertext moved to another place fails to decrypt. Any failure (wrong key, wrong AD, changed
 * byte, too short) raises `CRYPTO_DECRYPT_FAILED`; no partial plaintext is ever returned.
 */
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';
import { concatBytes, utf8 } from './encoding.js';
import { randomBytes, type RandomSource } from './random.js';
import { sodium } from './sodium.js';
import type { SymmetricKey } from './types.js';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;
/** Bytes added by `aeadEncrypt`: nonce + tag. */
export const AEAD_OVERHEAD_BYTES = AEAD_NONCE_BYTES + AEAD_TAG_BYTES;

export type AssociatedData = Uint8Array | string;

/** Brands 32 bytes as a symmetric key (checks the length; keeps the same buffer). */
export function symmetricKey(bytes: Uint8Array): SymmetricKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== AEAD_KEY_BYTES) {
    throw new BackboneError(
      'CRYPTO_INVALID_KEY',
      `A symmetric key must be ${AEAD_KEY_BYTES} bytes long.`,
    );
  }
  noteSecret('symmetric-key', bytes);
  return bytes as SymmetricKey;
}

/** A fresh random symmetric key. */
export function generateSymmetricKey(random: RandomSource = randomBytes): SymmetricKey {
  return symmetricKey(random(AEAD_KEY_BYTES));
}

function adBytes(ad: AssociatedData): Uint8Array {
  const bytes = typeof ad === 'string' ? utf8(ad) : ad;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'Associated data must name the context (non-empty bytes or text).',
    );
  }
  return bytes;
}

function checkPlaintext(plaintext: Uint8Array): void {
  if (!(plaintext instanceof Uint8Array)) {
    throw new BackboneError('INVALID_ARGUMENT', 'Plaintext must be bytes (Uint8Array).');
  }
}

function decryptFailed(cause?: unknown): BackboneError {
  return new BackboneError(
    'CRYPTO_DECRYPT_FAILED',
    'The data could not be decrypted: wrong key, wrong context, or the data was changed.',
    cause === undefined ? undefined : { cause },
  );
}

export interface AeadParts {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** Encrypts to `{nonce, ciphertext ‖ tag}` with a fresh random nonce. */
export function aeadEncryptParts(
  key: SymmetricKey,
  plaintext: Uint8Array,
  ad: AssociatedData,
  random: RandomSource = randomBytes,
): AeadParts {
  symmetricKey(key);
  checkPlaintext(plaintext);
  const additional = adBytes(ad);
  const nonce = random(AEAD_NONCE_BYTES);
  if (nonce.length !== AEAD_NONCE_BYTES) {
    throw new BackboneError('INTERNAL', 'The random source returned a nonce of the wrong size.');
  }
  const ciphertext = sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    additional,
    null,
    nonce,
    key,
  );
  return { nonce, ciphertext };
}

/** Decrypts `ciphertext ‖ tag` under `nonce`; throws `CRYPTO_DECRYPT_FAILED` on any failure. */
export function aeadDecryptParts(
  key: SymmetricKey,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  ad: AssociatedData,
): Uint8Array {
  symmetricKey(key);
  const additional = adBytes(ad);
  if (
    !(nonce instanceof Uint8Array) ||
    nonce.length !== AEAD_NONCE_BYTES ||
    !(ciphertext instanceof Uint8Array) ||
    ciphertext.length < AEAD_TAG_BYTES
  ) {
    throw decryptFailed();
  }
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      additional,
      nonce,
      key,
    );
  } catch (cause) {
    throw decryptFailed(cause);
  }
}

/** Encrypts to one byte string `nonce ‖ ciphertext ‖ tag`. */
export function aeadEncrypt(
  key: SymmetricKey,
  plaintext: Uint8Array,
  ad: AssociatedData,
  random: RandomSource = randomBytes,
): Uint8Array {
  const { nonce, ciphertext } = aeadEncryptParts(key, plaintext, ad, random);
  return concatBytes(nonce, ciphertext);
}

/** Decrypts a `nonce ‖ ciphertext ‖ tag` string made by `aeadEncrypt`. */
export function aeadDecrypt(key: SymmetricKey, sealed: Uint8Array, ad: AssociatedData): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < AEAD_OVERHEAD_BYTES) {
    // Validate key and AD first so a programming error is not reported as bad data.
    symmetricKey(key);
    adBytes(ad);
    throw decryptFailed();
  }
  return aeadDecryptParts(
    key,
    sealed.subarray(0, AEAD_NONCE_BYTES),
    sealed.subarray(AEAD_NONCE_BYTES),
    ad,
  );
}
