/**
 * Password access end to end: the shared client (`src-shared/pake/client.ts`) against the
 * server handler over in-memory connections, with in-memory storage, token checks and limiter:
 * register then log in, failures that look the same for every username, what counts as a
 * failed login (registration: password-access-registration.test.ts; tampering, limits,
 * timeouts and concurrency: password-access-transport.test.ts).
 *
 * Every handshake runs Argon2id on the client; the random source is injected
 * (`testOnlyRandom: randomBytes`), which lowers the SPAKE2+EE floor to 2 passes / 64 MiB, the
 * parameters used throughout. Setup: test/password-access-env.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fromUtf8,
  utf8,
  parseKeyfile,
  unlockKeyfile,
  randomBytes,
  STOREDBYTES,
} from '../../src-shared/crypto/index.js';
import { CloseCode } from '../../src-shared/pake/connection.js';
import { decodeFrame, encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import {
  DEFAULT_TIMEOUTS,
  PAKE_ABORTED_MESSAGE,
  PasswordAccessError,
  type ErrorPayload,
} from '../../src-shared/pake/protocol.js';
import { response1TimeoutMs } from './password-access-handler.js';
import {
  WS,
  MiB,
  TEST_PARAMS,
  PASSWORD,
  PASSWORD_OTHER_OS,
  IDENTITY_ALICE,
  IDENTITY_BOB,
  type Env,
  makeEnv,
  type Logged,
  type Run,
  login,
  valueOf,
  errorOf,
  sameBytes,
  failTimes,
  againstHandler,
  readError,
  hello,
  usePasswordAccessEnv,
} from '../test/password-access-env.js';

const fixture = usePasswordAccessEnv();
let env: Env;
let aliceBlob: Uint8Array;
let aliceRegistration: Run<void>;
beforeAll(() => ({ env, aliceBlob, aliceRegistration } = fixture()));

describe('register, then log in from a brand-new device', () => {
  it('registers (frames: hello, ok ready, registration, ok stored)', () => {
    valueOf(aliceRegistration.client);
    expect(aliceRegistration.outcome).toMatchObject({
      op: 'register',
      result: 'stored',
      username: 'alice',
    });
    expect(aliceRegistration.frames.map((f) => [f.dir, f.type])).toEqual([
      ['c2s', FrameType.hello],
      ['s2c', FrameType.ok],
      ['c2s', FrameType.registration],
      ['s2c', FrameType.ok],
    ]);
    const record = env.store.get(WS, 'alice');
    expect(record?.identity).toBe(IDENTITY_ALICE);
    expect(record?.storedData.length).toBe(STOREDBYTES);
    expect(sameBytes(record!.keyfileBlob, aliceBlob)).toBe(true);
  });

  it('returns exactly the keyfile blob, which unlocks with the password', async () => {
    // Only workspace, username (typed differently), password (typed on another OS), server id.
    const result = await login(env, '  Alice ', PASSWORD_OTHER_OS);
    const blob = valueOf(result.client);
    expect(sameBytes(blob, aliceBlob)).toBe(true);
    expect(result.outcome).toMatchObject({ op: 'login', result: 'released', code: undefined });
    expect(result.frames).toEqual([
      { dir: 'c2s', type: FrameType.hello, length: result.frames[0]!.length },
      { dir: 's2c', type: FrameType.publicData, length: 5 + 36 },
      { dir: 'c2s', type: FrameType.response1, length: 5 + 32 },
      { dir: 's2c', type: FrameType.response2, length: 5 + 64 },
      { dir: 'c2s', type: FrameType.response3, length: 5 + 32 },
      { dir: 's2c', type: FrameType.streamHeader, length: 5 + 24 },
      { dir: 's2c', type: FrameType.sealed, length: 5 + aliceBlob.length + 17 },
    ]);
    const unlocked = unlockKeyfile(parseKeyfile(fromUtf8(blob)), PASSWORD, {
      testOnlyAllowWeakParams: true,
    });
    expect(unlocked.rootSecret.length).toBe(32);
    // A success leaves nothing on the limiter.
    expect(env.limiter.peek(`${WS}/alice`)).toBeUndefined();
  });
});

describe('failures look the same whether the username exists or not', () => {
  it('wrong password and unknown username: PAKE_ABORTED, same frames and sizes', async () => {
    const wrong = await login(env, 'alice', 'not the password');
    const unknown = await login(env, 'nobody', PASSWORD);
    const wrongError = errorOf(wrong.client);
    const unknownError = errorOf(unknown.client);
    expect(wrongError.code).toBe('PAKE_ABORTED');
    expect(unknownError.code).toBe('PAKE_ABORTED');
    expect(wrongError.message).toBe(PAKE_ABORTED_MESSAGE);
    expect(unknownError.message).toBe(wrongError.message);
    const shape = (frames: Logged[]) =>
      frames.map((f) => ({ ...f, length: f.type === FrameType.hello ? 0 : f.length }));
    expect(shape(unknown.frames)).toEqual(shape(wrong.frames));
    expect(wrong.frames.map((f) => f.type)).toEqual([
      FrameType.hello,
      FrameType.publicData,
      FrameType.response1,
      FrameType.response2,
      FrameType.error, // the client tells the server it aborted
    ]);
    expect(wrong.outcome).toMatchObject({ result: 'failed', code: 'PAKE_ABORTED' });
    expect(unknown.outcome).toMatchObject({ result: 'failed', code: 'PAKE_ABORTED' });
    expect(env.limiter.peek(`${WS}/alice`)?.failures).toBe(1);
    expect(env.limiter.peek(`${WS}/nobody`)?.failures).toBe(1);
  });

  it('a damaged stored record behaves like an unknown username', async () => {
    env.store.set(WS, 'damaged', {
      storedData: new Uint8Array(STOREDBYTES),
      keyfileBlob: utf8('x'),
      identity: IDENTITY_BOB,
    });
    const result = await login(env, 'damaged', PASSWORD);
    expect(errorOf(result.client).code).toBe('PAKE_ABORTED');
    expect(result.frames.map((f) => f.type)).toEqual([
      FrameType.hello,
      FrameType.publicData,
      FrameType.response1,
      FrameType.response2,
      FrameType.error,
    ]);
  });

  it('lock-out and delays answer the same for existing and unknown usernames', async () => {
    // Both locks start at the same moment.
    const start = env.clock.now;
    failTimes(env, `${WS}/alice`, 10);
    const end = env.clock.now;
    env.clock.now = start;
    failTimes(env, `${WS}/ghost`, 10);
    expect(env.clock.now).toBe(end);
    const locked = await login(env, 'alice', PASSWORD);
    const ghost = await login(env, 'ghost', PASSWORD);
    for (const result of [locked, ghost]) {
      const error = errorOf(result.client);
      expect(error).toBeInstanceOf(PasswordAccessError);
      expect(error.code).toBe('PAKE_LOCKED_OUT');
      expect((error as PasswordAccessError).retryAfterMs).toBe(15 * 60_000);
      expect(result.frames.map((f) => [f.dir, f.type])).toEqual([
        ['c2s', FrameType.hello],
        ['s2c', FrameType.error],
      ]);
      expect(result.outcome).toMatchObject({ result: 'refused', code: 'PAKE_LOCKED_OUT' });
    }
    expect(locked.frames[1]!.length).toBe(ghost.frames[1]!.length);
    // (alice was refused with her right password.) After the lock, it works and clears the state.
    env.clock.now += 15 * 60_000;
    valueOf((await login(env, 'alice', PASSWORD)).client);
    expect(env.limiter.peek(`${WS}/alice`)).toBeUndefined();
  });

  it('growing delays: after 3 failures the next attempt must wait', async () => {
    failTimes(env, `${WS}/alice`, 3);
    failTimes(env, `${WS}/ghost2`, 3);
    for (const name of ['alice', 'ghost2']) {
      const result = await login(env, name, PASSWORD);
      const error = errorOf(result.client) as PasswordAccessError;
      expect(error.code).toBe('PAKE_RATE_LIMITED');
      expect(error.retryAfterMs).toBe(1000);
      expect(error.message).toContain('1 second');
    }
  });
});

describe('what counts as a failed login', () => {
  const key = `${WS}/alice`;

  /** A client that sends the hello, reads the server's first frame and leaves. */
  const helloOnly = async (username: string) => {
    let firstFrame: number | undefined;
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'login', username }));
      firstFrame = decodeFrame(await conn.receive(5000)).type;
      conn.close(CloseCode.normal);
    });
    return { firstFrame, outcome };
  };

  it('hellos without response 1 do not count: strangers cannot lock the account for free', async () => {
    const before = env.limiter.peek(key);
    // Twelve hellos, a minute apart (past every delay the old policy would have imposed).
    for (let i = 0; i < 12; i++) {
      const { firstFrame, outcome } = await helloOnly('alice');
      expect(firstFrame).toBe(FrameType.publicData);
      expect(outcome.result).toBe('invalid');
      env.clock.now += 61_000;
    }
    expect(env.limiter.peek(key)).toEqual(before);
    // The owner's password still works at once.
    expect(sameBytes(valueOf((await login(env, 'alice', PASSWORD)).client), aliceBlob)).toBe(true);
  });

  it('a wrong response 1 still counts: delays after 3, lock-out at the 10th', async () => {
    for (let i = 0; i < 3; i++) {
      expect(errorOf((await login(env, 'alice', 'wrong')).client).code).toBe('PAKE_ABORTED');
    }
    expect(env.limiter.peek(key)?.failures).toBe(3);
    const early = errorOf((await login(env, 'alice', PASSWORD)).client) as PasswordAccessError;
    expect(early.code).toBe('PAKE_RATE_LIMITED');
    expect(early.retryAfterMs).toBe(1000);
    for (let i = 3; i < 10; i++) {
      env.clock.now += 60_000;
      expect(errorOf((await login(env, 'alice', 'wrong')).client).code).toBe('PAKE_ABORTED');
    }
    const locked = errorOf((await login(env, 'alice', PASSWORD)).client) as PasswordAccessError;
    expect(locked.code).toBe('PAKE_LOCKED_OUT');
    expect(locked.retryAfterMs).toBe(15 * 60_000);
  });

  it('the count is taken when response 1 arrives: a parallel failure in between refuses it', async () => {
    failTimes(env, key, 2);
    let refusal: ErrorPayload | undefined;
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'login', username: 'alice' }));
      expect(decodeFrame(await conn.receive(5000)).type).toBe(FrameType.publicData);
      // Meanwhile another connection's wrong response 1 is counted (the 3rd failure).
      failTimes(env, key, 1);
      conn.send(encodeFrame(FrameType.response1, randomBytes(32)));
      refusal = await readError(conn);
    });
    expect(refusal).toMatchObject({ code: 'PAKE_RATE_LIMITED', retryAfterMs: 1000 });
    expect(outcome).toMatchObject({ result: 'refused', code: 'PAKE_RATE_LIMITED' });
    expect(env.limiter.peek(key)?.failures).toBe(3);
  });

  it('waits for response 1 only briefly (30 s at the floor cost, scaled up for heavier hashing)', async () => {
    expect(DEFAULT_TIMEOUTS.response1).toBe(30_000);
    expect(response1TimeoutMs(DEFAULT_TIMEOUTS, { opslimit: 3, memlimit: 256 * MiB })).toBe(30_000);
    expect(response1TimeoutMs(DEFAULT_TIMEOUTS, TEST_PARAMS)).toBe(30_000);
    expect(response1TimeoutMs(DEFAULT_TIMEOUTS, { opslimit: 6, memlimit: 256 * MiB })).toBe(60_000);
    expect(response1TimeoutMs(DEFAULT_TIMEOUTS, { opslimit: 32, memlimit: 1024 * MiB })).toBe(
      DEFAULT_TIMEOUTS.argon2,
    );
    const impatient = makeEnv({ timeouts: { response1: 50 } });
    const started = Date.now();
    let code: string | undefined;
    const outcome = await againstHandler(impatient, async (conn) => {
      conn.send(hello({ op: 'login', username: 'alice' }));
      await conn.receive(5000);
      code = (await readError(conn)).code;
    });
    expect(code).toBe('REQUEST_TIMEOUT');
    expect(outcome).toMatchObject({ result: 'invalid', code: 'REQUEST_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(impatient.limiter.peek(key)).toBeUndefined();
  }, 10_000);
});
