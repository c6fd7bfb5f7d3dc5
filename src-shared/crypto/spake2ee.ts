/**
 * SPAKE2+EE (SPAKE2+ with Elligator encoding), byte-compatible with the reference C
 * implementation `jedisct1/spake2-ee` (after its 2019-01-30 change that put h_K in the
 * transcript). See `docs/spake2ee.md` for the message layouts, the floors decision and usage,
 * and `docs/spake2ee-kat.md` for the known-answer vector.
 *
 * Flow (C = client, S = server):
 *   registration  C: serverStore(password, ops, mem)        → storedData (sent sealed to S)
 *   S: serverStep0(storedData) | serverStep0Dummy(...)       → publicData          S → C
 *   C: clientStep1(publicData, password)                     → response1 (X)       C → S
 *   S: serverStep2(state, cid, sid, storedData, response1)   → response2 (Y ‖ cv)  S → C
 *   C: clientStep3(state, cid, sid, response2)               → response3 (sv), keys C → S
 *   S: serverStep4(state, response3)                         → keys
 *
 * Every failed step throws one generic `PAKE_ABORTED` error. Exceptions: malformed arguments
 * (wrong lengths, ids over 255 bytes) throw `INVALID_ARGUMENT`, and public data whose
 * password-hashing parameters are below the client's floors throw `CRYPTO_PARAMS_BELOW_FLOOR`.
 */
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';
import { concatBytes, utf8 } from './encoding.js';
import type { Argon2idRunner } from './pwhash.js';
import { randomBytes, type RandomSource } from './random.js';
import { sodium } from './sodium.js';
import type { SymmetricKey } from './types.js';

// ---------------------------------------------------------------------------------------------
// Constants

export const DUMMYKEYBYTES = 32;
export const PUBLICDATABYTES = 36;
export const RESPONSE1BYTES = 32;
export const RESPONSE2BYTES = 64;
export const RESPONSE3BYTES = 32;
export const SHAREDKEYBYTES = 32;
export const STOREDBYTES = 164;
export const SALTBYTES = 16;

/** Serialization version of stored data and public data (`SER_VERSION` in the reference). */
export const SPAKE2EE_VERSION = 1;
/** `crypto_pwhash_ALG_ARGON2ID13`, the only password hash accepted. */
export const ALG_ARGON2ID13 = 2;

/** Product floors (docs/design.md §0, password-hashing floors): libsodium MODERATE. */
export const OPSLIMIT_FLOOR = 3;
export const MEMLIMIT_FLOOR = 268435456; // 256 MiB
export const PRODUCT_FLOORS: Readonly<PwhashParams> = Object.freeze({
  opslimit: OPSLIMIT_FLOOR,
  memlimit: MEMLIMIT_FLOOR,
});

/**
 * Absolute minimum (libsodium INTERACTIVE), in effect only on the test-only path where a random
 * source is injected (the known-answer vector uses these). Nothing below it is ever accepted.
 */
export const OPSLIMIT_ABSOLUTE_MIN = 2;
export const MEMLIMIT_ABSOLUTE_MIN = 67108864; // 64 MiB
export const INJECTED_RANDOM_FLOORS: Readonly<PwhashParams> = Object.freeze({
  opslimit: OPSLIMIT_ABSOLUTE_MIN,
  memlimit: MEMLIMIT_ABSOLUTE_MIN,
});

/**
 * Largest opslimit / memlimit this build can hand to libsodium: libsodium-wrappers only takes
 * values that fit a signed 32-bit integer (`(0 | n) === n`). Larger u64 values are refused
 * rather than truncated.
 */
export const OPSLIMIT_CEILING = 0x7fffffff;
export const MEMLIMIT_CEILING = 0x7fffffff;

const KDF_CONTEXT = 'PAKE2+EE';
const H_VERSION = 0x01;
const PWHASH_OUTPUT_BYTES = 32 * 4; // h_M ‖ h_N ‖ h_K ‖ h_L
const MAX_ID_BYTES = 255;
const U64_MAX = (1n << 64n) - 1n;

