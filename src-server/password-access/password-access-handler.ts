/**
 * The server end of password access (docs/design.md §5, `docs/password-access.md`), independent of
 * the transport: `handlePasswordAccessConnection(conn, deps)` runs one connection (one op) to
 * its end, closes it and reports what happened. Storage, token checks and the failed-login
 * limiter come in through `PasswordAccessDeps`, so the HTTP server wires them.
 *
 * login:            hello → [limiter] → public data → response 1 → response 2 → response 3
 *                   → keyfile blob over the server → client secretstream (serverSk)
 * register/change:  hello + token → [token check, ownership] → ok ready → registration record
 *                   (sealed to the server's box key) → [checks, store] → ok stored
 *
 * Unknown usernames get `serverStep0Dummy` public data built from the server's default
 * parameters, and the handshake runs to the same generic abort as a wrong password: same
 * frames, same sizes, same error. The limiter is asked before the lookup, for every username:
 * at the hello (`check`, counts nothing) and when response 1 arrives (`begin`, counts the guess
 * before response 2 lets the client test it). The wait for response 1 is short
 * (`response1TimeoutMs`).
 */
import {
  openSealed,
  fromBase64Url,
  isWithinCeiling,
  PWHASH_LIMITS,
  PWHASH_MAX_WORK,
  type PwhashParams,
  randomBytes,
  type RandomSource,
  sodium,
  ALG_ARGON2ID13,
  DUMMYKEYBYTES,
  INJECTED_RANDOM_FLOORS,
  PRODUCT_FLOORS,
  PUBLICDATABYTES,
  RESPONSE1BYTES,
  RESPONSE3BYTES,
  serverStep0,
  serverStep0Dummy,
  serverStep2,
  serverStep4,
  STOREDBYTES,
  validatePublicData,
  type SharedKeys,
  type BoxKeyPair,
} from '../../src-shared/crypto/index.js';
import { BackboneError, isBackboneError, type ErrorCode } from '../../src-shared/errors.js';
import { CloseCode, type PasswordAccessConnection } from '../../src-shared/pake/connection.js';
import { FrameType } from '../../src-shared/pake/frames.js';
import {
  attemptKeyOf,
  decodeJsonPayload,
  DEFAULT_TIMEOUTS,
  encodeJsonPayload,
  helloSchema,
  KEYFILE_BLOB_STREAM_AD,
  MAX_HELLO_BYTES,
  MAX_KEYFILE_BLOB_BYTES,
  MAX_REGISTRATION_FRAME_BYTES,
  PAKE_ABORTED_MESSAGE,
  PASSWORD_ACCESS_VERSION,
  passwordAccessClientId,
  passwordAccessServerId,
  registrationRecordSchema,
  type Hello,
  type OkPayload,
  type PasswordAccessOp,
  type PasswordAccessTimeouts,
} from '../../src-shared/pake/protocol.js';
import {
  expectFrame,
  PeerErrorFrame,
  sendBlobStream,
  sendErrorFrame,
  sendFrame,
} from '../../src-shared/pake/wire.js';
import type { FailedLoginLimiter, LimiterDecision } from './failed-login-limiter.js';

/** What the server keeps per (workspace, username). */
export interface PasswordAccessRecord {
  /** SPAKE2+EE stored data (164 bytes): the verifier, not the password. */
  storedData: Uint8Array;
  /** The keyfile blob released on a successful login (opaque to the server). */
  keyfileBlob: Uint8Array;
  /** The identity address (`bb1…`) the username is bound to. */
  identity: string;
}

/** The result of checking a registration's bearer token. */
export type TokenVerdict =
  | { ok: true; identity: string }
  | {
      ok: false;
      /** `invalid`: not a valid, live, identity-signed token; `forbidden`: valid, but not for this. */
      reason: 'invalid' | 'expired' | 'revoked' | 'forbidden';
    };

export interface TokenCheckRequest {
  token: string;
  workspace: string;
  username: string;
  op: 'register' | 'change';
}

export type StoreResult = 'stored' | 'conflict';

