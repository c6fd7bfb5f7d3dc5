import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  boxKeyPairFromSecretKey,
  boxKeyPairFromSeed,
  boxPublicKey,
  boxSecretKey,
  generateBoxKeyPair,
  openSealed,
  SEAL_OVERHEAD_BYTES,
  sealTo,
} from './box.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import { seed } from './sign.js';
import { cryptoReady, sodium } from './sodium.js';

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

describe('X25519 key pairs', () => {
  it('RFC 7748 §6.1: public keys of Alice and Bob', () => {
    const alice = boxKeyPairFromSecretKey(
      boxSecretKey(fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')),
    );
    expect(toHex(alice.publicKey)).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
    const bob = boxKeyPairFromSecretKey(
      boxSecretKey(fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')),
    );
    expect(toHex(bob.publicKey)).toBe(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    );
  });

  it('seeded key pairs are deterministic and consistent', () => {
    const s = seed(new Uint8Array(32).fill(3));
    const a = boxKeyPairFromSeed(s);
    const b = boxKeyPairFromSeed(s);
    expect(toHex(a.publicKey)).toBe(toHex(b.publicKey));
    expect(toHex(boxKeyPairFromSecretKey(a.secretKey).publicKey)).toBe(toHex(a.publicKey));
    expect(toHex(generateBoxKeyPair().publicKey)).not.toBe(toHex(generateBoxKeyPair().publicKey));
  });

  it('constructors check lengths', () => {
    expectCode(() => boxPublicKey(new Uint8Array(31)), 'CRYPTO_INVALID_KEY');
    expectCode(() => boxSecretKey(new Uint8Array(64)), 'CRYPTO_INVALID_KEY');
  });
});

describe('sealed boxes', () => {
  it('round-trip and add 48 bytes', () => {
    const kp = generateBoxKeyPair();
    const sealed = sealTo(kp.publicKey, utf8('namespace key'));
    expect(sealed.length).toBe(13 + SEAL_OVERHEAD_BYTES);
    expect(new TextDecoder().decode(openSealed(kp, sealed))).toBe('namespace key');
    expect(openSealed(kp, sealTo(kp.publicKey, new Uint8Array(0))).length).toBe(0);
  });

  it('are byte-compatible with libsodium crypto_box_seal in both directions', () => {
    const kp = generateBoxKeyPair();
    const msg = utf8('interop');
    const ours = sealTo(kp.publicKey, msg);
    expect(toHex(sodium().crypto_box_seal_open(ours, kp.publicKey, kp.secretKey))).toBe(toHex(msg));
    const theirs = sodium().crypto_box_seal(msg, kp.publicKey);
    expect(toHex(openSealed(kp, theirs))).toBe(toHex(msg));
  });

  it('open only with the right key, and reject every single-bit change', () => {
    const kp = generateBoxKeyPair();
    const sealed = sealTo(kp.publicKey, utf8('abc'));
    expectCode(() => openSealed(generateBoxKeyPair(), sealed), 'CRYPTO_DECRYPT_FAILED');
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i]! ^= 1 << (i % 8);
      expectCode(() => openSealed(kp, bad), 'CRYPTO_DECRYPT_FAILED');
    }
    expectCode(() => openSealed(kp, sealed.subarray(0, 47)), 'CRYPTO_DECRYPT_FAILED');
  });

  it('refuses a small-order public key', () => {
    expectCode(() => sealTo(boxPublicKey(new Uint8Array(32)), utf8('x')), 'CRYPTO_INVALID_KEY');
  });
});
