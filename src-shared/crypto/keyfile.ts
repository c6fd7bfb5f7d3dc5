/**
 * The local keyfile (docs/design.md §1): the root secret RS and this device's Ed25519 key, wrapped
 * under a key derived from the user's password.
 *
 * File: UTF-8 JSON, binary fields base64url without padding:
 *
 *     { "v": 1,
 *       "kdf": { "alg": "argon2id13", "ops": 3, "mem": 268435456, "salt": <16 bytes> },
 *       "nonce": <24 bytes>,
 *       "ct": <80 bytes> }
 *
 *     K  = Argon2id13(password, salt, ops, mem) (32 bytes, see pwhash.ts)
 *     AD = UTF-8("backbone/keyfile/v1\n") ‖ UTF-8(JCS({"kdf": kdf, "v": v}))
 *     ct = XChaCha20-Poly1305(K, nonce, RS (32) ‖ device Ed25519 seed (32), AD)
 *
 * The device secret key is stored in its 32-byte seed form (libsodium expands it to the 64-byte
 * secret key and the public key). Binding `v` and every kdf field into the AD means a changed
 * version, algorithm, parameter or salt makes decryption fail even if the attacker could guess
 * the password's effect; the nonce and ct are covered by the AEAD itself. An AEAD cannot tell a
 * wrong password from a modified file, so that case is one error, `KEYFILE_WRONG_PASSWORD`, whose
 * message names both causes. Structural damage is `KEYFILE_CORRUPT`; an unknown `v` is
 * `UNSUPPORTED_VERSION`; kdf parameters below the floors are refused before any work with
 * `CRYPTO_PARAMS_BELOW_FLOOR` (anti-downgrade), except with the test-only option.
 *
 * Changing the password re-wraps RS and the device key under a fresh salt and nonce; neither key
 * changes. Reading and writing the file is Node-only: src-shared/node/keyfile-file.ts (atomic
 * writes: temp file, fsync, rename, fsync directory).
 */
import { z } from 'zod';
import { BackboneError, isBackboneError } from '../errors.js';
import { aeadDecryptParts, aeadEncryptParts, symmetricKey } from './aead.js';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.js';
import { rootSecret, ROOT_SECRET_BYTES } from './identity.js';
import {
  assertParamsAtFloor,
  deriveKeyFromPassword,
  PWHASH_ALG,
  PWHASH_DEFAULT_PARAMS,
  PWHASH_SALT_BYTES,
  type PwhashParams,
} from './pwhash.js';
import { randomBytes, type RandomSource } from './random.js';
import { generateSignKeyPair, SEED_BYTES, signKeyPairFromSeed } from './sign.js';
import { sodium } from './sodium.js';
import { canonicalJson } from './statement.js';
import type { KdfKey, SignKeyPair } from './types.js';

export const KEYFILE_VERSION = 1;
export const KEYFILE_AD_PREFIX = 'backbone/keyfile/v1';
/** Keyfiles are tiny (~300 bytes); anything much larger is not a keyfile. */
export const KEYFILE_MAX_BYTES = 64 * 1024;

const NONCE_BYTES = 24;
const PLAINTEXT_BYTES = ROOT_SECRET_BYTES + SEED_BYTES;
const CT_BYTES = PLAINTEXT_BYTES + 16;

const b64 = (bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/);

/**
 * What a keyfile's kdf fields may hold at all: beyond this it is garbage (`KEYFILE_CORRUPT`);
 * within it but over `PWHASH_LIMITS` / `PWHASH_MAX_WORK`, opening refuses it as too heavy
 * (`CRYPTO_PARAMS_ABOVE_CEILING`, from `assertParamsAtFloor`) before any hashing.
 */
const KDF_FIELD_MAX = { ops: 32, mem: 1024 * 1024 * 1024 } as const;

export const KeyfileSchema = z.strictObject({
  v: z.literal(KEYFILE_VERSION),
  kdf: z.strictObject({
    alg: z.literal(PWHASH_ALG),
    ops: z.number().int().min(1).max(KDF_FIELD_MAX.ops),
    mem: z.number().int().min(8192).max(KDF_FIELD_MAX.mem),
    salt: b64(PWHASH_SALT_BYTES),
  }),
  nonce: b64(NONCE_BYTES),
  ct: b64(CT_BYTES),
});

