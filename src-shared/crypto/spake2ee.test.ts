import { beforeAll, describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import { randomBytes, type RandomSource } from './random.js';
import { cryptoReady, sodium } from './sodium.js';
import {
  MEMLIMIT_FLOOR,
  OPSLIMIT_FLOOR,
  PUBLICDATABYTES,
  RESPONSE1BYTES,
  RESPONSE2BYTES,
  RESPONSE3BYTES,
  SHAREDKEYBYTES,
  STOREDBYTES,
  clientStep1,
  clientStep1With,
  clientStep3,
  serverStep0,
  serverStep0Dummy,
  serverStep2,
  serverStep4,
  serverStore,
  serverStoreWith,
  validatePublicData,
} from './spake2ee.js';
import { argon2idHere, type Argon2idJob, type Argon2idRunner } from './pwhash.js';

// ---------------------------------------------------------------------------------------------
// Known-answer vector (docs/spake2ee-kat.md)

const KAT = {
  password: 'password',
  clientId: 'client',
  serverId: 'server',
  opslimit: 2,
  memlimit: 67108864,
  salt: range(0x00, 16),
  x: range(0x20, 32),
  y: range(0x40, 32),
  dummyKey: range(0x60, 32),
  storedData:
    '0100020002000000000000000000000400000000000102030405060708090a0b0c0d0e0f' +
    'd3839b77ea5583c23ef419f67aa638ed2ffec2812a9911393bec09fbc83ea59a' +
    '2bf56a27d4f2ea930ee82dcaaee989fb1ee103d065bf1ec8ab98c223c0f495bc' +
    'c7bbd45664fd71fae0d35ddca5e92acc3c423b501633ec3f7df675d5760da6bf' +
    '85db84d54400e57d6baac45a623ee550f44021d453d5b8822f91b2052b806a32',
  publicData: '0100020002000000000000000000000400000000000102030405060708090a0b0c0d0e0f',
  response1: 'b4259f8e69f8689eafd124740a0c4708110eb7cc8497dcdfa579b4606195da13',
  response2:
    '7e79cbb341caa6ecf7603eba69f9630e7a05f41cb058e57b76a1ef46c74d5e9a' +
    '2c6b9db68c0e7d634223e6f576e4907dc1e3ab7a1b4419145844730305771f1a',
  response3: '9b02c584e657416defd8363b6c250383021a6a0f0207f178dbb944bc8fc1138b',
  clientSk: '54c1a5da5378f61c540f6483f3719c4cc622fc065b09d5e080e2992065ca28f8',
  serverSk: '1ecce11fd9f384b1bfc63c5ba9ad8fdea7b0e60b0069719b48d3f2863169c05d',
  dummyPublicData: '01000200020000000000000000000004000000001ebb36d040287b2bd180a7c97626f704',
} as const;

function range(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => start + i);
}

/**
 * A random source that hands out the given chunks in order (fresh copies, since the module
 * wipes what it draws) and fails the test on any other request.
 */
