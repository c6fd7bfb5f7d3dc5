/**
 * Shared setup of the password-access integration suites (routes/password-access*.int.test.ts):
 * a server with the test-only random injection, a raw WebSocket client to see frames and close
 * codes, and the suite fixture `usePasswordAccessServer`.
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { WebSocket } from 'ws';
import { serverInfoResponseSchema } from '../../src-shared/api/server.js';
import {
  fromBase64Url,
  utf8,
  createKeyfile,
  serializeKeyfile,
  randomBytes,
  cryptoReady,
} from '../../src-shared/crypto/index.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { passwordChange, passwordLogin, passwordRegister } from '../../src-shared/pake/client.js';
import { connectNodeWebSocket } from '../../src-shared/pake/connection.js';
import { decodeFrame, encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import {
  decodeJsonPayload,
  encodeJsonPayload,
  errorPayloadSchema,
  type ErrorPayload,
} from '../../src-shared/pake/protocol.js';
import { buildServer } from '../app.js';
import type { ServerConfig } from '../config.js';
import type { App } from '../context.js';
import { createLogger } from '../logger.js';
import type { Storage } from '../storage/storage.js';
import type { OpenedStorage, TestBackend } from './backends.js';
import { ApiClient, login, registeredUser, type TestIdentity } from './client.js';
import { TestClock, testConfig } from './harness.js';
import { PASSWORD_ACCESS_PATH } from '../routes/password-access.js';

export const MiB = 1024 * 1024;
export const TEST_PARAMS = { opslimit: 2, memlimit: 64 * MiB };
export const DAY = 24 * 3600_000;
export const WS = 'ws_main';
export const PASSWORD = 'correct horse battery staple';
export const REQUEST_TIMEOUT_MS = 1500;

export interface Running {
  app: App;
  url: string;
  wsUrl: string;
  api: ApiClient;
  close(): Promise<void>;
}

export async function startServer(
  storage: Storage,
  dataDir: string,
  clock: TestClock,
  config: Partial<ServerConfig> = {},
): Promise<Running> {
  const app = buildServer({
    config: testConfig(dataDir, { requestTimeoutMs: REQUEST_TIMEOUT_MS, ...config }),
    storage,
    clock,
    logger: createLogger('silent'),
    testOnlyPasswordAccess: { random: randomBytes, params: TEST_PARAMS },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    wsUrl: `ws://127.0.0.1:${port}${PASSWORD_ACCESS_PATH}`,
    api: new ApiClient(url),
    close: () => app.close(),
  };
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
}

export function failure(settled: Settled<unknown>): { code: string; message: string } {
  if (settled.ok) throw new Error('expected a failure');
  if (!isBackboneError(settled.error)) throw settled.error;
  return { code: settled.error.code, message: settled.error.message };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** A real keyfile (cheap test parameters), serialized: the blob the server keeps. */
export function keyfileBlob(password: string): Uint8Array {
  const { keyfile } = createKeyfile(password, {
    params: { opslimit: 1, memlimit: 64 * 1024 },
    testOnlyAllowWeakParams: true,
  });
  return utf8(serializeKeyfile(keyfile));
}

// ---------------------------------------------------------------------------------------------
// A raw WebSocket client, to see frames and close codes.

export interface RawSocket {
  ws: WebSocket;
  /** The next message (binary), or throws once the socket closed. */
  next(timeoutMs?: number): Promise<Uint8Array>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function rawSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<RawSocket> {
  const ws = new WebSocket(url, { headers, maxPayload: 64 * MiB });
  const messages: Uint8Array[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      ended = true;
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, reason: reason.toString() });
    });
  });
  ws.on('message', (data) => {
    messages.push(new Uint8Array(data as Buffer));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`unexpected response ${res.statusCode}`)),
    );
  });
  return {
    ws,
    closed,
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = messages.shift();
        if (message) return message;
        if (ended) throw new Error('socket closed');
        if (Date.now() > deadline) throw new Error('no message in time');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/** The HTTP status a WebSocket upgrade is refused with (and its JSON error code). */
export async function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        const parsed = JSON.parse(body) as { error: { code: string } };
        resolve({ status: res.statusCode ?? 0, code: parsed.error.code });
      });
    });
  });
}

export const helloFrame = (fields: Record<string, unknown>) =>
  encodeFrame(FrameType.hello, encodeJsonPayload({ v: 1, workspace: WS, ...fields }));

export function errorPayload(message: Uint8Array): ErrorPayload {
  const frame = decodeFrame(message);
  expect(frame.type).toBe(FrameType.error);
  return decodeJsonPayload(frame.payload, errorPayloadSchema, 'error');
}

