/**
 * The repository header (file `config` of a repository; docs/backup.md "Header"): the public
 * parameters and the backup key BK wrapped twice.
 *
 *   header = "BBAK" ‖ version u8 (=1) ‖ params ‖ pwWrap (72) ‖ rsWrap (72)
 *   params = repoId (16) ‖ chunkMin u32le ‖ chunkAvg u32le ‖ chunkMax u32le ‖ packTarget u32le
 *            ‖ kdfAlg u8 (1 = Argon2id13) ‖ opslimit u32le ‖ memlimit u32le ‖ salt (16)
 *   pwWrap = XChaCha20-Poly1305(Argon2id(password, salt, opslimit, memlimit), BK, AD(1))
 *   rsWrap = XChaCha20-Poly1305(backup recovery key of RS, BK, AD(2))
 *   AD(k)  = "backbone/backup/header/v1\0" ‖ u8 k ‖ "BBAK" ‖ version ‖ params
 *
 * Each wrap is nonce (24) ‖ ciphertext (32) ‖ tag (16). The backup recovery key is the identity
 * subkey 4 of RS (docs/design.md §1), so a repository opens with the password or with RS recovered from
 * the Emergency Kit. The AD binds every parameter: a changed chunk size, salt or cost makes both
 * wraps fail. Argon2id parameters below the keyfile floors are refused before any work with
 * BACKUP_PARAMS_BELOW_FLOOR (a host lowering them to speed up guessing), above the ceiling with
 * CRYPTO_PARAMS_ABOVE_CEILING.
 */
import {
  IDENTITY_KDF_CONTEXT,
  IDENTITY_SUBKEY_IDS,
  PWHASH_DEFAULT_PARAMS,
  PWHASH_SALT_BYTES,
  aeadDecrypt,
  aeadEncrypt,
  assertParamsAtFloor,
  deriveKeyFromPassword,
  deriveSubkey,
  randomBytes,
  rootSecret,
  sodium,
  symmetricKey,
  type PwhashParams,
  type RandomSource,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { assertChunkerParams, DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from './chunker.js';
import { BACKUP_KEY_BYTES } from './keys.js';

export const HEADER_MAGIC = new TextEncoder().encode('BBAK');
export const HEADER_VERSION = 1;
export const REPO_ID_BYTES = 16;
const KDF_ALG_ARGON2ID13 = 1;
const WRAP_BYTES = 24 + BACKUP_KEY_BYTES + 16;
const PARAMS_BYTES = REPO_ID_BYTES + 4 * 4 + 1 + 4 + 4 + PWHASH_SALT_BYTES;
const PREFIX_BYTES = HEADER_MAGIC.length + 1 + PARAMS_BYTES;
export const HEADER_BYTES = PREFIX_BYTES + 2 * WRAP_BYTES;
const AD_DOMAIN = new TextEncoder().encode('backbone/backup/header/v1\0');
const WRAP_PASSWORD = 1;
const WRAP_RECOVERY = 2;

/** Default pack size target: 16 MiB (docs/backup.md, "Packs"). */
export const DEFAULT_PACK_TARGET = 16 * 1024 * 1024;
export const PACK_TARGET_LIMITS = Object.freeze({ min: 64 * 1024, max: 128 * 1024 * 1024 });

export interface RepositoryParams {
  repoId: Uint8Array;
  chunker: ChunkerParams;
  packTarget: number;
  kdf: PwhashParams & { salt: Uint8Array };
}

export interface RepositoryHeader {
  params: RepositoryParams;
  /** The bytes the wraps' AD binds: magic ‖ version ‖ params. */
  prefix: Uint8Array;
  pwWrap: Uint8Array;
  rsWrap: Uint8Array;
}

export interface HeaderOptions {
  /** UNIT TESTS ONLY: accept Argon2id below the floors (as in pwhash.ts). */
  testOnlyAllowWeakParams?: boolean;
}

function corrupt(what: string): BackboneError {
  return new BackboneError('BACKUP_CORRUPT', `The repository header is damaged: ${what}.`);
}

/** The backup recovery key from a root secret (identity subkey 4, docs/design.md §1). */
export function backupRecoveryKeyFromRootSecret(rs: Uint8Array): Uint8Array {
  return deriveSubkey(rootSecret(rs), IDENTITY_SUBKEY_IDS.backupRecoveryKey, IDENTITY_KDF_CONTEXT);
}

function ad(kind: number, prefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(AD_DOMAIN.length + 1 + prefix.length);
  out.set(AD_DOMAIN, 0);
  out[AD_DOMAIN.length] = kind;
  out.set(prefix, AD_DOMAIN.length + 1);
  return out;
}

function checkKdf(kdf: PwhashParams, options: HeaderOptions): void {
  try {
    assertParamsAtFloor(kdf, {
      purpose: 'backup',
      testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
    });
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_PARAMS_BELOW_FLOOR')) {
      throw new BackboneError(
        'BACKUP_PARAMS_BELOW_FLOOR',
        `This repository's header asks for password hashing below Backbone's floors (opslimit ${kdf.opslimit}, ` +
          `${kdf.memlimit} bytes). A host may have lowered them to make guessing the password cheaper: ` +
          'it was not used. Open the repository with the Emergency Kit instead, or restore the header from a copy.',
        { cause: error },
      );
    }
    throw error;
  }
}

function encodePrefix(p: RepositoryParams): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES);
  const view = new DataView(out.buffer);
  out.set(HEADER_MAGIC, 0);
  let at = HEADER_MAGIC.length;
  out[at++] = HEADER_VERSION;
  out.set(p.repoId, at);
  at += REPO_ID_BYTES;
  for (const n of [p.chunker.min, p.chunker.avg, p.chunker.max, p.packTarget]) {
    view.setUint32(at, n, true);
    at += 4;
  }
  out[at++] = KDF_ALG_ARGON2ID13;
  view.setUint32(at, p.kdf.opslimit, true);
  view.setUint32(at + 4, p.kdf.memlimit, true);
  at += 8;
  out.set(p.kdf.salt, at);
  return out;
}

