import { describe, expect, it } from 'vitest';
import {
  aeadDecrypt,
  cryptoReady,
  fromBase64Url,
  fromUtf8,
  openSealed,
  type BoxKeyPair,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import type { NamingKey } from '../workspace/naming-key.js';
import { analyzeStore } from './access.js';
import { KeyResolver } from './chain.js';
import { entryAssociatedData, readEntry, readEntryText, writeEntry } from './entries.js';
import { decodeEnvelope } from './envelopes.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace, listNamespace } from './namespaces.js';
import { unpadValue } from './padding.js';
import { pathToken } from './paths.js';
import type { StoreRecords } from './store-view.js';
import { revokeAccess, signRotation, verifyRotationBundle } from './rotation.js';
import { retokenize } from './retokenize.js';
import { person, World, type Person } from './test-kit.js';

await cryptoReady();

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown) ? thrown.code : String(thrown)).toBe(code);
}

function write(w: World, who: Person, path: string, value: string): void {
  w.commit(writeEntry(w.ctx(who), w.view, { path, value }).change);
}

function grant(w: World, by: Person, path: string, to: Person, access: string[]): void {
  w.commit(grantAccess(w.ctx(by), w.view, { path, grantee: to.name, access }));
}

/** Everything a member's device could have kept: key pairs and entry keys it opened. */
interface Loot {
  boxKeyPairs: BoxKeyPair[];
  entryKeys: Uint8Array[];
  namingKeys: NamingKey[];
}

function loot(w: World, who: Person): Loot {
  const resolver = new KeyResolver(analyzeStore(w.view, w.state), who.actor);
  const entryKeys: Uint8Array[] = [];
  for (const entry of w.view.allEntries()) {
    try {
      entryKeys.push(resolver.entryKey(entry).key.slice());
    } catch {
      // not readable by this member
    }
  }
  for (const ns of w.view.allNamespaces()) resolver.tryNamespace(ns.id);
  return {
    boxKeyPairs: [who.identity.boxKeyPair, ...resolver.knownNamespaces().map((r) => r.keyPair)],
    entryKeys,
    namingKeys: [w.ctx(who).namingKey],
  };
}

/**
 * Tries every key in the loot on every envelope and ciphertext of the store; returns the values
 * it could decrypt (what an attacker holding the loot and a copy of the server could read).
 */
function plunder(records: StoreRecords, l: Loot, workspaceId: string): Set<string> {
  const entryKeys = [...l.entryKeys];
  const sealed: string[] = [];
  for (const e of records.allEntries())
    sealed.push(e.keys.namespace.sealed, ...Object.values(e.keys.users));
  for (const g of records.allGrants()) if (g.key) sealed.push(g.key.sealed);
  for (const n of records.allNamespaces()) {
    if (n.inherit) sealed.push(n.inherit.sealed);
  }
  for (const text of sealed) {
    for (const kp of l.boxKeyPairs) {
      try {
        const plain = openSealed(kp, fromBase64Url(text));
        if (plain[1] === 2) entryKeys.push(decodeEnvelope(plain, 'entry-key').key!);
      } catch {
        // not this key
      }
    }
  }
  const values = new Set<string>();
  for (const e of records.allEntries()) {
    for (const key of entryKeys) {
      try {
        const padded = aeadDecrypt(
          key as never,
          fromBase64Url(e.ciphertext),
          entryAssociatedData(workspaceId, e.id, e.version),
        );
        values.add(fromUtf8(unpadValue(padded)));
      } catch {
        // not this key
      }
    }
  }
  return values;
}

function setup() {
  const alice = person('alice'); // ROOT
  const bob = person('bob');
  const carol = person('carol');
  const dave = person('dave');
  const w = new World(alice);
  w.add(bob, ['STORE_USE', 'STORE_SHARE']);
  w.add(carol, ['STORE_USE', 'STORE_SHARE']);
  w.add(dave, ['STORE_USE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team/sub' }));
  return { w, alice, bob, carol, dave };
}

