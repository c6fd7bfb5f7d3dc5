import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  cryptoReady,
  deriveIdentity,
  fromBase64Url,
  fromUtf8,
  randomBytes,
  rootSecret,
  signStatement,
  sodium,
  toBase64Url,
  toHex,
  utf8,
  verifyDetached,
  type Identity,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { createInvitation, parseInvitation, type Invitation } from './invitation.js';
import {
  GENESIS_PREV,
  applyEntries,
  applyEntry,
  createEntry,
  createGenesis,
  createNamingRotation,
  createUserAdd,
  createUserRemoval,
  entryHash,
  memberBySignKey,
  memberHas,
  memberPublicKeys,
  verifyGenesis,
  verifyLog,
  workspaceFingerprint,
  type AuthorKeys,
  type EntryType,
  type MembershipEntry,
  type MembershipState,
} from './membership-log.js';
import { memberNamingKey, type NamingKey } from './naming-key.js';
import type { Permission } from './permissions.js';

function expectCode(fn: () => unknown, code: ErrorCode | ErrorCode[]): BackboneErrorLike {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  const codes = Array.isArray(code) ? code : [code];
  expect(
    codes.some((c) => isBackboneError(thrown, c)),
    `expected ${codes.join('|')}, got ${String(thrown)}`,
  ).toBe(true);
  return thrown as BackboneErrorLike;
}
interface BackboneErrorLike {
  code: string;
  message: string;
}

await cryptoReady();

interface Person {
  name: string;
  identity: Identity;
  author: AuthorKeys;
  invitation: Invitation;
}

function person(name: string): Person {
  const identity = deriveIdentity(rootSecret(randomBytes(32)));
  return {
    name,
    identity,
    author: { name, signKeyPair: identity.signKeyPair },
    invitation: parseInvitation(createInvitation(identity, name)),
  };
}

const alice = person('alice'); // creator, ROOT
const bob = person('bob'); // USER_MANAGE admin
const carol = person('carol');
const dave = person('dave');
const erin = person('erin');
const mallory = person('mallory');

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Keeps a log and its state in step. */
class Log {
  entries: MembershipEntry[] = [];
  state: MembershipState;
  namingKey: NamingKey;

  constructor(creator: Person = alice, displayName = 'Acme team') {
    const genesis = createGenesis({
      displayName,
      creator: { ...creator.author, boxPublicKey: creator.identity.boxKeyPair.publicKey },
    });
    this.entries.push(genesis.entry);
    this.state = genesis.state;
    this.namingKey = genesis.namingKey;
  }

  push(entry: MembershipEntry): MembershipEntry {
    this.state = applyEntry(this.state, entry);
    this.entries.push(entry);
    return entry;
  }

  add(who: Person, permissions: Permission[], by: Person = alice): MembershipEntry {
    const { key } = memberNamingKey(this.state, by.name, by.identity.boxKeyPair);
    return this.push(
      createUserAdd(this.state, {
        invitation: who.invitation,
        permissions,
        namingKey: key,
        author: by.author,
      }),
    );
  }

  permissions(who: Person, permissions: Permission[], by: Person = alice): MembershipEntry {
    return this.push(
      createEntry(this.state, 'user.permissions', { name: who.name, permissions }, by.author),
    );
  }

  remove(who: Person, by: Person = alice): MembershipEntry[] {
    const removal = createUserRemoval(this.state, who.name, by.author);
    for (const entry of removal.entries) this.push(entry);
    if (removal.namingKey) this.namingKey = removal.namingKey;
    return removal.entries;
  }
}

/**
 * Signs an entry exactly as documented, with no rule check: what a malicious server (with a
 * stolen key) or a buggy client could post.
 */
function forge(
  state: MembershipState,
  type: EntryType,
  body: unknown,
  by: Person,
  overrides: { workspace?: string; seq?: number; prev?: string } = {},
): MembershipEntry {
  const fields = {
    workspace: overrides.workspace ?? state.workspaceId,
    seq: overrides.seq ?? state.head.seq + 1,
    prev: overrides.prev ?? state.head.hash,
    type,
    author: by.name,
    body: body as never,
  };
  const statement = signStatement('membership.entry', 1, fields, by.identity.signKeyPair);
  return { v: 1, ...fields, sig: statement.sig } as MembershipEntry;
}

/** genesis → bob (USER_MANAGE) → carol, dave, erin → permission changes → remove dave → rotate. */
function realisticLog(): Log {
  const log = new Log();
  log.add(bob, ['USER_MANAGE', 'STORE_USE', 'STORE_SHARE']); // 1
  log.add(carol, ['STORE_USE'], bob); // 2
  log.add(dave, ['USER_MANAGE', 'STORE_USE'], bob); // 3
  log.add(erin, ['STORE_USE'], alice); // 4
  log.permissions(carol, ['STORE_USE', 'STORE_SHARE'], bob); // 5
  log.permissions(dave, ['STORE_USE'], alice); // 6
  log.remove(dave, bob); // 7 remove, 8 rotate
  log.permissions(erin, ['USER_MANAGE', 'STORE_USE'], alice); // 9
  return log;
}

