/**
 * Password access end to end: the shared client (`src-shared/pake/client.ts`) against the
 * server handler over in-memory connections, with in-memory storage, token checks and limiter.
 *
 * Every handshake runs Argon2id on the client; the random source is injected
 * (`testOnlyRandom: randomBytes`), which lowers the SPAKE2+EE floor to 2 passes / 64 MiB, the
 * parameters used throughout.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateBoxKeyPair, sealTo } from '../../src-shared/crypto/box.js';
import { fromUtf8, toBase64Url, utf8 } from '../../src-shared/crypto/encoding.js';
import {
  createKeyfile,
  parseKeyfile,
  serializeKeyfile,
  unlockKeyfile,
} from '../../src-shared/crypto/keyfile.js';
import { randomBytes } from '../../src-shared/crypto/random.js';
import { cryptoReady } from '../../src-shared/crypto/sodium.js';
import { STOREDBYTES } from '../../src-shared/crypto/spake2ee.js';
import type { BoxKeyPair } from '../../src-shared/crypto/types.js';
import { isBackboneError } from '../../src-shared/errors.js';
import {
  passwordChange,
  passwordLogin,
  passwordRegister,
  type PasswordRegisterOptions,
} from '../../src-shared/pake/client.js';
import {
  CloseCode,
  createMemoryConnectionPair,
  type MemoryConnection,
  type PasswordAccessConnection,
} from '../../src-shared/pake/connection.js';
import { decodeFrame, encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import {
  decodeJsonPayload,
  DEFAULT_TIMEOUTS,
  encodeJsonPayload,
  errorPayloadSchema,
  okPayloadSchema,
  PAKE_ABORTED_MESSAGE,
  PasswordAccessError,
  type ErrorPayload,
} from '../../src-shared/pake/protocol.js';
import { MemoryFailedLoginLimiter, type LimiterDecision } from './failed-login-limiter.js';
import { MemoryPasswordAccessStore } from './memory-store.js';
import {
  handlePasswordAccessConnection,
  response1TimeoutMs,
  type PasswordAccessDeps,
  type PasswordAccessOutcome,
  type TokenVerdict,
} from './password-access-handler.js';

const SERVER_ID = `bbs1${'a'.repeat(32)}`;
const WS = 'ws_test';
const MiB = 1024 * 1024;
const TEST_PARAMS = { opslimit: 2, memlimit: 64 * MiB };
const DAY = 24 * 3600_000;

/** The same password written two ways (é precomposed / e + combining accent). */
const PASSWORD = 'correct horse battery st\u00e9ple';
const PASSWORD_OTHER_OS = 'correct horse battery ste\u0301ple';

const IDENTITY_ALICE = `bb1${'a'.repeat(32)}`;
const IDENTITY_BOB = `bb1${'b'.repeat(32)}`;
const IDENTITY_MALLORY = `bb1${'m'.repeat(32)}`;

interface Env {
  store: MemoryPasswordAccessStore;
  limiter: MemoryFailedLoginLimiter;
  clock: { now: number };
  boxKeyPair: BoxKeyPair;
  deps: PasswordAccessDeps;
  /** token → identity (or a refusal reason). */
  tokens: Map<string, string | 'expired'>;
  /** username → the identity the workspace says may use it (absent: anyone valid). */
  claims: Map<string, string>;
}

