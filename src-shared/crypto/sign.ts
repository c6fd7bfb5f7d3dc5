/**
 * Ed25519 signatures (libsodium `crypto_sign_*`): key pairs from a 32-byte seed or at random,
 * detached signatures, branded key constructors with length checks.
 *
 * Secret keys use libsodium's 64-byte layout (seed ‖ public key).
 */
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';
import { randomBytes, type RandomSource } from './random.js';
import { sodium } from './sodium.js';
import type { Seed, SignKeyPair, SignPublicKey, SignSecretKey } from './types.js';

export const SEED_BYTES = 32;
export const SIGN_PUBLIC_KEY_BYTES = 32;
export const SIGN_SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;

function bytesOf(value: unknown, length: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new BackboneError('CRYPTO_INVALID_KEY', `${what} must be ${length} bytes long.`);
  }
  return value;
}

/** Brands 32 bytes as a key-pair seed. */
export function seed(bytes: Uint8Array): Seed {
  noteSecret('key-pair-seed', bytesOf(bytes, SEED_BYTES, 'A key seed'));
  return bytes as Seed;
}

/** Brands 32 bytes as an Ed25519 public key. */
export function signPublicKey(bytes: Uint8Array): SignPublicKey {
  return bytesOf(bytes, SIGN_PUBLIC_KEY_BYTES, 'An Ed25519 public key') as SignPublicKey;
}

/**
 * Brands 64 bytes as an Ed25519 secret key (libsodium layout seed ‖ public key) after checking
 * that the embedded public key really belongs to the seed.
 */
export function signSecretKey(bytes: Uint8Array): SignSecretKey {
  bytesOf(bytes, SIGN_SECRET_KEY_BYTES, 'An Ed25519 secret key');
  const s = sodium();
  const derived = s.crypto_sign_seed_keypair(bytes.subarray(0, SEED_BYTES));
  const consistent = s.memcmp(derived.publicKey, bytes.subarray(SEED_BYTES));
  s.memzero(derived.privateKey);
  if (!consistent) {
    throw new BackboneError(
      'CRYPTO_INVALID_KEY',
      'This Ed25519 secret key is damaged (its public half does not match).',
    );
  }
  noteSecret('sign-secret-key', bytes);
  return bytes as SignSecretKey;
}

/** The Ed25519 key pair of a 32-byte seed (deterministic). */
export function signKeyPairFromSeed(seedBytes: Seed | Uint8Array): SignKeyPair {
  const kp = sodium().crypto_sign_seed_keypair(seed(seedBytes as Uint8Array));
  noteSecret('sign-secret-key', kp.privateKey);
  return {
    publicKey: kp.publicKey as SignPublicKey,
    secretKey: kp.privateKey as SignSecretKey,
  };
}

/** A fresh random Ed25519 key pair (seed from the platform CSPRNG). */
export function generateSignKeyPair(random: RandomSource = randomBytes): SignKeyPair {
  const seedBytes = random(SEED_BYTES);
  try {
    return signKeyPairFromSeed(seedBytes);
  } finally {
    sodium().memzero(seedBytes);
  }
}

/** The 32-byte seed inside a secret key (a copy; wipe it when done). */
export function signSeedOf(secretKey: SignSecretKey): Seed {
  bytesOf(secretKey, SIGN_SECRET_KEY_BYTES, 'An Ed25519 secret key');
  return sodium().crypto_sign_ed25519_sk_to_seed(secretKey) as Seed;
}

/** A detached 64-byte Ed25519 signature of `message`. */
export function signDetached(message: Uint8Array, secretKey: SignSecretKey): Uint8Array {
  if (!(message instanceof Uint8Array)) {
    throw new BackboneError('INVALID_ARGUMENT', 'The message to sign must be bytes.');
  }
  bytesOf(secretKey, SIGN_SECRET_KEY_BYTES, 'An Ed25519 secret key');
  return sodium().crypto_sign_detached(message, secretKey);
}

/**
 * True if `signature` is a valid Ed25519 signature of `message` by `publicKey`. Never throws:
 * malformed inputs (wrong lengths, not bytes) are simply not valid.
 */
export function verifyDetached(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: SignPublicKey,
): boolean {
  if (
    !(signature instanceof Uint8Array) ||
    signature.length !== SIGNATURE_BYTES ||
    !(message instanceof Uint8Array) ||
    !(publicKey instanceof Uint8Array) ||
    publicKey.length !== SIGN_PUBLIC_KEY_BYTES
  ) {
    return false;
  }
  try {
    return sodium().crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** Like `verifyDetached`, but throws `CRYPTO_BAD_SIGNATURE` instead of returning false. */
export function requireValidSignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: SignPublicKey,
  what = 'data',
): void {
  if (!verifyDetached(signature, message, publicKey)) {
    throw new BackboneError(
      'CRYPTO_BAD_SIGNATURE',
      `The signature on this ${what} is not valid: it was changed or not signed by the expected key.`,
    );
  }
}