export interface PasswordAccessDeps {
  /** The server id (`GET /v1/server` → `id`), bound into every handshake. */
  serverId: string;
  /** The server's static X25519 key pair (registration records are sealed to it). */
  serverBoxKeyPair: BoxKeyPair;
  /** 32 secret bytes from the server config: dummy public data for unknown usernames. */
  dummyKey: Uint8Array;
  /**
   * The server's default Argon2id parameters: used for the dummy public data and advertised to
   * registering clients (so real and dummy public data look alike). At or above the floors.
   */
  params: PwhashParams;
  /** The record of a username, or null. */
  lookup(workspace: string, username: string): Promise<PasswordAccessRecord | null>;
  /**
   * Checks a registration's token: valid, live, identity-signed, with the rights to set password
   * access in `workspace`, and its identity may use `username` there. Returns the identity.
   */
  verifyToken(request: TokenCheckRequest): Promise<TokenVerdict>;
  /**
   * Stores a record, atomically refusing (`conflict`) if the username is bound to another
   * identity than `record.identity`. For `change`, the record must already exist (`conflict`
   * otherwise).
   */
  store(
    workspace: string,
    username: string,
    record: PasswordAccessRecord,
    op: 'register' | 'change',
  ): Promise<StoreResult>;
  /** Failed-login limiter (see failed-login-limiter.ts). */
  attempts: FailedLoginLimiter;
  /** Per-step timeouts (default `DEFAULT_TIMEOUTS`). */
  timeouts?: Partial<PasswordAccessTimeouts>;
  /**
   * UNIT TESTS ONLY: inject the random source, which lowers the SPAKE2+EE floors to 2 / 64 MiB
   * (for `params` and for registered verifiers). Never set in the server.
   */
  testOnlyRandom?: RandomSource;
}

export type PasswordAccessResult =
  /** login: the handshake succeeded and the keyfile blob was sent. */
  | 'released'
  /** register/change: the record was stored. */
  | 'stored'
  /** login: the handshake failed (wrong password, unknown username, tampering, abandoned). */
  | 'failed'
  /** refused before any work: rate limit, lock-out, token, ownership. */
  | 'refused'
  /** a malformed or unexpected frame, a timeout, a closed connection. */
  | 'invalid'
  /** a dependency failed (storage, token check): the client was told to retry later. */
  | 'error';

/** What happened on a connection (for logs and metrics; never secret). */
export interface PasswordAccessOutcome {
  op: PasswordAccessOp | undefined;
  workspace: string | undefined;
  username: string | undefined;
  result: PasswordAccessResult;
  /** The error code sent to (or received from) the client, if any. */
  code: ErrorCode | undefined;
  /** For `error`: the dependency's exception (to log; not sent to the client). */
  cause?: unknown;
}

class Stop extends Error {
  constructor(
    readonly result: PasswordAccessResult,
    readonly code: ErrorCode | undefined,
    readonly failure?: unknown,
  ) {
    super(result);
  }
}

/** A dependency (storage, token check, limiter) failed: the server's fault, not the client's. */
class DependencyFailure extends Error {
  constructor(readonly failure: unknown) {
    super('dependency failed');
  }
}

const UNAVAILABLE_MESSAGE = 'The server could not complete the request. Try again later.';

/** Validates the deps once (they come from config; a wrong value is a startup bug). */
export function checkPasswordAccessDeps(deps: PasswordAccessDeps): void {
  passwordAccessServerId(deps.serverId);
  if (!(deps.dummyKey instanceof Uint8Array) || deps.dummyKey.length !== DUMMYKEYBYTES) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `The password-access dummy key must be ${DUMMYKEYBYTES} bytes.`,
    );
  }
  const floors = deps.testOnlyRandom === undefined ? PRODUCT_FLOORS : INJECTED_RANDOM_FLOORS;
  const params = deps.params as Partial<PwhashParams> | undefined;
  const opslimit = params?.opslimit ?? Number.NaN;
  const memlimit = params?.memlimit ?? Number.NaN;
  if (
    !Number.isSafeInteger(opslimit) ||
    !Number.isSafeInteger(memlimit) ||
    opslimit < floors.opslimit ||
    memlimit < floors.memlimit ||
    !isWithinCeiling({ opslimit, memlimit })
  ) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `The password-access Argon2id parameters must be between opslimit ${floors.opslimit} / ` +
        `${floors.memlimit} bytes and opslimit ${PWHASH_LIMITS.opslimit} / ${PWHASH_LIMITS.memlimit} bytes ` +
        `(at most ${PWHASH_MAX_WORK} bytes·passes in all).`,
    );
  }
}