const ABORT_MESSAGE =
  'Password authentication failed. Check the username and password and try again.';

// ---------------------------------------------------------------------------------------------
// Types

declare const stateBrand: unique symbol;

/** Client state between `clientStep1` and `clientStep3`. Opaque, single-use. */
export interface ClientState {
  readonly kind: 'spake2ee/client-step1';
  readonly [stateBrand]: 'ClientState';
}

/** Server state between `serverStep0`/`serverStep0Dummy` and `serverStep2`. Opaque, single-use. */
export interface ServerStep0State {
  readonly kind: 'spake2ee/server-step0';
  readonly [stateBrand]: 'ServerStep0State';
}

/** Server state between `serverStep2` and `serverStep4`. Opaque, single-use. */
export interface ServerStep2State {
  readonly kind: 'spake2ee/server-step2';
  readonly [stateBrand]: 'ServerStep2State';
}

/** The two session keys: client→server traffic uses `clientSk`, server→client `serverSk`. */
export interface SharedKeys {
  clientSk: SymmetricKey;
  serverSk: SymmetricKey;
}

export interface PwhashParams {
  opslimit: number;
  memlimit: number;
}

/** What `validatePublicData` read from valid public data. */
export interface PublicDataParams extends PwhashParams {
  version: typeof SPAKE2EE_VERSION;
  alg: typeof ALG_ARGON2ID13;
  salt: Uint8Array;
}

/** Passwords and ids: raw bytes, or text (encoded as UTF-8, no normalization). */
export type BytesOrText = Uint8Array | string;

/** An opslimit / memlimit argument: a safe integer or a bigint. */
export type U64Input = number | bigint;

// Internal state, kept out of reach of the opaque handles (a WeakMap keyed by the handle), so
// a state object can be logged or serialized without leaking its secrets.
interface ClientInternal {
  kind: 'client1';
  hK: Uint8Array;
  hL: Uint8Array;
  N: Uint8Array;
  x: Uint8Array;
  X: Uint8Array;
}

interface Server0Internal {
  kind: 'server0';
  dummy: boolean;
  publicData: Uint8Array;
}

interface Server2Internal {
  kind: 'server2';
  dummy: boolean;
  serverValidator: Uint8Array;
  clientSk: Uint8Array;
  serverSk: Uint8Array;
}

type Internal = ClientInternal | Server0Internal | Server2Internal;

const states = new WeakMap<object, Internal>();

// ---------------------------------------------------------------------------------------------
// Helpers

function aborted(): BackboneError {
  return new BackboneError('PAKE_ABORTED', ABORT_MESSAGE);
}

function invalid(message: string): BackboneError {
  return new BackboneError('INVALID_ARGUMENT', message);
}

function wipe(...buffers: (Uint8Array | undefined)[]): void {
  const s = sodium();
  for (const b of buffers) if (b) s.memzero(b);
}

function expectBytes(value: unknown, length: number, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw invalid(`SPAKE2+EE: ${name} must be ${length} bytes.`);
  }
  return value;
}

/** Bytes of a password or id; `owned` is true when the bytes are a copy we may wipe. */
function bytesOf(value: BytesOrText, name: string): { bytes: Uint8Array; owned: boolean } {
  if (typeof value === 'string') return { bytes: utf8(value), owned: true };
  if (value instanceof Uint8Array) return { bytes: value, owned: false };
  throw invalid(`SPAKE2+EE: ${name} must be bytes or text.`);
}

function idBytes(value: BytesOrText, name: string): Uint8Array {
  const { bytes } = bytesOf(value, name);
  if (bytes.length > MAX_ID_BYTES) {
    throw invalid(`SPAKE2+EE: ${name} must be at most ${MAX_ID_BYTES} bytes.`);
  }
  return bytes;
}

function toU64(value: U64Input, name: string): bigint {
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= U64_MAX) return value;
  } else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  }
  throw invalid(`SPAKE2+EE: ${name} must be a non-negative integer that fits 64 bits.`);
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Draws `length` bytes from the source into a buffer we own; the source's buffer is wiped. */
function draw(random: RandomSource, length: number): Uint8Array {
  const got = random(length);
  if (!(got instanceof Uint8Array) || got.length !== length) {
    throw invalid(`SPAKE2+EE: the random source must return ${length} bytes.`);
  }
  const out = new Uint8Array(got);
  sodium().memzero(got);
  return out;
}