describe('the revocation test', () => {
  it('a revoked member decrypts nothing written afterwards, even with every key it kept', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ']);
    grant(w, alice, 'team', carol, ['READ', 'WRITE', 'EJECT']);
    write(w, alice, 'team/x', 'x before');
    write(w, alice, 'team/sub/z', 'z before');
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/vault', isolated: true }));
    write(w, carol, 'team/vault/v', 'vault value');

    // Bob reads and keeps everything he can.
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('x before');
    expect(readEntryText(w.ctx(bob), w.view, 'team/sub/z')).toBe('z before');
    const kept = loot(w, bob);
    expect(kept.boxKeyPairs.length).toBe(3); // his own, team, team/sub
    const before = w.view.clone();

    // Alice revokes Bob from team.
    const { bundle, report } = revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' });
    w.commit(bundle);
    expect(report.rotated.map((r) => [r.path, r.generation])).toEqual([
      ['team', 2],
      ['team/sub', 2],
    ]);
    expect(report.resealedEntries).toHaveLength(2);
    const vault = w.view.namespaceByToken(pathToken(w.ctx(alice).namingKey, 'team/vault'))!;
    expect(vault.generation).toBe(1); // isolated: not rotated, only its name re-sealed

    // New writes after the revocation.
    write(w, alice, 'team/y', 'y after');
    write(w, alice, 'team/x', 'x after');
    write(w, alice, 'team/sub/w', 'w after');

    // Through the API: no key.
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_NO_KEY');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/y'), 'STORE_NO_KEY');

    // With every key he kept, against a full copy of the server: none of the new values.
    const stolen = plunder(w.view, kept, w.workspaceId);
    expect(stolen.has('x after')).toBe(false);
    expect(stolen.has('y after')).toBe(false);
    expect(stolen.has('w after')).toBe(false);
    expect(stolen.has('vault value')).toBe(false);
    // What he already read stays known (it is unchanged): the documented limit of revocation.
    expect(stolen.has('z before')).toBe(true);
    // Sanity: the same plunder on the old copy finds what he could read then.
    expect(plunder(before, kept, w.workspaceId)).toEqual(new Set(['x before', 'z before']));

    // The others keep their access.
    expect(readEntryText(w.ctx(carol), w.view, 'team/x')).toBe('x after');
    expect(readEntryText(w.ctx(carol), w.view, 'team/sub/w')).toBe('w after');
    expect(readEntryText(w.ctx(carol), w.view, 'team/vault/v')).toBe('vault value');
    expect(readEntryText(w.ctx(alice), w.view, 'team/y')).toBe('y after');
  });

  it('also after leaving the workspace: the old naming key finds nothing new', () => {
    const { w, alice, bob } = setup();
    grant(w, alice, 'team', bob, ['READ']);
    write(w, alice, 'team/x', 'x before');
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('x before');
    const kept = loot(w, bob);
    const oldNamingKey = kept.namingKeys[0]!;

    w.remove(bob); // membership: user.remove + naming.rotate
    const moved = retokenize(w.ctx(alice), w.view);
    expect(moved.updated).toEqual({ namespaces: 3, entries: 1 });
    expect(moved.unreachable).toEqual({ namespaces: [], entries: [] });
    w.commit(moved.change);
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    write(w, alice, 'team/y', 'y after');
    write(w, alice, 'team/x', 'x after');

    expect(w.view.entryByToken(pathToken(oldNamingKey, 'team/y'))).toBeUndefined();
    expect(w.view.entryByToken(pathToken(oldNamingKey, 'team/x'))).toBeUndefined();
    const stolen = plunder(w.view, kept, w.workspaceId);
    expect(stolen.has('x after')).toBe(false);
    expect(stolen.has('y after')).toBe(false);
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('x after');
  });
});

