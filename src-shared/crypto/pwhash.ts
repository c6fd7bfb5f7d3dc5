/**
 * Password hashing: Argon2id v1.3 (libsodium `crypto_pwhash`, ALG_ARGON2ID13, 1 lane), with the
 * anti-downgrade floors of docs/design.md §0. Nothing derives a key with, or accepts from a server or
 * a file, parameters below the floors.
 *
 * - Text passwords are Unicode-normalized (NFC) and encoded as UTF-8, so the same password typed
 *   on different systems gives the same key. Byte passwords are used as they are.
 * - Salt: exactly 16 bytes. Output: 32 bytes by default (16..1024 allowed).
 * - Weaker parameters are accepted ONLY with the option `testOnlyAllowWeakParams: true`, meant for
 *   unit tests; production code must never pass it.
 * - Parameters above `PWHASH_LIMITS` are refused too: a hostile server or file could otherwise
 *   make the client spend minutes and gigabytes (a denial of service).
 */
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';
import { utf8 } from './encoding.js';
import { sodium } from './sodium.js';

export interface PwhashParams {
  /** Argon2 passes (t). */
  opslimit: number;
  /** Memory in bytes (Argon2 uses memlimit / 1024 KiB). */
  memlimit: number;
}

/** What the derived key protects; each purpose has its own floor (today all equal). */
export type PwhashPurpose = 'localUnlock' | 'passwordAccess' | 'backup';

const MiB = 1024 * 1024;

/** Floors of docs/design.md §0 (libsodium MODERATE: 3 passes, 256 MiB). */
export const PWHASH_FLOORS: Readonly<Record<PwhashPurpose, Readonly<PwhashParams>>> = Object.freeze(
  {
    localUnlock: Object.freeze({ opslimit: 3, memlimit: 256 * MiB }),
    passwordAccess: Object.freeze({ opslimit: 3, memlimit: 256 * MiB }),
    backup: Object.freeze({ opslimit: 3, memlimit: 256 * MiB }),
  },
);

/** Default parameters for new keyfiles and registrations: the floor. */
export const PWHASH_DEFAULT_PARAMS: Readonly<PwhashParams> = PWHASH_FLOORS.localUnlock;

/**
 * Upper limits ("stronger, slower" settings stay below these; anything above is refused with
 * `CRYPTO_PARAMS_ABOVE_CEILING`). A server chooses the parameters of two derivations at a
 * password sign-in (the SPAKE2+EE verifier and the keyfile blob), so each must stay cheap enough
 * that both, plus the local keyfile at the floor, take about 5 s at most: see docs/crypto.md.
 */
export const PWHASH_LIMITS: Readonly<PwhashParams> = Object.freeze({
  opslimit: 8,
  memlimit: 512 * MiB,
});

/**
 * Ceiling on the work of one derivation, opslimit × memlimit (bytes): 2 GiB·passes, about 2.7×
 * the floor's 768 MiB·passes (e.g. 8 × 256 MiB or 4 × 512 MiB).
 */
export const PWHASH_MAX_WORK = 2048 * MiB;

/** True if `params` are within `PWHASH_LIMITS` and `PWHASH_MAX_WORK`. */
export function isWithinCeiling(params: PwhashParams): boolean {
  return (
    params.opslimit <= PWHASH_LIMITS.opslimit &&
    params.memlimit <= PWHASH_LIMITS.memlimit &&
    params.opslimit * params.memlimit <= PWHASH_MAX_WORK
  );
}

/** Refuses parameters over the ceiling (`CRYPTO_PARAMS_ABOVE_CEILING`). */
export function assertWithinCeiling(params: PwhashParams): void {
  if (isWithinCeiling(params)) return;
  throw new BackboneError(
    'CRYPTO_PARAMS_ABOVE_CEILING',
    `Password-hashing parameters are too heavy (opslimit ${params.opslimit}, memory ${mib(params.memlimit)}); ` +
      `the most Backbone computes is opslimit ${PWHASH_LIMITS.opslimit}, ${mib(PWHASH_LIMITS.memlimit)}, ` +
      `and ${mib(PWHASH_MAX_WORK)}·passes in all. They may have been raised on purpose to stall this device; do not continue.`,
  );
}