/**
 * Runs one password-access connection to its end and closes it. Never throws: every failure
 * becomes an error frame to the client (where one is due), a close, and the returned outcome.
 */
export async function handlePasswordAccessConnection(
  conn: PasswordAccessConnection,
  deps: PasswordAccessDeps,
): Promise<PasswordAccessOutcome> {
  const outcome: PasswordAccessOutcome = {
    op: undefined,
    workspace: undefined,
    username: undefined,
    result: 'invalid',
    code: undefined,
  };
  try {
    checkPasswordAccessDeps(deps);
  } catch (error) {
    sendErrorFrame(conn, 'UNAVAILABLE', UNAVAILABLE_MESSAGE);
    conn.close(CloseCode.internalError, 'server misconfigured');
    return { ...outcome, result: 'error', code: 'UNAVAILABLE', cause: error };
  }
  const timeouts: PasswordAccessTimeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  try {
    const hello = await receiveHello(conn, timeouts);
    outcome.op = hello.op;
    outcome.workspace = hello.workspace;
    outcome.username = hello.username;
    if (hello.op === 'login') {
      await login(conn, deps, timeouts, hello);
      outcome.result = 'released';
    } else {
      await register(conn, deps, timeouts, hello);
      outcome.result = 'stored';
    }
    conn.close(CloseCode.normal);
  } catch (error) {
    const stop = toStop(conn, error);
    outcome.result = stop.result;
    outcome.code = stop.code;
    if (stop.failure !== undefined) outcome.cause = stop.failure;
    conn.close(
      stop.result === 'error' ? CloseCode.internalError : CloseCode.policyViolation,
      stop.result,
    );
  }
  return outcome;
}

/** Maps any failure to an outcome, telling the client where that is due. */
function toStop(conn: PasswordAccessConnection, error: unknown): Stop {
  if (error instanceof Stop) return error;
  if (error instanceof DependencyFailure) {
    sendErrorFrame(conn, 'UNAVAILABLE', UNAVAILABLE_MESSAGE);
    return new Stop('error', 'UNAVAILABLE', error.failure);
  }
  if (error instanceof PeerErrorFrame) {
    // The client gave up (e.g. wrong password detected at its step 3): nothing to answer.
    const code = error.payload.code === 'PAKE_ABORTED' ? 'PAKE_ABORTED' : undefined;
    return new Stop(code === 'PAKE_ABORTED' ? 'failed' : 'invalid', code);
  }
  if (isBackboneError(error, 'CONNECTION_CLOSED')) return new Stop('invalid', error.code);
  if (isBackboneError(error, 'PAYLOAD_TOO_LARGE')) return new Stop('invalid', error.code);
  if (
    isBackboneError(error, 'PROTOCOL_INVALID_FRAME') ||
    isBackboneError(error, 'UNSUPPORTED_VERSION') ||
    isBackboneError(error, 'REQUEST_TIMEOUT')
  ) {
    sendErrorFrame(conn, error.code, error.message);
    return new Stop('invalid', error.code);
  }
  sendErrorFrame(conn, 'UNAVAILABLE', UNAVAILABLE_MESSAGE);
  return new Stop('error', 'UNAVAILABLE', error);
}

/** Refuses with an error frame to the client. */
function refuse(
  conn: PasswordAccessConnection,
  result: PasswordAccessResult,
  code: ErrorCode,
  message: string,
  retryAfterMs?: number,
): Stop {
  sendErrorFrame(conn, code, message, retryAfterMs);
  return new Stop(result, code);
}

/** Calls a dependency; its failure is the server's, not the client's. */
async function dependency<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new DependencyFailure(error);
  }
}