function makeEnv(overrides: Partial<PasswordAccessDeps> = {}): Env {
  const store = new MemoryPasswordAccessStore();
  const clock = { now: 1_700_000_000_000 };
  const limiter = new MemoryFailedLoginLimiter({ now: () => clock.now });
  const boxKeyPair = generateBoxKeyPair();
  const tokens = new Map<string, string | 'expired'>([
    ['bbt1.alice', IDENTITY_ALICE],
    ['bbt1.bob', IDENTITY_BOB],
    ['bbt1.mallory', IDENTITY_MALLORY],
    ['bbt1.old', 'expired'],
  ]);
  const claims = new Map<string, string>();
  const deps: PasswordAccessDeps = {
    serverId: SERVER_ID,
    serverBoxKeyPair: boxKeyPair,
    dummyKey: randomBytes(32),
    params: TEST_PARAMS,
    lookup: (workspace, username) => store.lookup(workspace, username),
    store: (workspace, username, record, op) => store.store(workspace, username, record, op),
    verifyToken: ({ token, username }): Promise<TokenVerdict> => {
      const identity = tokens.get(token);
      if (identity === undefined) return Promise.resolve({ ok: false, reason: 'invalid' });
      if (identity === 'expired') return Promise.resolve({ ok: false, reason: 'expired' });
      const claimed = claims.get(username);
      if (claimed !== undefined && claimed !== identity) {
        return Promise.resolve({ ok: false, reason: 'forbidden' });
      }
      return Promise.resolve({ ok: true, identity });
    },
    attempts: limiter,
    testOnlyRandom: randomBytes,
    ...overrides,
  };
  return { store, limiter, clock, boxKeyPair, deps, tokens, claims };
}

// ---------------------------------------------------------------------------------------------
// A relay between client and server that records (and may alter) every frame.

type Direction = 'c2s' | 's2c';
interface Logged {
  dir: Direction;
  type: number;
  length: number;
}
type Tamper = (dir: Direction, index: number, bytes: Uint8Array) => Uint8Array | 'drop-and-close';

