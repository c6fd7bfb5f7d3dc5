import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  AEAD_OVERHEAD_BYTES,
  aeadDecrypt,
  aeadDecryptParts,
  aeadEncrypt,
  aeadEncryptParts,
  generateSymmetricKey,
  symmetricKey,
} from './aead.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import { cryptoReady } from './sodium.js';

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

beforeAll(async () => {
  await cryptoReady();
});

// draft-irtf-cfrg-xchacha-03, Appendix A.3.1 (AEAD_XChaCha20_Poly1305).
const KAT = {
  plaintext:
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  aad: '50515253c0c1c2c3c4c5c6c7',
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  iv: '404142434445464748494a4b4c4d4e4f5051525354555657',
  ciphertext:
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb' +
    '731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452' +
    '2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
    '21f9664c97637da9768812f615c68b13b52e',
  tag: 'c0875924c1c7987947deafd8780acf49',
};

describe('XChaCha20-Poly1305 known answer (draft-irtf-cfrg-xchacha A.3.1)', () => {
  it('encrypts to the published ciphertext and tag', () => {
    const key = symmetricKey(fromHex(KAT.key));
    const fixedNonce = (n: number) => {
      expect(n).toBe(24);
      return fromHex(KAT.iv);
    };
    const { nonce, ciphertext } = aeadEncryptParts(
      key,
      utf8(KAT.plaintext),
      fromHex(KAT.aad),
      fixedNonce,
    );
    expect(toHex(nonce)).toBe(KAT.iv);
    expect(toHex(ciphertext)).toBe(KAT.ciphertext + KAT.tag);
    const sealed = aeadEncrypt(key, utf8(KAT.plaintext), fromHex(KAT.aad), fixedNonce);
    expect(toHex(sealed)).toBe(KAT.iv + KAT.ciphertext + KAT.tag);
  });

  it('decrypts the published ciphertext', () => {
    const pt = aeadDecryptParts(
      symmetricKey(fromHex(KAT.key)),
      fromHex(KAT.iv),
      fromHex(KAT.ciphertext + KAT.tag),
      fromHex(KAT.aad),
    );
    expect(new TextDecoder().decode(pt)).toBe(KAT.plaintext);
  });
});

describe('aeadEncrypt / aeadDecrypt', () => {
  it('round-trips, with a fresh nonce each time', () => {
    const key = generateSymmetricKey();
    const msg = utf8('secret value');
    const a = aeadEncrypt(key, msg, 'backbone/test/v1');
    const b = aeadEncrypt(key, msg, 'backbone/test/v1');
    expect(a.length).toBe(msg.length + AEAD_OVERHEAD_BYTES);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(toHex(aeadDecrypt(key, a, 'backbone/test/v1'))).toBe(toHex(msg));
    expect(aeadDecrypt(key, aeadEncrypt(key, new Uint8Array(0), 'ctx'), 'ctx').length).toBe(0);
  });

  it('rejects every single-bit change of the sealed bytes', () => {
    const key = generateSymmetricKey();
    const sealed = aeadEncrypt(key, utf8('abc'), 'ctx');
    for (let i = 0; i < sealed.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Uint8Array.from(sealed);
        copy[i]! ^= 1 << bit;
        expectCode(() => aeadDecrypt(key, copy, 'ctx'), 'CRYPTO_DECRYPT_FAILED');
      }
    }
  });

  it('rejects a wrong key, a wrong AD, truncation and garbage', () => {
    const key = generateSymmetricKey();
    const sealed = aeadEncrypt(key, utf8('abc'), 'ctx-a');
    expectCode(() => aeadDecrypt(generateSymmetricKey(), sealed, 'ctx-a'), 'CRYPTO_DECRYPT_FAILED');
    expectCode(() => aeadDecrypt(key, sealed, 'ctx-b'), 'CRYPTO_DECRYPT_FAILED');
    expectCode(
      () => aeadDecrypt(key, sealed.subarray(0, sealed.length - 1), 'ctx-a'),
      'CRYPTO_DECRYPT_FAILED',
    );
    expectCode(() => aeadDecrypt(key, sealed.subarray(0, 39), 'ctx-a'), 'CRYPTO_DECRYPT_FAILED');
    expectCode(() => aeadDecrypt(key, new Uint8Array(0), 'ctx-a'), 'CRYPTO_DECRYPT_FAILED');
  });

  it('requires a non-empty AD and a 32-byte key', () => {
    const key = generateSymmetricKey();
    expectCode(() => aeadEncrypt(key, utf8('x'), ''), 'INVALID_ARGUMENT');
    expectCode(() => aeadEncrypt(key, utf8('x'), new Uint8Array(0)), 'INVALID_ARGUMENT');
    expectCode(() => symmetricKey(new Uint8Array(31)), 'CRYPTO_INVALID_KEY');
    expectCode(
      () => aeadEncrypt(new Uint8Array(16) as never, utf8('x'), 'ctx'),
      'CRYPTO_INVALID_KEY',
    );
  });
});