/** The reference's `_random_scalar`: clamped (`&= 248`, `&= 127`), not reduced, never zero. */
function randomScalar(random: RandomSource): Uint8Array {
  for (;;) {
    const n = draw(random, 32);
    n[0]! &= 248;
    n[31]! &= 127;
    if (!sodium().is_zero(n)) return n;
  }
}

function writeHeader(out: Uint8Array, alg: number, opslimit: bigint, memlimit: bigint): DataView {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(0, SPAKE2EE_VERSION, true);
  view.setUint16(2, alg, true);
  view.setBigUint64(4, opslimit, true);
  view.setBigUint64(12, memlimit, true);
  return view;
}

function readHeader(data: Uint8Array): {
  version: number;
  alg: number;
  opslimit: bigint;
  memlimit: bigint;
} {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    version: view.getUint16(0, true),
    alg: view.getUint16(2, true),
    opslimit: view.getBigUint64(4, true),
    memlimit: view.getBigUint64(12, true),
  };
}

interface SpakeKeys {
  M: Uint8Array;
  N: Uint8Array;
  hK: Uint8Array;
  hL: Uint8Array;
  L: Uint8Array;
}

/** M, N, h_K, h_L, L from the 128-byte Argon2id output h (the caller wipes h). */
function keysFromHash(h: Uint8Array): SpakeKeys {
  const s = sodium();
  const hM = h.subarray(0, 32);
  const hN = h.subarray(32, 64);
  const hK = h.slice(64, 96);
  const hL = h.slice(96, 128);
  return {
    M: s.crypto_core_ed25519_from_uniform(hM),
    N: s.crypto_core_ed25519_from_uniform(hN),
    hK,
    hL,
    L: s.crypto_scalarmult_ed25519_base(hL),
  };
}

/** The reference's `_create_keys`: Argon2id13 → h_M ‖ h_N ‖ h_K ‖ h_L, then M, N, L. */
function createKeys(
  password: Uint8Array,
  salt: Uint8Array,
  opslimit: number,
  memlimit: number,
): SpakeKeys {
  const s = sodium();
  let h: Uint8Array | undefined;
  try {
    h = s.crypto_pwhash(PWHASH_OUTPUT_BYTES, password, salt, opslimit, memlimit, ALG_ARGON2ID13);
    return keysFromHash(h);
  } catch {
    throw aborted();
  } finally {
    wipe(h);
  }
}

/** `createKeys` with Argon2id computed by `argon2id` (e.g. in a worker thread). */
async function createKeysWith(
  argon2id: Argon2idRunner,
  password: Uint8Array,
  salt: Uint8Array,
  opslimit: number,
  memlimit: number,
): Promise<SpakeKeys> {
  let h: Uint8Array | undefined;
  try {
    h = await argon2id({ password, salt, opslimit, memlimit, length: PWHASH_OUTPUT_BYTES });
    if (!(h instanceof Uint8Array) || h.length !== PWHASH_OUTPUT_BYTES) throw aborted();
    return keysFromHash(h);
  } catch {
    throw aborted();
  } finally {
    wipe(h);
  }
}

interface SessionSecrets {
  clientSk: Uint8Array;
  serverSk: Uint8Array;
  clientValidator: Uint8Array;
  serverValidator: Uint8Array;
}

