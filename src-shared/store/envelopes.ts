/**
 * Record ids and sealed envelopes: how a key or a name travels to whoever may open it.
 *
 * **Record id.** Every namespace and entry has a random 32-byte `salt` chosen when it is created
 * and an id that is a hiding commitment to its path:
 *
 *     id = BLAKE2b-256("backbone/store.id/v1\n" ‖ kind ‖ "\n" ‖ workspace id ‖ "\n" ‖ salt ‖ UTF-8(path))
 *
 * with kind `namespace` or `entry`. The server sees the id but cannot test guesses of the path
 * (it never sees the salt). The id never changes — not when keys rotate, not when the naming key
 * rotates (tokens do) — so signatures bind ids, and whoever opens an envelope checks that the
 * salt and path inside commit to the id of the record it came with. A ciphertext, key or name
 * moved to another record therefore fails the check (`STORE_TAMPERED`).
 *
 * **Envelopes** (plaintext of a `crypto_box_seal`):
 *
 *     0x01 (version) ‖ type ‖ [key (32)] ‖ salt (32) ‖ UTF-8(path)
 *
 * type 0x01 = namespace X25519 secret key, 0x02 = entry key, 0x03 = name only (no key).
 * Key envelopes are what grants, inheritance links and entries carry; name envelopes let the
 * holders of a parent namespace list its isolated children.
 */
import {
  blake2b,
  concatBytes,
  constantTimeEqual,
  fromBase64Url,
  fromUtf8,
  openSealed,
  randomBytes,
  sealTo,
  sodium,
  toBase64Url,
  utf8,
  type BoxKeyPair,
  type BoxPublicKey,
  type RandomSource,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import { fail } from './internal.js';
import { isNormalizedPath, normalizePath } from './paths.js';

export const SALT_BYTES = 32;
export const ENVELOPE_KEY_BYTES = 32;
const ENVELOPE_VERSION = 1;
const ID_DOMAIN = utf8('backbone/store.id/v1\n');
const NEWLINE = utf8('\n');

export type RecordKind = 'namespace' | 'entry';
export type EnvelopeType = 'namespace-key' | 'entry-key' | 'name';

const TYPE_BYTE: Record<EnvelopeType, number> = { 'namespace-key': 1, 'entry-key': 2, name: 3 };

/** Where a record lives: its path, its secret salt and the id that commits to both. */
export interface Locator {
  path: string;
  salt: Uint8Array;
  id: string;
}

/** The id of a record (base64url, 43 characters). */
export function recordId(
  workspaceId: string,
  kind: RecordKind,
  salt: Uint8Array,
  path: string,
): string {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_BYTES) {
    fail('INVALID_ARGUMENT', `A record salt must be ${SALT_BYTES} bytes.`);
  }
  return toBase64Url(
    blake2b(
      concatBytes(
        ID_DOMAIN,
        utf8(kind),
        NEWLINE,
        utf8(workspaceId),
        NEWLINE,
        salt,
        utf8(normalizePath(path)),
      ),
    ),
  );
}

/** A new locator for `path`: fresh random salt and its id. */
export function newLocator(
  workspaceId: string,
  kind: RecordKind,
  path: string,
  random: RandomSource = randomBytes,
): Locator {
  const normalized = normalizePath(path);
  const salt = random(SALT_BYTES);
  return { path: normalized, salt, id: recordId(workspaceId, kind, salt, normalized) };
}

/** True if `salt` and `path` commit to `id` (constant-time comparison). */
export function locatorMatches(
  workspaceId: string,
  kind: RecordKind,
  id: string,
  salt: Uint8Array,
  path: string,
): boolean {
  let expected: Uint8Array;
  try {
    expected = fromBase64Url(id);
  } catch {
    return false;
  }
  return constantTimeEqual(fromBase64Url(recordId(workspaceId, kind, salt, path)), expected);
}

function kindOf(type: EnvelopeType, nameKind?: RecordKind): RecordKind {
  if (type === 'namespace-key') return 'namespace';
  if (type === 'entry-key') return 'entry';
  return nameKind ?? fail('INTERNAL', 'A name envelope needs the kind of its record.');
}

