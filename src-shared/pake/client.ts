/**
 * The client end of password access (docs/design.md §5, `docs/password-access.md`).
 *
 * - `passwordLogin`: from a brand-new device, with only the workspace, username, password and
 *   the server id, runs SPAKE2+EE and receives the keyfile blob over the server → client
 *   secretstream (keyed by `serverSk`).
 * - `passwordRegister` / `passwordChange`: computes the SPAKE2+EE stored data on this device
 *   (the password never leaves it) and sends it with the keyfile blob, sealed to the server's
 *   static box key, authorized by an identity-signed bearer token.
 *
 * Every failure is a typed `BackboneError` (a `PasswordAccessError` with `retryAfterMs` for rate
 * limits and lock-outs). A wrong password and an unknown username both end in `PAKE_ABORTED`
 * with the same message.
 *
 * `testOnlyRandom` (tests only; product code never passes it) injects the random source, which
 * also lowers the SPAKE2+EE floors to 2 / 64 MiB (see `docs/spake2ee.md`).
 */
import {
  boxPublicKey,
  sealTo,
  fromUtf8,
  toBase64Url,
  argon2idHere,
  assertWithinCeiling,
  passwordBytes,
  type Argon2idRunner,
  type PwhashParams,
  type RandomSource,
  sodium,
  clientStep1With,
  clientStep3,
  INJECTED_RANDOM_FLOORS,
  PRODUCT_FLOORS,
  PUBLICDATABYTES,
  RESPONSE2BYTES,
  serverStoreWith,
  validatePublicData,
  type SharedKeys,
  type BoxPublicKey,
} from '../crypto/index.js';
import { BackboneError, ERROR_CODES, isBackboneError, type ErrorCode } from '../errors.js';
import { CloseCode, type PasswordAccessConnection } from './connection.js';
import { FrameType } from './frames.js';
import {
  checkServerId,
  decodeJsonPayload,
  DEFAULT_TIMEOUTS,
  encodeJsonPayload,
  KEYFILE_BLOB_STREAM_AD,
  MAX_KEYFILE_BLOB_BYTES,
  MAX_OK_BYTES,
  messageForServerError,
  normalizeUsername,
  okPayloadSchema,
  PAKE_ABORTED_MESSAGE,
  PASSWORD_ACCESS_VERSION,
  passwordAccessClientId,
  passwordAccessServerId,
  passwordAccessTokenSchema,
  PasswordAccessError,
  type Hello,
  type OkPayload,
  type PasswordAccessTimeouts,
  type RegistrationRecord,
} from './protocol.js';
import {
  expectFrame,
  PeerErrorFrame,
  receiveBlobStream,
  sendErrorFrame,
  sendFrame,
} from './wire.js';

export interface PasswordAccessClientOptions {
  /** Workspace id. */
  workspace: string;
  /** The username as typed; it is normalized (`normalizeUsername`). */
  username: string;
  /** Text passwords are NFC-normalized (as for the keyfile), bytes are used as given. */
  password: string | Uint8Array;
  /** The server id (`GET /v1/server` → `id`), pinned by the client. */
  serverId: string;
  /** Per-step timeouts (default `DEFAULT_TIMEOUTS`). */
  timeouts?: Partial<PasswordAccessTimeouts>;
  /**
   * Where SPAKE2+EE's Argon2id runs (default: this thread). The app core passes its worker so
   * its event loop stays free during the hash.
   */
  argon2id?: Argon2idRunner;
  /**
   * UNIT TESTS ONLY: inject the random source, which lowers the SPAKE2+EE floors to 2 / 64 MiB.
   * Never set in application code.
   */
  testOnlyRandom?: RandomSource;
}

export interface PasswordLoginOptions extends PasswordAccessClientOptions {
  /** Largest keyfile blob accepted (default `MAX_KEYFILE_BLOB_BYTES`). */
  maxBlobBytes?: number;
}

export interface PasswordRegisterOptions extends PasswordAccessClientOptions {
  /** The server's static X25519 key (`GET /v1/server` → `boxPublicKey`), pinned by the client. */
  serverBoxPublicKey: BoxPublicKey | Uint8Array;
  /** An identity-signed bearer token of the identity that owns (or claims) the username. */
  token: string;
  /** The keyfile blob the server will release on login (the serialized keyfile). */
  keyfileBlob: Uint8Array;
  /**
   * Argon2id parameters for the verifier. Default: the server's advertised defaults, raised to
   * the floors (and kept within `PWHASH_LIMITS`). Choosing other values than the server's
   * default lets a prober tell that this username exists (see docs/password-access.md).
   */
  params?: PwhashParams;
}

