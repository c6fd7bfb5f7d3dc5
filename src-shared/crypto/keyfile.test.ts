import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './encoding.js';
import {
  changeKeyfilePassword,
  createKeyfile,
  keyfileAssociatedData,
  parseKeyfile,
  serializeKeyfile,
  unlockKeyfile,
  type Keyfile,
} from './keyfile.js';
import { signDetached, verifyDetached } from './sign.js';
import { cryptoReady } from './sodium.js';

function expectCode(fn: () => unknown, code: ErrorCode): string {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
  return (thrown as Error).message;
}

await cryptoReady();

const MiB = 1024 * 1024;
/** Weak Argon2id parameters, allowed only through the explicit test-only option. */
const WEAK = { testOnlyAllowWeakParams: true } as const;
const WEAK_PARAMS = { opslimit: 1, memlimit: 8 * MiB };
const make = (password: string) => createKeyfile(password, { ...WEAK, params: WEAK_PARAMS });

const { keyfile: KF, unlocked: UNLOCKED } = make('hunter2 is a fine password');

describe('createKeyfile / unlockKeyfile', () => {
  it('creates the documented structure', () => {
    expect(Object.keys(KF)).toEqual(['v', 'kdf', 'nonce', 'ct']);
    expect(KF.v).toBe(1);
    expect(KF.kdf).toMatchObject({ alg: 'argon2id13', ops: 1, mem: 8 * MiB });
    expect(fromBase64Url(KF.kdf.salt)).toHaveLength(16);
    expect(fromBase64Url(KF.nonce)).toHaveLength(24);
    expect(fromBase64Url(KF.ct)).toHaveLength(80);
    expect(UNLOCKED.rootSecret).toHaveLength(32);
    expect(UNLOCKED.deviceSignKeyPair.publicKey).toHaveLength(32);
  });

  it('binds v and the kdf parameters into the associated data', () => {
    expect(fromUtf8(keyfileAssociatedData(KF))).toBe(
      `backbone/keyfile/v1\n{"kdf":{"alg":"argon2id13","mem":8388608,"ops":1,"salt":"${KF.kdf.salt}"},"v":1}`,
    );
  });

  it('unlocks with the right password to the same keys', () => {
    const out = unlockKeyfile(KF, 'hunter2 is a fine password', WEAK);
    expect(toHex(out.rootSecret)).toBe(toHex(UNLOCKED.rootSecret));
    expect(toHex(out.deviceSignKeyPair.publicKey)).toBe(
      toHex(UNLOCKED.deviceSignKeyPair.publicKey),
    );
    const sig = signDetached(utf8('m'), out.deviceSignKeyPair.secretKey);
    expect(verifyDetached(sig, utf8('m'), UNLOCKED.deviceSignKeyPair.publicKey)).toBe(true);
  });

  it('refuses a wrong password with KEYFILE_WRONG_PASSWORD', () => {
    const message = expectCode(
      () => unlockKeyfile(KF, 'hunter3 is a fine password', WEAK),
      'KEYFILE_WRONG_PASSWORD',
    );
    expect(message).toMatch(/^The password is wrong/);
    expect(message).not.toMatch(/hunter/);
  });

  it('uses fresh randomness for every keyfile', () => {
    const again = make('hunter2 is a fine password');
    expect(again.keyfile.kdf.salt).not.toBe(KF.kdf.salt);
    expect(toHex(again.unlocked.rootSecret)).not.toBe(toHex(UNLOCKED.rootSecret));
  });

  it('can wrap a given root secret (restore from the Emergency Kit)', () => {
    const rs = new Uint8Array(32).fill(5);
    const { keyfile } = createKeyfile('pw', { ...WEAK, params: WEAK_PARAMS, rootSecret: rs });
    expect(toHex(unlockKeyfile(keyfile, 'pw', WEAK).rootSecret)).toBe(toHex(rs));
    expectCode(
      () => createKeyfile('pw', { ...WEAK, params: WEAK_PARAMS, rootSecret: new Uint8Array(16) }),
      'CRYPTO_INVALID_KEY',
    );
  });

  it('uses the floor (opslimit 3, 256 MiB) by default — the one full-strength test', () => {
    const { keyfile, unlocked } = createKeyfile('default strength');
    expect(keyfile.kdf.ops).toBe(3);
    expect(keyfile.kdf.mem).toBe(256 * MiB);
    expect(toHex(unlockKeyfile(keyfile, 'default strength').rootSecret)).toBe(
      toHex(unlocked.rootSecret),
    );
  });
});

