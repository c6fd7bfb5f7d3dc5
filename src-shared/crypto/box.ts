/**
 * X25519 key pairs and anonymous sealed boxes (libsodium `crypto_box_seal` format).
 *
 * `sealTo` builds the sealed box itself so that the ephemeral secret comes from our CSPRNG
 * (`random.ts`) instead of libsodium's slow WebAssembly generator; the bytes are exactly those of
 * `crypto_box_seal`: `epk (32) ‖ crypto_box_easy(msg, nonce = BLAKE2b-192(epk ‖ pk), pk, esk)`,
 * and `openSealed` is libsodium's `crypto_box_seal_open`. Overhead: 48 bytes.
 */
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';
import { concatBytes } from './encoding.js';
import { randomBytes, type RandomSource } from './random.js';
import { seed, SEED_BYTES } from './sign.js';
import { sodium } from './sodium.js';
import type { BoxKeyPair, BoxPublicKey, BoxSecretKey, Seed } from './types.js';

export const BOX_PUBLIC_KEY_BYTES = 32;
export const BOX_SECRET_KEY_BYTES = 32;
export const SEAL_OVERHEAD_BYTES = 48;
const BOX_NONCE_BYTES = 24;

function bytesOf(value: unknown, length: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new BackboneError('CRYPTO_INVALID_KEY', `${what} must be ${length} bytes long.`);
  }
  return value;
}

/** Brands 32 bytes as an X25519 public key. */
export function boxPublicKey(bytes: Uint8Array): BoxPublicKey {
  return bytesOf(bytes, BOX_PUBLIC_KEY_BYTES, 'An X25519 public key') as BoxPublicKey;
}

/** Brands 32 bytes as an X25519 secret key. */
export function boxSecretKey(bytes: Uint8Array): BoxSecretKey {
  noteSecret('box-secret-key', bytesOf(bytes, BOX_SECRET_KEY_BYTES, 'An X25519 secret key'));
  return bytes as BoxSecretKey;
}

/** The X25519 key pair of a 32-byte seed (deterministic; libsodium `crypto_box_seed_keypair`). */
export function boxKeyPairFromSeed(seedBytes: Seed | Uint8Array): BoxKeyPair {
  const kp = sodium().crypto_box_seed_keypair(seed(seedBytes as Uint8Array));
  noteSecret('box-secret-key', kp.privateKey);
  return { publicKey: kp.publicKey as BoxPublicKey, secretKey: kp.privateKey as BoxSecretKey };
}

/** Rebuilds a key pair from its secret key (public key = X25519 base-point multiple). */
export function boxKeyPairFromSecretKey(secretKey: BoxSecretKey | Uint8Array): BoxKeyPair {
  const sk = boxSecretKey(secretKey as Uint8Array);
  const pk = sodium().crypto_scalarmult_base(sk) as BoxPublicKey;
  return { publicKey: pk, secretKey: sk };
}

/** A fresh random X25519 key pair. */
export function generateBoxKeyPair(random: RandomSource = randomBytes): BoxKeyPair {
  const seedBytes = random(SEED_BYTES);
  try {
    return boxKeyPairFromSeed(seedBytes);
  } finally {
    sodium().memzero(seedBytes);
  }
}

/**
 * Seals `message` to `publicKey`: only the holder of the matching secret key can open it, and
 * the sender stays anonymous. Output length = message length + 48.
 */
export function sealTo(
  publicKey: BoxPublicKey,
  message: Uint8Array,
  random: RandomSource = randomBytes,
): Uint8Array {
  boxPublicKey(publicKey);
  if (!(message instanceof Uint8Array)) {
    throw new BackboneError('INVALID_ARGUMENT', 'The message to seal must be bytes.');
  }
  const s = sodium();
  const ephemeralSecret = random(BOX_SECRET_KEY_BYTES);
  try {
    const ephemeralPublic = s.crypto_scalarmult_base(ephemeralSecret);
    const nonce = s.crypto_generichash(
      BOX_NONCE_BYTES,
      concatBytes(ephemeralPublic, publicKey),
      null,
    );
    let boxed: Uint8Array;
    try {
      boxed = s.crypto_box_easy(message, nonce, publicKey, ephemeralSecret);
    } catch (cause) {
      // libsodium refuses public keys of small order (the shared secret would be all zeros).
      throw new BackboneError('CRYPTO_INVALID_KEY', 'This X25519 public key cannot be used.', {
        cause,
      });
    }
    return concatBytes(ephemeralPublic, boxed);
  } finally {
    s.memzero(ephemeralSecret);
  }
}

/** Opens a sealed box with the recipient's key pair; `CRYPTO_DECRYPT_FAILED` on any failure. */
export function openSealed(keyPair: BoxKeyPair, sealed: Uint8Array): Uint8Array {
  boxPublicKey(keyPair.publicKey);
  boxSecretKey(keyPair.secretKey);
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD_BYTES) {
    throw new BackboneError(
      'CRYPTO_DECRYPT_FAILED',
      'The sealed data is too short to be valid; it was cut off or changed.',
    );
  }
  try {
    return sodium().crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.secretKey);
  } catch (cause) {
    throw new BackboneError(
      'CRYPTO_DECRYPT_FAILED',
      'The sealed data could not be opened: it is for another key or it was changed.',
      { cause },
    );
  }
}