/** The reference's `_shared_keys_and_validators`: BLAKE2b transcript, then crypto_kdf ids 0–3. */
function sharedKeysAndValidators(
  clientId: Uint8Array,
  serverId: Uint8Array,
  X: Uint8Array,
  Y: Uint8Array,
  Z: Uint8Array,
  hK: Uint8Array,
  V: Uint8Array,
): SessionSecrets {
  const s = sodium();
  const transcript = concatBytes(
    Uint8Array.of(H_VERSION),
    Uint8Array.of(clientId.length),
    clientId,
    Uint8Array.of(serverId.length),
    serverId,
    X,
    Y,
    Z,
    hK,
    V,
  );
  const k0 = s.crypto_generichash(s.crypto_kdf_KEYBYTES, transcript, null);
  try {
    const session = {
      clientSk: s.crypto_kdf_derive_from_key(SHAREDKEYBYTES, 0, KDF_CONTEXT, k0),
      serverSk: s.crypto_kdf_derive_from_key(SHAREDKEYBYTES, 1, KDF_CONTEXT, k0),
      clientValidator: s.crypto_kdf_derive_from_key(32, 2, KDF_CONTEXT, k0),
      serverValidator: s.crypto_kdf_derive_from_key(32, 3, KDF_CONTEXT, k0),
    };
    for (const key of [k0, session.clientSk, session.serverSk]) noteSecret('spake-session', key);
    return session;
  } finally {
    wipe(transcript, k0);
  }
}

/** Accepts only canonical points on the curve, in the prime-order subgroup, not of small order. */
function isValidPoint(p: Uint8Array): boolean {
  try {
    return sodium().crypto_core_ed25519_is_valid_point(p);
  } catch {
    return false;
  }
}

function newHandle<T extends object>(kind: string, internal: Internal): T {
  const handle = Object.freeze({ kind }) as unknown as T;
  states.set(handle, internal);
  return handle;
}

/** Takes a state out of the registry: whatever happens next, it cannot be used again. */
function takeState<K extends Internal['kind']>(
  handle: unknown,
  kind: K,
): Extract<Internal, { kind: K }> {
  const internal = typeof handle === 'object' && handle !== null ? states.get(handle) : undefined;
  if (internal === undefined) throw aborted();
  states.delete(handle as object);
  if (internal.kind !== kind) {
    wipeInternal(internal);
    throw aborted();
  }
  return internal as Extract<Internal, { kind: K }>;
}

function wipeInternal(internal: Internal): void {
  switch (internal.kind) {
    case 'client1':
      wipe(internal.hK, internal.hL, internal.N, internal.x, internal.X);
      break;
    case 'server0':
      wipe(internal.publicData);
      break;
    case 'server2':
      wipe(internal.serverValidator, internal.clientSk, internal.serverSk);
      break;
  }
}

/**
 * Checks caller-chosen parameters for `serverStore`: integers within libsodium's range and at or
 * above the floors in effect.
 */
function checkStoreParams(
  opslimit: U64Input,
  memlimit: U64Input,
  floors: Readonly<PwhashParams>,
): PwhashParams {
  const ops = toU64(opslimit, 'opslimit');
  const mem = toU64(memlimit, 'memlimit');
  if (ops < BigInt(floors.opslimit) || mem < BigInt(floors.memlimit)) {
    throw new BackboneError(
      'CRYPTO_PARAMS_BELOW_FLOOR',
      `Password-hashing parameters are too weak: at least opslimit ${floors.opslimit} and ` +
        `memlimit ${floors.memlimit} bytes are required.`,
    );
  }
  if (ops > BigInt(OPSLIMIT_CEILING) || mem > BigInt(MEMLIMIT_CEILING)) {
    throw invalid(
      `SPAKE2+EE: opslimit and memlimit must be at most ${OPSLIMIT_CEILING} and ${MEMLIMIT_CEILING}.`,
    );
  }
  return { opslimit: Number(ops), memlimit: Number(mem) };
}

// ---------------------------------------------------------------------------------------------
// Registration

/**
 * Registration (runs on the client: the password never leaves the device). Draws a 16-byte salt
 * and returns the 164-byte stored data:
 * `ver u16 | alg u16 | opslimit u64 | memlimit u64 | salt[16] | M | N | h_K | L` (little-endian).
 *
 * Refuses parameters below the product floors (3, 256 MiB) with `CRYPTO_PARAMS_BELOW_FLOOR`;
 * when a random source is injected (tests only) the floor is libsodium INTERACTIVE (2, 64 MiB).
 */
