/**
 * Password access over the real server: `GET /v1/password-access` (WebSocket) on a listening
 * Backbone server, with the records and the failed-login limiter in the database, against both
 * backends. Clients are the shared ones (`passwordRegister` / `passwordLogin` over
 * `connectNodeWebSocket`), or a raw `ws` socket for malformed input.
 *
 * Handshakes use the test-only random injection (`testOnlyPasswordAccess`), which lowers the
 * SPAKE2+EE floors so that Argon2id runs at 2 passes / 64 MiB.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serverInfoResponseSchema } from '../../src-shared/api/server.js';
import { fromBase64Url, toBase64Url, utf8 } from '../../src-shared/crypto/encoding.js';
import {
  createKeyfile,
  parseKeyfile,
  serializeKeyfile,
  unlockKeyfile,
} from '../../src-shared/crypto/keyfile.js';
import { randomBytes } from '../../src-shared/crypto/random.js';
import { cryptoReady } from '../../src-shared/crypto/sodium.js';
import { PUBLICDATABYTES, validatePublicData } from '../../src-shared/crypto/spake2ee.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { passwordChange, passwordLogin, passwordRegister } from '../../src-shared/pake/client.js';
import { connectNodeWebSocket } from '../../src-shared/pake/connection.js';
import { decodeFrame, encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import {
  decodeJsonPayload,
  encodeJsonPayload,
  errorPayloadSchema,
  type PasswordAccessError,
  type ErrorPayload,
} from '../../src-shared/pake/protocol.js';
import { buildServer } from '../app.js';
import { resolveServerConfig, type ServerConfig } from '../config.js';
import type { App } from '../context.js';
import { createLogger } from '../logger.js';
import { StorageFailedLoginLimiter } from '../password-access/storage-limiter.js';
import type { Storage } from '../storage/storage.js';
import { useTestBackends, type OpenedStorage } from '../test/backends.js';
import {
  ApiClient,
  errorCode,
  login,
  newTestDevice,
  registeredUser,
  revocationBody,
  type TestIdentity,
} from '../test/client.js';
import { TestClock, testConfig } from '../test/harness.js';
import { rawRequest } from '../test/raw.js';
import { MAX_PENDING_PER_ADDRESS } from '../password-access/handshake-slots.js';
import { PASSWORD_ACCESS_MAX_MESSAGE_BYTES, PASSWORD_ACCESS_PATH } from './password-access.js';

const backends = useTestBackends();

const MiB = 1024 * 1024;
const TEST_PARAMS = { opslimit: 2, memlimit: 64 * MiB };
const DAY = 24 * 3600_000;
const WS = 'ws_main';
const PASSWORD = 'correct horse battery staple';
const REQUEST_TIMEOUT_MS = 1500;

interface Running {
  app: App;
  url: string;
  wsUrl: string;
  api: ApiClient;
  close(): Promise<void>;
}

async function startServer(
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

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
}

function failure(settled: Settled<unknown>): { code: string; message: string } {
  if (settled.ok) throw new Error('expected a failure');
  if (!isBackboneError(settled.error)) throw settled.error;
  return { code: settled.error.code, message: settled.error.message };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** A real keyfile (cheap test parameters), serialized: the blob the server keeps. */
function keyfileBlob(password: string): Uint8Array {
  const { keyfile } = createKeyfile(password, {
    params: { opslimit: 1, memlimit: 64 * 1024 },
    testOnlyAllowWeakParams: true,
  });
  return utf8(serializeKeyfile(keyfile));
}

// ---------------------------------------------------------------------------------------------
// A raw WebSocket client, to see frames and close codes.

interface RawSocket {
  ws: WebSocket;
  /** The next message (binary), or throws once the socket closed. */
  next(timeoutMs?: number): Promise<Uint8Array>;
  closed: Promise<{ code: number; reason: string }>;
}