function checkPackTarget(n: number): void {
  if (!Number.isSafeInteger(n) || n < PACK_TARGET_LIMITS.min || n > PACK_TARGET_LIMITS.max) {
    throw corrupt('pack size out of bounds');
  }
}

/** Parses and checks a header (structure, version, bounds, Argon2id floors). */
export function parseHeader(bytes: Uint8Array, options: HeaderOptions = {}): RepositoryHeader {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_MAGIC.length + 1) {
    throw corrupt('too short');
  }
  for (let i = 0; i < HEADER_MAGIC.length; i++) {
    if (bytes[i] !== HEADER_MAGIC[i]) throw corrupt('not a Backbone backup repository');
  }
  const version = bytes[HEADER_MAGIC.length]!;
  if (version !== HEADER_VERSION) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `This backup repository has format version ${version}; this app reads version ${HEADER_VERSION}. Update the app.`,
    );
  }
  if (bytes.length !== HEADER_BYTES) throw corrupt('wrong length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = HEADER_MAGIC.length + 1;
  const repoId = bytes.slice(at, at + REPO_ID_BYTES);
  at += REPO_ID_BYTES;
  const u32 = () => {
    const n = view.getUint32(at, true);
    at += 4;
    return n;
  };
  const chunker = { min: u32(), avg: u32(), max: u32() };
  const packTarget = u32();
  const alg = bytes[at++];
  if (alg !== KDF_ALG_ARGON2ID13) throw corrupt('unknown password-hashing algorithm');
  const opslimit = u32();
  const memlimit = u32();
  const salt = bytes.slice(at, at + PWHASH_SALT_BYTES);
  at += PWHASH_SALT_BYTES;
  assertChunkerParams(chunker);
  checkPackTarget(packTarget);
  checkKdf({ opslimit, memlimit }, options);
  return {
    params: { repoId, chunker, packTarget, kdf: { opslimit, memlimit, salt } },
    prefix: bytes.slice(0, PREFIX_BYTES),
    pwWrap: bytes.slice(at, at + WRAP_BYTES),
    rsWrap: bytes.slice(at + WRAP_BYTES, at + 2 * WRAP_BYTES),
  };
}