/** The plaintext of an envelope. */
export function encodeEnvelope(
  type: EnvelopeType,
  locator: Pick<Locator, 'path' | 'salt'>,
  key?: Uint8Array,
): Uint8Array {
  const withKey = type !== 'name';
  if (withKey !== (key !== undefined)) {
    fail('INTERNAL', 'Key envelopes carry a key and name envelopes do not.');
  }
  if (key !== undefined && key.length !== ENVELOPE_KEY_BYTES) {
    fail('INVALID_ARGUMENT', `An enveloped key must be ${ENVELOPE_KEY_BYTES} bytes.`);
  }
  if (locator.salt.length !== SALT_BYTES) {
    fail('INVALID_ARGUMENT', `A record salt must be ${SALT_BYTES} bytes.`);
  }
  return concatBytes(
    new Uint8Array([ENVELOPE_VERSION, TYPE_BYTE[type]]),
    key ?? new Uint8Array(0),
    locator.salt,
    utf8(normalizePath(locator.path)),
  );
}

export interface OpenedEnvelope {
  path: string;
  salt: Uint8Array;
  /** Present for key envelopes; wipe it when done. */
  key?: Uint8Array;
}

function tampered(message: string, cause?: unknown): BackboneError {
  return new BackboneError('STORE_TAMPERED', message, cause === undefined ? undefined : { cause });
}

/** Parses an envelope plaintext of the expected type (`STORE_TAMPERED` if malformed). */
export function decodeEnvelope(plain: Uint8Array, type: EnvelopeType): OpenedEnvelope {
  const keyBytes = type === 'name' ? 0 : ENVELOPE_KEY_BYTES;
  const head = 2 + keyBytes + SALT_BYTES;
  if (plain.length < head || plain[0] !== ENVELOPE_VERSION || plain[1] !== TYPE_BYTE[type]) {
    throw tampered(
      'A sealed key or name has the wrong format or type; it was changed or misplaced.',
    );
  }
  let path: string;
  try {
    path = fromUtf8(plain.subarray(head));
  } catch (cause) {
    throw tampered('A sealed name is not valid text; it was changed.', cause);
  }
  if (!isNormalizedPath(path)) {
    throw tampered('A sealed name is not a valid path; it was changed.');
  }
  const salt = plain.slice(2 + keyBytes, head);
  return keyBytes === 0 ? { path, salt } : { path, salt, key: plain.slice(2, 2 + keyBytes) };
}

/** Seals an envelope to a public key; returns base64url. */
export function sealEnvelope(
  publicKey: BoxPublicKey,
  type: EnvelopeType,
  locator: Pick<Locator, 'path' | 'salt'>,
  key?: Uint8Array,
  random: RandomSource = randomBytes,
): string {
  const plain = encodeEnvelope(type, locator, key);
  try {
    return toBase64Url(sealTo(publicKey, plain, random));
  } finally {
    sodium().memzero(plain);
  }
}

export interface EnvelopeExpectation {
  workspaceId: string;
  /** Id of the record the envelope belongs to. */
  id: string;
  /** For name envelopes: the kind of that record. */
  kind?: RecordKind;
}

/**
 * Opens a sealed envelope and checks that it belongs to the expected record (its salt and path
 * commit to the record id). Every failure is `STORE_TAMPERED`: the envelope is not for this key,
 * was changed, or was moved from another record.
 */
export function openEnvelope(
  keyPair: BoxKeyPair,
  sealed: string,
  type: EnvelopeType,
  expected: EnvelopeExpectation,
): OpenedEnvelope {
  let plain: Uint8Array;
  try {
    plain = openSealed(keyPair, fromBase64Url(sealed));
  } catch (cause) {
    throw tampered(
      'A sealed key or name could not be opened with the key that should open it; it was changed or replaced.',
      cause,
    );
  }
  try {
    const opened = decodeEnvelope(plain, type);
    const kind = kindOf(type, expected.kind);
    if (!locatorMatches(expected.workspaceId, kind, expected.id, opened.salt, opened.path)) {
      if (opened.key) sodium().memzero(opened.key);
      throw tampered(
        'A sealed key or name belongs to another record than the one it came with; the server moved it.',
      );
    }
    return opened;
  } finally {
    sodium().memzero(plain);
  }
}