export type Keyfile = z.infer<typeof KeyfileSchema>;

export interface UnlockedKeyfile {
  /** The root secret RS (wipe with `sodium().memzero` when done). */
  rootSecret: KdfKey;
  /** This device's Ed25519 key pair. */
  deviceSignKeyPair: SignKeyPair;
}

export interface KeyfileOptions {
  /**
   * UNIT TESTS ONLY: allow Argon2id parameters below the floors (fast tests). Never set this in
   * application code.
   */
  testOnlyAllowWeakParams?: boolean;
}

export interface CreateKeyfileOptions extends KeyfileOptions {
  /** Argon2id parameters (default: the floor, opslimit 3 / 256 MiB). */
  params?: PwhashParams;
  /** Wrap this root secret instead of a new random one (e.g. restored from the Emergency Kit). */
  rootSecret?: Uint8Array;
  /** Wrap this device key pair instead of a new one. */
  deviceSignKeyPair?: SignKeyPair;
  random?: RandomSource;
}

export interface ChangeKeyfilePasswordOptions extends KeyfileOptions {
  /** New Argon2id parameters (default: those of the current keyfile). */
  params?: PwhashParams;
  random?: RandomSource;
}

function corrupt(detail: string, cause?: unknown): BackboneError {
  return new BackboneError(
    'KEYFILE_CORRUPT',
    `The keyfile is damaged (${detail}). Restore it from a backup or use your Emergency Kit.`,
    cause === undefined ? undefined : { cause },
  );
}

interface DecodedKeyfile {
  keyfile: Keyfile;
  params: PwhashParams;
  salt: Uint8Array;
  nonce: Uint8Array;
  ct: Uint8Array;
}

/** Validates an already-parsed keyfile object and decodes its binary fields. */
function decodeKeyfile(value: unknown): DecodedKeyfile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt('not a JSON object');
  }
  const v = (value as { v?: unknown }).v;
  if (typeof v !== 'number') throw corrupt('no version');
  if (v !== KEYFILE_VERSION) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `This keyfile has format version ${v}; this app reads version ${KEYFILE_VERSION}. Update Backbone to open it.`,
    );
  }
  const parsed = KeyfileSchema.safeParse(value);
  if (!parsed.success) {
    throw corrupt(`bad field ${parsed.error.issues[0]?.path.join('.') || 'structure'}`);
  }
  const keyfile = parsed.data;
  try {
    const salt = fromBase64Url(keyfile.kdf.salt);
    const nonce = fromBase64Url(keyfile.nonce);
    const ct = fromBase64Url(keyfile.ct);
    if (
      salt.length !== PWHASH_SALT_BYTES ||
      nonce.length !== NONCE_BYTES ||
      ct.length !== CT_BYTES
    ) {
      throw corrupt('wrong field length');
    }
    return {
      keyfile,
      params: { opslimit: keyfile.kdf.ops, memlimit: keyfile.kdf.mem },
      salt,
      nonce,
      ct,
    };
  } catch (cause) {
    if (isBackboneError(cause, 'KEYFILE_CORRUPT')) throw cause;
    throw corrupt('bad encoding', cause);
  }
}

/** The associated data: prefix, new line, canonical JSON of `{kdf, v}`. */
export function keyfileAssociatedData(keyfile: Pick<Keyfile, 'v' | 'kdf'>): Uint8Array {
  const header = {
    kdf: {
      alg: keyfile.kdf.alg,
      ops: keyfile.kdf.ops,
      mem: keyfile.kdf.mem,
      salt: keyfile.kdf.salt,
    },
    v: keyfile.v,
  };
  return concatBytes(utf8(`${KEYFILE_AD_PREFIX}\n`), utf8(canonicalJson(header)));
}

/**
 * Starts a new keyfile under `params`: checks them against the floors and draws a fresh salt.
 * Argon2id(password, salt, params) then gives the key for `sealKeyfileWithKey`. Callers that run
 * Argon2id elsewhere (a worker thread) use this pair; `createKeyfile` does both steps itself.
 */
