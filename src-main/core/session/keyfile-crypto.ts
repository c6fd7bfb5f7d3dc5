/**
 * The keyfile (docs/crypto.md §5) opened and written with Argon2id off the main thread.
 *
 * Same format and checks as `src-shared/crypto/keyfile.ts` (`unlockKeyfile`, `createKeyfile`):
 * version and structure are validated by that module's own parser, the floors are checked
 * before any work (anti-downgrade), the AD is `keyfileAssociatedData`, and a failed decryption
 * is one error, `KEYFILE_WRONG_PASSWORD`. Only the Argon2id step differs: it runs in a worker
 * (`argon2-worker.ts`). The tests check both directions against the shared module.
 *
 * `openKeyfileWithKey` opens a keyfile with an already derived key (quick unlock with the OS
 * keychain keeps that key, never the password).
 */
import {
  aeadDecryptParts,
  aeadEncryptParts,
  assertParamsAtFloor,
  concatBytes,
  fromBase64Url,
  keyfileAssociatedData,
  parseKeyfile,
  passwordBytes,
  randomBytes,
  rootSecret,
  signKeyPairFromSeed,
  sodium,
  symmetricKey,
  toBase64Url,
  PWHASH_ALG,
  type Keyfile,
  type KdfKey,
  type PwhashParams,
  type SignKeyPair,
} from '../../../src-shared/crypto/index.js';
import { BackboneError, isBackboneError } from '../../../src-shared/errors.js';
import { argon2idOffThread } from './argon2-worker.js';

const RS_BYTES = 32;
const SEED_BYTES = 32;

export interface KeyfileSecrets {
  rootSecret: KdfKey;
  deviceSignKeyPair: SignKeyPair;
}

export interface KeyfileCryptoOptions {
  /** TESTS ONLY (BACKBONE_TEST_WEAK_KDF with NODE_ENV=test): accept parameters below the floors. */
  weakKdf?: boolean;
}

/** Validated copy of a keyfile (version, structure, encodings) — the shared parser's checks. */
function validated(keyfile: Keyfile): Keyfile {
  return parseKeyfile(JSON.stringify(keyfile));
}

export function keyfileParams(keyfile: Keyfile): PwhashParams {
  return { opslimit: keyfile.kdf.ops, memlimit: keyfile.kdf.mem };
}

function checkFloor(params: PwhashParams, options: KeyfileCryptoOptions): void {
  try {
    assertParamsAtFloor(params, {
      purpose: 'localUnlock',
      testOnlyAllowWeakParams: options.weakKdf === true,
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
    return await argon2idOffThread({
      password: bytes,
      salt,
      opslimit: params.opslimit,
      memlimit: params.memlimit,
    });
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
  const valid = validated(keyfile);
  const params = keyfileParams(valid);
  checkFloor(params, options);
  return derive(password, fromBase64Url(valid.kdf.salt), params);
}

/** Opens the keyfile with its derived key. `KEYFILE_WRONG_PASSWORD` if it does not open. */
export function openKeyfileWithKey(keyfile: Keyfile, key: Uint8Array): KeyfileSecrets {
  const valid = validated(keyfile);
  let plaintext: Uint8Array;
  try {
    plaintext = aeadDecryptParts(
      symmetricKey(Uint8Array.from(key)),
      fromBase64Url(valid.nonce),
      fromBase64Url(valid.ct),
      keyfileAssociatedData(valid),
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
    if (plaintext.length !== RS_BYTES + SEED_BYTES) {
      throw new BackboneError(
        'KEYFILE_CORRUPT',
        'The keyfile is damaged (wrong content length). Restore it from a backup or use your Emergency Kit.',
      );
    }
    const rs = rootSecret(plaintext.slice(0, RS_BYTES));
    const seed = plaintext.slice(RS_BYTES);
    const deviceSignKeyPair = signKeyPairFromSeed(seed);
    sodium().memzero(seed);
    return { rootSecret: rs, deviceSignKeyPair };
  } finally {
    sodium().memzero(plaintext);
  }
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
  assertParamsAtFloor(params, {
    purpose: 'localUnlock',
    testOnlyAllowWeakParams: options.weakKdf === true,
  });
  const salt = randomBytes(16);
  const header = {
    v: 1,
    kdf: { alg: PWHASH_ALG, ops: params.opslimit, mem: params.memlimit, salt: toBase64Url(salt) },
  } as const;
  const key = await derive(password, salt, params);
  const plaintext = concatBytes(
    secrets.rootSecret,
    secrets.deviceSignKeyPair.secretKey.subarray(0, SEED_BYTES),
  );
  try {
    const { nonce, ciphertext } = aeadEncryptParts(
      symmetricKey(Uint8Array.from(key)),
      plaintext,
      keyfileAssociatedData(header),
    );
    const keyfile = validated({
      ...header,
      nonce: toBase64Url(nonce),
      ct: toBase64Url(ciphertext),
    } as Keyfile);
    return { keyfile, key };
  } catch (error) {
    sodium().memzero(key);
    throw error;
  } finally {
    sodium().memzero(plaintext);
  }
}

/** Wipes the secrets in place. */
export function wipeSecrets(secrets: KeyfileSecrets | undefined): void {
  if (!secrets) return;
  sodium().memzero(secrets.rootSecret);
  sodium().memzero(secrets.deviceSignKeyPair.secretKey);
}
