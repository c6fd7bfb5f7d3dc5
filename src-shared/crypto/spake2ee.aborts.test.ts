import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { fromHex, toHex, utf8 } from './encoding.js';
import type { RandomSource } from './random.js';
import { sodium } from './sodium.js';
import {
  RESPONSE2BYTES,
  clientStep1,
  clientStep3,
  serverStep0,
  serverStep0Dummy,
  serverStep2,
  serverStep4,
  validatePublicData,
} from './spake2ee.js';
import {
  KAT,
  fixedRandom,
  expectCode,
  expectAborted,
  flipBit,
  makePublicData,
  T8,
  badPoints,
  storedData,
  katM,
  katN,
} from './test/spake2ee.js';

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
