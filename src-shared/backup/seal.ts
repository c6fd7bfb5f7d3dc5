/**
 * XChaCha20-Poly1305-IETF (the AEAD of docs/design.md §0, `crypto_aead_xchacha20poly1305_ietf`) at
 * native speed: the subkey comes from libsodium's HChaCha20 (one call per message), the bulk
 * ChaCha20-Poly1305 from OpenSSL through node:crypto. The bytes are exactly libsodium's (tests
 * check both directions); libsodium's WebAssembly build alone ran about 5× slower (docs/backup.md).
 *
 *   sealed = nonce (24, random) ‖ ciphertext ‖ tag (16)        (the layout of aead.ts)
 *
 * A random 192-bit nonce per message, as in the record AEAD: no counter to keep, no collision in
 * any number of chunks a repository will ever hold. Node only (node:crypto).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytes, sodium, type RandomSource } from '../crypto/index.js';
import { BackboneError } from '../errors.js';

export const SEAL_NONCE_BYTES = 24;
export const SEAL_TAG_BYTES = 16;
export const SEAL_OVERHEAD_BYTES = SEAL_NONCE_BYTES + SEAL_TAG_BYTES;

type HChaCha20 = (input: Uint8Array, key: Uint8Array, constant: Uint8Array | null) => Uint8Array;

function subkeyAndNonce(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; iv: Buffer } {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new BackboneError('CRYPTO_INVALID_KEY', 'An encryption key is 32 bytes.');
  }
  // Typed by hand: the @types package lists only the constants of crypto_core_hchacha20.
  const hchacha20 = (sodium() as unknown as { crypto_core_hchacha20: HChaCha20 })
    .crypto_core_hchacha20;
  const subkey = hchacha20(nonce.subarray(0, 16), key, null);
  const iv = Buffer.alloc(12);
  iv.set(nonce.subarray(16, 24), 4);
  return { subkey, iv };
}

/** Encrypts `plaintext` under `key` with associated data `ad` (non-empty). */
export function seal(
  key: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
  random: RandomSource = randomBytes,
): Uint8Array {
  if (ad.length === 0) throw new BackboneError('INVALID_ARGUMENT', 'Associated data is required.');
  const nonce = random(SEAL_NONCE_BYTES);
  const { subkey, iv } = subkeyAndNonce(key, nonce);
  try {
    const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const out = Buffer.allocUnsafeSlow(SEAL_OVERHEAD_BYTES + plaintext.length);
    out.set(nonce, 0);
    let at = SEAL_NONCE_BYTES;
    const body = cipher.update(plaintext);
    out.set(body, at);
    at += body.length;
    const rest = cipher.final();
    out.set(rest, at);
    at += rest.length;
    out.set(cipher.getAuthTag(), at);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } finally {
    subkey.fill(0);
  }
}

function failed(): BackboneError {
  return new BackboneError(
    'CRYPTO_DECRYPT_FAILED',
    'The data could not be decrypted: wrong key, wrong context, or the data was changed.',
  );
}

/** Decrypts what `seal` made; any failure is CRYPTO_DECRYPT_FAILED and yields nothing. */
export function open(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD_BYTES) throw failed();
  const { subkey, iv } = subkeyAndNonce(key, sealed.subarray(0, SEAL_NONCE_BYTES));
  try {
    const split = sealed.length - SEAL_TAG_BYTES;
    const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
    decipher.setAAD(ad, { plaintextLength: split - SEAL_NONCE_BYTES });
    decipher.setAuthTag(sealed.subarray(split));
    const body = decipher.update(sealed.subarray(SEAL_NONCE_BYTES, split));
    try {
      decipher.final();
    } catch {
      body.fill(0);
      throw failed();
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  } finally {
    subkey.fill(0);
  }
}
