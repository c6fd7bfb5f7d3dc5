import { describe, expect, it } from 'vitest';
import {
  blake2bKeyed,
  cryptoReady,
  deriveIdentity,
  fromBase64Url,
  randomBytes,
  rootSecret,
  toBase64Url,
  toHex,
  utf8,
  type Identity,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { createInvitation, parseInvitation } from './invitation.js';
import {
  applyEntry,
  createEntry,
  createGenesis,
  createUserAdd,
  createUserRemoval,
  type AuthorKeys,
  type MembershipState,
} from './membership-log.js';
import {
  NAMING_KEY_BYTES,
  WRAPPED_NAMING_KEY_BYTES,
  generateNamingKey,
  memberNamingKey,
  namingKey,
  namingKeyCheck,
  namingRotationBody,
  unwrapNamingKey,
  wrapNamingKey,
} from './naming-key.js';

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

await cryptoReady();

const newIdentity = (): Identity => deriveIdentity(rootSecret(randomBytes(32)));
const alice = newIdentity();
const bob = newIdentity();
const carol = newIdentity();
const author = (name: string, identity: Identity): AuthorKeys => ({
  name,
  signKeyPair: identity.signKeyPair,
});

describe('naming key primitives', () => {
  const key = namingKey(Uint8Array.from({ length: 32 }, (_, i) => 255 - i));

  it('check = BLAKE2b-256(key, "backbone/naming-key-check/v1\\n" ‖ workspace ‖ "\\n" ‖ generation)', () => {
    const expected = blake2bKeyed(
      key,
      utf8('backbone/naming-key-check/v1\nws_0123456789abcdef\n7'),
    );
    expect(namingKeyCheck(key, 'ws_0123456789abcdef', 7)).toBe(toBase64Url(expected));
    expect(namingKeyCheck(key, 'ws_0123456789abcdef', 8)).not.toBe(toBase64Url(expected));
    expect(namingKeyCheck(key, 'ws_0123456789abcdeg', 7)).not.toBe(toBase64Url(expected));
    expectCode(() => namingKeyCheck(key, 'ws', 0), 'INVALID_ARGUMENT');
  });

  it('wraps to a box key and unwraps with the matching key pair only', () => {
    const check = namingKeyCheck(key, 'ws_0123456789abcdef', 1);
    const expected = { workspaceId: 'ws_0123456789abcdef', generation: 1, check };
    const wrapped = wrapNamingKey(key, alice.boxKeyPair.publicKey);
    expect(fromBase64Url(wrapped)).toHaveLength(WRAPPED_NAMING_KEY_BYTES);
    expect(toHex(unwrapNamingKey(alice.boxKeyPair, wrapped, expected))).toBe(toHex(key));
    expectCode(() => unwrapNamingKey(bob.boxKeyPair, wrapped, expected), 'CRYPTO_DECRYPT_FAILED');
    const damaged = fromBase64Url(wrapped);
    damaged[50]! ^= 1;
    expectCode(
      () => unwrapNamingKey(alice.boxKeyPair, toBase64Url(damaged), expected),
      'CRYPTO_DECRYPT_FAILED',
    );
    expectCode(() => unwrapNamingKey(alice.boxKeyPair, 'abc', expected), 'CRYPTO_DECRYPT_FAILED');
    expectCode(() => unwrapNamingKey(alice.boxKeyPair, '!!', expected), 'CRYPTO_DECRYPT_FAILED');
  });

  it('refuses a key that opens but is not the one recorded for that workspace and generation', () => {
    const wrapped = wrapNamingKey(key, alice.boxKeyPair.publicKey);
    const check = namingKeyCheck(key, 'ws_0123456789abcdef', 1);
    // an old generation passed off as the current one
    expectCode(
      () =>
        unwrapNamingKey(alice.boxKeyPair, wrapped, {
          workspaceId: 'ws_0123456789abcdef',
          generation: 2,
          check,
        }),
      'NAMING_KEY_INVALID',
    );
    // another workspace's key
    expectCode(
      () =>
        unwrapNamingKey(alice.boxKeyPair, wrapped, {
          workspaceId: 'ws_fedcba9876543210',
          generation: 1,
          check,
        }),
      'NAMING_KEY_INVALID',
    );
    // a different key under the recorded check
    const other = generateNamingKey();
    expectCode(
      () =>
        unwrapNamingKey(alice.boxKeyPair, wrapNamingKey(other, alice.boxKeyPair.publicKey), {
          workspaceId: 'ws_0123456789abcdef',
          generation: 1,
          check,
        }),
      'NAMING_KEY_INVALID',
    );
  });

  it('makes 32 random bytes', () => {
    const a = generateNamingKey();
    expect(a).toHaveLength(NAMING_KEY_BYTES);
    expect(toHex(generateNamingKey())).not.toBe(toHex(a));
    expectCode(() => namingKey(new Uint8Array(31)), 'CRYPTO_INVALID_KEY');
  });
});

describe('naming key in the membership log', () => {
  function workspace(): { state: MembershipState } {
    const genesis = createGenesis({
      displayName: 'Team',
      creator: { ...author('alice', alice), boxPublicKey: alice.boxKeyPair.publicKey },
    });
    let state = genesis.state;
    for (const [name, identity] of [
      ['bob', bob],
      ['carol', carol],
    ] as const) {
      state = applyEntry(
        state,
        createUserAdd(state, {
          invitation: parseInvitation(createInvitation(identity, name)),
          permissions: ['STORE_USE'],
          namingKey: genesis.namingKey,
          author: author('alice', alice),
        }),
      );
    }
    return { state };
  }

  it('every member unwraps the same key', () => {
    const { state } = workspace();
    const keys = [
      memberNamingKey(state, 'alice', alice.boxKeyPair),
      memberNamingKey(state, 'bob', bob.boxKeyPair),
      memberNamingKey(state, 'carol', carol.boxKeyPair),
    ];
    expect(new Set(keys.map((k) => toHex(k.key))).size).toBe(1);
    expect(keys[0]!.generation).toBe(1);
    expectCode(() => memberNamingKey(state, 'dave', alice.boxKeyPair), 'MEMBERSHIP_UNKNOWN_MEMBER');
    expectCode(() => memberNamingKey(state, 'bob', alice.boxKeyPair), 'CRYPTO_DECRYPT_FAILED');
  });

  it('rotation on removal wraps a new key for the remaining members only', () => {
    const { state } = workspace();
    const old = memberNamingKey(state, 'carol', carol.boxKeyPair).key;
    const removal = createUserRemoval(state, 'carol', author('alice', alice));
    expect(removal.entries.map((e) => e.type)).toEqual(['user.remove', 'naming.rotate']);
    const body = removal.entries[1]!.body as { generation: number; keys: Record<string, string> };
    expect(body.generation).toBe(2);
    expect(Object.keys(body.keys).sort()).toEqual(['alice', 'bob']);
    const after = removal.state;
    const bobKey = memberNamingKey(after, 'bob', bob.boxKeyPair);
    expect(bobKey.generation).toBe(2);
    expect(toHex(bobKey.key)).toBe(toHex(removal.namingKey!));
    expect(toHex(bobKey.key)).not.toBe(toHex(old));
    for (const wrapped of Object.values(body.keys)) {
      expectCode(
        () =>
          unwrapNamingKey(carol.boxKeyPair, wrapped, {
            workspaceId: after.workspaceId,
            generation: 2,
            check: after.namingKey.check,
          }),
        'CRYPTO_DECRYPT_FAILED',
      );
    }
  });

  it('a rotation that gives one member a different key is caught by that member', () => {
    const { state } = workspace();
    const { body } = namingRotationBody(state);
    const rogue = generateNamingKey();
    body.keys.bob = wrapNamingKey(rogue, bob.boxKeyPair.publicKey);
    // The log accepts it (nobody but bob can tell)…
    const after = applyEntry(
      state,
      createEntry(state, 'naming.rotate', body, author('alice', alice)),
    );
    // …but bob's app refuses the key, and the others are unaffected.
    expectCode(() => memberNamingKey(after, 'bob', bob.boxKeyPair), 'NAMING_KEY_INVALID');
    expect(memberNamingKey(after, 'carol', carol.boxKeyPair).generation).toBe(2);
  });

  it('a rotation that replays an old wrapped key is caught', () => {
    const { state } = workspace();
    const { body } = namingRotationBody(state);
    body.keys.bob = state.members.get('bob')!.wrappedNamingKey; // generation 1, still opens
    const after = applyEntry(
      state,
      createEntry(state, 'naming.rotate', body, author('alice', alice)),
    );
    expectCode(() => memberNamingKey(after, 'bob', bob.boxKeyPair), 'NAMING_KEY_INVALID');
  });
});