interface Prepared {
  username: string;
  clientId: Uint8Array;
  serverId: Uint8Array;
  password: Uint8Array;
  ownsPassword: boolean;
  timeouts: PasswordAccessTimeouts;
  argon2id: Argon2idRunner;
}

function prepare(options: PasswordAccessClientOptions): Prepared {
  if (typeof options !== 'object' || options === null) {
    throw new BackboneError('INVALID_ARGUMENT', 'Password access needs its options.');
  }
  const username = normalizeUsername(options.username);
  const clientId = passwordAccessClientId(options.workspace, username);
  checkServerId(options.serverId);
  const serverId = passwordAccessServerId(options.serverId);
  const password = passwordBytes(options.password);
  if (password.length === 0) {
    throw new BackboneError('INVALID_ARGUMENT', 'The password must not be empty.');
  }
  return {
    username,
    clientId,
    serverId,
    password,
    ownsPassword: typeof options.password === 'string',
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    argon2id: options.argon2id ?? argon2idHere,
  };
}

function release(prepared: Prepared): void {
  if (prepared.ownsPassword) sodium().memzero(prepared.password);
}

function wipeKeys(keys: SharedKeys | undefined): void {
  if (keys === undefined) return;
  sodium().memzero(keys.clientSk);
  sodium().memzero(keys.serverSk);
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** The typed error for an error frame from the server (with this app's own message). */
function fromPeerError(error: PeerErrorFrame): PasswordAccessError {
  const { code, retryAfterMs } = error.payload;
  const typed: ErrorCode = KNOWN_CODES.has(code) ? (code as ErrorCode) : 'UNAVAILABLE';
  return new PasswordAccessError(typed, messageForServerError(code, retryAfterMs), {
    cause: error,
    retryAfterMs,
  });
}

/**
 * Ends the exchange after a failure: tells the server (unless the failure came from it or the
 * connection is gone), closes, and returns the error to throw.
 */
function fail(conn: PasswordAccessConnection, error: unknown): unknown {
  if (error instanceof PeerErrorFrame) {
    conn.close(CloseCode.normal);
    return fromPeerError(error);
  }
  if (isBackboneError(error, 'CONNECTION_CLOSED')) {
    conn.close(CloseCode.normal);
    return error;
  }
  if (isBackboneError(error, 'PAKE_ABORTED')) {
    sendErrorFrame(conn, 'PAKE_ABORTED', PAKE_ABORTED_MESSAGE);
    conn.close(CloseCode.policyViolation, 'aborted');
    return error;
  }
  if (isBackboneError(error)) {
    const code: ErrorCode =
      error.code === 'PROTOCOL_INVALID_FRAME' || error.code === 'REQUEST_TIMEOUT'
        ? error.code
        : 'PAKE_ABORTED';
    sendErrorFrame(conn, code, code === 'PAKE_ABORTED' ? PAKE_ABORTED_MESSAGE : error.message);
    conn.close(CloseCode.policyViolation, 'failed');
    return error;
  }
  sendErrorFrame(conn, 'INTERNAL', 'The client failed.');
  conn.close(CloseCode.internalError, 'client error');
  return new BackboneError('INTERNAL', 'Password access failed unexpectedly. Try again.', {
    cause: error,
  });
}

/**
 * Refuses public data whose Argon2id cost is below the floors (`CRYPTO_PARAMS_BELOW_FLOOR`) or
 * above what this app will compute (`CRYPTO_PARAMS_ABOVE_CEILING`), before any hashing.
 */
function checkCeiling(publicData: Uint8Array, floors: PwhashParams): void {
  const header = publicDataParams(publicData);
  if (header !== undefined) assertWithinCeiling(header);
  validatePublicData(publicData, 2, floors.opslimit, floors.memlimit);
}

/** opslimit and memlimit of SPAKE2+EE public data (bytes 4..20, little-endian u64), if sane. */
function publicDataParams(publicData: Uint8Array): PwhashParams | undefined {
  if (publicData.length !== PUBLICDATABYTES) return undefined;
  const view = new DataView(publicData.buffer, publicData.byteOffset, publicData.byteLength);
  const opslimit = Number(view.getBigUint64(4, true));
  const memlimit = Number(view.getBigUint64(12, true));
  return Number.isSafeInteger(opslimit) && Number.isSafeInteger(memlimit)
    ? { opslimit, memlimit }
    : { opslimit: Number.MAX_SAFE_INTEGER, memlimit: Number.MAX_SAFE_INTEGER };
}

/**
 * Logs in with a password and returns the keyfile blob the server holds for this username:
 * hello → public data → response 1 → response 2 → response 3 → secretstream (header, sealed
 * chunks, final tag). Closes the connection when done.
 *
 * Throws `PAKE_ABORTED` (wrong password, unknown username, tampered handshake: one message),
 * `PAKE_RATE_LIMITED` / `PAKE_LOCKED_OUT` (with `retryAfterMs`), `CRYPTO_PARAMS_BELOW_FLOOR`
 * (the server asked for weak hashing), `CRYPTO_STREAM_TRUNCATED` / `CRYPTO_DECRYPT_FAILED`
 * (the blob stream was cut or altered), `PROTOCOL_INVALID_FRAME`, `REQUEST_TIMEOUT`,
 * `CONNECTION_CLOSED`, `INVALID_ARGUMENT` (bad options).
 */
export async function passwordLogin(
  conn: PasswordAccessConnection,
  options: PasswordLoginOptions,
): Promise<Uint8Array> {
  const prepared = prepare(options);
  const maxBlobBytes = options.maxBlobBytes ?? MAX_KEYFILE_BLOB_BYTES;
  const random = options.testOnlyRandom;
  const floors = random === undefined ? PRODUCT_FLOORS : INJECTED_RANDOM_FLOORS;
  let keys: SharedKeys | undefined;
  try {
    const hello: Hello = {
      v: PASSWORD_ACCESS_VERSION,
      op: 'login',
      workspace: options.workspace,
      username: prepared.username,
    };
    sendFrame(conn, FrameType.hello, encodeJsonPayload(hello));
    const publicData = await expectFrame(
      conn,
      prepared.timeouts.step,
      FrameType.publicData,
      { exact: PUBLICDATABYTES },
      'public data',
    );
    checkCeiling(publicData, floors);
    const step1 = await clientStep1With(prepared.argon2id, publicData, prepared.password, random);
    sendFrame(conn, FrameType.response1, step1.response1);
    const response2 = await expectFrame(
      conn,
      prepared.timeouts.step,
      FrameType.response2,
      { exact: RESPONSE2BYTES },
      'server response',
    );
    const step3 = clientStep3(step1.state, prepared.clientId, prepared.serverId, response2);
    keys = step3.sharedKeys;
    sendFrame(conn, FrameType.response3, step3.response3);
    const blob = await receiveBlobStream(
      conn,
      keys.serverSk,
      KEYFILE_BLOB_STREAM_AD,
      prepared.timeouts.step,
      maxBlobBytes,
    );
    conn.close(CloseCode.normal);
    return blob;
  } catch (error) {
    throw fail(conn, error);
  } finally {
    wipeKeys(keys);
    release(prepared);
  }
}

/**
 * Registers password access for a username (or replaces it, for the identity that owns it):
 * hello (with the token) → `ok` ready (the server's default parameters) → the registration
 * record sealed to the server's box key → `ok` stored.
 *
 * Throws `AUTH_TOKEN_INVALID` (and the other token codes), `FORBIDDEN` (the username belongs to
 * another identity), `CRYPTO_PARAMS_BELOW_FLOOR`, `CRYPTO_DECRYPT_FAILED` (the server could not
 * open the record: wrong server key), `PROTOCOL_INVALID_FRAME`, `REQUEST_TIMEOUT`,
 * `CONNECTION_CLOSED`, `INVALID_ARGUMENT`.
 */
export function passwordRegister(
  conn: PasswordAccessConnection,
  options: PasswordRegisterOptions,
): Promise<void> {
  return register(conn, options, 'register');
}

/**
 * Changes the password of a registered username: a re-registration (new stored data, new
 * keyfile blob) authorized by a token of the identity that owns the username. The old password
 * stops working at once. Throws as `passwordRegister`, and `NOT_FOUND` if the username has no
 * password access yet.
 */
export function passwordChange(
  conn: PasswordAccessConnection,
  options: PasswordRegisterOptions,
): Promise<void> {
  return register(conn, options, 'change');
}

function effectiveParams(
  requested: PwhashParams | undefined,
  advertised: PwhashParams,
  floors: PwhashParams,
): PwhashParams {
  if (requested !== undefined) {
    if (!Number.isSafeInteger(requested.opslimit) || !Number.isSafeInteger(requested.memlimit)) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        'Password-hashing parameters must be whole numbers (opslimit and memlimit).',
      );
    }
    assertWithinCeiling(requested);
    return { opslimit: requested.opslimit, memlimit: requested.memlimit };
  }
  // The server's defaults, raised to the floors; over the ceiling is refused (a server that asks
  // for that wants to stall this device).
  const chosen = {
    opslimit: Math.max(advertised.opslimit, floors.opslimit),
    memlimit: Math.max(advertised.memlimit, floors.memlimit),
  };
  assertWithinCeiling(chosen);
  return chosen;
}

