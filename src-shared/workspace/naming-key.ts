/**
 * The workspace naming key (docs/design.md §3–§4): 32 random bytes that key the path tokens of the
 * store, so the server never sees names. It is wrapped (sealed box, `crypto_box_seal`) to each
 * member's box public key in the membership log: to the creator in `genesis`, to a new member in
 * `user.add`, and to every remaining member in `naming.rotate` (after a removal). The server
 * stores the wrapped keys but cannot open them.
 *
 * Each generation of the key has a public **check value** in the log,
 *
 *     check = BLAKE2b-256(key = naming key, "backbone/naming-key-check/v1\n" ‖ workspace id ‖ "\n" ‖ generation)
 *
 * so that a member who unwraps the key knows it is the one every other member has for that
 * workspace and generation (an administrator cannot give different members different keys, and
 * an old wrapped key cannot be passed off as the current one).
 *
 * This module does not import `membership-log.ts` (it names the state it needs structurally); the entry-making helpers that combine
 * both (`createNamingRotation`, `createUserRemoval`) live in `membership-log.ts`.
 */
import {
  SEAL_OVERHEAD_BYTES,
  blake2bKeyed,
  boxPublicKey,
  constantTimeEqual,
  fromBase64Url,
  openSealed,
  randomBytes,
  sealTo,
  sodium,
  toBase64Url,
  utf8,
  type BoxKeyPair,
  type BoxPublicKey,
  type Branded,
  type RandomSource,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';

/**
 * What this module needs of a verified membership state (`MembershipState` in
 * membership-log.ts satisfies it): the workspace, the current naming key generation and the
 * members' box keys and wrapped naming keys. Kept structural so the log can import this module
 * without a cycle.
 */
export interface NamingKeyState {
  workspaceId: string;
  namingKey: { generation: number; check: string };
  members: ReadonlyMap<string, { boxPk: BoxPublicKey; wrappedNamingKey: string }>;
}

/** The body of a `naming.rotate` entry (`NamingRotateBodySchema` in membership-log.ts). */
export interface NamingRotationBody {
  generation: number;
  check: string;
  keys: Record<string, string>;
}

export const NAMING_KEY_BYTES = 32;
export const WRAPPED_NAMING_KEY_BYTES = NAMING_KEY_BYTES + SEAL_OVERHEAD_BYTES; // 80
const CHECK_DOMAIN = 'backbone/naming-key-check/v1\n';

/** A workspace naming key (32 bytes; a BLAKE2b key). */
export type NamingKey = Branded<'NamingKey'>;

/** Brands 32 bytes as a naming key. */
export function namingKey(bytes: Uint8Array): NamingKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== NAMING_KEY_BYTES) {
    throw new BackboneError(
      'CRYPTO_INVALID_KEY',
      `A workspace naming key must be ${NAMING_KEY_BYTES} bytes long.`,
    );
  }
  noteSecret('naming-key', bytes);
  return bytes as NamingKey;
}

/** A fresh random naming key. Wipe it (`wipeNamingKey`) when done. */
export function generateNamingKey(random: RandomSource = randomBytes): NamingKey {
  return namingKey(random(NAMING_KEY_BYTES));
}

export function wipeNamingKey(key: NamingKey): void {
  sodium().memzero(key);
}

/** The public check value of a naming key for a workspace and generation (base64url). */
export function namingKeyCheck(key: NamingKey, workspaceId: string, generation: number): string {
  namingKey(key);
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new BackboneError('INVALID_ARGUMENT', 'A naming key generation is a whole number ≥ 1.');
  }
  return toBase64Url(blake2bKeyed(key, utf8(`${CHECK_DOMAIN}${workspaceId}\n${generation}`)));
}

/** Wraps a naming key to a member's box public key (sealed box, base64url, 107 characters). */
export function wrapNamingKey(
  key: NamingKey,
  memberBoxPk: BoxPublicKey,
  random: RandomSource = randomBytes,
): string {
  return toBase64Url(sealTo(boxPublicKey(memberBoxPk), namingKey(key), random));
}

