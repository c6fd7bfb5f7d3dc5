/**
 * The keyfile (docs/crypto.md §5) opened and written with Argon2id off the main thread.
 *
 * Everything but the Argon2id step is the shared keyfile module's own code
 * (`keyfileKdfInput` → derive → `openKeyfileWithKey`; `newKeyfileHeader` → derive →
 * `sealKeyfileWithKey`): same format, floors checked before any work, one
 * `KEYFILE_WRONG_PASSWORD` error. Only Argon2id runs in a worker (`argon2-worker.ts`), so the
 * core's event loop and the UI stay responsive while it runs.
 *
 * `openKeyfileWithKey` opens a keyfile with an already derived key (quick unlock with the OS
 * keychain keeps that key, never the password).
 */
import {
  keyfileKdfInput,
  newKeyfileHeader,
  openKeyfileWithKey as openWithKey,
  passwordBytes,
  sealKeyfileWithKey,
  sodium,
  type Keyfile,
  type KdfKey,
  type PwhashParams,
  type SignKeyPair,
} from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import { noteSecret } from '../../../src-shared/key-registry-hook.js';
import { argon2idOffThread } from './argon2-worker.js';

const SEED_BYTES = 32;

export interface KeyfileSecrets {
  rootSecret: KdfKey;
  deviceSignKeyPair: SignKeyPair;
}

export interface KeyfileCryptoOptions {
  /** TESTS ONLY (BACKBONE_TEST_WEAK_KDF with NODE_ENV=test): accept parameters below the floors. */
  weakKdf?: boolean;
}

export function keyfileParams(keyfile: Keyfile): PwhashParams {
  return { opslimit: keyfile.kdf.ops, memlimit: keyfile.kdf.mem };
}

async function derive(
  password: string,
  salt: Uint8Array,
  params: PwhashParams,
): Promise<Uint8Array> {
  const bytes = passwordBytes(password);
  if (bytes.length === 0) {
    throw new BackboneError('INVALID_ARGUMENT', 'The password must not be empty.');
  }
  try {
    const key = await argon2idOffThread({
      password: bytes,
      salt,
      opslimit: params.opslimit,
      memlimit: params.memlimit,
    });
    noteSecret('keyfile-wrapping-key', key);
    return key;
  } finally {
    sodium().memzero(bytes);
  }
}

/** Derives the keyfile's wrapping key from the password (Argon2id in a worker). */
export async function deriveKeyfileKey(
  keyfile: Keyfile,
  password: string,
  options: KeyfileCryptoOptions = {},
): Promise<Uint8Array> {
  const { salt, params } = keyfileKdfInput(keyfile, {
    testOnlyAllowWeakParams: options.weakKdf === true,
  });
  return derive(password, salt, params);
}

/** Opens the keyfile with its derived key. `KEYFILE_WRONG_PASSWORD` if it does not open. */
export function openKeyfileWithKey(keyfile: Keyfile, key: Uint8Array): KeyfileSecrets {
  return openWithKey(keyfile, key);
}

/** `unlockKeyfile` with Argon2id in a worker. Returns the secrets and the derived key. */
export async function unlockKeyfileOffThread(
  keyfile: Keyfile,
  password: string,
  options: KeyfileCryptoOptions = {},
): Promise<KeyfileSecrets & { key: Uint8Array }> {
  const key = await deriveKeyfileKey(keyfile, password, options);
  try {
    return { ...openKeyfileWithKey(keyfile, key), key };
  } catch (error) {
    sodium().memzero(key);
    throw error;
  }
}

/**
 * `createKeyfile` with Argon2id in a worker: wraps `rootSecret` and the device key under
 * `password` with a fresh salt and nonce. Returns the keyfile and its derived key.
 */
export async function wrapKeyfileOffThread(
  password: string,
  secrets: KeyfileSecrets,
  params: PwhashParams,
  options: KeyfileCryptoOptions = {},
): Promise<{ keyfile: Keyfile; key: Uint8Array }> {
  const { header, salt } = newKeyfileHeader(params, {
    testOnlyAllowWeakParams: options.weakKdf === true,
  });
  const key = await derive(password, salt, params);
  try {
    const keyfile = sealKeyfileWithKey(
      header,
      key,
      secrets.rootSecret,
      secrets.deviceSignKeyPair.secretKey.subarray(0, SEED_BYTES),
    );
    return { keyfile, key };
  } catch (error) {
    sodium().memzero(key);
    throw error;
  }
}

/** Wipes the secrets in place. */
export function wipeSecrets(secrets: KeyfileSecrets | undefined): void {
  if (!secrets) return;
  sodium().memzero(secrets.rootSecret);
  sodium().memzero(secrets.deviceSignKeyPair.secretKey);
}