/**
 * One login attempt with a made-up response 1 (a wrong guess, counted by the limiter): the
 * public data, or the refusal (at the hello, or at response 1). With `helloOnly`, it leaves
 * after the public data without a response 1 (which counts nothing).
 */
export async function probe(
  wsUrl: string,
  username: string,
  options: { helloOnly?: boolean } = {},
): Promise<{ publicData: Uint8Array } | { code: string; retryAfterMs: number | undefined }> {
  const socket = await rawSocket(wsUrl);
  try {
    socket.ws.send(helloFrame({ op: 'login', username }));
    const frame = decodeFrame(await socket.next());
    if (frame.type === FrameType.publicData) {
      if (options.helloOnly !== true) {
        socket.ws.send(encodeFrame(FrameType.response1, randomBytes(32)));
        const answer = decodeFrame(await socket.next());
        if (answer.type === FrameType.error) {
          const error = decodeJsonPayload(answer.payload, errorPayloadSchema, 'error');
          if (error.code === 'PAKE_RATE_LIMITED' || error.code === 'PAKE_LOCKED_OUT') {
            return { code: error.code, retryAfterMs: error.retryAfterMs };
          }
        }
      }
      return { publicData: frame.payload };
    }
    const error = decodeJsonPayload(frame.payload, errorPayloadSchema, 'error');
    return { code: error.code, retryAfterMs: error.retryAfterMs };
  } finally {
    socket.ws.close();
  }
}

/** What a password-access suite's tests see (made in `beforeAll`). */
export interface PasswordAccessSuite {
  opened: OpenedStorage;
  clock: TestClock;
  server: Running;
  serverId: string;
  serverBoxPublicKey: Uint8Array;
  alice: { user: TestIdentity; token: string };
  bob: { user: TestIdentity; token: string };
  aliceBlob: Uint8Array;
}

/**
 * Registers a suite's hooks: `beforeAll` starts a server on a fresh database, registers Alice
 * and Bob and gives Alice a password-access record (username `alice`, `PASSWORD`); `beforeEach`
 * moves the clock two quiet days (limiter states forgotten, tokens expired) and logs both in
 * again; `afterAll` closes and disposes. `state()` gives what the tests see; `register` and
 * `passwordLoginAt` run the shared clients against the suite's server.
 */
export function usePasswordAccessServer(backend: TestBackend) {
  let opened: OpenedStorage;
  let clock: TestClock;
  let server: Running;
  let serverId: string;
  let serverBoxPublicKey: Uint8Array;
  let alice: { user: TestIdentity; token: string };
  let bob: { user: TestIdentity; token: string };
  let aliceBlob: Uint8Array;

  const register = (
    options: { username: string; token: string; password?: string; blob?: Uint8Array },
    op: 'register' | 'change' = 'register',
    url = server.wsUrl,
  ) =>
    settle(
      connectNodeWebSocket(url).then((conn) => {
        const full = {
          workspace: WS,
          username: options.username,
          password: options.password ?? PASSWORD,
          serverId,
          serverBoxPublicKey,
          token: options.token,
          keyfileBlob: options.blob ?? utf8('blob'),
          testOnlyRandom: randomBytes,
        };
        return op === 'register' ? passwordRegister(conn, full) : passwordChange(conn, full);
      }),
    );

  const passwordLoginAt = (url: string, username: string, password: string) =>
    settle(
      connectNodeWebSocket(url).then((conn) =>
        passwordLogin(conn, {
          workspace: WS,
          username,
          password,
          serverId,
          testOnlyRandom: randomBytes,
        }),
      ),
    );

  beforeAll(async () => {
    await cryptoReady();
    opened = await backend.open();
    clock = new TestClock();
    server = await startServer(opened.storage, opened.dataDir, clock);
    const info = serverInfoResponseSchema.parse((await server.api.get('/v1/server')).body);
    serverId = info.id;
    serverBoxPublicKey = fromBase64Url(info.boxPublicKey);
    alice = await registeredUser(server.api, 'Alice');
    bob = await registeredUser(server.api, 'Bob');
    aliceBlob = keyfileBlob(PASSWORD);
    const registered = await register({ username: 'alice', token: alice.token, blob: aliceBlob });
    if (!registered.ok) throw registered.error;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await opened?.dispose();
  });

  beforeEach(async () => {
    // Two quiet days: limiter states of earlier tests are forgotten (and tokens expire).
    clock.advance(2 * DAY);
    alice.token = (await login(server.api, alice.user)).token;
    bob.token = (await login(server.api, bob.user)).token;
  });

  return {
    register,
    passwordLoginAt,
    state: (): PasswordAccessSuite => ({
      opened,
      clock,
      server,
      serverId,
      serverBoxPublicKey,
      alice,
      bob,
      aliceBlob,
    }),
  };
}
