import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { toHex } from './encoding.js';
import { deriveSubkey, generateKdfKey, kdfKey } from './kdf.js';
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

// Known answers from libsodium test/default/kdf.c / kdf.exp:
// master key = 00 01 .. 1f, context "KDF test".
const MASTER = kdfKey(Uint8Array.from({ length: 32 }, (_, i) => i));

describe('deriveSubkey', () => {
  it('matches the libsodium kdf known answers', () => {
    expect(toHex(deriveSubkey(MASTER, 0, 'KDF test', 64))).toBe(
      'a0c724404728c8bb95e5433eb6a9716171144d61efb23e74b873fcbeda51d807' +
        '1b5d70aae12066dfc94ce943f145aa176c055040c3dd73b0a15e36254d450614',
    );
    expect(toHex(deriveSubkey(MASTER, 1, 'KDF test', 64))).toBe(
      '02507f144fa9bf19010bf7c70b235b4c2663cc00e074f929602a5e2c10a78075' +
        '7d2a3993d06debc378a90efdac196dd841817b977d67b786804f6d3cd585bab5',
    );
    expect(toHex(deriveSubkey(MASTER, 16, 'KDF test', 16))).toBe(
      'a529216624ef9161e4cf117272aafff2',
    );
    expect(toHex(deriveSubkey(MASTER, 17, 'KDF test', 17))).toBe(
      '068bd6940b80c6cc2530a68c31d9f4e323',
    );
  });

  it('defaults to 32 bytes, and differs by id and context', () => {
    const a = deriveSubkey(MASTER, 1, 'bbident1');
    expect(a.length).toBe(32);
    expect(toHex(a)).toBe(toHex(deriveSubkey(MASTER, 1, 'bbident1')));
    expect(toHex(a)).not.toBe(toHex(deriveSubkey(MASTER, 2, 'bbident1')));
    expect(toHex(a)).not.toBe(toHex(deriveSubkey(MASTER, 1, 'bbident2')));
  });

  it('accepts 64-bit ids as number or bigint consistently', () => {
    const big = 2 ** 40 + 5;
    expect(toHex(deriveSubkey(MASTER, big, 'DataSync'))).toBe(
      toHex(deriveSubkey(MASTER, BigInt(big), 'DataSync')),
    );
    expect(toHex(deriveSubkey(MASTER, 7, 'DataSync'))).toBe(
      toHex(deriveSubkey(MASTER, 7n, 'DataSync')),
    );
    expect(deriveSubkey(MASTER, (1n << 64n) - 1n, 'DataSync').length).toBe(32);
    // ids differing only in the high 32 bits give different keys
    expect(toHex(deriveSubkey(MASTER, 1n << 32n, 'DataSync'))).not.toBe(
      toHex(deriveSubkey(MASTER, 0, 'DataSync')),
    );
    expectCode(() => deriveSubkey(MASTER, 1n << 64n, 'DataSync'), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, -1, 'DataSync'), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, 1.5, 'DataSync'), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, 2 ** 53, 'DataSync'), 'INVALID_ARGUMENT');
  });

  it('requires a context of exactly 8 printable ASCII characters', () => {
    expectCode(() => deriveSubkey(MASTER, 1, 'short'), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, 1, 'ninechars'), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, 1, ''), 'INVALID_ARGUMENT');
    // 7 characters that are 8 UTF-8 bytes, and 8 characters with a control character: refused
    expectCode(() => deriveSubkey(MASTER, 1, 'abcdefé'), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, 1, 'abc\tdefg'), 'INVALID_ARGUMENT');
    expect(deriveSubkey(MASTER, 1, 'PAKE2+EE').length).toBe(32);
  });

  it('checks key and output lengths', () => {
    expectCode(() => kdfKey(new Uint8Array(31)), 'CRYPTO_INVALID_KEY');
    expectCode(() => deriveSubkey(MASTER, 1, 'bbident1', 15), 'INVALID_ARGUMENT');
    expectCode(() => deriveSubkey(MASTER, 1, 'bbident1', 65), 'INVALID_ARGUMENT');
    expect(generateKdfKey().length).toBe(32);
  });
});
