import { describe, expect, it } from 'vitest';
import { toHex } from '../crypto/index.js';
import { createInvitation, parseInvitation, type Invitation } from './invitation.js';
import {
  createEntry,
  createGenesis,
  createNamingRotation,
  createUserAdd,
  createUserRemoval,
  verifyGenesis,
  verifyLog,
} from './membership-log.js';
import { memberNamingKey } from './naming-key.js';
import {
  expectCode,
  person,
  alice,
  bob,
  carol,
  dave,
  erin,
  mallory,
  clone,
  Log,
} from './test/membership.js';

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