async function pump(
  from: MemoryConnection,
  to: MemoryConnection,
  dir: Direction,
  log: Logged[],
  tamper: Tamper | undefined,
): Promise<void> {
  for (let index = 0; ; index++) {
    let bytes: Uint8Array;
    try {
      bytes = await from.receive(600_000);
    } catch {
      to.close(from.peerCloseInfo?.code ?? CloseCode.normal, from.peerCloseInfo?.reason);
      return;
    }
    log.push({ dir, type: bytes[0] ?? -1, length: bytes.length });
    const out = tamper ? tamper(dir, index, bytes) : bytes;
    if (out === 'drop-and-close') {
      to.close(CloseCode.normal);
      from.close(CloseCode.normal);
      return;
    }
    try {
      to.send(out);
    } catch {
      // The far end closed: the other pump carries its close (after its last frames) back.
      return;
    }
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Run<T> {
  client: Settled<T>;
  outcome: PasswordAccessOutcome;
  frames: Logged[];
}

async function run<T>(
  env: Env,
  client: (conn: PasswordAccessConnection) => Promise<T>,
  tamper?: Tamper,
): Promise<Run<T>> {
  const [clientConn, relayClientSide] = createMemoryConnectionPair();
  const [relayServerSide, serverConn] = createMemoryConnectionPair();
  const frames: Logged[] = [];
  const pumps = Promise.all([
    pump(relayClientSide, relayServerSide, 'c2s', frames, tamper),
    pump(relayServerSide, relayClientSide, 's2c', frames, tamper),
  ]);
  const [settled, outcome] = await Promise.all([
    client(clientConn).then(
      (value): Settled<T> => ({ ok: true, value }),
      (error: unknown): Settled<T> => ({ ok: false, error }),
    ),
    handlePasswordAccessConnection(serverConn, env.deps),
  ]);
  await pumps;
  return { client: settled, outcome, frames };
}

function login(env: Env, username: string, password: string, tamper?: Tamper) {
  return run(
    env,
    (conn) =>
      passwordLogin(conn, {
        workspace: WS,
        username,
        password,
        serverId: SERVER_ID,
        testOnlyRandom: randomBytes,
      }),
    tamper,
  );
}

function register(
  env: Env,
  options: Partial<PasswordRegisterOptions> & { username: string; token: string },
  op: 'register' | 'change' = 'register',
) {
  const full: PasswordRegisterOptions = {
    workspace: WS,
    password: PASSWORD,
    serverId: SERVER_ID,
    serverBoxPublicKey: env.boxKeyPair.publicKey,
    keyfileBlob: utf8('blob'),
    testOnlyRandom: randomBytes,
    ...options,
  };
  return run(env, (conn) =>
    op === 'register' ? passwordRegister(conn, full) : passwordChange(conn, full),
  );
}

function valueOf<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

function errorOf(settled: Settled<unknown>): { code?: string; message?: string } {
  if (settled.ok) throw new Error('expected the client to fail');
  expect(isBackboneError(settled.error)).toBe(true);
  return settled.error as { code?: string; message?: string };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}

/** A keyfile (weak test parameters) and its serialized bytes, the blob the server keeps. */
function makeKeyfileBlob(password: string): Uint8Array {
  const { keyfile } = createKeyfile(password, {
    params: { opslimit: 1, memlimit: 64 * 1024 },
    testOnlyAllowWeakParams: true,
  });
  return utf8(serializeKeyfile(keyfile));
}

/** Counts `n` failures for `key` on the limiter, waiting out the delays on the fake clock. */
function failTimes(env: Env, key: string, n: number): void {
  for (let counted = 0; counted < n;) {
    const decision: LimiterDecision = env.limiter.begin(key);
    if (decision.allowed) counted++;
    else env.clock.now += decision.retryAfterMs;
  }
}

/** A scripted peer on the server side (to test the client against misbehaving servers). */
async function againstFakeServer<T>(
  client: (conn: PasswordAccessConnection) => Promise<T>,
  server: (conn: MemoryConnection) => Promise<void>,
): Promise<Settled<T>> {
  const [clientConn, serverConn] = createMemoryConnectionPair();
  const [settled] = await Promise.all([
    client(clientConn).then(
      (value): Settled<T> => ({ ok: true, value }),
      (error: unknown): Settled<T> => ({ ok: false, error }),
    ),
    server(serverConn).catch(() => undefined),
  ]);
  return settled;
}

/** A scripted peer on the client side (to test the handler against misbehaving clients). */
async function againstHandler(
  env: Env,
  client: (conn: MemoryConnection) => Promise<void>,
): Promise<PasswordAccessOutcome> {
  const [clientConn, serverConn] = createMemoryConnectionPair();
  const [, outcome] = await Promise.all([
    client(clientConn).catch(() => undefined),
    handlePasswordAccessConnection(serverConn, env.deps),
  ]);
  return outcome;
}

async function readError(conn: PasswordAccessConnection): Promise<ErrorPayload> {
  for (;;) {
    const frame = decodeFrame(await conn.receive(5000));
    if (frame.type === FrameType.error) {
      return decodeJsonPayload(frame.payload, errorPayloadSchema, 'error');
    }
  }
}

const hello = (fields: Record<string, unknown>) =>
  encodeFrame(FrameType.hello, encodeJsonPayload({ v: 1, workspace: WS, ...fields }));

// ---------------------------------------------------------------------------------------------

let env: Env;
let aliceBlob: Uint8Array;
let aliceRegistration: Run<void>;

beforeAll(async () => {
  await cryptoReady();
  env = makeEnv();
  aliceBlob = makeKeyfileBlob(PASSWORD);
  aliceRegistration = await register(env, {
    username: 'alice',
    token: 'bbt1.alice',
    keyfileBlob: aliceBlob,
  });
}, 60_000);

beforeEach(() => {
  // Two quiet days between tests: every limiter state from earlier tests is forgotten.
  env.clock.now += 2 * DAY;
});

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

describe('password change', () => {
  it('after a change the old password fails and the new one works', async () => {
    const oldBlob = makeKeyfileBlob('first password');
    valueOf(
      (
        await register(env, {
          username: 'dave',
          token: 'bbt1.bob',
          password: 'first password',
          keyfileBlob: oldBlob,
        })
      ).client,
    );
    const newBlob = makeKeyfileBlob('second password');
    const change = await register(
      env,
      { username: 'dave', token: 'bbt1.bob', password: 'second password', keyfileBlob: newBlob },
      'change',
    );
    valueOf(change.client);
    expect(change.outcome).toMatchObject({ op: 'change', result: 'stored' });
    expect(errorOf((await login(env, 'dave', 'first password')).client).code).toBe('PAKE_ABORTED');
    const blob = valueOf((await login(env, 'dave', 'second password')).client);
    expect(sameBytes(blob, newBlob)).toBe(true);
  });

  it('change needs an existing registration', async () => {
    const result = await register(env, { username: 'nobody-yet', token: 'bbt1.bob' }, 'change');
    expect(errorOf(result.client).code).toBe('NOT_FOUND');
    expect(env.store.get(WS, 'nobody-yet')).toBeUndefined();
  });
});

describe('registration is authorized', () => {
  it('refuses an unknown token and an expired one', async () => {
    const unknown = await register(env, { username: 'frank', token: 'bbt1.forged' });
    expect(errorOf(unknown.client).code).toBe('AUTH_TOKEN_INVALID');
    expect(unknown.outcome).toMatchObject({ result: 'refused', code: 'AUTH_TOKEN_INVALID' });
    const expired = await register(env, { username: 'frank', token: 'bbt1.old' });
    expect(errorOf(expired.client).code).toBe('AUTH_TOKEN_EXPIRED');
    expect(env.store.get(WS, 'frank')).toBeUndefined();
    // Refused at the hello: the client never ran Argon2id nor sent a record.
    expect(unknown.frames.map((f) => f.type)).toEqual([FrameType.hello, FrameType.error]);
  });

  it('refuses a registration without a token at all', async () => {
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'register', username: 'frank' }));
      expect((await readError(conn)).code).toBe('PROTOCOL_INVALID_FRAME');
    });
    expect(outcome.result).toBe('invalid');
  });

  it('refuses to overwrite someone else’s username (token check)', async () => {
    env.claims.set('alice', IDENTITY_ALICE);
    try {
      const result = await register(env, {
        username: 'alice',
        token: 'bbt1.mallory',
        password: 'mallory wins',
      });
      expect(errorOf(result.client).code).toBe('FORBIDDEN');
    } finally {
      env.claims.delete('alice');
    }
    valueOf((await login(env, 'alice', PASSWORD)).client);
  });

  it('refuses to overwrite someone else’s username (stored owner), even if the token check allows', async () => {
    const before = env.store.get(WS, 'alice');
    const result = await register(env, {
      username: 'alice',
      token: 'bbt1.mallory',
      password: 'mallory wins',
    });
    expect(errorOf(result.client).code).toBe('FORBIDDEN');
    expect(env.store.get(WS, 'alice')).toBe(before);
  });

  it('the store refuses a conflicting owner atomically (race after the early check)', async () => {
    const racing = makeEnv();
    // The early lookup sees nothing; by the time of the store, someone else holds the name.
    let lookups = 0;
    racing.deps.lookup = (workspace, username) => {
      lookups++;
      return racing.store.lookup(workspace, username);
    };
    const realStore = racing.deps.store;
    racing.deps.store = async (workspace, username, record, op) => {
      await racing.store.store(
        workspace,
        username,
        { ...record, identity: IDENTITY_ALICE },
        'register',
      );
      return realStore(workspace, username, record, op);
    };
    const result = await register(racing, { username: 'zoe', token: 'bbt1.mallory' });
    expect(lookups).toBe(1);
    expect(errorOf(result.client).code).toBe('FORBIDDEN');
    expect(racing.store.get(WS, 'zoe')?.identity).toBe(IDENTITY_ALICE);
  });
});