export function serverStore(
  password: BytesOrText,
  opslimit: U64Input,
  memlimit: U64Input,
  random?: RandomSource,
): Uint8Array {
  const params = storeParams(opslimit, memlimit, random);
  const pw = bytesOf(password, 'password');
  const salt = draw(random ?? randomBytes, SALTBYTES);
  let keys: SpakeKeys | undefined;
  try {
    keys = createKeys(pw.bytes, salt, params.opslimit, params.memlimit);
    return storedData(params, salt, keys);
  } finally {
    if (pw.owned) wipe(pw.bytes);
    if (keys) wipe(keys.M, keys.N, keys.hK, keys.hL, keys.L);
    wipe(salt);
  }
}

/**
 * `serverStore` with Argon2id computed by `argon2id` (the app core passes its worker, so its
 * event loop stays free): same checks first, same output.
 */
export async function serverStoreWith(
  argon2id: Argon2idRunner,
  password: BytesOrText,
  opslimit: U64Input,
  memlimit: U64Input,
  random?: RandomSource,
): Promise<Uint8Array> {
  const params = storeParams(opslimit, memlimit, random);
  const pw = bytesOf(password, 'password');
  const salt = draw(random ?? randomBytes, SALTBYTES);
  let keys: SpakeKeys | undefined;
  try {
    keys = await createKeysWith(argon2id, pw.bytes, salt, params.opslimit, params.memlimit);
    return storedData(params, salt, keys);
  } finally {
    if (pw.owned) wipe(pw.bytes);
    if (keys) wipe(keys.M, keys.N, keys.hK, keys.hL, keys.L);
    wipe(salt);
  }
}

function storeParams(opslimit: U64Input, memlimit: U64Input, random?: RandomSource): PwhashParams {
  const floors = random === undefined ? PRODUCT_FLOORS : INJECTED_RANDOM_FLOORS;
  return checkStoreParams(opslimit, memlimit, floors);
}