function fixedRandom(...chunks: Uint8Array[]): RandomSource & { remaining: () => number } {
  const queue = chunks.map((c) => c.slice());
  const source = (length: number): Uint8Array => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`unexpected random draw of ${length} bytes`);
    if (next.length !== length)
      throw new Error(`random draw of ${length}, expected ${next.length}`);
    return next;
  };
  return Object.assign(source, { remaining: () => queue.length });
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a ${code} error`).toBeDefined();
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

function expectAborted(fn: () => unknown): void {
  expectCode(fn, 'PAKE_ABORTED');
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** Public data with the given header fields (u16 version, u16 alg, u64 ops, u64 mem). */
function makePublicData(version: number, alg: number, ops: bigint, mem: bigint): Uint8Array {
  const out = fromHex(KAT.publicData);
  const view = new DataView(out.buffer);
  view.setUint16(0, version, true);
  view.setUint16(2, alg, true);
  view.setBigUint64(4, ops, true);
  view.setBigUint64(12, mem, true);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Edwards25519 arithmetic in BigInt, only to prove what the bad test points are.

const P = (1n << 255n) - 19n;
const D = mod(-121665n * inv(121666n));

function mod(a: bigint): bigint {
  return ((a % P) + P) % P;
}
function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}
function inv(a: bigint): bigint {
  return pow(a, P - 2n);
}
/** Whether some x satisfies -x² + y² = 1 + d·x²·y², i.e. (y²−1)/(d·y²+1) is a square. */
function yIsOnCurve(y: bigint): boolean {
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  const x2 = mod(u * inv(v));
  return x2 === 0n || pow(x2, (P - 1n) / 2n) === 1n;
}
function encodeY(y: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = y;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

let storedData: Uint8Array;
let katM: Uint8Array;
let katN: Uint8Array;

beforeAll(async () => {
  await cryptoReady();
  storedData = fromHex(KAT.storedData);
  katM = storedData.slice(36, 68);
  katN = storedData.slice(68, 100);
});

describe('SPAKE2+EE constants', () => {
  it('match the reference sizes and the product floors', () => {
    expect([
      PUBLICDATABYTES,
      RESPONSE1BYTES,
      RESPONSE2BYTES,
      RESPONSE3BYTES,
      SHAREDKEYBYTES,
      STOREDBYTES,
    ]).toEqual([36, 32, 64, 32, 32, 164]);
    expect(OPSLIMIT_FLOOR).toBe(3);
    expect(MEMLIMIT_FLOOR).toBe(268435456);
  });
});

describe('SPAKE2+EE known-answer vector', () => {
  it('server role: stored data, public data, response2, shared keys', () => {
    const salt = fixedRandom(KAT.salt);
    const stored = serverStore(KAT.password, KAT.opslimit, KAT.memlimit, salt);
    expect(salt.remaining()).toBe(0);
    expect(toHex(stored)).toBe(KAT.storedData);

    const step0 = serverStep0(stored);
    expect(toHex(step0.publicData)).toBe(KAT.publicData);

    const y = fixedRandom(KAT.y);
    const step2 = serverStep2(
      step0.state,
      KAT.clientId,
      KAT.serverId,
      stored,
      fromHex(KAT.response1),
      y,
    );
    expect(y.remaining()).toBe(0);
    expect(toHex(step2.response2)).toBe(KAT.response2);

    const keys = serverStep4(step2.state, fromHex(KAT.response3));
    expect(toHex(keys.clientSk)).toBe(KAT.clientSk);
    expect(toHex(keys.serverSk)).toBe(KAT.serverSk);
  });

  it('client role: response1, response3, shared keys (byte ids and password)', () => {
    const x = fixedRandom(KAT.x);
    const step1 = clientStep1(fromHex(KAT.publicData), utf8(KAT.password), x);
    expect(x.remaining()).toBe(0);
    expect(toHex(step1.response1)).toBe(KAT.response1);

    const step3 = clientStep3(
      step1.state,
      utf8(KAT.clientId),
      utf8(KAT.serverId),
      fromHex(KAT.response2),
    );
    expect(toHex(step3.response3)).toBe(KAT.response3);
    expect(toHex(step3.sharedKeys.clientSk)).toBe(KAT.clientSk);
    expect(toHex(step3.sharedKeys.serverSk)).toBe(KAT.serverSk);

    // The state was consumed: a replay of step 3 is refused.
    expectAborted(() =>
      clientStep3(step1.state, KAT.clientId, KAT.serverId, fromHex(KAT.response2)),
    );
  });

  it('dummy public data from serverStep0Dummy', () => {
    const dummy = serverStep0Dummy(
      KAT.clientId,
      KAT.serverId,
      KAT.opslimit,
      KAT.memlimit,
      KAT.dummyKey,
    );
    expect(toHex(dummy.publicData)).toBe(KAT.dummyPublicData);
    // Same inputs, same answer (a probe sees a stable salt); another user, another salt.
    const again = serverStep0Dummy('client', 'server', 2n, 67108864n, KAT.dummyKey);
    expect(toHex(again.publicData)).toBe(KAT.dummyPublicData);
    const other = serverStep0Dummy('client2', 'server', 2, 67108864, KAT.dummyKey);
    expect(toHex(other.publicData.subarray(0, 20))).toBe(KAT.dummyPublicData.slice(0, 40));
    expect(toHex(other.publicData)).not.toBe(KAT.dummyPublicData);
  });
});

describe('SPAKE2+EE aborts (client side)', () => {
  it('wrong password: client step 3 aborts', () => {
    const step1 = clientStep1(fromHex(KAT.publicData), 'passwore', fixedRandom(KAT.x));
    expect(toHex(step1.response1)).not.toBe(KAT.response1);
    expectAborted(() =>
      clientStep3(step1.state, KAT.clientId, KAT.serverId, fromHex(KAT.response2)),
    );
  });

  it('one flipped bit in the client validator of response2: client step 3 aborts', () => {
    const step1 = clientStep1(fromHex(KAT.publicData), KAT.password, fixedRandom(KAT.x));
    const tampered = flipBit(fromHex(KAT.response2), 32 * 8 + 77);
    expectAborted(() => clientStep3(step1.state, KAT.clientId, KAT.serverId, tampered));
    // The failed step consumed the state: the genuine response is refused too.
    expectAborted(() =>
      clientStep3(step1.state, KAT.clientId, KAT.serverId, fromHex(KAT.response2)),
    );
  });

  it('a different client id than the server used: client step 3 aborts', () => {
    const step1 = clientStep1(fromHex(KAT.publicData), KAT.password, fixedRandom(KAT.x));
    expectAborted(() => clientStep3(step1.state, 'Client', KAT.serverId, fromHex(KAT.response2)));
  });

  it('public data with a version other than 1 or an alg other than 2 is refused', () => {
    const ops = BigInt(KAT.opslimit);
    const mem = BigInt(KAT.memlimit);
    for (const [version, alg] of [
      [0, 2],
      [2, 2],
      [0x100, 2],
      [1, 1],
      [1, 0],
      [1, 3],
    ] as const) {
      const pd = makePublicData(version, alg, ops, mem);
      const never: RandomSource = () => {
        throw new Error('must not draw randomness before validating');
      };
      expectAborted(() => clientStep1(pd, KAT.password, never));
      expectAborted(() => validatePublicData(pd, 2, 2, 67108864));
    }
    // The same header with version 1, alg 2 passes (the cases above fail for the right field).
    expect(validatePublicData(makePublicData(1, 2, ops, mem), 2, 2, 67108864)).toMatchObject({
      version: 1,
      alg: 2,
      opslimit: 2,
      memlimit: 67108864,
    });
  });

  it('public data below the floors is refused', () => {
    const katPd = fromHex(KAT.publicData);
    // Without an injected random source the product floors (3, 256 MiB) apply.
    expectCode(() => clientStep1(katPd, KAT.password), 'CRYPTO_PARAMS_BELOW_FLOOR');
    expectCode(() => validatePublicData(katPd), 'CRYPTO_PARAMS_BELOW_FLOOR');
    expectCode(
      () => validatePublicData(makePublicData(1, 2, 3n, 268435455n)),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expectCode(
      () => validatePublicData(makePublicData(1, 2, 2n, 268435456n)),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expect(validatePublicData(makePublicData(1, 2, 3n, 268435456n)).memlimit).toBe(268435456);
    expect(validatePublicData(makePublicData(1, 2, 7n, 1n << 30n)).opslimit).toBe(7);
    // Even with an injected source nothing below (2, 64 MiB) is accepted.
    const x = fixedRandom(KAT.x);
    for (const [ops, mem] of [
      [1n, 67108864n],
      [2n, 67108863n],
      [0n, 0n],
      [1n, 8192n],
    ] as const) {
      expectCode(
        () => clientStep1(makePublicData(1, 2, ops, mem), KAT.password, x),
        'CRYPTO_PARAMS_BELOW_FLOOR',
      );
      // Floors passed below the absolute minimum are raised to it.
      expectCode(
        () => validatePublicData(makePublicData(1, 2, ops, mem), 2, 1, 8192),
        'CRYPTO_PARAMS_BELOW_FLOOR',
      );
    }
    expect(x.remaining()).toBe(1);
  });

  it('64-bit parameters are read whole, never truncated', () => {
    // 2^32 + 3 would read as 3 if truncated to 32 bits; 2^64 − 1 as −1 or a float.
    for (const [ops, mem] of [
      [(1n << 32n) + 3n, 268435456n],
      [3n, (1n << 32n) + 268435456n],
      [(1n << 64n) - 1n, (1n << 64n) - 1n],
      [(1n << 53n) + 1n, 268435456n],
    ] as const) {
      expectAborted(() => validatePublicData(makePublicData(1, 2, ops, mem)));
    }
    // High bits below the floor are still below the floor.
    expectCode(
      () => validatePublicData(makePublicData(1, 2, 0n, 1n << 27n)),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Bad points for X and Y

const T8 = fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');

function badPoints(valid: Uint8Array): [string, Uint8Array][] {
  const s = sodium();
  // A non-canonical encoding (y + p < 2^255) of a curve point, and a canonical y off the curve.
  let nonCanonicalY = 2n;
  while (!yIsOnCurve(nonCanonicalY)) nonCanonicalY++;
  let offCurveY = 2n;
  while (yIsOnCurve(offCurveY)) offCurveY++;
  expect(nonCanonicalY).toBeLessThan(19n);
  expect(yIsOnCurve(offCurveY)).toBe(false);
  return [
    ['the identity', fromHex('01' + '00'.repeat(31))],
    ['of small order 2', encodeY(P - 1n)],
    ['of small order 4', new Uint8Array(32)],
    ['of small order 8', T8],
    ['of mixed order (valid point + 8-torsion)', s.crypto_core_ed25519_add(valid, T8)],
    ['non-canonical (y + p)', encodeY(nonCanonicalY + P)],
    ['a non-canonical identity', encodeY(1n + P)],
    ['off the curve', encodeY(offCurveY)],
  ];
}

describe('SPAKE2+EE aborts (server side)', () => {
  function katServerStep2(response1: Uint8Array) {
    const { state } = serverStep0(storedData);
    return serverStep2(
      state,
      KAT.clientId,
      KAT.serverId,
      storedData,
      response1,
      fixedRandom(KAT.y),
    );
  }

  it('one flipped bit in response3: server step 4 aborts', () => {
    const genuine = fromHex(KAT.response3);
    for (const bit of [0, 1, 7, 8, 100, 200, 254, 255]) {
      const step2 = katServerStep2(fromHex(KAT.response1));
      expect(toHex(step2.response2)).toBe(KAT.response2);
      expectAborted(() => serverStep4(step2.state, flipBit(genuine, bit)));
      // Consumed by the failure: the genuine response3 no longer works either.
      expectAborted(() => serverStep4(step2.state, genuine));
    }
  });

  it('X that is the identity, small order, mixed order, non-canonical or off the curve', () => {
    const cases = [...badPoints(fromHex(KAT.response1)), ['equal to M (X − M = identity)', katM]];
    for (const [label, X] of cases as [string, Uint8Array][]) {
      // Only M itself is a valid point; it fails later, as X − M is the identity.
      expect(sodium().crypto_core_ed25519_is_valid_point(X), label).toBe(label.startsWith('equal'));
      expectAborted(() => katServerStep2(X));
    }
  });

  it('server states are single-use and typed', () => {
    const { state } = serverStep0(storedData);
    const step2 = serverStep2(
      state,
      KAT.clientId,
      KAT.serverId,
      storedData,
      fromHex(KAT.response1),
      fixedRandom(KAT.y),
    );
    expectAborted(() =>
      serverStep2(
        state,
        KAT.clientId,
        KAT.serverId,
        storedData,
        fromHex(KAT.response1),
        fixedRandom(KAT.y),
      ),
    );
    const keys = serverStep4(step2.state, fromHex(KAT.response3));
    expect(toHex(keys.clientSk)).toBe(KAT.clientSk);
    expectAborted(() => serverStep4(step2.state, fromHex(KAT.response3)));

    // A state of the wrong kind is refused (and consumed).
    const other = serverStep0(storedData);
    expectAborted(() => serverStep4(other.state as never, fromHex(KAT.response3)));
    expectAborted(() => serverStep4({} as never, fromHex(KAT.response3)));
    // The state object carries no secrets.
    expect(JSON.stringify(step2.state)).toBe('{"kind":"spake2ee/server-step2"}');
  });

  it('step 2 refuses stored data that is not the record step 0 was given', () => {
    const { state } = serverStep0(storedData);
    const otherRecord = storedData.slice();
    otherRecord[25]! ^= 1; // another salt
    expectAborted(() =>
      serverStep2(state, KAT.clientId, KAT.serverId, otherRecord, fromHex(KAT.response1)),
    );
    const badVersion = storedData.slice();
    badVersion[0] = 2;
    expectAborted(() => serverStep0(badVersion));
    const badAlg = storedData.slice();
    badAlg[2] = 1;
    expectAborted(() => serverStep0(badAlg));
  });

  it('a dummy state answers step 2 like a real one and always aborts at step 4', () => {
    const dummy = serverStep0Dummy('nobody', 'server', 2, 67108864, KAT.dummyKey);
    const step2 = serverStep2(dummy.state, 'nobody', 'server', null, fromHex(KAT.response1));
    expect(step2.response2).toHaveLength(RESPONSE2BYTES);
    expect(sodium().crypto_core_ed25519_is_valid_point(step2.response2.subarray(0, 32))).toBe(true);
    expectAborted(() => serverStep4(step2.state, fromHex(KAT.response3)));
    // Invalid X is refused for dummies too.
    const d2 = serverStep0Dummy('nobody', 'server', 2, 67108864, KAT.dummyKey);
    expectAborted(() => serverStep2(d2.state, 'nobody', 'server', null, T8));
  });
});

describe('SPAKE2+EE aborts on a bad Y (client step 3)', () => {
  it('Y that is the identity, small order, mixed order, non-canonical, off the curve or N', () => {
    const genuine = fromHex(KAT.response2);
    const validator = genuine.subarray(32);
    const cases = [
      ...badPoints(genuine.subarray(0, 32)),
      ['equal to N (Y − N = identity)', katN] as [string, Uint8Array],
    ];
    for (const [label, Y] of cases) {
      const step1 = clientStep1(fromHex(KAT.publicData), KAT.password, fixedRandom(KAT.x));
      const response2 = new Uint8Array(64);
      response2.set(Y, 0);
      response2.set(validator, 32);
      let error: unknown;
      try {
        clientStep3(step1.state, KAT.clientId, KAT.serverId, response2);
      } catch (e) {
        error = e;
      }
      expect(isBackboneError(error, 'PAKE_ABORTED'), label).toBe(true);
    }
  });
});

describe('SPAKE2+EE against a server that knows the verifier', () => {
  /** The server side of the transcript, written out independently of the module. */
  function serverResponse2(Y: Uint8Array): Uint8Array {
    const s = sodium();
    const y = KAT.y.slice();
    y[0]! &= 248;
    y[31]! &= 127;
    const X = fromHex(KAT.response1);
    const hK = storedData.slice(100, 132);
    const L = storedData.slice(132, 164);
    const Z = s.crypto_scalarmult_ed25519_noclamp(y, s.crypto_core_ed25519_sub(X, katM));
    const V = s.crypto_scalarmult_ed25519_noclamp(y, L);
    const cid = utf8(KAT.clientId);
    const sid = utf8(KAT.serverId);
    const transcript = new Uint8Array([
      1,
      cid.length,
      ...cid,
      sid.length,
      ...sid,
      ...X,
      ...Y,
      ...Z,
      ...hK,
      ...V,
    ]);
    const k0 = s.crypto_generichash(32, transcript, null);
    const validator = s.crypto_kdf_derive_from_key(32, 2, 'PAKE2+EE', k0);
    return new Uint8Array([...Y, ...validator]);
  }

  it('the independent transcript reproduces the KAT response2', () => {
    expect(toHex(serverResponse2(fromHex(KAT.response2).subarray(0, 32)))).toBe(KAT.response2);
  });

  it('a consistent response2 with a mixed-order Y (Y + 8-torsion) is still refused', () => {
    // The validator is consistent with the tampered Y, so only the point checks can refuse it.
    const Y = sodium().crypto_core_ed25519_add(fromHex(KAT.response2).subarray(0, 32), T8);
    const step1 = clientStep1(fromHex(KAT.publicData), KAT.password, fixedRandom(KAT.x));
    expectAborted(() => clientStep3(step1.state, KAT.clientId, KAT.serverId, serverResponse2(Y)));
  });
});

describe('SPAKE2+EE argument checks', () => {
  it('wrong lengths are refused with INVALID_ARGUMENT', () => {
    const invalid = (fn: () => unknown) => expectCode(fn, 'INVALID_ARGUMENT');
    invalid(() => serverStep0(storedData.subarray(0, 163)));
    invalid(() => serverStep0(new Uint8Array(165)));
    invalid(() => validatePublicData(fromHex(KAT.publicData).subarray(0, 35)));
    invalid(() => clientStep1(new Uint8Array(37), KAT.password, fixedRandom(KAT.x)));
    invalid(() => serverStep0Dummy('c', 's', 2, 67108864, KAT.dummyKey.subarray(0, 31)));
    invalid(() => serverStep0Dummy('c'.repeat(256), 's', 2, 67108864, KAT.dummyKey));
    invalid(() => serverStep0Dummy('c', 's', -1, 67108864, KAT.dummyKey));
    invalid(() => serverStep0Dummy('c', 's', 2.5, 67108864, KAT.dummyKey));
    invalid(() => serverStep0Dummy('c', 's', 2, 1n << 64n, KAT.dummyKey));

    const run2 = (response1: Uint8Array, stored: Uint8Array | null, cid: string = KAT.clientId) => {
      const { state } = serverStep0(storedData);
      return serverStep2(state, cid, KAT.serverId, stored, response1, fixedRandom(KAT.y));
    };
    invalid(() => run2(new Uint8Array(31), storedData));
    invalid(() => run2(new Uint8Array(33), storedData));
    invalid(() => run2(fromHex(KAT.response1), null));
    invalid(() => run2(fromHex(KAT.response1), storedData.subarray(1)));
    invalid(() => run2(fromHex(KAT.response1), storedData, 'x'.repeat(256)));

    const step2 = run2(fromHex(KAT.response1), storedData);
    invalid(() => serverStep4(step2.state, new Uint8Array(31)));

    // A random source that returns the wrong number of bytes.
    const { state } = serverStep0(storedData);
    invalid(() =>
      serverStep2(state, 'c', 's', storedData, fromHex(KAT.response1), () => new Uint8Array(31)),
    );
  });

  it('client step 3 refuses a response2 of the wrong length', () => {
    const step1 = clientStep1(fromHex(KAT.publicData), KAT.password, fixedRandom(KAT.x));
    expectCode(
      () => clientStep3(step1.state, KAT.clientId, KAT.serverId, new Uint8Array(63)),
      'INVALID_ARGUMENT',
    );
  });

  it('serverStore refuses weak or out-of-range parameters before hashing', () => {
    // Without injection: product floors.
    expectCode(() => serverStore('pw', 2, 268435456), 'CRYPTO_PARAMS_BELOW_FLOOR');
    expectCode(() => serverStore('pw', 3, 67108864), 'CRYPTO_PARAMS_BELOW_FLOOR');
    // With injection: never below (2, 64 MiB).
    expectCode(
      () => serverStore('pw', 1, 67108864, fixedRandom(KAT.salt)),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expectCode(
      () => serverStore('pw', 2, 33554432, fixedRandom(KAT.salt)),
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    // Not an integer, or beyond what libsodium-wrappers can take.
    expectCode(() => serverStore('pw', 3.5, 268435456), 'INVALID_ARGUMENT');
    expectCode(() => serverStore('pw', 2 ** 31, 268435456), 'INVALID_ARGUMENT');
    expectCode(() => serverStore('pw', 3, 2n ** 32n), 'INVALID_ARGUMENT');
  });
});

describe('SPAKE2+EE round trips', () => {
  it('full handshake with real randomness at the test parameters (injected source)', () => {
    const stored = serverStore('correct horse', 2n, 67108864n, randomBytes);
    const s0 = serverStep0(stored);
    const c1 = clientStep1(s0.publicData, 'correct horse', randomBytes);
    const s2 = serverStep2(
      s0.state,
      'alice',
      'backbone.example',
      stored,
      c1.response1,
      randomBytes,
    );
    const c3 = clientStep3(c1.state, 'alice', 'backbone.example', s2.response2);
    const keys = serverStep4(s2.state, c3.response3);
    expect(keys.clientSk).toHaveLength(32);
    expect(toHex(keys.clientSk)).toBe(toHex(c3.sharedKeys.clientSk));
    expect(toHex(keys.serverSk)).toBe(toHex(c3.sharedKeys.serverSk));
    expect(toHex(keys.clientSk)).not.toBe(toHex(keys.serverSk));
  });

  it('full handshake at the product floors with no injected randomness', () => {
    const stored = serverStore('correct horse battery', OPSLIMIT_FLOOR, MEMLIMIT_FLOOR);
    const s0 = serverStep0(stored);
    expect(validatePublicData(s0.publicData)).toMatchObject({ opslimit: 3, memlimit: 268435456 });
    const c1 = clientStep1(s0.publicData, 'correct horse battery');
    const s2 = serverStep2(s0.state, 'bob', 'server', stored, c1.response1);
    const c3 = clientStep3(c1.state, 'bob', 'server', s2.response2);
    const keys = serverStep4(s2.state, c3.response3);
    expect(toHex(keys.clientSk)).toBe(toHex(c3.sharedKeys.clientSk));
    expect(toHex(keys.serverSk)).toBe(toHex(c3.sharedKeys.serverSk));
  }, 20000);
});

// ---------------------------------------------------------------------------------------------
// Argon2id run elsewhere (the app core's worker): same bytes, runner really used

describe('serverStoreWith / clientStep1With', () => {
  function recording(): Argon2idRunner & { jobs: Omit<Argon2idJob, 'password'>[] } {
    const jobs: Omit<Argon2idJob, 'password'>[] = [];
    const runner: Argon2idRunner = (job) => {
      jobs.push({
        salt: job.salt.slice(),
        opslimit: job.opslimit,
        memlimit: job.memlimit,
        length: job.length,
      });
      return argon2idHere(job);
    };
    return Object.assign(runner, { jobs });
  }

  it('match the known-answer vector with Argon2id computed by the runner', async () => {
    const runner = recording();
    const stored = await serverStoreWith(
      runner,
      KAT.password,
      KAT.opslimit,
      KAT.memlimit,
      fixedRandom(KAT.salt),
    );
    expect(toHex(stored)).toBe(KAT.storedData);
    const step1 = await clientStep1With(
      runner,
      fromHex(KAT.publicData),
      KAT.password,
      fixedRandom(KAT.x),
    );
    expect(toHex(step1.response1)).toBe(KAT.response1);
    expect(runner.jobs).toEqual([
      { salt: KAT.salt, opslimit: KAT.opslimit, memlimit: KAT.memlimit, length: 128 },
      { salt: KAT.salt, opslimit: KAT.opslimit, memlimit: KAT.memlimit, length: 128 },
    ]);
  });

  it('check floors before the runner is called, and abort when the runner fails', async () => {
    const runner = recording();
    await expect(
      clientStep1With(runner, makePublicData(1, 2, 1n, 67108864n), KAT.password, fixedRandom()),
    ).rejects.toMatchObject({ code: 'CRYPTO_PARAMS_BELOW_FLOOR' });
    await expect(serverStoreWith(runner, KAT.password, 2, 67108864)).rejects.toMatchObject({
      code: 'CRYPTO_PARAMS_BELOW_FLOOR',
    });
    expect(runner.jobs).toHaveLength(0);
    const failing: Argon2idRunner = () => Promise.reject(new Error('out of memory'));
    await expect(
      clientStep1With(failing, fromHex(KAT.publicData), KAT.password, fixedRandom(KAT.x)),
    ).rejects.toMatchObject({ code: 'PAKE_ABORTED' });
  });
});