export interface NamingKeyExpectation {
  workspaceId: string;
  generation: number;
  /** The check value recorded in the verified log for that generation. */
  check: string;
}

/**
 * Opens a wrapped naming key with the member's box key pair and checks it against the log's
 * check value. Throws `CRYPTO_DECRYPT_FAILED` (not for this key pair, or damaged) or
 * `NAMING_KEY_INVALID` (opens, but is not the workspace's key for that generation).
 */
export function unwrapNamingKey(
  boxKeyPair: BoxKeyPair,
  wrapped: string,
  expected: NamingKeyExpectation,
): NamingKey {
  let sealed: Uint8Array;
  try {
    sealed = fromBase64Url(wrapped);
  } catch (cause) {
    throw new BackboneError('CRYPTO_DECRYPT_FAILED', 'This wrapped naming key is damaged.', {
      cause,
    });
  }
  if (sealed.length !== WRAPPED_NAMING_KEY_BYTES) {
    throw new BackboneError(
      'CRYPTO_DECRYPT_FAILED',
      'This wrapped naming key has the wrong length: it was cut off or changed.',
    );
  }
  const opened = openSealed(boxKeyPair, sealed);
  if (opened.length !== NAMING_KEY_BYTES) {
    sodium().memzero(opened);
    throw new BackboneError('NAMING_KEY_INVALID', 'The wrapped naming key has the wrong size.');
  }
  const key = namingKey(opened);
  const check = fromBase64Url(namingKeyCheck(key, expected.workspaceId, expected.generation));
  let expectedCheck: Uint8Array;
  try {
    expectedCheck = fromBase64Url(expected.check);
  } catch {
    expectedCheck = new Uint8Array(0);
  }
  if (!constantTimeEqual(check, expectedCheck)) {
    wipeNamingKey(key);
    throw new BackboneError(
      'NAMING_KEY_INVALID',
      'The naming key wrapped for you is not the workspace’s current key. Ask an administrator to rotate the naming key.',
    );
  }
  return key;
}

/**
 * The current naming key of member `name`, opened with their box key pair, from a verified
 * membership state. Throws `MEMBERSHIP_UNKNOWN_MEMBER`, `CRYPTO_DECRYPT_FAILED` or
 * `NAMING_KEY_INVALID`.
 */
export function memberNamingKey(
  state: NamingKeyState,
  name: string,
  boxKeyPair: BoxKeyPair,
): { key: NamingKey; generation: number } {
  const member = state.members.get(name);
  if (!member) {
    throw new BackboneError(
      'MEMBERSHIP_UNKNOWN_MEMBER',
      `"${name}" is not a member of this workspace, so it has no naming key.`,
    );
  }
  const key = unwrapNamingKey(boxKeyPair, member.wrappedNamingKey, {
    workspaceId: state.workspaceId,
    generation: state.namingKey.generation,
    check: state.namingKey.check,
  });
  return { key, generation: state.namingKey.generation };
}

/**
 * The body of a `naming.rotate` entry for `state`: the next generation of `newKey` (fresh random
 * if omitted), wrapped to the box public key of every current member (taken from the verified
 * state only). Returns the key too; the caller wipes it when done.
 */
export function namingRotationBody(
  state: NamingKeyState,
  newKey?: NamingKey,
  random: RandomSource = randomBytes,
): { body: NamingRotationBody; namingKey: NamingKey } {
  const key = newKey ? namingKey(newKey) : generateNamingKey(random);
  const generation = state.namingKey.generation + 1;
  const keys: Record<string, string> = {};
  for (const [name, member] of state.members) {
    keys[name] = wrapNamingKey(key, member.boxPk, random);
  }
  return {
    body: { generation, check: namingKeyCheck(key, state.workspaceId, generation), keys },
    namingKey: key,
  };
}