describe('registration records are checked', () => {
  async function sendRecord(
    record: Record<string, unknown>,
    key = env.boxKeyPair.publicKey,
    op = 'register',
  ): Promise<{ error: ErrorPayload; outcome: PasswordAccessOutcome }> {
    let error: ErrorPayload | undefined;
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op, username: 'rec', token: 'bbt1.bob' }));
      const ready = decodeFrame(await conn.receive(5000));
      expect(ready.type).toBe(FrameType.ok);
      expect(decodeJsonPayload(ready.payload, okPayloadSchema, 'ok')).toEqual({
        v: 1,
        status: 'ready',
        params: TEST_PARAMS,
      });
      conn.send(encodeFrame(FrameType.registration, sealTo(key, encodeJsonPayload(record))));
      error = await readError(conn);
    });
    return { error: error!, outcome };
  }

  const validRecord = () => ({
    v: 1,
    op: 'register',
    serverId: SERVER_ID,
    workspace: WS,
    username: 'rec',
    storedData: toBase64Url(env.store.get(WS, 'alice')!.storedData),
    keyfileBlob: toBase64Url(utf8('blob')),
  });

  it('refuses a record sealed to another key', async () => {
    const { error } = await sendRecord(validRecord(), generateBoxKeyPair().publicKey);
    expect(error.code).toBe('CRYPTO_DECRYPT_FAILED');
  });

  it.each([
    ['another username (replay)', { username: 'alice' }],
    ['another server', { serverId: `bbs1${'b'.repeat(32)}` }],
    ['another op', { op: 'change' }],
    ['stored data of the wrong size', { storedData: toBase64Url(new Uint8Array(163)) }],
    ['invalid points in the stored data', { storedData: 'zero' }],
    ['an empty keyfile blob', { keyfileBlob: '' }],
    ['an unknown field', { extra: true }],
  ])('refuses a record with %s', async (_name, change) => {
    const record: Record<string, unknown> = { ...validRecord(), ...change };
    if (record.storedData === 'zero') {
      const data = env.store.get(WS, 'alice')!.storedData.slice();
      data.fill(0, 36, 68); // M = 0…0 is not a valid point
      record.storedData = toBase64Url(data);
    }
    const { error, outcome } = await sendRecord(record);
    expect(error.code).toBe('PROTOCOL_INVALID_FRAME');
    expect(outcome.result).toBe('invalid');
    expect(env.store.get(WS, 'rec')).toBeUndefined();
  });

  it('stores a valid record sent the same way (the checks above are not vacuous)', async () => {
    let stored: unknown;
    await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'register', username: 'rec', token: 'bbt1.bob' }));
      await conn.receive(5000);
      conn.send(
        encodeFrame(
          FrameType.registration,
          sealTo(env.boxKeyPair.publicKey, encodeJsonPayload(validRecord())),
        ),
      );
      stored = decodeJsonPayload(
        decodeFrame(await conn.receive(5000)).payload,
        okPayloadSchema,
        'ok',
      );
    });
    expect(stored).toEqual({ v: 1, status: 'stored' });
    expect(env.store.get(WS, 'rec')?.identity).toBe(IDENTITY_BOB);
  });

  it('a product server refuses a verifier below the product floors', async () => {
    const product = makeEnv({
      testOnlyRandom: undefined,
      params: { opslimit: 3, memlimit: 256 * MiB },
    });
    const result = await register(product, {
      username: 'weak',
      token: 'bbt1.bob',
      params: TEST_PARAMS, // allowed on the client only because testOnlyRandom is set
    });
    expect(errorOf(result.client).code).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
    expect(product.store.get(WS, 'weak')).toBeUndefined();
  });
});

