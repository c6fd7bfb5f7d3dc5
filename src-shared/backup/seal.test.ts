import { beforeAll, describe, expect, it } from 'vitest';
import {
  aeadDecrypt,
  aeadEncrypt,
  cryptoReady,
  randomBytes,
  symmetricKey,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { open, seal, SEAL_OVERHEAD_BYTES } from './seal.js';

beforeAll(cryptoReady);

const AD = new TextEncoder().encode('backbone/backup/test');

function fails(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (error) {
    return isBackboneError(error, 'CRYPTO_DECRYPT_FAILED');
  }
}

describe('native XChaCha20-Poly1305', () => {
  it('produces exactly libsodium crypto_aead_xchacha20poly1305_ietf, both ways', () => {
    for (const size of [0, 1, 63, 64, 65, 1000, 70000]) {
      const key = randomBytes(32);
      const plaintext = randomBytes(size);
      const nonce = randomBytes(24);
      const ours = seal(key, plaintext, AD, () => nonce);
      const theirs = aeadEncrypt(symmetricKey(key), plaintext, AD, () => nonce);
      expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
      expect(ours.length).toBe(size + SEAL_OVERHEAD_BYTES);
      expect(Buffer.from(aeadDecrypt(symmetricKey(key), ours, AD)).equals(plaintext)).toBe(true);
      expect(Buffer.from(open(key, theirs, AD)).equals(plaintext)).toBe(true);
    }
  });

  it('refuses a changed byte, a wrong key, wrong associated data or a cut message', () => {
    const key = randomBytes(32);
    const sealed = seal(key, randomBytes(500), AD);
    for (const i of [0, 23, 24, 300, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      expect(fails(() => open(key, bad, AD))).toBe(true);
    }
    expect(fails(() => open(randomBytes(32), sealed, AD))).toBe(true);
    expect(fails(() => open(key, sealed, new TextEncoder().encode('other')))).toBe(true);
    expect(fails(() => open(key, sealed.subarray(0, sealed.length - 1), AD))).toBe(true);
    expect(fails(() => open(key, sealed.subarray(0, 10), AD))).toBe(true);
  });
});
