/**
 * Shared setup of the password-access unit suites (password-access/password-access*.test.ts):
 * an in-memory environment (store, limiter, token checks), a relay that records and may alter
 * frames, client helpers and the fixture `usePasswordAccessEnv`.
 */
import { beforeAll, beforeEach, expect } from 'vitest';
import {
  generateBoxKeyPair,
  utf8,
  createKeyfile,
  serializeKeyfile,
  randomBytes,
  cryptoReady,
  type BoxKeyPair,
} from '../../src-shared/crypto/index.js';
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
  encodeJsonPayload,
  errorPayloadSchema,
  type ErrorPayload,
} from '../../src-shared/pake/protocol.js';
import {
  MemoryFailedLoginLimiter,
  type LimiterDecision,
} from '../password-access/failed-login-limiter.js';
import { MemoryPasswordAccessStore } from '../password-access/memory-store.js';
import {
  handlePasswordAccessConnection,
  type PasswordAccessDeps,
  type PasswordAccessOutcome,
  type TokenVerdict,
} from '../password-access/password-access-handler.js';

export const SERVER_ID = `bbs1${'a'.repeat(32)}`;
export const WS = 'ws_test';
export const MiB = 1024 * 1024;
export const TEST_PARAMS = { opslimit: 2, memlimit: 64 * MiB };
export const DAY = 24 * 3600_000;

/** The same password written two ways (é precomposed / e + combining accent). */
export const PASSWORD = 'correct horse battery st\u00e9ple';
export const PASSWORD_OTHER_OS = 'correct horse battery ste\u0301ple';

export const IDENTITY_ALICE = `bb1${'a'.repeat(32)}`;
export const IDENTITY_BOB = `bb1${'b'.repeat(32)}`;
export const IDENTITY_MALLORY = `bb1${'m'.repeat(32)}`;

export interface Env {
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

export function makeEnv(overrides: Partial<PasswordAccessDeps> = {}): Env {
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

export type Direction = 'c2s' | 's2c';
export interface Logged {
  dir: Direction;
  type: number;
  length: number;
}
export type Tamper = (
  dir: Direction,
  index: number,
  bytes: Uint8Array,
) => Uint8Array | 'drop-and-close';

export async function pump(
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

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface Run<T> {
  client: Settled<T>;
  outcome: PasswordAccessOutcome;
  frames: Logged[];
}

export async function run<T>(
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

export function login(env: Env, username: string, password: string, tamper?: Tamper) {
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

export function register(
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

export function valueOf<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

export function errorOf(settled: Settled<unknown>): { code?: string; message?: string } {
  if (settled.ok) throw new Error('expected the client to fail');
  expect(isBackboneError(settled.error)).toBe(true);
  return settled.error as { code?: string; message?: string };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}

/** A keyfile (weak test parameters) and its serialized bytes, the blob the server keeps. */
export function makeKeyfileBlob(password: string): Uint8Array {
  const { keyfile } = createKeyfile(password, {
    params: { opslimit: 1, memlimit: 64 * 1024 },
    testOnlyAllowWeakParams: true,
  });
  return utf8(serializeKeyfile(keyfile));
}

/** Counts `n` failures for `key` on the limiter, waiting out the delays on the fake clock. */
export function failTimes(env: Env, key: string, n: number): void {
  for (let counted = 0; counted < n;) {
    const decision: LimiterDecision = env.limiter.begin(key);
    if (decision.allowed) counted++;
    else env.clock.now += decision.retryAfterMs;
  }
}

/** A scripted peer on the server side (to test the client against misbehaving servers). */
export async function againstFakeServer<T>(
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
export async function againstHandler(
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

export async function readError(conn: PasswordAccessConnection): Promise<ErrorPayload> {
  for (;;) {
    const frame = decodeFrame(await conn.receive(5000));
    if (frame.type === FrameType.error) {
      return decodeJsonPayload(frame.payload, errorPayloadSchema, 'error');
    }
  }
}

export const hello = (fields: Record<string, unknown>) =>
  encodeFrame(FrameType.hello, encodeJsonPayload({ v: 1, workspace: WS, ...fields }));

/** What the password-access unit suites share (made in `beforeAll`). */
export interface PasswordAccessFixture {
  env: Env;
  /** Alice's keyfile blob (password `PASSWORD`), stored for username `alice`. */
  aliceBlob: Uint8Array;
  aliceRegistration: Run<void>;
}

/**
 * Registers a suite's hooks: `beforeAll` makes one environment and registers Alice in it;
 * `beforeEach` moves its clock two quiet days, so every limiter state from earlier tests is
 * forgotten. The returned function gives the fixture inside tests.
 */
export function usePasswordAccessEnv(): () => PasswordAccessFixture {
  let fixture: PasswordAccessFixture | undefined;
  beforeAll(async () => {
    await cryptoReady();
    const env = makeEnv();
    const aliceBlob = makeKeyfileBlob(PASSWORD);
    const aliceRegistration = await register(env, {
      username: 'alice',
      token: 'bbt1.alice',
      keyfileBlob: aliceBlob,
    });
    fixture = { env, aliceBlob, aliceRegistration };
  }, 60_000);
  beforeEach(() => {
    if (fixture) fixture.env.clock.now += 2 * DAY;
  });
  return () => {
    if (!fixture) throw new Error('the environment is made in beforeAll');
    return fixture;
  };
}