async function receiveHello(
  conn: PasswordAccessConnection,
  timeouts: PasswordAccessTimeouts,
): Promise<Hello> {
  const payload = await expectFrame(
    conn,
    timeouts.step,
    FrameType.hello,
    { max: MAX_HELLO_BYTES },
    'hello',
  );
  return decodeJsonPayload(payload, helloSchema, 'hello');
}

// ---------------------------------------------------------------------------------------------
// login

/**
 * What `serverStep2` does on top for a dummy state (draw 128 bytes, map two points, one base
 * multiplication), done and thrown away on the real path so both take about as long.
 */
function balanceDummyWork(random: RandomSource): void {
  const s = sodium();
  const r = random(96);
  const extra = random(32);
  const points = [
    s.crypto_core_ed25519_from_uniform(r.subarray(0, 32)),
    s.crypto_core_ed25519_from_uniform(r.subarray(32, 64)),
    s.crypto_scalarmult_ed25519_base(r.subarray(64, 96)),
  ];
  for (const buffer of [r, extra, ...points]) s.memzero(buffer);
}

/**
 * How long the server waits for response 1 after sending public data asking for `params`:
 * `timeouts.response1` at the floor cost (3 passes × 256 MiB), scaled by the Argon2id cost
 * (passes × memory) above it, at most `timeouts.argon2`.
 */
export function response1TimeoutMs(timeouts: PasswordAccessTimeouts, params: PwhashParams): number {
  const floorCost = PRODUCT_FLOORS.opslimit * PRODUCT_FLOORS.memlimit;
  const factor = Math.max(1, (params.opslimit * params.memlimit) / floorCost);
  return Math.min(
    Math.ceil(timeouts.response1 * factor),
    Math.max(timeouts.argon2, timeouts.response1),
  );
}

/** The Argon2id parameters public data asks for (`fallback` if it cannot be read). */
function paramsOfPublicData(publicData: Uint8Array, fallback: PwhashParams): PwhashParams {
  try {
    const { opslimit, memlimit } = validatePublicData(publicData, ALG_ARGON2ID13, 1, 1);
    return { opslimit, memlimit };
  } catch {
    return fallback;
  }
}

function limiterRefusal(
  conn: PasswordAccessConnection,
  decision: Exclude<LimiterDecision, { allowed: true }>,
): Stop {
  const message =
    decision.code === 'PAKE_LOCKED_OUT'
      ? 'Password access for this username is locked after too many failed attempts.'
      : 'Too many failed attempts for this username; wait before trying again.';
  return refuse(conn, 'refused', decision.code, message, decision.retryAfterMs);
}