async function expectOk<S extends OkPayload['status']>(
  conn: PasswordAccessConnection,
  timeoutMs: number,
  status: S,
): Promise<Extract<OkPayload, { status: S }>> {
  const payload = await expectFrame(
    conn,
    timeoutMs,
    FrameType.ok,
    { max: MAX_OK_BYTES },
    'server answer',
  );
  const ok = decodeJsonPayload(payload, okPayloadSchema, 'server answer');
  if (ok.status !== status) {
    throw new BackboneError(
      'PROTOCOL_INVALID_FRAME',
      'The server answered out of order. Try again; update Backbone if it persists.',
    );
  }
  return ok as Extract<OkPayload, { status: S }>;
}

async function register(
  conn: PasswordAccessConnection,
  options: PasswordRegisterOptions,
  op: 'register' | 'change',
): Promise<void> {
  const random = options.testOnlyRandom;
  const floors = random === undefined ? PRODUCT_FLOORS : INJECTED_RANDOM_FLOORS;
  const serverKey = boxPublicKey(options.serverBoxPublicKey as Uint8Array);
  if (!passwordAccessTokenSchema.safeParse(options.token).success) {
    throw new BackboneError('INVALID_ARGUMENT', 'Registration needs a valid bearer token.');
  }
  const blob = options.keyfileBlob;
  if (!(blob instanceof Uint8Array) || blob.length === 0 || blob.length > MAX_KEYFILE_BLOB_BYTES) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `The keyfile blob must be 1 to ${MAX_KEYFILE_BLOB_BYTES} bytes.`,
    );
  }
  const prepared = prepare(options);
  let storedData: Uint8Array | undefined;
  let recordBytes: Uint8Array | undefined;
  try {
    const hello: Hello = {
      v: PASSWORD_ACCESS_VERSION,
      op,
      workspace: options.workspace,
      username: prepared.username,
      token: options.token,
    };
    sendFrame(conn, FrameType.hello, encodeJsonPayload(hello));
    const ready = await expectOk(conn, prepared.timeouts.step, 'ready');
    const params = effectiveParams(options.params, ready.params, floors);
    storedData = await serverStoreWith(
      prepared.argon2id,
      prepared.password,
      params.opslimit,
      params.memlimit,
      random,
    );
    const record: RegistrationRecord = {
      v: PASSWORD_ACCESS_VERSION,
      op,
      serverId: fromUtf8(prepared.serverId),
      workspace: options.workspace,
      username: prepared.username,
      storedData: toBase64Url(storedData),
      keyfileBlob: toBase64Url(blob),
    };
    recordBytes = encodeJsonPayload(record);
    sendFrame(conn, FrameType.registration, sealTo(serverKey, recordBytes, random));
    await expectOk(conn, prepared.timeouts.step, 'stored');
    conn.close(CloseCode.normal);
  } catch (error) {
    throw fail(conn, error);
  } finally {
    if (storedData !== undefined) sodium().memzero(storedData);
    if (recordBytes !== undefined) sodium().memzero(recordBytes);
    release(prepared);
  }
}