export interface CreateHeaderOptions extends HeaderOptions {
  password: string | Uint8Array;
  /** The backup recovery key (Identity.backupRecoveryKey or backupRecoveryKeyFromRootSecret). */
  recoveryKey: Uint8Array;
  kdf?: PwhashParams;
  chunker?: ChunkerParams;
  packTarget?: number;
  random?: RandomSource;
}

/** A new repository: a fresh BK and repo id, wrapped under the password and the recovery key. */
export function createHeader(options: CreateHeaderOptions): { bytes: Uint8Array; bk: Uint8Array } {
  const random = options.random ?? randomBytes;
  const kdf = options.kdf ?? PWHASH_DEFAULT_PARAMS;
  const chunker = options.chunker ?? DEFAULT_CHUNKER_PARAMS;
  const packTarget = options.packTarget ?? DEFAULT_PACK_TARGET;
  assertChunkerParams(chunker);
  checkPackTarget(packTarget);
  checkKdf(kdf, options);
  const params: RepositoryParams = {
    repoId: random(REPO_ID_BYTES),
    chunker,
    packTarget,
    kdf: { opslimit: kdf.opslimit, memlimit: kdf.memlimit, salt: random(PWHASH_SALT_BYTES) },
  };
  const prefix = encodePrefix(params);
  const bk = random(BACKUP_KEY_BYTES);
  const pwKey = deriveKeyFromPassword(options.password, params.kdf.salt, kdf, {
    purpose: 'backup',
    testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
  });
  try {
    const pwWrap = aeadEncrypt(symmetricKey(pwKey), bk, ad(WRAP_PASSWORD, prefix), random);
    const rsWrap = aeadEncrypt(
      symmetricKey(options.recoveryKey),
      bk,
      ad(WRAP_RECOVERY, prefix),
      random,
    );
    const bytes = new Uint8Array(HEADER_BYTES);
    bytes.set(prefix, 0);
    bytes.set(pwWrap, PREFIX_BYTES);
    bytes.set(rsWrap, PREFIX_BYTES + WRAP_BYTES);
    return { bytes, bk };
  } finally {
    sodium().memzero(pwKey);
  }
}

/** BK from the header with the password (BACKUP_WRONG_PASSWORD if it does not open). */
export function openHeaderWithPassword(
  header: RepositoryHeader,
  password: string | Uint8Array,
  options: HeaderOptions = {},
): Uint8Array {
  const { kdf } = header.params;
  checkKdf(kdf, options);
  const pwKey = deriveKeyFromPassword(password, kdf.salt, kdf, {
    purpose: 'backup',
    testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
  });
  try {
    return aeadDecrypt(symmetricKey(pwKey), header.pwWrap, ad(WRAP_PASSWORD, header.prefix));
  } catch (error) {
    if (!isBackboneError(error, 'CRYPTO_DECRYPT_FAILED')) throw error;
    throw new BackboneError(
      'BACKUP_WRONG_PASSWORD',
      'The password does not open this backup repository (or its header was changed).',
    );
  } finally {
    sodium().memzero(pwKey);
  }
}

/** BK from the header with the backup recovery key (BACKUP_WRONG_RECOVERY_KEY otherwise). */
export function openHeaderWithRecoveryKey(
  header: RepositoryHeader,
  recoveryKey: Uint8Array,
): Uint8Array {
  try {
    return aeadDecrypt(symmetricKey(recoveryKey), header.rsWrap, ad(WRAP_RECOVERY, header.prefix));
  } catch (error) {
    if (!isBackboneError(error, 'CRYPTO_DECRYPT_FAILED')) throw error;
    throw new BackboneError(
      'BACKUP_WRONG_RECOVERY_KEY',
      'This identity (Emergency Kit) does not open this backup repository (or its header was changed).',
    );
  }
}