describe('tampering aborts', () => {
  const flipLast = (bytes: Uint8Array) => {
    const out = bytes.slice();
    out[out.length - 1]! ^= 0x01;
    return out;
  };
  const at =
    (target: Direction, type: number, alter: (b: Uint8Array) => Uint8Array): Tamper =>
    (dir, _index, bytes) =>
      dir === target && bytes[0] === type ? alter(bytes) : bytes;

  const setByte = (index: number, value: number) => (b: Uint8Array) => {
    const out = b.slice();
    out[index] = value;
    return out;
  };
  const flipByte = (index: number) => (b: Uint8Array) => {
    const out = b.slice();
    out[index]! ^= 0x01;
    return out;
  };

  // [frame altered, tamper, client error code, server outcome]
  it.each([
    [
      'hello',
      at('c2s', FrameType.hello, (b) => b.slice(0, -1)),
      'PROTOCOL_INVALID_FRAME',
      'invalid',
    ],
    ['public data (salt)', at('s2c', FrameType.publicData, flipLast), 'PAKE_ABORTED', 'failed'],
    [
      'public data (version)',
      at('s2c', FrameType.publicData, setByte(5, 2)),
      'PAKE_ABORTED',
      'failed',
    ],
    ['response 1', at('c2s', FrameType.response1, flipLast), 'PAKE_ABORTED', 'failed'],
    ['response 2 (Y)', at('s2c', FrameType.response2, flipByte(10)), 'PAKE_ABORTED', 'failed'],
    ['response 2 (validator)', at('s2c', FrameType.response2, flipLast), 'PAKE_ABORTED', 'failed'],
    ['response 3', at('c2s', FrameType.response3, flipLast), 'PAKE_ABORTED', 'failed'],
    // The server released the stream; the client refuses what arrived altered.
    [
      'stream header',
      at('s2c', FrameType.streamHeader, flipLast),
      'CRYPTO_DECRYPT_FAILED',
      'released',
    ],
    ['sealed blob', at('s2c', FrameType.sealed, flipLast), 'CRYPTO_DECRYPT_FAILED', 'released'],
    [
      'frame type',
      at('s2c', FrameType.response2, setByte(0, FrameType.publicData)),
      'PROTOCOL_INVALID_FRAME',
      'invalid',
    ],
  ] as const)('a tampered %s', async (_name, tamper, code, serverResult) => {
    const result = await login(env, 'alice', PASSWORD, tamper);
    expect(errorOf(result.client).code).toBe(code);
    expect(result.outcome.result).toBe(serverResult);
  });

  it('a blob stream cut before its final message is refused', async () => {
    const result = await login(env, 'alice', PASSWORD, (dir, _i, bytes) =>
      dir === 's2c' && bytes[0] === FrameType.sealed ? 'drop-and-close' : bytes,
    );
    expect(errorOf(result.client).code).toBe('CRYPTO_STREAM_TRUNCATED');
  });

  it('a chunked blob (> 1 MiB) arrives whole, and is refused if its last chunk is cut', async () => {
    const big = randomBytes(MiB + MiB / 2);
    valueOf(
      (await register(env, { username: 'carol', token: 'bbt1.bob', keyfileBlob: big })).client,
    );
    const whole = await login(env, 'carol', PASSWORD);
    expect(sameBytes(valueOf(whole.client), big)).toBe(true);
    expect(whole.frames.filter((f) => f.type === FrameType.sealed).length).toBe(2);
    let sealedSeen = 0;
    const cut = await login(env, 'carol', PASSWORD, (dir, _i, bytes) => {
      if (dir === 's2c' && bytes[0] === FrameType.sealed && ++sealedSeen === 2) {
        return 'drop-and-close';
      }
      return bytes;
    });
    expect(errorOf(cut.client).code).toBe('CRYPTO_STREAM_TRUNCATED');
  });
});