export function newKeyfileHeader(
  params: PwhashParams,
  options: KeyfileOptions & { random?: RandomSource } = {},
): { header: Pick<Keyfile, 'v' | 'kdf'>; salt: Uint8Array } {
  assertParamsAtFloor(params, {
    purpose: 'localUnlock',
    testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
  });
  const salt = (options.random ?? randomBytes)(PWHASH_SALT_BYTES);
  const header = {
    v: KEYFILE_VERSION,
    kdf: { alg: PWHASH_ALG, ops: params.opslimit, mem: params.memlimit, salt: toBase64Url(salt) },
  } as const;
  return { header, salt };
}

/** Wraps RS and the device seed under an already derived key (see `newKeyfileHeader`). */
export function sealKeyfileWithKey(
  header: Pick<Keyfile, 'v' | 'kdf'>,
  key: Uint8Array,
  rs: Uint8Array,
  deviceSeed: Uint8Array,
  random: RandomSource = randomBytes,
): Keyfile {
  const plaintext = concatBytes(rs, deviceSeed);
  try {
    const { nonce, ciphertext } = aeadEncryptParts(
      symmetricKey(Uint8Array.from(key)),
      plaintext,
      keyfileAssociatedData(header),
      random,
    );
    return decodeKeyfile({
      ...header,
      nonce: toBase64Url(nonce),
      ct: toBase64Url(ciphertext),
    }).keyfile;
  } finally {
    sodium().memzero(plaintext);
  }
}

function wrap(
  password: string | Uint8Array,
  rs: Uint8Array,
  deviceSeed: Uint8Array,
  params: PwhashParams,
  options: KeyfileOptions & { random?: RandomSource },
): Keyfile {
  const { header, salt } = newKeyfileHeader(params, options);
  const key = deriveKeyFromPassword(password, salt, params, {
    purpose: 'localUnlock',
    testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
  });
  try {
    return sealKeyfileWithKey(header, key, rs, deviceSeed, options.random);
  } finally {
    sodium().memzero(key);
  }
}

/**
 * Makes a new keyfile: a random root secret (unless given) and a fresh device key pair (unless
 * given), wrapped under `password`. Returns the keyfile and the unwrapped keys.
 */
export function createKeyfile(
  password: string | Uint8Array,
  options: CreateKeyfileOptions = {},
): { keyfile: Keyfile; unlocked: UnlockedKeyfile } {
  const random = options.random ?? randomBytes;
  const rs = rootSecret(
    options.rootSecret !== undefined
      ? Uint8Array.from(options.rootSecret)
      : random(ROOT_SECRET_BYTES),
  );
  const deviceSignKeyPair =
    options.deviceSignKeyPair !== undefined
      ? signKeyPairFromSeed(options.deviceSignKeyPair.secretKey.subarray(0, SEED_BYTES))
      : generateSignKeyPair(random);
  if (
    options.deviceSignKeyPair !== undefined &&
    !sodium().memcmp(deviceSignKeyPair.publicKey, options.deviceSignKeyPair.publicKey)
  ) {
    throw new BackboneError('CRYPTO_INVALID_KEY', 'The device key pair is inconsistent.');
  }
  const keyfile = wrap(
    password,
    rs,
    deviceSignKeyPair.secretKey.subarray(0, SEED_BYTES),
    options.params ?? PWHASH_DEFAULT_PARAMS,
    { ...options, random },
  );
  return { keyfile, unlocked: { rootSecret: rs, deviceSignKeyPair } };
}

/**
 * Step 1 of opening a keyfile: checks its structure, version and Argon2id parameters (below the
 * floors → refused before any work: anti-downgrade). Returns what Argon2id needs; the derived
 * key then goes to `openKeyfileWithKey`. `unlockKeyfile` does both steps itself.
 */
export function keyfileKdfInput(
  keyfile: Keyfile,
  options: KeyfileOptions = {},
): { salt: Uint8Array; params: PwhashParams } {
  const decoded = decodeKeyfile(keyfile);
  try {
    assertParamsAtFloor(decoded.params, {
      purpose: 'localUnlock',
      testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
    });
  } catch (cause) {
    if (isBackboneError(cause, 'CRYPTO_PARAMS_BELOW_FLOOR')) {
      throw new BackboneError(
        'CRYPTO_PARAMS_BELOW_FLOOR',
        'This keyfile asks for weaker password hashing than Backbone allows, so it was probably ' +
          'tampered with. It was not opened. Restore it from a backup or use your Emergency Kit.',
        { cause },
      );
    }
    throw cause;
  }
  return { salt: decoded.salt, params: decoded.params };
}