function storedData(params: PwhashParams, salt: Uint8Array, keys: SpakeKeys): Uint8Array {
  const out = new Uint8Array(STOREDBYTES);
  writeHeader(out, ALG_ARGON2ID13, BigInt(params.opslimit), BigInt(params.memlimit));
  out.set(salt, 20);
  out.set(keys.M, 36);
  out.set(keys.N, 68);
  out.set(keys.hK, 100);
  out.set(keys.L, 132);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server step 0

/** Server step 0: the public data (first 36 bytes of the stored data) to send to the client. */
export function serverStep0(storedData: Uint8Array): {
  state: ServerStep0State;
  publicData: Uint8Array;
} {
  expectBytes(storedData, STOREDBYTES, 'stored data');
  const header = readHeader(storedData);
  if (header.version !== SPAKE2EE_VERSION || header.alg !== ALG_ARGON2ID13) throw aborted();
  const publicData = storedData.slice(0, PUBLICDATABYTES);
  const state = newHandle<ServerStep0State>('spake2ee/server-step0', {
    kind: 'server0',
    dummy: false,
    publicData: publicData.slice(),
  });
  return { state, publicData };
}

/**
 * Server step 0 for an unknown user: deterministic public data (salt = keyed BLAKE2b-128 of the
 * ids and header under the server's 32-byte dummy key) so a probe cannot tell who exists. The
 * returned state runs `serverStep2` normally (pass `null` as stored data) and always aborts at
 * `serverStep4`.
 */
export function serverStep0Dummy(
  clientId: BytesOrText,
  serverId: BytesOrText,
  opslimit: U64Input,
  memlimit: U64Input,
  dummyKey: Uint8Array,
): { state: ServerStep0State; publicData: Uint8Array } {
  const cid = idBytes(clientId, 'client id');
  const sid = idBytes(serverId, 'server id');
  const ops = toU64(opslimit, 'opslimit');
  const mem = toU64(memlimit, 'memlimit');
  expectBytes(dummyKey, DUMMYKEYBYTES, 'dummy key');
  const s = sodium();
  const publicData = new Uint8Array(PUBLICDATABYTES);
  writeHeader(publicData, ALG_ARGON2ID13, ops, mem);
  const saltInput = concatBytes(
    Uint8Array.of(cid.length),
    cid,
    Uint8Array.of(sid.length),
    sid,
    publicData.subarray(0, 20),
  );
  const salt = s.crypto_generichash(SALTBYTES, saltInput, dummyKey);
  publicData.set(salt, 20);
  wipe(saltInput, salt);
  const state = newHandle<ServerStep0State>('spake2ee/server-step0', {
    kind: 'server0',
    dummy: true,
    publicData: publicData.slice(),
  });
  return { state, publicData };
}

// ---------------------------------------------------------------------------------------------
// Client: public data check and step 1

/**
 * Validates public data received from a server (the reference's
 * `crypto_spake_validate_public_data`, with Backbone semantics: the limits are floors, not exact
 * values). Version must be 1, alg must be 2 (Argon2id13), opslimit and memlimit at or above the
 * floors (defaults: the product floors) and within what libsodium can take. Floors below the
 * absolute minimum (2, 64 MiB) are raised to it.
 *
 * Throws `INVALID_ARGUMENT` for a wrong length, `CRYPTO_PARAMS_BELOW_FLOOR` for parameters below
 * the floors, `PAKE_ABORTED` for anything else (version, alg, out-of-range values).
 */
export function validatePublicData(
  publicData: Uint8Array,
  expectedAlg: typeof ALG_ARGON2ID13 = ALG_ARGON2ID13,
  opslimitFloor: U64Input = OPSLIMIT_FLOOR,
  memlimitFloor: U64Input = MEMLIMIT_FLOOR,
): PublicDataParams {
  expectBytes(publicData, PUBLICDATABYTES, 'public data');
  const opsFloor = bigMax(toU64(opslimitFloor, 'opslimit floor'), BigInt(OPSLIMIT_ABSOLUTE_MIN));
  const memFloor = bigMax(toU64(memlimitFloor, 'memlimit floor'), BigInt(MEMLIMIT_ABSOLUTE_MIN));
  const header = readHeader(publicData);
  if (
    header.version !== SPAKE2EE_VERSION ||
    header.alg !== ALG_ARGON2ID13 ||
    header.alg !== expectedAlg
  ) {
    throw aborted();
  }
  if (header.opslimit < opsFloor || header.memlimit < memFloor) {
    throw new BackboneError(
      'CRYPTO_PARAMS_BELOW_FLOOR',
      'The server asked for password-hashing settings weaker than this app accepts. ' +
        'Do not continue; the server may be misconfigured or under attack.',
    );
  }
  if (header.opslimit > BigInt(OPSLIMIT_CEILING) || header.memlimit > BigInt(MEMLIMIT_CEILING)) {
    throw aborted();
  }
  return {
    version: SPAKE2EE_VERSION,
    alg: ALG_ARGON2ID13,
    opslimit: Number(header.opslimit),
    memlimit: Number(header.memlimit),
    salt: publicData.slice(20, 36),
  };
}

/**
 * Client step 1: validates the public data first (version 1, alg 2, floors), derives M, N, h_K,
 * h_L from the password with Argon2id, draws x and returns `response1 = X = x·G + M`.
 *
 * Floors: the product floors (3, 256 MiB); when a random source is injected (tests only —
 * product code never passes one) the libsodium INTERACTIVE floor (2, 64 MiB). Below-floor public
 * data throws `CRYPTO_PARAMS_BELOW_FLOOR` (public information, and a downgrade signal the user
 * should see); every other failure `PAKE_ABORTED`.
 */
export function clientStep1(
  publicData: Uint8Array,
  password: BytesOrText,
  random?: RandomSource,
): { state: ClientState; response1: Uint8Array } {
  const params = step1Params(publicData, random);
  const pw = bytesOf(password, 'password');
  let keys: SpakeKeys | undefined;
  try {
    keys = createKeys(pw.bytes, params.salt, params.opslimit, params.memlimit);
    return step1Finish(keys, random);
  } finally {
    if (pw.owned) wipe(pw.bytes);
    if (keys) wipe(keys.M, keys.N, keys.hK, keys.hL, keys.L);
    wipe(params.salt);
  }
}

/**
 * `clientStep1` with Argon2id computed by `argon2id` (the app core passes its worker, so its
 * event loop stays free): the public data is validated first, the output is the same.
 */
export async function clientStep1With(
  argon2id: Argon2idRunner,
  publicData: Uint8Array,
  password: BytesOrText,
  random?: RandomSource,
): Promise<{ state: ClientState; response1: Uint8Array }> {
  const params = step1Params(publicData, random);
  const pw = bytesOf(password, 'password');
  let keys: SpakeKeys | undefined;
  try {
    keys = await createKeysWith(argon2id, pw.bytes, params.salt, params.opslimit, params.memlimit);
    return step1Finish(keys, random);
  } finally {
    if (pw.owned) wipe(pw.bytes);
    if (keys) wipe(keys.M, keys.N, keys.hK, keys.hL, keys.L);
    wipe(params.salt);
  }
}

function step1Params(publicData: Uint8Array, random?: RandomSource): PublicDataParams {
  const floors = random === undefined ? PRODUCT_FLOORS : INJECTED_RANDOM_FLOORS;
  return validatePublicData(publicData, ALG_ARGON2ID13, floors.opslimit, floors.memlimit);
}

/** Draws x and returns the state and `X = x·G + M` (the caller wipes `keys`). */
function step1Finish(
  keys: SpakeKeys,
  random?: RandomSource,
): { state: ClientState; response1: Uint8Array } {
  const s = sodium();
  let x: Uint8Array | undefined;
  let gx: Uint8Array | undefined;
  try {
    x = randomScalar(random ?? randomBytes);
    let X: Uint8Array;
    try {
      gx = s.crypto_scalarmult_ed25519_base_noclamp(x);
      X = s.crypto_core_ed25519_add(gx, keys.M);
    } catch {
      throw aborted();
    }
    const state = newHandle<ClientState>('spake2ee/client-step1', {
      kind: 'client1',
      hK: keys.hK.slice(),
      hL: keys.hL.slice(),
      N: keys.N.slice(),
      x: x.slice(),
      X: X.slice(),
    });
    return { state, response1: X };
  } finally {
    wipe(x, gx);
  }
}

// ---------------------------------------------------------------------------------------------
// Server step 2

/**
 * Server step 2: draws y, returns `response2 = Y ‖ client_validator` with `Y = y·G + N`.
 * For a state from `serverStep0Dummy`, `storedData` is ignored (pass `null`); the response looks
 * the same and the handshake aborts at step 4. For a real state, `storedData` must be the record
 * step 0 was given.
 */
export function serverStep2(
  state: ServerStep0State,
  clientId: BytesOrText,
  serverId: BytesOrText,
  storedData: Uint8Array | null,
  response1: Uint8Array,
  random?: RandomSource,
): { state: ServerStep2State; response2: Uint8Array } {
  const st = takeState(state, 'server0');
  const s = sodium();
  const rand = random ?? randomBytes;
  const secrets: Uint8Array[] = [];
  try {
    const cid = idBytes(clientId, 'client id');
    const sid = idBytes(serverId, 'server id');
    const X = expectBytes(response1, RESPONSE1BYTES, 'response 1');
    let M: Uint8Array;
    let N: Uint8Array;
    let hK: Uint8Array;
    let L: Uint8Array;
    const y = randomScalar(rand);
    secrets.push(y);
    if (st.dummy) {
      // Unknown user: fresh random M, N, h_K, L so the response looks like a real one.
      const r = draw(rand, 96);
      secrets.push(r);
      M = s.crypto_core_ed25519_from_uniform(r.subarray(0, 32));
      N = s.crypto_core_ed25519_from_uniform(r.subarray(32, 64));
      L = s.crypto_scalarmult_ed25519_base(r.subarray(64, 96));
      hK = draw(rand, 32);
    } else {
      const stored = expectBytes(storedData, STOREDBYTES, 'stored data');
      const header = readHeader(stored);
      if (
        header.version !== SPAKE2EE_VERSION ||
        !s.memcmp(stored.subarray(0, PUBLICDATABYTES), st.publicData)
      ) {
        throw aborted();
      }
      M = stored.slice(36, 68);
      N = stored.slice(68, 100);
      hK = stored.slice(100, 132);
      L = stored.slice(132, 164);
    }
    secrets.push(M, N, hK, L);
    if (!isValidPoint(X)) throw aborted();
    let session: SessionSecrets;
    let Y: Uint8Array;
    try {
      const gy = s.crypto_scalarmult_ed25519_base_noclamp(y);
      secrets.push(gy);
      Y = s.crypto_core_ed25519_add(gy, N);
      const gx = s.crypto_core_ed25519_sub(X, M);
      secrets.push(gx);
      const Z = s.crypto_scalarmult_ed25519_noclamp(y, gx);
      secrets.push(Z);
      const V = s.crypto_scalarmult_ed25519_noclamp(y, L);
      secrets.push(V);
      session = sharedKeysAndValidators(cid, sid, X, Y, Z, hK, V);
    } catch {
      throw aborted();
    }
    const response2 = concatBytes(Y, session.clientValidator);
    wipe(session.clientValidator);
    const next = newHandle<ServerStep2State>('spake2ee/server-step2', {
      kind: 'server2',
      dummy: st.dummy,
      serverValidator: session.serverValidator,
      clientSk: session.clientSk,
      serverSk: session.serverSk,
    });
    return { state: next, response2 };
  } finally {
    wipeInternal(st);
    wipe(...secrets);
  }
}

// ---------------------------------------------------------------------------------------------
// Client step 3

/**
 * Client step 3: checks the server's client validator (constant time), returns
 * `response3 = server_validator` and the shared keys. Aborts on a wrong password, a tampered
 * response or an invalid Y (identity, small order, non-canonical, off the curve).
 */
export function clientStep3(
  state: ClientState,
  clientId: BytesOrText,
  serverId: BytesOrText,
  response2: Uint8Array,
): { response3: Uint8Array; sharedKeys: SharedKeys } {
  const st = takeState(state, 'client1');
  const s = sodium();
  const secrets: Uint8Array[] = [];
  try {
    const cid = idBytes(clientId, 'client id');
    const sid = idBytes(serverId, 'server id');
    expectBytes(response2, RESPONSE2BYTES, 'response 2');
    const Y = response2.slice(0, 32);
    const clientValidator = response2.subarray(32, 64);
    if (!isValidPoint(Y)) throw aborted();
    let session: SessionSecrets;
    try {
      const gy = s.crypto_core_ed25519_sub(Y, st.N);
      secrets.push(gy);
      const Z = s.crypto_scalarmult_ed25519_noclamp(st.x, gy);
      secrets.push(Z);
      const V = s.crypto_scalarmult_ed25519(st.hL, gy);
      secrets.push(V);
      session = sharedKeysAndValidators(cid, sid, st.X, Y, Z, st.hK, V);
    } catch {
      throw aborted();
    }
    secrets.push(session.clientValidator);
    if (!s.memcmp(clientValidator, session.clientValidator)) {
      secrets.push(session.serverValidator, session.clientSk, session.serverSk);
      throw aborted();
    }
    return {
      response3: session.serverValidator,
      sharedKeys: {
        clientSk: session.clientSk as SymmetricKey,
        serverSk: session.serverSk as SymmetricKey,
      },
    };
  } finally {
    wipeInternal(st);
    wipe(...secrets);
  }
}

// ---------------------------------------------------------------------------------------------
// Server step 4

/** Server step 4: checks the client's server validator (constant time), returns the shared keys. */
export function serverStep4(state: ServerStep2State, response3: Uint8Array): SharedKeys {
  const st = takeState(state, 'server2');
  try {
    expectBytes(response3, RESPONSE3BYTES, 'response 3');
    const matches = sodium().memcmp(response3, st.serverValidator);
    if (!matches || st.dummy) throw aborted();
    return {
      clientSk: st.clientSk.slice() as SymmetricKey,
      serverSk: st.serverSk.slice() as SymmetricKey,
    };
  } finally {
    wipeInternal(st);
  }
}