const reference = realisticLog();

describe('a realistic log', () => {
  it('verifies from genesis and gives the expected members and permissions', () => {
    const state = verifyLog(reference.entries);
    expect(state.head.seq).toBe(9);
    expect(state.head.hash).toBe(entryHash(reference.entries[9]!));
    expect(state.genesisHash).toBe(entryHash(reference.entries[0]!));
    expect(state.displayName).toBe('Acme team');
    expect([...state.members.keys()].sort()).toEqual(['alice', 'bob', 'carol', 'erin']);
    expect(state.members.get('alice')!.permissions).toEqual(['ROOT']);
    expect(state.members.get('bob')!.permissions).toEqual([
      'USER_MANAGE',
      'STORE_USE',
      'STORE_SHARE',
    ]);
    expect(state.members.get('carol')!.permissions).toEqual(['STORE_USE', 'STORE_SHARE']);
    expect(state.members.get('erin')!.permissions).toEqual(['USER_MANAGE', 'STORE_USE']);
    expect(state.members.get('carol')!.addedAt).toBe(2);
    expect(state.namingKey).toEqual({
      generation: 2,
      check: state.namingKey.check,
      rotationPending: false,
    });
    expect(memberHas(state, 'alice', 'STORE_SHARE')).toBe(true); // ROOT implies all
    expect(memberHas(state, 'erin', 'STORE_SHARE')).toBe(false);
    expect(memberHas(state, 'dave', 'STORE_USE')).toBe(false);
  });

  it('survives a JSON round trip (what the server stores and serves)', () => {
    const state = verifyLog(JSON.parse(JSON.stringify(reference.entries)) as unknown[]);
    expect(state.head).toEqual(reference.state.head);
  });

  it('verifies incrementally to the same state', () => {
    const genesis = verifyGenesis(reference.entries[0]);
    const state = applyEntries(genesis, reference.entries.slice(1));
    expect(state.head).toEqual(verifyLog(reference.entries).head);
  });

  it('accepts a log that extends the pinned genesis and head', () => {
    const pinned = verifyLog(reference.entries.slice(0, 5));
    const state = verifyLog(reference.entries, {
      pinnedGenesisHash: pinned.genesisHash,
      pinnedHead: pinned.head,
    });
    expect(state.head.seq).toBe(9);
    // the same head is also fine
    expect(verifyLog(reference.entries, { pinnedHead: reference.state.head }).head.seq).toBe(9);
  });

  it('gives every remaining member the same rotated naming key, and the removed one none', () => {
    const state = reference.state;
    const keys = [alice, bob, carol, erin].map((who) =>
      toHex(memberNamingKey(state, who.name, who.identity.boxKeyPair).key),
    );
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(toHex(reference.namingKey));
    const rotation = reference.entries[8]!;
    expect(rotation.type).toBe('naming.rotate');
    const wrapped = Object.values((rotation.body as { keys: Record<string, string> }).keys);
    expect(wrapped).toHaveLength(4);
    for (const sealed of wrapped) {
      expect(() =>
        sodium().crypto_box_seal_open(
          fromBase64Url(sealed),
          dave.identity.boxKeyPair.publicKey,
          dave.identity.boxKeyPair.secretKey,
        ),
      ).toThrow();
    }
    // The generation-1 key that dave knew differs from the current one.
    const first = verifyLog(reference.entries.slice(0, 4));
    const old = memberNamingKey(first, 'dave', dave.identity.boxKeyPair).key;
    expect(toHex(old)).not.toBe(keys[0]);
  });

  it('takes public keys from the verified state only, as copies', () => {
    const keys = memberPublicKeys(reference.state, 'carol');
    expect(toHex(keys.signPk)).toBe(toHex(carol.identity.signKeyPair.publicKey));
    expect(toHex(keys.boxPk)).toBe(toHex(carol.identity.boxKeyPair.publicKey));
    expect(keys.address).toMatch(/^bb1[a-z2-7]{32}$/);
    expect(keys.safetyNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    keys.boxPk[0]! ^= 1;
    expect(toHex(memberPublicKeys(reference.state, 'carol').boxPk)).toBe(
      toHex(carol.identity.boxKeyPair.publicKey),
    );
    expectCode(() => memberPublicKeys(reference.state, 'dave'), 'MEMBERSHIP_UNKNOWN_MEMBER');
    expectCode(() => memberPublicKeys(reference.state, 'nobody'), 'MEMBERSHIP_UNKNOWN_MEMBER');
    expect(memberBySignKey(reference.state, carol.identity.signKeyPair.publicKey)?.name).toBe(
      'carol',
    );
    expect(memberBySignKey(reference.state, dave.identity.signKeyPair.publicKey)).toBeUndefined();
  });

  it('has a human workspace fingerprint', () => {
    const fingerprint = workspaceFingerprint(reference.state.genesisHash);
    expect(fingerprint).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(workspaceFingerprint(reference.state.genesisHash)).toBe(fingerprint);
    expect(workspaceFingerprint(new Log().state.genesisHash)).not.toBe(fingerprint);
    expectCode(() => workspaceFingerprint('abc'), 'INVALID_ARGUMENT');
  });

  it('does not change the state it is applied to', () => {
    const before = reference.entries.slice(0, 3);
    const state = verifyLog(before);
    const snapshot = { head: state.head, members: [...state.members.keys()] };
    applyEntry(state, reference.entries[3]);
    expect(state.head).toEqual(snapshot.head);
    expect([...state.members.keys()]).toEqual(snapshot.members);
    // a failing entry leaves it unchanged too
    expectCode(
      () => applyEntries(state, [reference.entries[3], reference.entries[5]]),
      'MEMBERSHIP_BROKEN_CHAIN',
    );
    expect(state.head).toEqual(snapshot.head);
  });
});

describe('the documented format', () => {
  it('signs "backbone/membership.entry/v1\\n" ‖ JCS({workspace, seq, prev, type, author, body})', () => {
    const entry = reference.entries[2]!;
    const signed = `backbone/membership.entry/v1\n${canonicalJson({
      workspace: entry.workspace,
      seq: entry.seq,
      prev: entry.prev,
      type: entry.type,
      author: entry.author,
      body: entry.body,
    })}`;
    expect(
      verifyDetached(fromBase64Url(entry.sig), utf8(signed), bob.identity.signKeyPair.publicKey),
    ).toBe(true);
    expect(Object.keys(entry).sort()).toEqual(
      ['author', 'body', 'prev', 'seq', 'sig', 'type', 'v', 'workspace'].sort(),
    );
  });

  it('chains prev = BLAKE2b-256("backbone/membership.hash/v1\\n" ‖ JCS(previous entry))', () => {
    for (let i = 1; i < reference.entries.length; i++) {
      const previous = reference.entries[i - 1]!;
      const hash = sodium().crypto_generichash(
        32,
        utf8(`backbone/membership.hash/v1\n${canonicalJson(previous)}`),
        null,
      );
      expect(reference.entries[i]!.prev).toBe(toBase64Url(hash));
      expect(reference.entries[i]!.seq).toBe(i);
    }
    expect(reference.entries[0]!.prev).toBe(GENESIS_PREV);
    expect(toHex(fromBase64Url(GENESIS_PREV))).toBe('00'.repeat(32));
  });

  it('makes entries that are plain JSON with base64url binary', () => {
    for (const entry of reference.entries) {
      expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
      expect(entry.sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    }
    expect(fromUtf8(utf8(JSON.stringify(reference.entries)))).toBe(
      JSON.stringify(reference.entries),
    );
  });
});

describe('a malicious server is caught', () => {
  const entries = reference.entries;

  it('swapped public key in user.add: the signature breaks', () => {
    for (const field of ['box', 'sign'] as const) {
      const tampered = clone(entries);
      const body = tampered[2]!.body as Record<string, string>;
      body[field] = toBase64Url(
        field === 'box'
          ? mallory.identity.boxKeyPair.publicKey
          : mallory.identity.signKeyPair.publicKey,
      );
      expectCode(() => verifyLog(tampered), 'MEMBERSHIP_BAD_SIGNATURE');
    }
  });

  it('a user.add whose keys do not match the invitation (even if the admin signs it)', () => {
    const log = new Log();
    const { key } = memberNamingKey(log.state, 'alice', alice.identity.boxKeyPair);
    const honest = createUserAdd(log.state, {
      invitation: carol.invitation,
      permissions: ['STORE_USE'],
      namingKey: key,
      author: alice.author,
    });
    const body = clone(honest.body) as Record<string, unknown>;
    body.box = toBase64Url(mallory.identity.boxKeyPair.publicKey);
    expectCode(
      () => createEntry(log.state, 'user.add', body as never, alice.author),
      'MEMBERSHIP_BAD_SIGNATURE',
    );
    const forged = forge(log.state, 'user.add', body, alice);
    expectCode(() => applyEntry(log.state, forged), 'MEMBERSHIP_BAD_SIGNATURE');
    body.box = toBase64Url(carol.identity.boxKeyPair.publicKey);
    body.name = 'admin';
    expectCode(
      () => applyEntry(log.state, forge(log.state, 'user.add', body, alice)),
      'MEMBERSHIP_BAD_SIGNATURE',
    );
  });

  it('a dropped entry breaks the chain', () => {
    for (const drop of [1, 3, 7, 8]) {
      const dropped = entries.filter((_, i) => i !== drop);
      expectCode(() => verifyLog(dropped), 'MEMBERSHIP_BROKEN_CHAIN');
    }
    expectCode(() => verifyLog(entries.slice(1)), 'MEMBERSHIP_INVALID'); // no genesis
    expectCode(() => verifyLog([]), 'MEMBERSHIP_INVALID');
  });

  it('a reordered log breaks the chain', () => {
    const swapped = [...entries];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expectCode(() => verifyLog(swapped), 'MEMBERSHIP_BROKEN_CHAIN');
    const reversed = [entries[0]!, ...entries.slice(1).reverse()];
    expectCode(() => verifyLog(reversed), 'MEMBERSHIP_BROKEN_CHAIN');
  });

  it('a fork (another entry at the pinned seq) is refused', () => {
    // alice signs two different entries for seq 2: the server shows one to us, one to others.
    const base = new Log();
    base.add(bob, ['USER_MANAGE', 'STORE_USE']);
    const ours = [...base.entries];
    const theirs = [...base.entries];
    const stateAt1 = base.state;
    const { key } = memberNamingKey(stateAt1, 'alice', alice.identity.boxKeyPair);
    const addCarol = createUserAdd(stateAt1, {
      invitation: carol.invitation,
      permissions: ['STORE_USE'],
      namingKey: key,
      author: alice.author,
    });
    const addMallory = createUserAdd(stateAt1, {
      invitation: mallory.invitation,
      permissions: ['STORE_USE'],
      namingKey: key,
      author: alice.author,
    });
    ours.push(addCarol);
    theirs.push(addMallory);
    const pinned = verifyLog(ours).head;
    expect(verifyLog(theirs).head.seq).toBe(pinned.seq); // valid on its own…
    const error = expectCode(() => verifyLog(theirs, { pinnedHead: pinned }), 'MEMBERSHIP_FORK');
    expect(error.message).toMatch(/fork/);
    // …and a longer fork is refused too
    const theirsLonger = [
      ...theirs,
      createEntry(
        verifyLog(theirs),
        'user.permissions',
        { name: 'mallory', permissions: [] },
        alice.author,
      ),
    ];
    expectCode(() => verifyLog(theirsLonger, { pinnedHead: pinned }), 'MEMBERSHIP_FORK');
    // a pin at genesis with a different hash
    expectCode(
      () => verifyLog(entries, { pinnedHead: { seq: 0, hash: pinned.hash } }),
      'MEMBERSHIP_FORK',
    );
  });

  it('a rollback (shorter than the pinned head) is refused', () => {
    const pinned = reference.state.head;
    for (const length of [1, 5, 9]) {
      const error = expectCode(
        () => verifyLog(entries.slice(0, length), { pinnedHead: pinned }),
        'MEMBERSHIP_ROLLBACK',
      );
      expect(error.message).toMatch(/rollback/);
    }
  });

  it('refuses malformed pins', () => {
    expectCode(
      () => verifyLog(entries, { pinnedHead: { seq: -1, hash: reference.state.head.hash } }),
      'INVALID_ARGUMENT',
    );
    expectCode(() => verifyLog(entries, { pinnedHead: { seq: 1, hash: 'x' } }), 'INVALID_ARGUMENT');
  });

  it('a genesis swap (pinned genesis hash mismatch) is refused', () => {
    const other = new Log(alice, 'Acme team'); // same creator and name, another workspace
    expectCode(
      () => verifyLog(other.entries, { pinnedGenesisHash: reference.state.genesisHash }),
      'MEMBERSHIP_FORK',
    );
    // a re-signed genesis with a different date is another workspace too
    const genesis = clone(entries[0]!);
    (genesis.body as { created: string }).created = '2020-01-01T00:00:00.000Z';
    expectCode(() => verifyLog([genesis]), 'MEMBERSHIP_BAD_SIGNATURE');
  });

  it('an entry signed by a member without ROOT or USER_MANAGE is refused', () => {
    const state = verifyLog(entries.slice(0, 3)); // alice, bob, carol (STORE_USE)
    const forged = forge(
      state,
      'user.permissions',
      { name: 'carol', permissions: ['STORE_USE', 'STORE_SHARE'] },
      carol,
    );
    expectCode(() => applyEntry(state, forged), 'MEMBERSHIP_FORBIDDEN');
    expectCode(
      () => createEntry(state, 'user.remove', { name: 'bob' }, carol.author),
      'MEMBERSHIP_FORBIDDEN',
    );
    // an outsider
    const byOutsider = forge(state, 'user.remove', { name: 'carol' }, mallory);
    expectCode(() => applyEntry(state, byOutsider), 'MEMBERSHIP_FORBIDDEN');
    // a member's name with someone else's key
    const impostor = forge(state, 'user.remove', { name: 'carol' }, { ...mallory, name: 'bob' });
    expectCode(() => applyEntry(state, impostor), 'MEMBERSHIP_BAD_SIGNATURE');
  });

  it('an entry by a removed user is refused', () => {
    // dave held USER_MANAGE until seq 6 and was removed at seq 7
    const state = reference.state;
    const forged = forge(state, 'user.remove', { name: 'carol' }, dave);
    const error = expectCode(() => applyEntry(state, forged), 'MEMBERSHIP_FORBIDDEN');
    expect(error.message).toMatch(/removed/);
    const log = new Log();
    log.add(bob, ['USER_MANAGE', 'STORE_USE']);
    log.add(carol, ['STORE_USE']);
    log.remove(bob);
    expectCode(
      () => applyEntry(log.state, forge(log.state, 'user.remove', { name: 'carol' }, bob)),
      'MEMBERSHIP_FORBIDDEN',
    );
  });

  it('the last ROOT can be neither removed nor demoted', () => {
    const log = new Log();
    log.add(bob, ['USER_MANAGE', 'STORE_USE']);
    const error = expectCode(
      () =>
        createEntry(
          log.state,
          'user.permissions',
          { name: 'alice', permissions: ['USER_MANAGE'] },
          alice.author,
        ),
      'MEMBERSHIP_FORBIDDEN',
    );
    expect(error.message).toMatch(/At least one ROOT/);
    expectCode(
      () => applyEntry(log.state, forge(log.state, 'user.remove', { name: 'alice' }, alice)),
      'MEMBERSHIP_FORBIDDEN',
    );
    // with a second ROOT, alice may step down or leave
    log.permissions(bob, ['ROOT']);
    log.permissions(alice, ['STORE_USE'], alice);
    expect(log.state.members.get('alice')!.permissions).toEqual(['STORE_USE']);
    expectCode(
      () =>
        createEntry(log.state, 'user.permissions', { name: 'bob', permissions: [] }, bob.author),
      'MEMBERSHIP_FORBIDDEN',
    );
  });

  it('USER_MANAGE cannot add a ROOT, grant ROOT, or touch a ROOT member', () => {
    const state = verifyLog(entries.slice(0, 3)); // bob: USER_MANAGE, STORE_USE, STORE_SHARE
    const { key } = memberNamingKey(state, 'bob', bob.identity.boxKeyPair);
    const error = expectCode(
      () =>
        createUserAdd(state, {
          invitation: mallory.invitation,
          permissions: ['ROOT'],
          namingKey: key,
          author: bob.author,
        }),
      'MEMBERSHIP_FORBIDDEN',
    );
    expect(error.message).toMatch(/Only a ROOT member can grant ROOT/);
    expectCode(
      () =>
        createEntry(state, 'user.permissions', { name: 'bob', permissions: ['ROOT'] }, bob.author),
      'MEMBERSHIP_FORBIDDEN',
    );
    expectCode(
      () =>
        createEntry(
          state,
          'user.permissions',
          { name: 'carol', permissions: ['ROOT'] },
          bob.author,
        ),
      'MEMBERSHIP_FORBIDDEN',
    );
    expectCode(
      () => applyEntry(state, forge(state, 'user.remove', { name: 'alice' }, bob)),
      'MEMBERSHIP_FORBIDDEN',
    );
    expectCode(
      () =>
        applyEntry(
          state,
          forge(
            state,
            'user.permissions',
            { name: 'alice', permissions: ['ROOT', 'STORE_USE'] },
            bob,
          ),
        ),
      'MEMBERSHIP_FORBIDDEN',
    );
  });

  it('a non-ROOT administrator only manages members no more powerful than itself', () => {
    const log = new Log();
    log.add(bob, ['USER_MANAGE']); // bob holds nothing else
    log.add(carol, ['STORE_USE', 'STORE_SHARE']);
    log.add(dave, ['USER_MANAGE', 'STORE_USE']);
    const { key } = memberNamingKey(log.state, 'bob', bob.identity.boxKeyPair);
    // cannot grant what it does not hold
    expectCode(
      () =>
        createUserAdd(log.state, {
          invitation: erin.invitation,
          permissions: ['STORE_USE'],
          namingKey: key,
          author: bob.author,
        }),
      'MEMBERSHIP_FORBIDDEN',
    );
    // cannot demote or remove members holding more than itself
    expectCode(
      () =>
        createEntry(log.state, 'user.permissions', { name: 'carol', permissions: [] }, bob.author),
      'MEMBERSHIP_FORBIDDEN',
    );
    expectCode(
      () => createEntry(log.state, 'user.remove', { name: 'dave' }, bob.author),
      'MEMBERSHIP_FORBIDDEN',
    );
    // may add and manage its peers
    log.add(erin, ['USER_MANAGE'], bob);
    log.permissions(erin, [], bob);
    log.remove(erin, bob);
    // may drop its own permissions, not raise them
    expectCode(
      () =>
        createEntry(
          log.state,
          'user.permissions',
          { name: 'bob', permissions: ['USER_MANAGE', 'STORE_USE'] },
          bob.author,
        ),
      'MEMBERSHIP_FORBIDDEN',
    );
    expect(verifyLog(log.entries).members.has('erin')).toBe(false);
  });

  it('an entry replayed from another workspace is refused', () => {
    // Same creator and same admin in two workspaces: bob's addition in the other one.
    const other = new Log();
    other.add(bob, ['USER_MANAGE', 'STORE_USE', 'STORE_SHARE']);
    const replayed = other.entries[1]!;
    const target = verifyLog(entries.slice(0, 1));
    expectCode(() => applyEntry(target, replayed), 'MEMBERSHIP_WRONG_WORKSPACE');
    // The server rewrites workspace and prev to fit: the signature breaks.
    const rewritten = { ...clone(replayed), workspace: target.workspaceId, prev: target.head.hash };
    expectCode(() => applyEntry(target, rewritten), 'MEMBERSHIP_BAD_SIGNATURE');
    expectCode(() => verifyLog([entries[0]!, replayed]), 'MEMBERSHIP_WRONG_WORKSPACE');
  });

  it('an entry replayed at another seq is refused', () => {
    // alice's "carol: STORE_USE + STORE_SHARE" (seq 5) posted again later…
    const replayed = entries[5]!;
    const state = reference.state;
    expectCode(() => applyEntry(state, replayed), 'MEMBERSHIP_BROKEN_CHAIN');
    // …with seq and prev rewritten to fit: the signature breaks.
    const rewritten = { ...clone(replayed), seq: state.head.seq + 1, prev: state.head.hash };
    expectCode(() => applyEntry(state, rewritten), 'MEMBERSHIP_BAD_SIGNATURE');
  });

  it('an unknown entry version or type is refused', () => {
    const tampered = clone(entries);
    (tampered[3] as { v: number }).v = 2;
    expectCode(() => verifyLog(tampered), 'UNSUPPORTED_VERSION');
    const genesisV2 = clone(entries);
    (genesisV2[0] as { v: number }).v = 2;
    expectCode(() => verifyLog(genesisV2), 'UNSUPPORTED_VERSION');
    const unknownType = clone(entries);
    (unknownType[3] as { type: string }).type = 'user.promote';
    expectCode(() => verifyLog(unknownType), 'MEMBERSHIP_INVALID');
    const extraField = clone(entries);
    (extraField[3] as unknown as Record<string, unknown>).note = 'hi';
    expectCode(() => verifyLog(extraField), 'MEMBERSHIP_INVALID');
    expectCode(() => verifyLog([null]), 'MEMBERSHIP_INVALID');
    expectCode(() => verifyLog(['x']), 'MEMBERSHIP_INVALID');
  });

  it('data a schema would silently drop is refused ("__proto__" in a record)', () => {
    const rotation = JSON.stringify(entries[8]);
    expect(rotation).toContain('"keys":{"alice":');
    const text = rotation.replace('"keys":{', `"keys":{"__proto__":"${'A'.repeat(107)}",`);
    const parsed = JSON.parse(text) as unknown;
    expect(Object.keys((parsed as { body: { keys: object } }).body.keys)).toContain('__proto__');
    expectCode(() => verifyLog([...entries.slice(0, 8), parsed]), 'MEMBERSHIP_INVALID');
  });

  it('a second genesis is refused', () => {
    const log = new Log();
    const genesis = forge(log.state, 'genesis', clone(log.entries[0]!.body), alice);
    expectCode(() => applyEntry(log.state, genesis), 'MEMBERSHIP_INVALID');
  });

  it('any single-bit change in a serialized valid log is refused (property)', () => {
    const bytes = utf8(JSON.stringify(entries));
    let reachedVerify = 0;
    fc.assert(
      fc.property(fc.noBias(fc.integer({ min: 0, max: bytes.length * 8 - 1 })), (bit) => {
        const changed = Uint8Array.from(bytes);
        changed[bit >> 3]! ^= 1 << (bit & 7);
        let parsed: unknown;
        try {
          parsed = JSON.parse(fromUtf8(changed));
        } catch {
          return; // not even JSON any more: refused
        }
        reachedVerify++;
        expectCode(
          () => verifyLog(parsed as unknown[], { pinnedGenesisHash: reference.state.genesisHash }),
          [
            'MEMBERSHIP_INVALID',
            'MEMBERSHIP_BAD_SIGNATURE',
            'MEMBERSHIP_BROKEN_CHAIN',
            'MEMBERSHIP_FORBIDDEN',
            'MEMBERSHIP_FORK',
            'MEMBERSHIP_WRONG_WORKSPACE',
            'UNSUPPORTED_VERSION',
          ],
        );
      }),
      { numRuns: 300 },
    );
    // most flips land in base64url text and still parse: the property is not vacuous
    expect(reachedVerify).toBeGreaterThan(100);
  });
});

describe('membership rules', () => {
  it('refuses duplicate names and identity keys', () => {
    const log = new Log();
    log.add(bob, ['STORE_USE']);
    const { key } = memberNamingKey(log.state, 'alice', alice.identity.boxKeyPair);
    const addAgain = (invitation: Invitation) =>
      createUserAdd(log.state, {
        invitation,
        permissions: [],
        namingKey: key,
        author: alice.author,
      });
    expectCode(() => addAgain(bob.invitation), 'MEMBERSHIP_INVALID');
    // another identity asking for the name "bob"
    expectCode(
      () => addAgain(parseInvitation(createInvitation(mallory.identity, 'bob'))),
      'MEMBERSHIP_INVALID',
    );
    // bob's identity under another name
    expectCode(
      () => addAgain(parseInvitation(createInvitation(bob.identity, 'bob2'))),
      'MEMBERSHIP_INVALID',
    );
    expectCode(
      () => addAgain(parseInvitation(createInvitation(alice.identity, 'alice2'))),
      'MEMBERSHIP_INVALID',
    );
  });

  it('binds a name to one identity for the life of the workspace', () => {
    const log = new Log();
    log.add(bob, ['STORE_USE']);
    log.remove(bob);
    const { key } = memberNamingKey(log.state, 'alice', alice.identity.boxKeyPair);
    // another identity cannot take the name of a removed member…
    expectCode(
      () =>
        createUserAdd(log.state, {
          invitation: parseInvitation(createInvitation(mallory.identity, 'bob')),
          permissions: [],
          namingKey: key,
          author: alice.author,
        }),
      'MEMBERSHIP_INVALID',
    );
    // …but the same identity can come back under its name.
    log.add(bob, ['STORE_USE']);
    expect(log.state.members.get('bob')!.addedAt).toBe(log.state.head.seq);
    expect(toHex(memberNamingKey(log.state, 'bob', bob.identity.boxKeyPair).key)).toBe(
      toHex(log.namingKey),
    );
  });

  it('requires a naming key rotation right after removals', () => {
    const log = new Log();
    log.add(bob, ['USER_MANAGE', 'STORE_USE']);
    log.add(carol, ['STORE_USE']);
    log.add(dave, ['STORE_USE']);
    const removal = createEntry(log.state, 'user.remove', { name: 'carol' }, alice.author);
    log.push(removal);
    expect(log.state.namingKey.rotationPending).toBe(true);
    const { key } = memberNamingKey(log.state, 'alice', alice.identity.boxKeyPair);
    expectCode(
      () =>
        createUserAdd(log.state, {
          invitation: erin.invitation,
          permissions: [],
          namingKey: key,
          author: alice.author,
        }),
      'MEMBERSHIP_ROTATION_REQUIRED',
    );
    expectCode(
      () =>
        createEntry(log.state, 'user.permissions', { name: 'dave', permissions: [] }, alice.author),
      'MEMBERSHIP_ROTATION_REQUIRED',
    );
    // several removals may come before one rotation
    log.push(createEntry(log.state, 'user.remove', { name: 'dave' }, bob.author));
    const rotation = createNamingRotation(log.state, bob.author);
    const body = rotation.entry.body as {
      generation: number;
      check: string;
      keys: Record<string, string>;
    };
    // a rotation that leaves out a member, wraps for a removed one, or skips a generation
    const missing = clone(body);
    delete missing.keys.bob;
    expectCode(
      () => createEntry(log.state, 'naming.rotate', missing, alice.author),
      'MEMBERSHIP_INVALID',
    );
    const extra = clone(body);
    extra.keys.carol = body.keys.bob!;
    expectCode(
      () => createEntry(log.state, 'naming.rotate', extra, alice.author),
      'MEMBERSHIP_INVALID',
    );
    const swapped = clone(body);
    swapped.keys = { alice: body.keys.alice!, dave: body.keys.bob! };
    expectCode(
      () => createEntry(log.state, 'naming.rotate', swapped, alice.author),
      'MEMBERSHIP_INVALID',
    );
    const skipped = { ...clone(body), generation: 3 };
    expectCode(
      () => createEntry(log.state, 'naming.rotate', skipped, alice.author),
      'MEMBERSHIP_INVALID',
    );
    log.push(rotation.entry);
    expect(log.state.namingKey).toMatchObject({ generation: 2, rotationPending: false });
    expect(toHex(memberNamingKey(log.state, 'alice', alice.identity.boxKeyPair).key)).toBe(
      toHex(rotation.namingKey),
    );
    // an administrator may also rotate at any time
    log.push(createNamingRotation(log.state, alice.author).entry);
    expect(log.state.namingKey.generation).toBe(3);
    expect(verifyLog(log.entries).namingKey.generation).toBe(3);
  });

  it('lets a member who removed itself leave the rotation to others', () => {
    const log = new Log();
    log.add(bob, ['ROOT']);
    const removal = createUserRemoval(log.state, 'alice', alice.author);
    expect(removal.entries).toHaveLength(1);
    expect(removal.namingKey).toBeUndefined();
    log.push(removal.entries[0]!);
    expect(log.state.namingKey.rotationPending).toBe(true);
    log.push(createNamingRotation(log.state, bob.author).entry);
    expect([...verifyLog(log.entries).members.keys()]).toEqual(['bob']);
  });

  it('refuses no-op permission changes and unknown targets', () => {
    const log = new Log();
    log.add(bob, ['STORE_USE']);
    expectCode(
      () =>
        createEntry(
          log.state,
          'user.permissions',
          { name: 'bob', permissions: ['STORE_USE'] },
          alice.author,
        ),
      'MEMBERSHIP_INVALID',
    );
    expectCode(
      () =>
        createEntry(log.state, 'user.permissions', { name: 'zed', permissions: [] }, alice.author),
      'MEMBERSHIP_INVALID',
    );
    expectCode(
      () => createEntry(log.state, 'user.remove', { name: 'zed' }, alice.author),
      'MEMBERSHIP_INVALID',
    );
    // permission sets must be canonical (one signed form per set)
    expectCode(
      () =>
        createEntry(
          log.state,
          'user.permissions',
          { name: 'bob', permissions: ['STORE_SHARE', 'STORE_USE'] },
          alice.author,
        ),
      'MEMBERSHIP_INVALID',
    );
    expectCode(
      () =>
        createEntry(
          log.state,
          'user.permissions',
          { name: 'bob', permissions: ['STORE_USE', 'STORE_USE'] },
          alice.author,
        ),
      'MEMBERSHIP_INVALID',
    );
  });

  it('handles member names that are Object.prototype keys', () => {
    const constructorUser = person('constructor');
    const log = new Log();
    log.add(constructorUser, ['STORE_USE']);
    log.remove(constructorUser);
    const state = verifyLog(log.entries);
    expect(state.members.has('constructor')).toBe(false);
    // a rotation body naming a non-member "constructor" is refused, an omitted one is noticed
    const log2 = new Log();
    log2.add(constructorUser, ['STORE_USE']);
    const rotation = createNamingRotation(log2.state, alice.author).entry;
    const body = clone(rotation.body) as { keys: Record<string, string> };
    Reflect.deleteProperty(body.keys, 'constructor');
    expect(Object.keys(body.keys)).toEqual(['alice']);
    expectCode(
      () => createEntry(log2.state, 'naming.rotate', body as never, alice.author),
      'MEMBERSHIP_INVALID',
    );
  });

  it('refuses invalid genesis input', () => {
    const creator = { ...alice.author, boxPublicKey: alice.identity.boxKeyPair.publicKey };
    expectCode(() => createGenesis({ displayName: '', creator }), 'INVALID_ARGUMENT');
    expectCode(() => createGenesis({ displayName: ' x', creator }), 'INVALID_ARGUMENT');
    expectCode(() => createGenesis({ displayName: 'a\nb', creator }), 'INVALID_ARGUMENT');
    expectCode(
      () => createGenesis({ displayName: 'x', creator: { ...creator, name: 'Alice' } }),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () => createGenesis({ displayName: 'x', creator, workspaceId: '-x' }),
      'INVALID_ARGUMENT',
    );
    const made = createGenesis({
      displayName: 'Family',
      creator,
      workspaceId: 'ws_0123456789abcdef',
      created: new Date('2025-01-02T03:04:05Z'),
    });
    expect(made.state.workspaceId).toBe('ws_0123456789abcdef');
    expect(made.state.created).toBe('2025-01-02T03:04:05.000Z');
    expect(made.state.members.get('alice')!.permissions).toEqual(['ROOT']);
    // the genesis must be authored by its creator
    const wrongAuthor = clone(made.entry);
    wrongAuthor.author = 'bob';
    expectCode(() => verifyGenesis(wrongAuthor), 'MEMBERSHIP_INVALID');
    const wrongSeq = clone(made.entry);
    wrongSeq.seq = 1;
    expectCode(() => verifyGenesis(wrongSeq), 'MEMBERSHIP_BROKEN_CHAIN');
  });

  it('refuses an add that wraps a stale naming key', () => {
    const log = new Log();
    log.add(bob, ['STORE_USE']);
    const old = memberNamingKey(log.state, 'alice', alice.identity.boxKeyPair).key;
    log.remove(bob);
    expectCode(
      () =>
        createUserAdd(log.state, {
          invitation: carol.invitation,
          permissions: [],
          namingKey: old,
          author: alice.author,
        }),
      'NAMING_KEY_INVALID',
    );
  });
});