/**
 * Step 2 of opening a keyfile: decrypts it with the derived key (Argon2id of the password, or a
 * key kept by the OS keychain). Throws `KEYFILE_WRONG_PASSWORD` if it does not open.
 */
export function openKeyfileWithKey(keyfile: Keyfile, key: Uint8Array): UnlockedKeyfile {
  const decoded = decodeKeyfile(keyfile);
  const s = sodium();
  let plaintext: Uint8Array;
  try {
    plaintext = aeadDecryptParts(
      symmetricKey(Uint8Array.from(key)),
      decoded.nonce,
      decoded.ct,
      keyfileAssociatedData(decoded.keyfile),
    );
  } catch (cause) {
    throw new BackboneError(
      'KEYFILE_WRONG_PASSWORD',
      'The password is wrong, or the keyfile was modified since it was saved. Check the password ' +
        '(and Caps Lock); if it is right, restore the keyfile from a backup or use your Emergency Kit.',
      { cause },
    );
  }
  try {
    if (plaintext.length !== PLAINTEXT_BYTES) throw corrupt('wrong content length');
    const rs = rootSecret(plaintext.slice(0, ROOT_SECRET_BYTES));
    const deviceSeed = plaintext.slice(ROOT_SECRET_BYTES);
    const deviceSignKeyPair = signKeyPairFromSeed(deviceSeed);
    s.memzero(deviceSeed);
    return { rootSecret: rs, deviceSignKeyPair };
  } finally {
    s.memzero(plaintext);
  }
}

/**
 * Opens a keyfile with `password`. Throws `KEYFILE_WRONG_PASSWORD` (wrong password or modified
 * file), `KEYFILE_CORRUPT`, `UNSUPPORTED_VERSION` or `CRYPTO_PARAMS_BELOW_FLOOR`.
 */
export function unlockKeyfile(
  keyfile: Keyfile,
  password: string | Uint8Array,
  options: KeyfileOptions = {},
): UnlockedKeyfile {
  const { salt, params } = keyfileKdfInput(keyfile, options);
  const key = deriveKeyFromPassword(password, salt, params, {
    purpose: 'localUnlock',
    testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
  });
  try {
    return openKeyfileWithKey(keyfile, key);
  } finally {
    sodium().memzero(key);
  }
}

/**
 * Re-wraps the keyfile under a new password with a fresh salt and nonce. The root secret and
 * the device key do not change. Parameters default to the current ones (never below the floor).
 */
export function changeKeyfilePassword(
  keyfile: Keyfile,
  oldPassword: string | Uint8Array,
  newPassword: string | Uint8Array,
  options: ChangeKeyfilePasswordOptions = {},
): Keyfile {
  const unlocked = unlockKeyfile(keyfile, oldPassword, options);
  const decoded = decodeKeyfile(keyfile);
  const s = sodium();
  try {
    return wrap(
      newPassword,
      unlocked.rootSecret,
      unlocked.deviceSignKeyPair.secretKey.subarray(0, SEED_BYTES),
      options.params ?? decoded.params,
      options,
    );
  } finally {
    s.memzero(unlocked.rootSecret);
    s.memzero(unlocked.deviceSignKeyPair.secretKey);
  }
}

/** The keyfile as file text: JSON with 2-space indentation and a final new line. */
export function serializeKeyfile(keyfile: Keyfile): string {
  const { keyfile: valid } = decodeKeyfile(keyfile);
  const ordered = {
    v: valid.v,
    kdf: { alg: valid.kdf.alg, ops: valid.kdf.ops, mem: valid.kdf.mem, salt: valid.kdf.salt },
    nonce: valid.nonce,
    ct: valid.ct,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * Parses keyfile text. Malformed → `KEYFILE_CORRUPT`; unknown version → `UNSUPPORTED_VERSION`.
 * (Whether the content is authentic is only known when it is unlocked.)
 */
export function parseKeyfile(text: string): Keyfile {
  if (typeof text !== 'string') throw corrupt('not text');
  if (text.length > KEYFILE_MAX_BYTES) throw corrupt('too large');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw corrupt('not valid JSON', cause);
  }
  return decodeKeyfile(value).keyfile;
}

/** The error for a damaged keyfile (src-shared/node/keyfile-file.ts reads files with it). */
export { corrupt as keyfileCorruptError };
