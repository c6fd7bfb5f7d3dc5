import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromHex, toHex } from './encoding.js';
import {
  assertParamsAtFloor,
  deriveKeyFromPassword,
  passwordBytes,
  PWHASH_DEFAULT_PARAMS,
  PWHASH_FLOORS,
  PWHASH_LIMITS,
} from './pwhash.js';
import { cryptoReady } from './sodium.js';

function expectCode(fn: () => unknown, code: ErrorCode): BackboneErrorLike {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
  return thrown as BackboneErrorLike;
}
type BackboneErrorLike = { message: string };

const WEAK = { testOnlyAllowWeakParams: true } as const;
const MiB = 1024 * 1024;

beforeAll(async () => {
  await cryptoReady();
});

/*
 * Argon2id v1.3 known answers from libsodium's own test suite: test/default/pwhash_argon2id.c,
 * function tv(), with outputs from test/default/pwhash_argon2id.exp (github.com/jedisct1/libsodium).
 * Password and salt are hex; only the first 16 salt bytes are used (crypto_pwhash_SALTBYTES);
 * memlimit is in bytes. (The RFC 9106 vector needs a secret and associated data, which
 * crypto_pwhash cannot take, and the reference "somesalt" vectors use an 8-byte salt, which
 * libsodium refuses — hence these.)
 */
const LIBSODIUM_ARGON2ID = [
  {
    password:
      'a347ae92bce9f80f6f595a4480fc9c2fe7e7d7148d371e9487d75f5c23008ffae0' +
      '65577a928febd9b1973a5a95073acdbeb6a030cfc0d79caa2dc5cd011cef02c08d' +
      'a232d76d52dfbca38ca8dcbd665b17d1665f7cf5fe59772ec909733b24de97d6f5' +
      '8d220b20c60d7c07ec1fd93c52c31020300c6c1facd77937a597c7a6',
    passwordLength: 127,
    salt: '5541fbc995d5c197ba290346d2c559dedf405cf97e5f95482143202f9e74f5c2',
    length: 155,
    opslimit: 5,
    memlimit: 7256678,
    expected:
      '18acec5d6507739f203d1f5d9f1d862f7c2cdac4f19d2bdff64487e60d969e3ced615337b9eec6ac4461c6ca07f0939741e57c24d0005c7ea171a0ee1e7348249d135b38f222e4dad7b9a033ed83f5ca27277393e316582033c74affe2566a2bea47f91f0fd9fe49ece7e1f79f3ad6e9b23e0277c8ecc4b313225748dd2a80f5679534a0700e246a79a49b3f74eb89ec6205fe1eeb941c73b1fcf1',
  },
  {
    password: 'b540beb016a5366524d4605156493f9874514a5aa58818cd0c6dfffaa9e90205f17b',
    passwordLength: 34,
    salt: '44071f6d181561670bda728d43fb79b443bb805afdebaf98622b5165e01b15fb',
    length: 231,
    opslimit: 1,
    memlimit: 1631659,
    expected:
      '7fb72409b0987f8190c3729710e98c3f80c5a8727d425fdcde7f3644d467fe973f5b5fee683bd3fce812cb9ae5e9921a2d06c2f1905e4e839692f2b934b682f11a2fe2b90482ea5dd234863516dba6f52dc0702d324ec77d860c2e181f84472bd7104fedce071ffa93c5309494ad51623d214447a7b2b1462dc7d5d55a1f6fd5b54ce024118d86f0c6489d16545aaa87b6689dad9f2fb47fda9894f8e12b87d978b483ccd4cc5fd9595cdc7a818452f915ce2f7df95ec12b1c72e3788d473441d884f9748eb14703c21b45d82fd667b85f5b2d98c13303b3fe76285531a826b6fc0fe8e3dddecf',
  },
];

describe('Argon2id13 known answers (libsodium test suite)', () => {
  for (const [i, tv] of LIBSODIUM_ARGON2ID.entries()) {
    it(`vector ${i}: t=${tv.opslimit}, m=${tv.memlimit} bytes`, () => {
      const out = deriveKeyFromPassword(
        fromHex(tv.password).subarray(0, tv.passwordLength),
        fromHex(tv.salt).subarray(0, 16),
        { opslimit: tv.opslimit, memlimit: tv.memlimit },
        { ...WEAK, length: tv.length },
      );
      expect(toHex(out)).toBe(tv.expected);
    });
  }
});