async function rawSocket(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
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
async function refusedUpgrade(
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

const helloFrame = (fields: Record<string, unknown>) =>
  encodeFrame(FrameType.hello, encodeJsonPayload({ v: 1, workspace: WS, ...fields }));

function errorPayload(message: Uint8Array): ErrorPayload {
  const frame = decodeFrame(message);
  expect(frame.type).toBe(FrameType.error);
  return decodeJsonPayload(frame.payload, errorPayloadSchema, 'error');
}

/**
 * One login attempt with a made-up response 1 (a wrong guess, counted by the limiter): the
 * public data, or the refusal (at the hello, or at response 1). With `helloOnly`, it leaves
 * after the public data without a response 1 (which counts nothing).
 */
async function probe(
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

// ---------------------------------------------------------------------------------------------

describe('password access configuration', () => {
  it('defaults to the floors (3 / 256 MiB) and can only be raised', () => {
    expect(resolveServerConfig({}, {}).passwordAccess).toEqual({
      opslimit: 3,
      memlimit: 256 * MiB,
    });
    expect(
      resolveServerConfig({ passwordOpslimit: '4' }, { BACKBONE_PASSWORD_MEMLIMIT_MIB: '512' })
        .passwordAccess,
    ).toEqual({ opslimit: 4, memlimit: 512 * MiB });
    for (const [flags, env] of [
      [{ passwordOpslimit: '2' }, {}],
      [{ passwordOpslimit: '33' }, {}],
      [{ passwordOpslimit: '9' }, {}],
      [{ passwordOpslimit: '8' }, { BACKBONE_PASSWORD_MEMLIMIT_MIB: '512' }],
      [{}, { BACKBONE_PASSWORD_MEMLIMIT_MIB: '64' }],
      [{ passwordMemlimitMib: '2048' }, {}],
    ] as const) {
      expect(() => resolveServerConfig(flags, env)).toThrow(/--password-/);
    }
  });

  it('refuses to build a server with weaker parameters unless the test-only injection is set', async () => {
    await cryptoReady();
    const config = testConfig('/nonexistent', {
      passwordAccess: { opslimit: 2, memlimit: 64 * MiB },
    });
    const storage = {} as Storage;
    expect(() => buildServer({ config, storage, logger: createLogger('silent') })).toThrow(
      /Argon2id parameters/,
    );
  });
});

describe.each(backends)('password access over WebSocket ($name)', (backend) => {
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

  it('registers with a token (bound to its identity); a brand-new machine logs in and gets the exact blob', async () => {
    const row = await opened.storage.getPasswordAccess(WS, 'alice');
    expect(row?.identityId).toBe(alice.user.id);
    expect(row?.keyfileBlob).toBe(toBase64Url(aliceBlob));
    // Nothing stored is the password.
    expect(JSON.stringify(row)).not.toContain(PASSWORD);

    const result = await passwordLoginAt(server.wsUrl, 'alice', PASSWORD);
    if (!result.ok) throw result.error;
    expect(sameBytes(result.value, aliceBlob)).toBe(true);
    // The blob is the keyfile: it opens with the same password.
    const unlocked = unlockKeyfile(parseKeyfile(new TextDecoder().decode(result.value)), PASSWORD, {
      testOnlyAllowWeakParams: true,
    });
    expect(unlocked).toBeTruthy();
    // A success leaves no failed-login state behind.
    expect(await opened.storage.getPasswordAttempts(WS, 'alice')).toBeUndefined();
  });

  it('refuses a wrong password and an unknown username alike (PAKE_ABORTED)', async () => {
    const wrong = failure(await passwordLoginAt(server.wsUrl, 'alice', 'wrong password'));
    const unknown = failure(await passwordLoginAt(server.wsUrl, 'nobody', PASSWORD));
    expect(wrong.code).toBe('PAKE_ABORTED');
    expect(unknown).toEqual(wrong);
    // Same public data size and parameters (the server default) for both.
    const real = await probe(server.wsUrl, 'alice');
    const dummy = await probe(server.wsUrl, 'nobody');
    if (!('publicData' in real) || !('publicData' in dummy)) throw new Error('refused');
    expect(real.publicData).toHaveLength(PUBLICDATABYTES);
    expect(dummy.publicData).toHaveLength(PUBLICDATABYTES);
    const params = (bytes: Uint8Array) => {
      const { opslimit, memlimit } = validatePublicData(bytes, 2, 2, 64 * MiB);
      return { opslimit: Number(opslimit), memlimit: Number(memlimit) };
    };
    expect(params(real.publicData)).toEqual(TEST_PARAMS);
    expect(params(dummy.publicData)).toEqual(TEST_PARAMS);
    // The dummy salt is stable across probes, like a real user's.
    const again = await probe(server.wsUrl, 'nobody');
    if (!('publicData' in again)) throw new Error('refused');
    expect(sameBytes(again.publicData, dummy.publicData)).toBe(true);
    // Failures are counted in the database, for both.
    expect((await opened.storage.getPasswordAttempts(WS, 'alice'))?.failures).toBe(2);
    expect((await opened.storage.getPasswordAttempts(WS, 'nobody'))?.failures).toBe(3);
  });

  it('hellos alone lock nothing; wrong guesses lock password access, never the owner', async () => {
    const owner = 'owner';
    const ownerBlob = keyfileBlob(PASSWORD);
    const registered = await register({ username: owner, token: alice.token, blob: ownerBlob });
    if (!registered.ok) throw registered.error;
    // Twelve hellos without response 1, a minute apart: nothing is counted.
    for (let i = 0; i < 12; i++) {
      expect(await probe(server.wsUrl, owner, { helloOnly: true })).toHaveProperty('publicData');
      clock.advance(61_000);
    }
    expect(await opened.storage.getPasswordAttempts(WS, owner)).toBeUndefined();
    const fine = await passwordLoginAt(server.wsUrl, owner, PASSWORD);
    if (!fine.ok) throw fine.error;
    expect(sameBytes(fine.value, ownerBlob)).toBe(true);

    // Ten wrong guesses (response 1 sent) lock password access, even for the right password.
    for (let i = 0; i < 10; i++) {
      expect(await probe(server.wsUrl, owner)).toHaveProperty('publicData');
      clock.advance(60_000);
    }
    expect(failure(await passwordLoginAt(server.wsUrl, owner, PASSWORD)).code).toBe(
      'PAKE_LOCKED_OUT',
    );
    // The owner's devices sign in with their device keys as always (no password involved)...
    const session = await login(server.api, alice.user);
    expect((await server.api.get('/v1/auth/tokens/current', { token: session.token })).status).toBe(
      200,
    );
    // ...and setting the password again from one of them lifts the lock at once.
    const reset = await register(
      { username: owner, token: session.token, blob: ownerBlob },
      'change',
    );
    if (!reset.ok) throw reset.error;
    expect(await opened.storage.getPasswordAttempts(WS, owner)).toBeUndefined();
    const back = await passwordLoginAt(server.wsUrl, owner, PASSWORD);
    if (!back.ok) throw back.error;
  }, 60_000);

  it('changes the password: the new one works, the old one no longer does', async () => {
    const newBlob = keyfileBlob('a new password');
    const changed = await register(
      { username: 'alice', token: alice.token, password: 'a new password', blob: newBlob },
      'change',
    );
    if (!changed.ok) throw changed.error;
    const fresh = await passwordLoginAt(server.wsUrl, 'alice', 'a new password');
    if (!fresh.ok) throw fresh.error;
    expect(sameBytes(fresh.value, newBlob)).toBe(true);
    expect(failure(await passwordLoginAt(server.wsUrl, 'alice', PASSWORD)).code).toBe(
      'PAKE_ABORTED',
    );
    // Back to the first password (re-registration by the owner replaces the record).
    const back = await register({ username: 'alice', token: alice.token, blob: aliceBlob });
    if (!back.ok) throw back.error;
    const row = await opened.storage.getPasswordAccess(WS, 'alice');
    expect(row?.keyfileBlob).toBe(toBase64Url(aliceBlob));
    expect(row!.createdAt).toBeLessThan(row!.updatedAt);
  });

  it('refuses registrations without a valid token of the identity that owns the username', async () => {
    const before = await opened.storage.getPasswordAccess(WS, 'alice');
    const code = async (
      options: { username: string; token: string },
      op: 'register' | 'change' = 'register',
    ) => failure(await register(options, op)).code;

    // No token at all: the hello is malformed.
    const socket = await rawSocket(server.wsUrl);
    socket.ws.send(helloFrame({ op: 'register', username: 'alice' }));
    expect(errorPayload(await socket.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    expect((await socket.closed).code).toBe(1008);

    // Unknown and malformed tokens.
    const unknownToken = `bbt1.${toBase64Url(randomBytes(32))}`;
    expect(await code({ username: 'alice', token: unknownToken })).toBe('AUTH_TOKEN_INVALID');
    expect(await code({ username: 'alice', token: 'not-a-token' })).toBe('AUTH_TOKEN_INVALID');
    // Another identity's token: neither register over, nor change, Alice's username.
    expect(await code({ username: 'alice', token: bob.token })).toBe('FORBIDDEN');
    expect(await code({ username: 'alice', token: bob.token }, 'change')).toBe('FORBIDDEN');
    // Change of a username without password access.
    expect(await code({ username: 'bob', token: bob.token }, 'change')).toBe('NOT_FOUND');
    // Tokens without the scope, or limited to another workspace.
    const narrow = await login(server.api, bob.user, { scopes: ['STORE_USE'] });
    expect(await code({ username: 'bob', token: narrow.token })).toBe('FORBIDDEN');
    const elsewhere = await login(server.api, bob.user, { workspaceId: 'other' });
    expect(await code({ username: 'bob', token: elsewhere.token })).toBe('FORBIDDEN');

    // Revoked token, revoked device, expired token.
    const revoked = await login(server.api, bob.user);
    expect(
      (await server.api.delete('/v1/auth/tokens/current', { token: revoked.token })).status,
    ).toBe(200);
    expect(await code({ username: 'bob', token: revoked.token })).toBe('AUTH_TOKEN_REVOKED');
    const phone = newTestDevice(bob.user, 'phone');
    const added = await server.api.post(`/v1/identities/${bob.user.id}/devices`, {
      v: 1,
      certificate: phone.certificate,
    });
    expect(added.status).toBe(201);
    const phoneToken = await login(server.api, bob.user, { device: phone });
    const revoke = await server.api.post(
      `/v1/identities/${bob.user.id}/devices/${phone.id}/revoke`,
      revocationBody(bob.user, phone),
    );
    expect(revoke.status).toBe(200);
    expect(await code({ username: 'bob', token: phoneToken.token })).toBe('AUTH_TOKEN_REVOKED');
    const shortLived = await login(server.api, bob.user, { ttlSeconds: 60 });
    clock.advance(61_000);
    expect(await code({ username: 'bob', token: shortLived.token })).toBe('AUTH_TOKEN_EXPIRED');

    // Nothing changed, and Bob has no record.
    expect(await opened.storage.getPasswordAccess(WS, 'alice')).toEqual(before);
    expect(await opened.storage.getPasswordAccess(WS, 'bob')).toBeUndefined();
  });

  it('in a workspace the server knows, only the member with that name may register it', async () => {
    const team = 'team_pa';
    await opened.storage.createWorkspace(
      {
        id: team,
        displayName: 'Team',
        genesisHash: 'g',
        headSeq: 0,
        headHash: 'g',
        createdAt: clock.now(),
        deletedAt: null,
      },
      { seq: 0, entry: '{}', hash: 'g' },
      [
        { identityId: alice.user.id, name: 'alice', permissions: ['ROOT'] },
        { identityId: bob.user.id, name: 'bob', permissions: ['STORE_USE'] },
      ],
      [],
    );
    const carol = await registeredUser(server.api, 'Carol');
    const inTeam = (username: string, token: string) =>
      settle(
        connectNodeWebSocket(server.wsUrl).then((conn) =>
          passwordRegister(conn, {
            workspace: team,
            username,
            password: PASSWORD,
            serverId,
            serverBoxPublicKey,
            token,
            keyfileBlob: utf8('team blob'),
            testOnlyRandom: randomBytes,
          }),
        ),
      );
    // Bob may not take Alice's member name, although it has no password access yet.
    expect(failure(await inTeam('alice', bob.token)).code).toBe('FORBIDDEN');
    // Carol is no member.
    expect(failure(await inTeam('carol', carol.token)).code).toBe('FORBIDDEN');
    // Bob under his own member name.
    const own = await inTeam('bob', bob.token);
    if (!own.ok) throw own.error;
    expect((await opened.storage.getPasswordAccess(team, 'bob'))?.identityId).toBe(bob.user.id);
    expect(await opened.storage.getPasswordAccess(team, 'alice')).toBeUndefined();

    // Alice registers too; then Bob is removed: his record goes with him, hers stays.
    const hers = await inTeam('alice', alice.token);
    if (!hers.ok) throw hers.error;
    await opened.storage.appendMembershipEntries(
      team,
      { seq: 0, hash: 'g' },
      [{ seq: 1, entry: '{}', hash: 'h1' }],
      [{ identityId: alice.user.id, name: 'alice', permissions: ['ROOT'] }],
      [],
      clock.now(),
    );
    expect(await opened.storage.getPasswordAccess(team, 'bob')).toBeUndefined();
    expect((await opened.storage.getPasswordAccess(team, 'alice'))?.identityId).toBe(alice.user.id);
    // Someone added later under the name "bob" (Carol's identity) may register it.
    await opened.storage.appendMembershipEntries(
      team,
      { seq: 1, hash: 'h1' },
      [{ seq: 2, entry: '{}', hash: 'h2' }],
      [
        { identityId: alice.user.id, name: 'alice', permissions: ['ROOT'] },
        { identityId: carol.user.id, name: 'bob', permissions: ['STORE_USE'] },
      ],
      [],
      clock.now(),
    );
    const reused = await inTeam('bob', carol.token);
    if (!reused.ok) throw reused.error;
    expect((await opened.storage.getPasswordAccess(team, 'bob'))?.identityId).toBe(carol.user.id);

    // Deleting the workspace deletes every password record of it.
    await opened.storage.deleteWorkspace(team, clock.now(), () => []);
    expect(await opened.storage.getPasswordAccess(team, 'alice')).toBeUndefined();
    expect(await opened.storage.getPasswordAccess(team, 'bob')).toBeUndefined();
  });

  it('keeps failed-login limits in the database: shared by two servers, kept over a restart', async () => {
    const target = 'target';
    const second = await backend.reopen(opened);
    let other: Running | undefined = await startServer(second, opened.dataDir, clock);
    try {
      const servers = [server, other];
      // Three free attempts, alternating servers.
      for (let i = 0; i < 3; i++) {
        expect(await probe(servers[i % 2]!.wsUrl, target)).toHaveProperty('publicData');
      }
      // The fourth must wait 1 s after the third, whichever server is asked.
      const early = await probe(other.wsUrl, target);
      expect(early).toEqual({ code: 'PAKE_RATE_LIMITED', retryAfterMs: 1000 });
      // Up to the lock, alternating servers, waiting out each delay.
      for (let counted = 3; counted < 10;) {
        clock.advance(60_000);
        const result = await probe(servers[counted % 2]!.wsUrl, target);
        expect(result).toHaveProperty('publicData');
        counted++;
      }
      // Locked on both, with the right password too (refused before any Argon2id).
      for (const running of servers) {
        const refused = await probe(running.wsUrl, target);
        expect(refused).toEqual({ code: 'PAKE_LOCKED_OUT', retryAfterMs: 15 * 60_000 });
      }
      const locked = await passwordLoginAt(server.wsUrl, target, PASSWORD);
      expect(failure(locked).code).toBe('PAKE_LOCKED_OUT');
      expect(locked.ok ? undefined : (locked.error as PasswordAccessError).retryAfterMs).toBe(
        15 * 60_000,
      );

      // Restart: the other server stops and a new one starts on the same database.
      await other.close();
      other = undefined;
      await second.close();
      const third = await backend.reopen(opened);
      const restarted = await startServer(third, opened.dataDir, clock);
      try {
        clock.advance(60_000);
        expect(await probe(restarted.wsUrl, target)).toEqual({
          code: 'PAKE_LOCKED_OUT',
          retryAfterMs: 14 * 60_000,
        });
        // The lock ends for everyone at once.
        clock.advance(14 * 60_000);
        expect(await probe(restarted.wsUrl, target)).toHaveProperty('publicData');
      } finally {
        await restarted.close();
        await third.close();
      }
    } finally {
      await other?.close();
      if (other) await second.close();
    }
  }, 60_000);

  it('counts concurrent attempts without losing any (one transaction each)', async () => {
    const key = `${WS}/concurrent`;
    const storages = [opened.storage];
    const extra = backend.name === 'postgres' ? await backend.reopen(opened) : undefined;
    if (extra) storages.push(extra);
    try {
      const limiters = storages.map(
        (storage) => new StorageFailedLoginLimiter(storage, { now: () => clock.now() }),
      );
      // One attempt makes the row; then 24 at once (over two connection pools on PostgreSQL): two more are free, the rest must wait
      // (none may slip through on a stale read).
      expect((await limiters[0]!.begin(key)).allowed).toBe(true);
      const decisions = await Promise.all(
        Array.from({ length: 24 }, (_, i) => limiters[i % limiters.length]!.begin(key)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(2);
      expect((await limiters[0]!.peek(key))?.failures).toBe(3);
    } finally {
      await extra?.close();
    }
  });

  it('binds a username atomically: of two concurrent first registrations, one wins', async () => {
    const rows = [alice.user.id, bob.user.id].map((identityId) => ({
      workspaceId: WS,
      username: 'race',
      identityId,
      storedData: 'AA',
      keyfileBlob: 'AA',
      createdAt: clock.now(),
      updatedAt: clock.now(),
    }));
    const results = await Promise.all(
      rows.map((row) => opened.storage.putPasswordAccess(row, 'register')),
    );
    expect([...results].sort()).toEqual(['conflict', 'stored']);
    const winner = rows[results.indexOf('stored')]!;
    const loser = rows[results.indexOf('conflict')]!;
    expect((await opened.storage.getPasswordAccess(WS, 'race'))?.identityId).toBe(
      winner.identityId,
    );
    // The loser can neither register over nor change it; the winner can.
    expect(await opened.storage.putPasswordAccess(loser, 'register')).toBe('conflict');
    expect(await opened.storage.putPasswordAccess(loser, 'change')).toBe('conflict');
    expect(await opened.storage.putPasswordAccess({ ...winner, storedData: 'BB' }, 'change')).toBe(
      'stored',
    );
    expect(
      await opened.storage.putPasswordAccess({ ...winner, username: 'race-2' }, 'change'),
    ).toBe('conflict');
  });

  it('closes sockets that send malformed or oversized frames and keeps serving', async () => {
    // Text instead of binary frames.
    const text = await rawSocket(server.wsUrl);
    text.ws.send('hello');
    expect((await text.closed).code).toBe(1003);
    // A frame of an unknown type.
    const garbage = await rawSocket(server.wsUrl);
    garbage.ws.send(Buffer.from([0x42, 1, 0, 0, 0, 7]));
    expect(errorPayload(await garbage.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    expect((await garbage.closed).code).toBe(1008);
    // A hello that is not JSON, one of a future version.
    const notJson = await rawSocket(server.wsUrl);
    notJson.ws.send(encodeFrame(FrameType.hello, utf8('{')));
    expect(errorPayload(await notJson.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    const future = await rawSocket(server.wsUrl);
    future.ws.send(
      encodeFrame(FrameType.hello, encodeJsonPayload({ v: 2, op: 'login', workspace: WS })),
    );
    expect(errorPayload(await future.next()).code).toBe('UNSUPPORTED_VERSION');
    // A wrong-sized response 1 after the public data.
    const short = await rawSocket(server.wsUrl);
    short.ws.send(helloFrame({ op: 'login', username: 'alice' }));
    expect(decodeFrame(await short.next()).type).toBe(FrameType.publicData);
    short.ws.send(encodeFrame(FrameType.response1, new Uint8Array(31)));
    expect(errorPayload(await short.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    // A message over the size bound is refused by the WebSocket layer (1009).
    const big = await rawSocket(server.wsUrl);
    big.ws.send(new Uint8Array(PASSWORD_ACCESS_MAX_MESSAGE_BYTES + 1));
    expect((await big.closed).code).toBe(1009);

    expect((await server.api.get('/healthz')).status).toBe(200);
    expect(await probe(server.wsUrl, 'after-abuse')).toHaveProperty('publicData');
  });

  it('outlives the HTTP request timeout once upgraded', async () => {
    const socket = await rawSocket(server.wsUrl);
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 1000));
    socket.ws.send(helloFrame({ op: 'login', username: 'idle' }));
    expect(decodeFrame(await socket.next()).type).toBe(FrameType.publicData);
    socket.ws.close();
  });

  it('answers plain requests with 426, refuses other sites and too many sockets per address', async () => {
    const plain = await server.api.get(PASSWORD_ACCESS_PATH);
    expect(plain.status).toBe(426);
    expect(errorCode(plain)).toBe('INVALID_REQUEST');
    expect(plain.headers.get('upgrade')).toBe('websocket');

    // A web page of another site (its visitors' browsers send its Origin).
    expect(await refusedUpgrade(server.wsUrl, { origin: 'https://evil.example' })).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await refusedUpgrade(server.wsUrl, { origin: 'null' })).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
    // This server's own origin is fine.
    const own = await rawSocket(server.wsUrl, { origin: server.url });
    own.ws.close();
    await own.closed;
    // Unknown paths and query strings, like the rest of the API.
    expect(await refusedUpgrade(`${server.wsUrl}/more`)).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await refusedUpgrade(`${server.wsUrl}?x=1`)).toMatchObject({ status: 400 });

    // At most MAX_PENDING_PER_ADDRESS open sockets per client address.
    const sockets = await Promise.all(
      Array.from({ length: MAX_PENDING_PER_ADDRESS }, () => rawSocket(server.wsUrl)),
    );
    expect(await refusedUpgrade(server.wsUrl)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    for (const socket of sockets) socket.ws.close();
    await Promise.all(sockets.map((socket) => socket.closed));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await rawSocket(server.wsUrl);
    again.ws.close();
    await again.closed;
    expect((await server.api.get('/healthz')).status).toBe(200);
  });

  it('caps pending handshakes per address (an IPv6 /64 is one address); others still get in', async () => {
    const proxied = await startServer(opened.storage, opened.dataDir, clock, { trustProxy: true });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const held: Awaited<ReturnType<typeof rawSocket>>[] = [];
    try {
      // One host spreading over its /64: MAX_PENDING_PER_ADDRESS sockets, then 429.
      for (let i = 1; i <= MAX_PENDING_PER_ADDRESS; i++) {
        held.push(await rawSocket(proxied.wsUrl, from(`2001:db8:1:2::${i}`)));
      }
      expect(await refusedUpgrade(proxied.wsUrl, from('2001:db8:1:2::ffff'))).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
      });
      expect(await refusedUpgrade(proxied.wsUrl, from('2001:db8:1:2:a:b:c:d'))).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
      });
      // Other addresses are not held up by it, and can log in (here 127.0.0.1, no header).
      held.push(await rawSocket(proxied.wsUrl, from('2001:db8:1:3::1')));
      held.push(await rawSocket(proxied.wsUrl, from('198.51.100.7')));
      const loggedIn = await settle(
        connectNodeWebSocket(proxied.wsUrl).then((conn) =>
          passwordLogin(conn, {
            workspace: WS,
            username: 'alice',
            password: PASSWORD,
            serverId,
            testOnlyRandom: randomBytes,
          }),
        ),
      );
      if (!loggedIn.ok) throw loggedIn.error;
      expect(sameBytes(loggedIn.value, aliceBlob)).toBe(true);
      // A closed socket gives its slot back.
      held[0]!.ws.close();
      await held[0]!.closed;
      await new Promise((resolve) => setTimeout(resolve, 50));
      held[0] = await rawSocket(proxied.wsUrl, from('2001:db8:1:2::77'));
    } finally {
      for (const socket of held) socket.ws.close();
      await Promise.all(held.map((socket) => socket.closed));
      await proxied.close();
    }
  });

  it('answers malformed upgrades with JSON errors, and upgrades elsewhere as plain requests', async () => {
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\n';
    const cases: [string, number, string | undefined][] = [
      // Other routes answer as usual (h2c and WebSocket upgrade requests alike).
      [`GET /healthz HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`, 200, undefined],
      [
        'GET /v1/server HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
          'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        200,
        undefined,
      ],
      [
        `DELETE ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`,
        405,
        'METHOD_NOT_ALLOWED',
      ],
      [
        `POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\n${upgrade}Content-Length: 2\r\n\r\n{}`,
        400,
        'INVALID_REQUEST',
      ],
      // This route: Host, version, key, protocol list.
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\n${upgrade}Sec-WebSocket-Version: 13\r\n${key}\r\n`,
        400,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}Sec-WebSocket-Version: 8\r\n${key}\r\n`,
        426,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n`,
        400,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\n${upgrade}Sec-WebSocket-Version: 13\r\n${key}Sec-WebSocket-Protocol: a, a\r\n\r\n`,
        400,
        'INVALID_REQUEST',
      ],
      [
        `GET ${PASSWORD_ACCESS_PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`,
        426,
        'INVALID_REQUEST',
      ],
    ];
    for (const [request, status, code] of cases) {
      const response = await rawRequest(server.url, request, { endAfterWrite: false });
      expect(response.status, request).toBe(status);
      const body = JSON.parse(response.body) as { error?: { code: string } };
      expect(body.error?.code, request).toBe(code);
    }
    expect((await server.api.get('/healthz')).status).toBe(200);
  });

  it('applies the per-IP rate limit to upgrades', async () => {
    const limited = await startServer(opened.storage, opened.dataDir, clock, {
      rateLimit: { ipPerMinute: 1_000_000, authPerMinute: 2, accountPerMinute: 1_000_000 },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const socket = await rawSocket(limited.wsUrl);
        socket.ws.close();
        await socket.closed;
      }
      expect(await refusedUpgrade(limited.wsUrl)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect((await limited.api.get('/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('closes open password-access sockets when the server shuts down', async () => {
    const second = await startServer(opened.storage, opened.dataDir, clock);
    const socket = await rawSocket(second.wsUrl);
    const started = Date.now();
    await second.close();
    expect((await socket.closed).code).toBe(1001);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