describe('floors (anti-downgrade)', () => {
  it('refuses to create or unlock a weak keyfile without the test-only option', () => {
    expectCode(() => createKeyfile('pw', { params: WEAK_PARAMS }), 'CRYPTO_PARAMS_BELOW_FLOOR');
    const message = expectCode(
      () => unlockKeyfile(KF, 'hunter2 is a fine password'),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expect(message).toMatch(/tampered/);
  });

  it('refuses a keyfile whose parameters were lowered, before trying the password', () => {
    const strong: Keyfile = { ...KF, kdf: { ...KF.kdf, ops: 3, mem: 256 * MiB } };
    const lowered: Keyfile = { ...strong, kdf: { ...strong.kdf, mem: 64 * MiB } };
    // Refused as a downgrade (not as a wrong password): the check runs before any decryption.
    expectCode(() => unlockKeyfile(lowered, 'whatever'), 'CRYPTO_PARAMS_BELOW_FLOOR');
  });

  it('refuses absurd parameters as corrupt', () => {
    expectCode(
      () => unlockKeyfile({ ...KF, kdf: { ...KF.kdf, mem: 64 * 1024 * MiB } }, 'x', WEAK),
      'KEYFILE_CORRUPT',
    );
    expectCode(
      () => unlockKeyfile({ ...KF, kdf: { ...KF.kdf, ops: 1000 } }, 'x', WEAK),
      'KEYFILE_CORRUPT',
    );
  });
});

describe('tampering', () => {
  const pw = 'hunter2 is a fine password';
  const flipB64 = (text: string) => {
    const bytes = fromBase64Url(text);
    bytes[0]! ^= 1;
    return toBase64Url(bytes);
  };

  it('detects a change to any field', () => {
    const cases: [string, Keyfile, ErrorCode][] = [
      ['ops', { ...KF, kdf: { ...KF.kdf, ops: 2 } }, 'KEYFILE_WRONG_PASSWORD'],
      ['mem', { ...KF, kdf: { ...KF.kdf, mem: 9 * MiB } }, 'KEYFILE_WRONG_PASSWORD'],
      ['salt', { ...KF, kdf: { ...KF.kdf, salt: flipB64(KF.kdf.salt) } }, 'KEYFILE_WRONG_PASSWORD'],
      ['nonce', { ...KF, nonce: flipB64(KF.nonce) }, 'KEYFILE_WRONG_PASSWORD'],
      ['ct', { ...KF, ct: flipB64(KF.ct) }, 'KEYFILE_WRONG_PASSWORD'],
      ['alg', { ...KF, kdf: { ...KF.kdf, alg: 'argon2i13' as never } }, 'KEYFILE_CORRUPT'],
      ['v', { ...KF, v: 2 as never }, 'UNSUPPORTED_VERSION'],
      ['extra field', { ...KF, extra: 1 } as never, 'KEYFILE_CORRUPT'],
      ['short ct', { ...KF, ct: KF.ct.slice(0, -4) }, 'KEYFILE_CORRUPT'],
    ];
    for (const [, tampered, code] of cases) {
      expectCode(() => unlockKeyfile(tampered, pw, WEAK), code);
    }
  });

  it('property: any single-bit change of the file text is rejected', () => {
    const text = serializeKeyfile(KF);
    fc.assert(
      fc.property(fc.nat({ max: utf8(text).length * 8 - 1 }), (bitIndex) => {
        const bytes = utf8(text);
        bytes[bitIndex >> 3]! ^= 1 << (bitIndex & 7);
        const mutated = new TextDecoder().decode(bytes);
        let error: unknown;
        try {
          unlockKeyfile(parseKeyfile(mutated), pw, WEAK);
        } catch (e) {
          error = e;
        }
        expect(isBackboneError(error), `flip ${bitIndex} accepted`).toBe(true);
        expect([
          'KEYFILE_CORRUPT',
          'KEYFILE_WRONG_PASSWORD',
          'UNSUPPORTED_VERSION',
          'CRYPTO_PARAMS_BELOW_FLOOR',
        ]).toContain((error as { code: string }).code);
      }),
      { numRuns: 20 },
    );
  });
});

describe('changeKeyfilePassword', () => {
  it('re-wraps with a fresh salt; keys unchanged; old password no longer works', () => {
    const changed = changeKeyfilePassword(KF, 'hunter2 is a fine password', 'new password', WEAK);
    expect(changed.kdf.salt).not.toBe(KF.kdf.salt);
    expect(changed.nonce).not.toBe(KF.nonce);
    expect(changed.kdf.ops).toBe(KF.kdf.ops);
    const out = unlockKeyfile(changed, 'new password', WEAK);
    expect(toHex(out.rootSecret)).toBe(toHex(UNLOCKED.rootSecret));
    expect(toHex(out.deviceSignKeyPair.secretKey)).toBe(
      toHex(UNLOCKED.deviceSignKeyPair.secretKey),
    );
    expectCode(
      () => unlockKeyfile(changed, 'hunter2 is a fine password', WEAK),
      'KEYFILE_WRONG_PASSWORD',
    );
  });

  it('needs the old password and can change the parameters', () => {
    expectCode(() => changeKeyfilePassword(KF, 'nope', 'new', WEAK), 'KEYFILE_WRONG_PASSWORD');
    const stronger = changeKeyfilePassword(KF, 'hunter2 is a fine password', 'new', {
      ...WEAK,
      params: { opslimit: 2, memlimit: 16 * MiB },
    });
    expect(stronger.kdf).toMatchObject({ ops: 2, mem: 16 * MiB });
    expect(toHex(unlockKeyfile(stronger, 'new', WEAK).rootSecret)).toBe(toHex(UNLOCKED.rootSecret));
  });
});

describe('serializeKeyfile / parseKeyfile', () => {
  it('round-trips', () => {
    const text = serializeKeyfile(KF);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseKeyfile(text)).toEqual(KF);
    expect(serializeKeyfile(parseKeyfile(text))).toBe(text);
  });

  it('property: random passwords round-trip through the file text', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (password) => {
        const { keyfile, unlocked } = make(password);
        const out = unlockKeyfile(parseKeyfile(serializeKeyfile(keyfile)), password, WEAK);
        expect(toHex(out.rootSecret)).toBe(toHex(unlocked.rootSecret));
      }),
      { numRuns: 10 },
    );
  });

  it('refuses unknown versions and malformed text clearly', () => {
    const obj = JSON.parse(serializeKeyfile(KF)) as Record<string, unknown>;
    expectCode(() => parseKeyfile(JSON.stringify({ ...obj, v: 2 })), 'UNSUPPORTED_VERSION');
    expectCode(() => parseKeyfile(JSON.stringify({ ...obj, v: 0 })), 'UNSUPPORTED_VERSION');
    expectCode(() => parseKeyfile(JSON.stringify({ ...obj, v: '1' })), 'KEYFILE_CORRUPT');
    expectCode(() => parseKeyfile(JSON.stringify({ ...obj, v: undefined })), 'KEYFILE_CORRUPT');
    expectCode(() => parseKeyfile('not json'), 'KEYFILE_CORRUPT');
    expectCode(() => parseKeyfile('[]'), 'KEYFILE_CORRUPT');
    expectCode(() => parseKeyfile('null'), 'KEYFILE_CORRUPT');
    expectCode(() => parseKeyfile(JSON.stringify({ ...obj, nonce: '!!' })), 'KEYFILE_CORRUPT');
    expectCode(
      () => parseKeyfile(JSON.stringify({ ...obj, kdf: { ...(obj.kdf as object), ops: 1.5 } })),
      'KEYFILE_CORRUPT',
    );
    expectCode(() => parseKeyfile(' '.repeat(70000)), 'KEYFILE_CORRUPT');
  });
});
