import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import { blake2b, blake2bKeyed, constantTimeEqual, createBlake2b } from './hash.js';
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

describe('blake2b', () => {
  it('matches RFC 7693 Appendix A: BLAKE2b-512("abc")', () => {
    expect(toHex(blake2b(utf8('abc'), 64))).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
        '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('matches the BLAKE2 reference keyed KAT (blake2b-kat.txt, key 00..3f)', () => {
    const key = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(toHex(blake2bKeyed(key, new Uint8Array(0), 64))).toBe(
      '10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786' +
        'b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568',
    );
    expect(toHex(blake2bKeyed(key, fromHex('00'), 64))).toBe(
      '961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4' +
        '187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd',
    );
  });

  it('defaults to 32 bytes and allows 16..64', () => {
    expect(blake2b(utf8('x')).length).toBe(32);
    expect(blake2b(utf8('x'), 16).length).toBe(16);
    expect(blake2b(utf8('x'), 64).length).toBe(64);
    expectCode(() => blake2b(utf8('x'), 15), 'INVALID_ARGUMENT');
    expectCode(() => blake2b(utf8('x'), 65), 'INVALID_ARGUMENT');
    expectCode(() => blake2b(utf8('x'), 32.5), 'INVALID_ARGUMENT');
  });

  it('keyed hashing depends on the key and checks its length', () => {
    const k1 = new Uint8Array(32).fill(1);
    const k2 = new Uint8Array(32).fill(2);
    expect(toHex(blake2bKeyed(k1, utf8('m')))).not.toBe(toHex(blake2bKeyed(k2, utf8('m'))));
    expect(toHex(blake2bKeyed(k1, utf8('m')))).not.toBe(toHex(blake2b(utf8('m'))));
    expectCode(() => blake2bKeyed(new Uint8Array(15), utf8('m')), 'CRYPTO_INVALID_KEY');
    expectCode(() => blake2bKeyed(new Uint8Array(65), utf8('m')), 'CRYPTO_INVALID_KEY');
  });

  it('incremental hashing equals one-shot hashing', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    const hasher = createBlake2b(32);
    hasher.update(data.subarray(0, 10)).update(data.subarray(10, 999)).update(data.subarray(999));
    expect(toHex(hasher.digest())).toBe(toHex(blake2b(data)));
    expect(() => hasher.update(data)).toThrow();
    const key = new Uint8Array(32).fill(9);
    const keyed = createBlake2b(64, key).update(data).digest();
    expect(toHex(keyed)).toBe(toHex(blake2bKeyed(key, data, 64)));
  });
});

describe('constantTimeEqual', () => {
  it('compares contents', () => {
    expect(constantTimeEqual(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(constantTimeEqual(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(constantTimeEqual(fromHex('0102'), fromHex('010203'))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
