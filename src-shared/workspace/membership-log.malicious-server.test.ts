import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUtf8, toBase64Url, utf8 } from '../crypto/index.js';
import { applyEntry, createEntry, createUserAdd, verifyLog } from './membership-log.js';
import { memberNamingKey } from './naming-key.js';
import {
  expectCode,
  alice,
  bob,
  carol,
  dave,
  erin,
  mallory,
  clone,
  Log,
  forge,
  reference,
} from './test/membership.js';

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