async function login(
  conn: PasswordAccessConnection,
  deps: PasswordAccessDeps,
  timeouts: PasswordAccessTimeouts,
  hello: Extract<Hello, { op: 'login' }>,
): Promise<void> {
  const clientId = passwordAccessClientId(hello.workspace, hello.username);
  const serverId = passwordAccessServerId(deps.serverId);
  const key = attemptKeyOf(hello.workspace, hello.username);

  // The limiter first, for every username: a refusal must not depend on whether it exists.
  // Nothing is counted yet: a hello tests no password.
  const decision = await dependency(() => deps.attempts.check(key));
  if (!decision.allowed) throw limiterRefusal(conn, decision);

  const record = await dependency(() => deps.lookup(hello.workspace, hello.username));
  // The dummy public data is computed for every login (and dropped when the username exists),
  // so both paths do the same work before answering.
  const dummy = serverStep0Dummy(
    clientId,
    serverId,
    deps.params.opslimit,
    deps.params.memlimit,
    deps.dummyKey,
  );
  let step0 = dummy;
  let storedData: Uint8Array | null = null;
  if (record !== null) {
    try {
      step0 = serverStep0(record.storedData);
      storedData = record.storedData;
    } catch {
      // A damaged record behaves exactly like an unknown username.
    }
  }
  sendFrame(conn, FrameType.publicData, step0.publicData);

  const response1 = await expectFrame(
    conn,
    response1TimeoutMs(timeouts, paramsOfPublicData(step0.publicData, deps.params)),
    FrameType.response1,
    { exact: RESPONSE1BYTES },
    'response 1',
  );
  // A guess: response 2 lets the client test its password. Count it (atomically, deciding
  // again: parallel connections may have counted since the hello) before answering.
  const counted = await dependency(() => deps.attempts.begin(key));
  if (!counted.allowed) throw limiterRefusal(conn, counted);
  let keys: SharedKeys | undefined;
  try {
    let step2: ReturnType<typeof serverStep2>;
    try {
      if (storedData !== null) balanceDummyWork(deps.testOnlyRandom ?? randomBytes);
      step2 = serverStep2(
        step0.state,
        clientId,
        serverId,
        storedData,
        response1,
        deps.testOnlyRandom,
      );
    } catch {
      throw refuse(conn, 'failed', 'PAKE_ABORTED', PAKE_ABORTED_MESSAGE);
    }
    sendFrame(conn, FrameType.response2, step2.response2);

    const response3 = await expectFrame(
      conn,
      timeouts.step,
      FrameType.response3,
      { exact: RESPONSE3BYTES },
      'response 3',
    );
    try {
      keys = serverStep4(step2.state, response3);
    } catch {
      throw refuse(conn, 'failed', 'PAKE_ABORTED', PAKE_ABORTED_MESSAGE);
    }
    if (record === null) {
      // Unreachable: a dummy state always aborts at step 4.
      throw refuse(conn, 'failed', 'PAKE_ABORTED', PAKE_ABORTED_MESSAGE);
    }
    // Bookkeeping failure must not withhold what the user proved they may have.
    await Promise.resolve()
      .then(() => deps.attempts.succeed(key))
      .catch(() => undefined);
    sendBlobStream(conn, keys.serverSk, record.keyfileBlob, KEYFILE_BLOB_STREAM_AD);
  } finally {
    if (keys !== undefined) {
      sodium().memzero(keys.clientSk);
      sodium().memzero(keys.serverSk);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// register / change

const TOKEN_REFUSALS: Record<
  Exclude<TokenVerdict, { ok: true }>['reason'],
  { code: ErrorCode; message: string }
> = {
  invalid: { code: 'AUTH_TOKEN_INVALID', message: 'The token is not valid. Log in again.' },
  expired: { code: 'AUTH_TOKEN_EXPIRED', message: 'The token has expired. Log in again.' },
  revoked: { code: 'AUTH_TOKEN_REVOKED', message: 'The token was revoked. Log in again.' },
  forbidden: {
    code: 'FORBIDDEN',
    message: 'This token may not set password access for this username.',
  },
};

function invalidRecord(message: string): BackboneError {
  return new BackboneError('PROTOCOL_INVALID_FRAME', `The registration ${message}.`);
}

function isValidPoint(bytes: Uint8Array): boolean {
  try {
    return sodium().crypto_core_ed25519_is_valid_point(bytes);
  } catch {
    return false;
  }
}

/** Checks stored data a client sent: version, alg, parameters within floors and limits, points. */
function checkStoredData(
  conn: PasswordAccessConnection,
  deps: PasswordAccessDeps,
  bytes: Uint8Array,
): void {
  if (bytes.length !== STOREDBYTES) throw invalidRecord('has stored data of the wrong size');
  const floors = deps.testOnlyRandom === undefined ? PRODUCT_FLOORS : INJECTED_RANDOM_FLOORS;
  let params: PwhashParams;
  try {
    params = validatePublicData(
      bytes.subarray(0, PUBLICDATABYTES),
      2,
      floors.opslimit,
      floors.memlimit,
    );
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_PARAMS_BELOW_FLOOR')) {
      throw refuse(
        conn,
        'refused',
        'CRYPTO_PARAMS_BELOW_FLOOR',
        'The password hashing chosen is weaker than this server accepts.',
      );
    }
    throw invalidRecord('has stored data of an unknown version or algorithm');
  }
  if (!isWithinCeiling(params)) {
    throw invalidRecord('asks for heavier password hashing than clients accept');
  }
  const M = bytes.subarray(36, 68);
  const N = bytes.subarray(68, 100);
  const L = bytes.subarray(132, 164);
  if (!isValidPoint(M) || !isValidPoint(N) || !isValidPoint(L)) {
    throw invalidRecord('has invalid stored data');
  }
  // The same check the login path makes (version and alg); the state is simply dropped.
  try {
    serverStep0(bytes);
  } catch {
    throw invalidRecord('has invalid stored data');
  }
}

async function register(
  conn: PasswordAccessConnection,
  deps: PasswordAccessDeps,
  timeouts: PasswordAccessTimeouts,
  hello: Extract<Hello, { op: 'register' | 'change' }>,
): Promise<void> {
  const verdict = await dependency(() =>
    deps.verifyToken({
      token: hello.token,
      workspace: hello.workspace,
      username: hello.username,
      op: hello.op,
    }),
  );
  if (!verdict.ok) {
    const refusal = TOKEN_REFUSALS[verdict.reason] ?? TOKEN_REFUSALS.invalid;
    throw refuse(conn, 'refused', refusal.code, refusal.message);
  }
  // Early ownership check (the store checks again, atomically).
  const existing = await dependency(() => deps.lookup(hello.workspace, hello.username));
  if (existing !== null && existing.identity !== verdict.identity) {
    throw refuse(conn, 'refused', 'FORBIDDEN', TOKEN_REFUSALS.forbidden.message);
  }
  if (existing === null && hello.op === 'change') {
    throw refuse(
      conn,
      'refused',
      'NOT_FOUND',
      'This username has no password access yet; register it first.',
    );
  }

  const ready: OkPayload = {
    v: PASSWORD_ACCESS_VERSION,
    status: 'ready',
    params: { opslimit: deps.params.opslimit, memlimit: deps.params.memlimit },
  };
  sendFrame(conn, FrameType.ok, encodeJsonPayload(ready));

  const sealed = await expectFrame(
    conn,
    timeouts.argon2,
    FrameType.registration,
    { min: 1, max: MAX_REGISTRATION_FRAME_BYTES },
    'registration',
  );
  let opened: Uint8Array;
  try {
    opened = openSealed(deps.serverBoxKeyPair, sealed);
  } catch {
    throw refuse(
      conn,
      'invalid',
      'CRYPTO_DECRYPT_FAILED',
      'The registration could not be opened with this server’s key. Check the server id and key.',
    );
  }
  let storedData: Uint8Array;
  let keyfileBlob: Uint8Array;
  try {
    const record = decodeJsonPayload(opened, registrationRecordSchema, 'registration');
    if (
      record.op !== hello.op ||
      record.workspace !== hello.workspace ||
      record.username !== hello.username ||
      record.serverId !== deps.serverId
    ) {
      throw invalidRecord('does not match the request (op, workspace, username or server)');
    }
    try {
      storedData = fromBase64Url(record.storedData);
      keyfileBlob = fromBase64Url(record.keyfileBlob);
    } catch {
      throw invalidRecord('is not valid base64url');
    }
  } finally {
    sodium().memzero(opened);
  }
  checkStoredData(conn, deps, storedData);
  if (keyfileBlob.length === 0 || keyfileBlob.length > MAX_KEYFILE_BLOB_BYTES) {
    throw invalidRecord(`has a keyfile blob outside 1 to ${MAX_KEYFILE_BLOB_BYTES} bytes`);
  }
  const result = await dependency(() =>
    deps.store(
      hello.workspace,
      hello.username,
      { storedData, keyfileBlob, identity: verdict.identity },
      hello.op,
    ),
  );
  if (result !== 'stored') {
    throw refuse(conn, 'refused', 'FORBIDDEN', TOKEN_REFUSALS.forbidden.message);
  }
  // The owner set a new password: earlier failures no longer matter.
  await Promise.resolve()
    .then(() => deps.attempts.succeed(attemptKeyOf(hello.workspace, hello.username)))
    .catch(() => undefined);
  const stored: OkPayload = { v: PASSWORD_ACCESS_VERSION, status: 'stored' };
  sendFrame(conn, FrameType.ok, encodeJsonPayload(stored));
}