describe('floors (anti-downgrade)', () => {
  it('are opslimit 3 / 256 MiB for every purpose', () => {
    for (const floor of Object.values(PWHASH_FLOORS)) {
      expect(floor).toEqual({ opslimit: 3, memlimit: 256 * MiB });
    }
    expect(PWHASH_DEFAULT_PARAMS).toEqual({ opslimit: 3, memlimit: 256 * MiB });
    expect(Object.isFrozen(PWHASH_FLOORS.localUnlock)).toBe(true);
  });

  it('refuses parameters below the floor with a clear message, before any work', () => {
    const salt = new Uint8Array(16);
    const e1 = expectCode(
      () => deriveKeyFromPassword('pw', salt, { opslimit: 2, memlimit: 256 * MiB }),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expect(e1.message).toMatch(/too weak/);
    expect(e1.message).toMatch(/at least opslimit 3 and 256 MiB/);
    expectCode(
      () => deriveKeyFromPassword('pw', salt, { opslimit: 3, memlimit: 256 * MiB - 1024 }),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expectCode(
      () => assertParamsAtFloor({ opslimit: 1, memlimit: 8 * MiB }),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    for (const purpose of ['localUnlock', 'passwordAccess', 'backup'] as const) {
      expectCode(
        () => assertParamsAtFloor({ opslimit: 3, memlimit: 64 * MiB }, { purpose }),
        'CRYPTO_PARAMS_BELOW_FLOOR',
      );
    }
  });

  it('accepts the floor and stronger parameters up to the limits', () => {
    expect(() => assertParamsAtFloor({ opslimit: 3, memlimit: 256 * MiB })).not.toThrow();
    expect(() => assertParamsAtFloor({ opslimit: 4, memlimit: 512 * MiB })).not.toThrow();
    expect(() => assertParamsAtFloor({ opslimit: 8, memlimit: 256 * MiB })).not.toThrow();
  });

  it('refuses absurd or malformed parameters (denial of service, garbage)', () => {
    expectCode(
      () => assertParamsAtFloor({ opslimit: 3, memlimit: PWHASH_LIMITS.memlimit + 1 }),
      'CRYPTO_PARAMS_ABOVE_CEILING',
    );
    expectCode(
      () => assertParamsAtFloor({ opslimit: PWHASH_LIMITS.opslimit + 1, memlimit: 256 * MiB }),
      'CRYPTO_PARAMS_ABOVE_CEILING',
    );
    // each within its limit, but too much work together (8 passes × 512 MiB)
    expectCode(() => assertParamsAtFloor(PWHASH_LIMITS), 'CRYPTO_PARAMS_ABOVE_CEILING');
    expectCode(
      () => assertParamsAtFloor({ opslimit: 3.5, memlimit: 256 * MiB }),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () => assertParamsAtFloor({ opslimit: Number.NaN, memlimit: 256 * MiB }),
      'INVALID_ARGUMENT',
    );
    expectCode(() => assertParamsAtFloor(null as never), 'INVALID_ARGUMENT');
  });

  it('allows weak parameters only with the explicit test-only option, never below libsodium', () => {
    expect(() => assertParamsAtFloor({ opslimit: 1, memlimit: 8 * MiB }, WEAK)).not.toThrow();
    expectCode(
      () => assertParamsAtFloor({ opslimit: 0, memlimit: 8 * MiB }, WEAK),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expectCode(
      () => assertParamsAtFloor({ opslimit: 1, memlimit: 4096 }, WEAK),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    // anything but literal `true` does not count
    expectCode(
      () =>
        assertParamsAtFloor({ opslimit: 1, memlimit: 8 * MiB }, {
          testOnlyAllowWeakParams: 'yes',
        } as never),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
  });
});

describe('deriveKeyFromPassword', () => {
  const params = { opslimit: 1, memlimit: 8 * MiB };
  const salt = fromHex('000102030405060708090a0b0c0d0e0f');

  it('is deterministic, 32 bytes by default, and depends on password and salt', () => {
    const a = deriveKeyFromPassword('correct horse', salt, params, WEAK);
    expect(a.length).toBe(32);
    expect(toHex(deriveKeyFromPassword('correct horse', salt, params, WEAK))).toBe(toHex(a));
    expect(toHex(deriveKeyFromPassword('correct horsf', salt, params, WEAK))).not.toBe(toHex(a));
    const salt2 = Uint8Array.from(salt);
    salt2[0] = 9;
    expect(toHex(deriveKeyFromPassword('correct horse', salt2, params, WEAK))).not.toBe(toHex(a));
    expect(deriveKeyFromPassword('x', salt, params, { ...WEAK, length: 64 }).length).toBe(64);
  });

  it('normalizes text passwords to NFC', () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(toHex(passwordBytes(composed))).toBe(toHex(passwordBytes(decomposed)));
    expect(toHex(deriveKeyFromPassword(composed, salt, params, WEAK))).toBe(
      toHex(deriveKeyFromPassword(decomposed, salt, params, WEAK)),
    );
    // text and its UTF-8 bytes give the same key
    expect(toHex(deriveKeyFromPassword(passwordBytes(composed), salt, params, WEAK))).toBe(
      toHex(deriveKeyFromPassword(composed, salt, params, WEAK)),
    );
  });

  it('checks salt, length and password', () => {
    expectCode(
      () => deriveKeyFromPassword('pw', new Uint8Array(15), params, WEAK),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () => deriveKeyFromPassword('pw', salt, params, { ...WEAK, length: 15 }),
      'INVALID_ARGUMENT',
    );
    expectCode(() => deriveKeyFromPassword('', salt, params, WEAK), 'INVALID_ARGUMENT');
  });
});
