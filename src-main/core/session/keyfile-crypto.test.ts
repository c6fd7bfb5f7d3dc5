/**
 * The off-thread keyfile functions produce and accept exactly the shared keyfile format
 * (src-shared/crypto/keyfile.ts), refuse what it refuses, and keep the event loop free.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyfile,
  cryptoReady,
  generateSignKeyPair,
  randomBytes,
  rootSecret,
  sodium,
  unlockKeyfile,
} from '../../../src-shared/crypto/index.js';
import { isBackboneError } from '../../../src-shared/errors.js';
import { argon2idOffThread, argon2Options } from './argon2-worker.js';
import {
  deriveKeyfileKey,
  openKeyfileWithKey,
  unlockKeyfileOffThread,
  wrapKeyfileOffThread,
} from './keyfile-crypto.js';

const WEAK = { opslimit: 1, memlimit: 8 * 1024 * 1024 };

beforeAll(async () => {
  await cryptoReady();
});

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBackboneError(error) ? error.code : String(error);
  }
  return 'no error';
}

describe('keyfile with Argon2id in a worker', () => {
  it('opens a keyfile made by the shared module', async () => {
    const { keyfile, unlocked } = createKeyfile('pässword', {
      params: WEAK,
      testOnlyAllowWeakParams: true,
    });
    // NFC and NFD spellings are the same password.
    const opened = await unlockKeyfileOffThread(keyfile, 'pa\u0308ssword', { weakKdf: true });
    expect(sodium().memcmp(opened.rootSecret, unlocked.rootSecret)).toBe(true);
    expect(
      sodium().memcmp(opened.deviceSignKeyPair.publicKey, unlocked.deviceSignKeyPair.publicKey),
    ).toBe(true);
  });

  it('makes a keyfile the shared module opens', async () => {
    const secrets = {
      rootSecret: rootSecret(randomBytes(32)),
      deviceSignKeyPair: generateSignKeyPair(),
    };
    const { keyfile, key } = await wrapKeyfileOffThread('correct horse', secrets, WEAK, {
      weakKdf: true,
    });
    const opened = unlockKeyfile(keyfile, 'correct horse', { testOnlyAllowWeakParams: true });
    expect(sodium().memcmp(opened.rootSecret, secrets.rootSecret)).toBe(true);
    // The returned key opens it too (quick unlock keeps this key).
    expect(sodium().memcmp(openKeyfileWithKey(keyfile, key).rootSecret, secrets.rootSecret)).toBe(
      true,
    );
  });

  it('refuses a wrong password, a tampered file and weak parameters outside test mode', async () => {
    const { keyfile } = createKeyfile('right', { params: WEAK, testOnlyAllowWeakParams: true });
    expect(await code(unlockKeyfileOffThread(keyfile, 'wrong', { weakKdf: true }))).toBe(
      'KEYFILE_WRONG_PASSWORD',
    );
    const tampered = { ...keyfile, kdf: { ...keyfile.kdf, ops: 2 } };
    expect(await code(unlockKeyfileOffThread(tampered, 'right', { weakKdf: true }))).toBe(
      'KEYFILE_WRONG_PASSWORD',
    );
    expect(await code(unlockKeyfileOffThread(keyfile, 'right'))).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
    expect(await code(unlockKeyfileOffThread({ ...keyfile, v: 2 } as never, 'right'))).toBe(
      'UNSUPPORTED_VERSION',
    );
    const secrets = {
      rootSecret: rootSecret(randomBytes(32)),
      deviceSignKeyPair: generateSignKeyPair(),
    };
    expect(await code(wrapKeyfileOffThread('pw', secrets, WEAK))).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
  });

  it('gives the same key in the worker and on the main thread, and keeps the event loop free', async () => {
    const { keyfile } = createKeyfile('pw', { params: WEAK, testOnlyAllowWeakParams: true });
    const job = {
      password: new TextEncoder().encode('pw'),
      salt: randomBytes(16),
      opslimit: 2,
      memlimit: 32 * 1024 * 1024,
    };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const inWorker = await argon2idOffThread({ ...job, password: Uint8Array.from(job.password) });
    const workerMs = Date.now() - started;
    clearInterval(timer);
    argon2Options.disableWorker = true;
    try {
      const onMain = await argon2idOffThread({ ...job, password: Uint8Array.from(job.password) });
      expect(Buffer.from(onMain).equals(Buffer.from(inWorker))).toBe(true);
      const viaMain = await deriveKeyfileKey(keyfile, 'pw', { weakKdf: true });
      argon2Options.disableWorker = false;
      const viaWorker = await deriveKeyfileKey(keyfile, 'pw', { weakKdf: true });
      expect(Buffer.from(viaMain).equals(Buffer.from(viaWorker))).toBe(true);
    } finally {
      argon2Options.disableWorker = false;
    }
    // The main thread ran timers while the worker hashed.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(workerMs / 5 / 4));
  });
});