describe('revocation details', () => {
  it('re-signs what the revoked member wrote or granted, so the rest keeps working', () => {
    const { w, alice, bob, dave } = setup();
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    write(w, bob, 'team/sub/by-bob', 'written by bob');
    grant(w, bob, 'team/sub', dave, ['READ']);
    expect(readEntryText(w.ctx(dave), w.view, 'team/sub/by-bob')).toBe('written by bob');

    const { bundle, report } = revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' });
    w.commit(bundle);
    expect(report.adoptedGrants).toHaveLength(1);
    expect(report.resignedEntries).toHaveLength(1);
    const value = readEntry(w.ctx(dave), w.view, 'team/sub/by-bob');
    expect(fromUtf8(value.value)).toBe('written by bob');
    expect(value.writer).toBe('alice');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/sub/by-bob'), 'STORE_NO_KEY');
  });

  it('access of the revoked member that only its own grant backed goes too', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    grant(w, bob, 'team', carol, ['READ']);
    grant(w, carol, 'team/sub', bob, ['READ']);
    const { bundle, report } = revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' });
    expect(report.adoptedGrants).toHaveLength(1); // Carol's grant, now signed by Alice
    expect(report.removedGrants).toHaveLength(2); // Bob's grant on team and Carol's on team/sub
    w.commit(bundle);
    write(w, alice, 'team/sub/after', 'after');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/sub/after'), 'STORE_NO_KEY');
    expect(readEntryText(w.ctx(carol), w.view, 'team/sub/after')).toBe('after');
  });

  it('records a server slipped in neither block a revocation nor get listed', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ']);
    grant(w, alice, 'team', carol, ['READ']);
    write(w, alice, 'team/real', 'real');
    const team = w.view.namespaceByToken(pathToken(w.ctx(alice).namingKey, 'team'))!;
    const real = w.view.allEntries()[0]!;
    // An entry "written" by Bob, who has no WRITE, with garbage where its key should be.
    const junkToken = pathToken(w.ctx(alice).namingKey, 'team/junk');
    w.view.unsafePut('entry', {
      ...real,
      id: junkToken,
      token: junkToken,
      writer: 'bob',
      keys: {
        namespace: { generation: 1, sealed: real.keys.namespace.sealed.slice(0, -4) + 'AAAA' },
        users: {},
      },
    });
    // A namespace record with a broken signature below team.
    const sub = w.view.namespaceByToken(pathToken(w.ctx(alice).namingKey, 'team/sub'))!;
    w.view.unsafePut('namespace', {
      ...sub,
      id: junkToken.replace(/^./, 'Z'),
      token: team.id,
      isolated: false,
    });
    expect(listNamespace(w.ctx(carol), w.view, 'team').entries.map((e) => e.path)).toEqual([
      'team/real',
    ]);
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expect(readEntryText(w.ctx(carol), w.view, 'team/real')).toBe('real');
  });

  it('needs EJECT and every revoked bit; refuses when access remains through another grant', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    grant(w, alice, 'team', carol, ['READ', 'EJECT']);
    expectCode(
      () => revokeAccess(w.ctx(carol), w.view, { path: 'team', grantee: 'bob' }),
      'STORE_FORBIDDEN',
    );
    grant(w, alice, 'team/sub', bob, ['READ']);
    expectCode(
      () => revokeAccess(w.ctx(alice), w.view, { path: 'team/sub', grantee: 'bob' }),
      'STORE_CONFLICT',
    );
    expectCode(
      () => revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'dave' }),
      'STORE_NOT_FOUND',
    );
    expectCode(
      () => revokeAccess(w.ctx(bob), w.view, { path: 'team', grantee: 'carol' }),
      'STORE_FORBIDDEN',
    );
  });

  it('revoking a direct share re-encrypts the entry under a new key', () => {
    const { w, alice, bob, dave } = setup();
    write(w, alice, 'team/x', 'shared v1');
    grant(w, alice, 'team/x', bob, ['READ']);
    grant(w, alice, 'team/x', dave, ['READ']);
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('shared v1');
    const kept = loot(w, bob);
    const { bundle, report } = revokeAccess(w.ctx(alice), w.view, {
      path: 'team/x',
      grantee: 'bob',
    });
    w.commit(bundle);
    expect(report.reencrypted?.version).toBe(2);
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_NO_KEY');
    expect(readEntryText(w.ctx(dave), w.view, 'team/x')).toBe('shared v1');
    write(w, alice, 'team/x', 'shared v2');
    expect(readEntryText(w.ctx(dave), w.view, 'team/x')).toBe('shared v2');
    const stolen = plunder(w.view, kept, w.workspaceId);
    expect(stolen.has('shared v2')).toBe(false);
    // The re-encrypted copy of the old value is under a new key too.
    expect(stolen.size).toBe(0);
  });

  it('a write prepared against the old keys cannot be committed after the rotation', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ']);
    grant(w, alice, 'team', carol, ['READ', 'WRITE']);
    const racing = writeEntry(w.ctx(carol), w.view, {
      path: 'team/race',
      value: 'sealed to gen 1',
    });
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expectCode(() => w.commit(racing.change), 'STORE_CONFLICT');
  });

  it('rotation bundles are signed by a member who may share', () => {
    const { w, alice, bob, dave } = setup();
    grant(w, alice, 'team', bob, ['READ']);
    const { bundle } = revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' });
    expect(verifyRotationBundle(bundle, w.state).actor).toBe('alice');
    expectCode(
      () => verifyRotationBundle({ ...bundle, actor: 'bob' }, w.state),
      'STORE_BAD_SIGNATURE',
    );
    expectCode(
      () => verifyRotationBundle({ ...bundle, change: { ...bundle.change, expect: [] } }, w.state),
      'STORE_BAD_SIGNATURE',
    );
    const byDave = signRotation(w.ctx(dave), bundle.change, bundle.reason);
    expectCode(() => verifyRotationBundle(byDave, w.state), 'STORE_FORBIDDEN');
  });
});