describe('size limits and timeouts', () => {
  it('the server refuses an oversized hello', async () => {
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'login', username: 'alice', pad: 'x'.repeat(2000) }));
      expect((await readError(conn)).code).toBe('PROTOCOL_INVALID_FRAME');
    });
    expect(outcome).toMatchObject({ result: 'invalid', code: 'PROTOCOL_INVALID_FRAME' });
  });

  it('the server refuses a message over the connection bound (1009)', async () => {
    const [clientConn, serverConn] = createMemoryConnectionPair();
    clientConn.send(new Uint8Array(5 * MiB));
    const outcome = await handlePasswordAccessConnection(serverConn, env.deps);
    expect(outcome).toMatchObject({ result: 'invalid', code: 'PAYLOAD_TOO_LARGE' });
    expect(serverConn.closeInfo?.code).toBe(CloseCode.tooBig);
  });

  it('the server refuses a response 1 of the wrong size', async () => {
    const outcome = await againstHandler(env, async (conn) => {
      conn.send(hello({ op: 'login', username: 'alice' }));
      await conn.receive(5000);
      conn.send(encodeFrame(FrameType.response1, new Uint8Array(33)));
      expect((await readError(conn)).code).toBe('PROTOCOL_INVALID_FRAME');
    });
    expect(outcome.result).toBe('invalid');
    // No response 2 was sent (no guess was tested), so nothing was counted.
    expect(env.limiter.peek(`${WS}/alice`)).toBeUndefined();
  });

  it('the client refuses oversized or wrong handshake frames from the server', async () => {
    const options = {
      workspace: WS,
      username: 'alice',
      password: PASSWORD,
      serverId: SERVER_ID,
      testOnlyRandom: randomBytes,
    };
    const settled = await againstFakeServer(
      (conn) => passwordLogin(conn, options),
      async (conn) => {
        await conn.receive(5000);
        conn.send(encodeFrame(FrameType.publicData, new Uint8Array(37)));
      },
    );
    expect(errorOf(settled).code).toBe('PROTOCOL_INVALID_FRAME');
  });

  it('the client refuses public data below the floors or above its limits', async () => {
    const publicData = (ops: bigint, mem: bigint) => {
      const out = new Uint8Array(36);
      const view = new DataView(out.buffer);
      view.setUint16(0, 1, true);
      view.setUint16(2, 2, true);
      view.setBigUint64(4, ops, true);
      view.setBigUint64(12, mem, true);
      return out;
    };
    const attempt = (data: Uint8Array, testOnly: boolean) =>
      againstFakeServer(
        (conn) =>
          passwordLogin(conn, {
            workspace: WS,
            username: 'alice',
            password: PASSWORD,
            serverId: SERVER_ID,
            ...(testOnly ? { testOnlyRandom: randomBytes } : {}),
          }),
        async (conn) => {
          await conn.receive(5000);
          conn.send(encodeFrame(FrameType.publicData, data));
          await conn.receive(5000);
        },
      );
    // A product client refuses the test parameters (downgrade).
    expect(errorOf(await attempt(publicData(2n, 64n * 1024n * 1024n), false)).code).toBe(
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    expect(errorOf(await attempt(publicData(1n, 64n * 1024n * 1024n), true)).code).toBe(
      'CRYPTO_PARAMS_BELOW_FLOOR',
    );
    // Over the ceiling (a denial of service): refused before any hashing.
    expect(errorOf(await attempt(publicData(3n, 2n * 1024n * 1024n * 1024n), false)).code).toBe(
      'CRYPTO_PARAMS_ABOVE_CEILING',
    );
    expect(errorOf(await attempt(publicData(9n, 256n * 1024n * 1024n), false)).code).toBe(
      'CRYPTO_PARAMS_ABOVE_CEILING',
    );
  });

  it('the server stops waiting after its timeout', async () => {
    const impatient = makeEnv({ timeouts: { step: 30 } });
    const [, serverConn] = createMemoryConnectionPair();
    const outcome = await handlePasswordAccessConnection(serverConn, impatient.deps);
    expect(outcome).toMatchObject({ result: 'invalid', code: 'REQUEST_TIMEOUT' });
  });

  it('the client stops waiting after its timeout', async () => {
    const settled = await againstFakeServer(
      (conn) =>
        passwordLogin(conn, {
          workspace: WS,
          username: 'alice',
          password: PASSWORD,
          serverId: SERVER_ID,
          timeouts: { step: 30 },
          testOnlyRandom: randomBytes,
        }),
      async (conn) => {
        await conn.receive(5000);
      },
    );
    expect(errorOf(settled).code).toBe('REQUEST_TIMEOUT');
  });

  it('a misconfigured server (parameters below the floors) answers UNAVAILABLE', async () => {
    const bad = makeEnv({ testOnlyRandom: undefined });
    const result = await login(bad, 'alice', PASSWORD);
    expect(errorOf(result.client).code).toBe('UNAVAILABLE');
    expect(result.outcome.result).toBe('error');
  });

  it('a failing dependency answers UNAVAILABLE and reports the cause', async () => {
    const broken = makeEnv();
    broken.deps.lookup = () => Promise.reject(new Error('database down'));
    const result = await login(broken, 'alice', PASSWORD);
    expect(errorOf(result.client).code).toBe('UNAVAILABLE');
    expect(result.outcome).toMatchObject({ result: 'error', code: 'UNAVAILABLE' });
    expect((result.outcome.cause as Error).message).toBe('database down');
  });
});

describe('concurrency', () => {
  it('two logins at once both work (and a third user alongside)', async () => {
    const results = await Promise.all([
      login(env, 'alice', PASSWORD),
      login(env, 'alice', PASSWORD),
      login(env, 'nobody', PASSWORD),
    ]);
    expect(sameBytes(valueOf(results[0].client), aliceBlob)).toBe(true);
    expect(sameBytes(valueOf(results[1].client), aliceBlob)).toBe(true);
    expect(errorOf(results[2].client).code).toBe('PAKE_ABORTED');
  });
});