/** libsodium's own minimums; even test-only parameters cannot go below these. */
const SODIUM_MIN: Readonly<PwhashParams> = Object.freeze({ opslimit: 1, memlimit: 8192 });

export const PWHASH_SALT_BYTES = 16;
export const PWHASH_ALG = 'argon2id13';
const OUTPUT_MIN = 16;
const OUTPUT_MAX = 1024;

export interface PwhashOptions {
  /** Which floor applies (default `passwordAccess`; all floors are equal today). */
  purpose?: PwhashPurpose;
  /**
   * UNIT TESTS ONLY. Allows parameters below the floors (down to libsodium's minimums) so tests
   * run fast. Never set this in application code.
   */
  testOnlyAllowWeakParams?: boolean;
}

export interface DeriveKeyFromPasswordOptions extends PwhashOptions {
  /** Output length in bytes (default 32). */
  length?: number;
}

function mib(bytes: number): string {
  const value = bytes / MiB;
  return Number.isInteger(value) ? `${value} MiB` : `${bytes} bytes`;
}

/**
 * Checks Argon2id parameters, e.g. those served by a server or read from a file:
 * - not whole positive numbers → `INVALID_ARGUMENT`;
 * - below the floor of `purpose` → `CRYPTO_PARAMS_BELOW_FLOOR` (unless the test-only option);
 * - above `PWHASH_LIMITS` / `PWHASH_MAX_WORK` → `CRYPTO_PARAMS_ABOVE_CEILING`.
 */
export function assertParamsAtFloor(params: PwhashParams, options: PwhashOptions = {}): void {
  const purpose = options.purpose ?? 'passwordAccess';
  const floor = PWHASH_FLOORS[purpose];
  if (
    typeof params !== 'object' ||
    params === null ||
    !Number.isSafeInteger(params.opslimit) ||
    !Number.isSafeInteger(params.memlimit)
  ) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'Password-hashing parameters must be whole numbers (opslimit and memlimit).',
    );
  }
  if (params.opslimit < SODIUM_MIN.opslimit || params.memlimit < SODIUM_MIN.memlimit) {
    throw new BackboneError(
      'CRYPTO_PARAMS_BELOW_FLOOR',
      `Password-hashing parameters (opslimit ${params.opslimit}, memlimit ${params.memlimit} bytes) are below what the Argon2id library accepts.`,
    );
  }
  if (
    options.testOnlyAllowWeakParams !== true &&
    (params.opslimit < floor.opslimit || params.memlimit < floor.memlimit)
  ) {
    throw new BackboneError(
      'CRYPTO_PARAMS_BELOW_FLOOR',
      `Password-hashing parameters are too weak (opslimit ${params.opslimit}, memory ${mib(params.memlimit)}); ` +
        `Backbone requires at least opslimit ${floor.opslimit} and ${mib(floor.memlimit)}. ` +
        'They may have been lowered on purpose by whoever supplied them; do not continue.',
    );
  }
  assertWithinCeiling(params);
}

/**
 * One Argon2id13 computation handed to an `Argon2idRunner`. The runner only computes: callers
 * check the parameters (floors, ceiling) and normalize the password first. The runner neither
 * keeps nor changes `password`; the caller wipes its own copy afterwards.
 */
export interface Argon2idJob {
  password: Uint8Array;
  salt: Uint8Array;
  opslimit: number;
  memlimit: number;
  /** Output bytes (default 32). */
  length?: number;
}

/**
 * Where Argon2id runs. The default (`argon2idHere`) computes on the calling thread; the app core
 * passes its worker (src-main/core/session/argon2-worker.ts) so its event loop never blocks.
 */
export type Argon2idRunner = (job: Argon2idJob) => Promise<Uint8Array>;

