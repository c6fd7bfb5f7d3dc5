import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from './encoding.js';
import { randomBytes } from './random.js';
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
import {
  KAT,
  fixedRandom,
  expectCode,
  expectAborted,
  makePublicData,
  storedData,
} from './test/spake2ee.js';

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
