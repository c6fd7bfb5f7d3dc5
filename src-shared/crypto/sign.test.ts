import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import {
  generateSignKeyPair,
  requireValidSignature,
  seed,
  signDetached,
  signKeyPairFromSeed,
  signPublicKey,
  signSecretKey,
  signSeedOf,
  verifyDetached,
} from './sign.js';
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

// RFC 8032 §7.1, TEST 1 and TEST 2.
const RFC8032 = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555' +
      'fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519 known answers (RFC 8032)', () => {
  for (const [i, tv] of RFC8032.entries()) {
    it(`TEST ${i + 1}: key pair, signature and verification`, () => {
      const kp = signKeyPairFromSeed(seed(fromHex(tv.secret)));
      expect(toHex(kp.publicKey)).toBe(tv.public);
      expect(toHex(kp.secretKey)).toBe(tv.secret + tv.public);
      const sig = signDetached(fromHex(tv.message), kp.secretKey);
      expect(toHex(sig)).toBe(tv.signature);
      expect(verifyDetached(sig, fromHex(tv.message), signPublicKey(fromHex(tv.public)))).toBe(
        true,
      );
      expect(toHex(signSeedOf(kp.secretKey))).toBe(tv.secret);
    });
  }
});

describe('detached signatures', () => {
  it('verify only the exact message, signature and key', () => {
    const kp = generateSignKeyPair();
    const other = generateSignKeyPair();
    const msg = utf8('hello');
    const sig = signDetached(msg, kp.secretKey);
    expect(verifyDetached(sig, msg, kp.publicKey)).toBe(true);
    expect(verifyDetached(sig, utf8('hellp'), kp.publicKey)).toBe(false);
    expect(verifyDetached(sig, msg, other.publicKey)).toBe(false);
    for (let i = 0; i < sig.length; i++) {
      const bad = Uint8Array.from(sig);
      bad[i]! ^= 0x01;
      expect(verifyDetached(bad, msg, kp.publicKey)).toBe(false);
    }
    // malformed input is "not valid", not an exception
    expect(verifyDetached(sig.subarray(0, 63), msg, kp.publicKey)).toBe(false);
    expect(verifyDetached(sig, msg, new Uint8Array(31) as never)).toBe(false);
  });

  it('requireValidSignature throws CRYPTO_BAD_SIGNATURE', () => {
    const kp = generateSignKeyPair();
    const msg = utf8('x');
    const sig = signDetached(msg, kp.secretKey);
    expect(() => requireValidSignature(sig, msg, kp.publicKey)).not.toThrow();
    expectCode(() => requireValidSignature(sig, utf8('y'), kp.publicKey), 'CRYPTO_BAD_SIGNATURE');
  });

  it('branded constructors check lengths and consistency', () => {
    expectCode(() => seed(new Uint8Array(31)), 'CRYPTO_INVALID_KEY');
    expectCode(() => signPublicKey(new Uint8Array(33)), 'CRYPTO_INVALID_KEY');
    const kp = generateSignKeyPair();
    expect(signSecretKey(Uint8Array.from(kp.secretKey)).length).toBe(64);
    const broken = Uint8Array.from(kp.secretKey);
    broken[40]! ^= 1;
    expectCode(() => signSecretKey(broken), 'CRYPTO_INVALID_KEY');
    expectCode(() => signSecretKey(new Uint8Array(32)), 'CRYPTO_INVALID_KEY');
  });

  it('key pairs from a seed are deterministic; random ones differ', () => {
    const s = seed(new Uint8Array(32).fill(7));
    expect(toHex(signKeyPairFromSeed(s).publicKey)).toBe(toHex(signKeyPairFromSeed(s).publicKey));
    expect(toHex(generateSignKeyPair().publicKey)).not.toBe(toHex(generateSignKeyPair().publicKey));
  });
});