/** Argon2id13 on the calling thread (blocks it for the whole computation). */
export const argon2idHere: Argon2idRunner = (job) => {
  const s = sodium();
  try {
    return Promise.resolve(
      s.crypto_pwhash(
        job.length ?? 32,
        job.password,
        job.salt,
        job.opslimit,
        job.memlimit,
        s.crypto_pwhash_ALG_ARGON2ID13,
      ),
    );
  } catch (cause) {
    return Promise.reject(
      new BackboneError(
        'INTERNAL',
        'Password hashing failed (the device may be out of memory). Close other apps and retry.',
        { cause },
      ),
    );
  }
};

/** The bytes hashed for a password: NFC-normalized UTF-8 for text, as-is for bytes. */
export function passwordBytes(password: string | Uint8Array): Uint8Array {
  if (typeof password === 'string') return utf8(password.normalize('NFC'));
  if (password instanceof Uint8Array) return password;
  throw new BackboneError('INVALID_ARGUMENT', 'A password must be text or bytes.');
}

/** The checks of `deriveKeyFromPassword`; returns the output length. */
function checkDeriveInput(
  salt: Uint8Array,
  params: PwhashParams,
  options: DeriveKeyFromPasswordOptions,
): number {
  assertParamsAtFloor(params, options);
  const length = options.length ?? 32;
  if (!Number.isInteger(length) || length < OUTPUT_MIN || length > OUTPUT_MAX) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `A password-derived key must be ${OUTPUT_MIN} to ${OUTPUT_MAX} bytes long.`,
    );
  }
  if (!(salt instanceof Uint8Array) || salt.length !== PWHASH_SALT_BYTES) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `A password salt must be ${PWHASH_SALT_BYTES} bytes long.`,
    );
  }
  return length;
}

function nonEmptyPasswordBytes(password: string | Uint8Array): Uint8Array {
  const bytes = passwordBytes(password);
  if (bytes.length === 0) {
    throw new BackboneError('INVALID_ARGUMENT', 'The password must not be empty.');
  }
  return bytes;
}

/**
 * Argon2id13(password, salt, params) → `length` bytes (default 32). Refuses parameters below the
 * floors with `CRYPTO_PARAMS_BELOW_FLOOR` unless `testOnlyAllowWeakParams` is set.
 */
export function deriveKeyFromPassword(
  password: string | Uint8Array,
  salt: Uint8Array,
  params: PwhashParams,
  options: DeriveKeyFromPasswordOptions = {},
): Uint8Array {
  const length = checkDeriveInput(salt, params, options);
  const bytes = nonEmptyPasswordBytes(password);
  const s = sodium();
  try {
    const key = s.crypto_pwhash(
      length,
      bytes,
      salt,
      params.opslimit,
      params.memlimit,
      s.crypto_pwhash_ALG_ARGON2ID13,
    );
    noteSecret('password-derived-key', key);
    return key;
  } catch (cause) {
    throw new BackboneError(
      'INTERNAL',
      'Password hashing failed (the device may be out of memory). Close other apps and retry.',
      { cause },
    );
  } finally {
    // Wipe our own copy of a text password; caller-owned byte passwords are left alone.
    if (typeof password === 'string') s.memzero(bytes);
  }
}

/**
 * `deriveKeyFromPassword` with Argon2id run by `argon2id` (e.g. a worker): the same checks
 * before any work, the same output.
 */
export async function deriveKeyFromPasswordWith(
  argon2id: Argon2idRunner,
  password: string | Uint8Array,
  salt: Uint8Array,
  params: PwhashParams,
  options: DeriveKeyFromPasswordOptions = {},
): Promise<Uint8Array> {
  const length = checkDeriveInput(salt, params, options);
  const bytes = nonEmptyPasswordBytes(password);
  try {
    const key = await argon2id({
      password: bytes,
      salt,
      opslimit: params.opslimit,
      memlimit: params.memlimit,
      length,
    });
    noteSecret('password-derived-key', key);
    return key;
  } finally {
    if (typeof password === 'string') sodium().memzero(bytes);
  }
}
