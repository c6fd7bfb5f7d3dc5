/**
 * Replays against the store model (Trust fixes 1 and 2): grant epochs, writing needs READ,
 * the rollback memory (`SeenVersions`) with deletions, share epochs and the v1 snapshot. The
 * "server" is a `StoreView` that accepted every honest change; its records are then changed
 * behind its back (`unsafePut`), so each refusal asserted is the client's own.
 */
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { analyzeStore } from './access.js';
import { auditStore } from './audit.js';
import { deleteEntry, readEntryText, writeEntry } from './entries.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace, deleteNamespace } from './namespaces.js';
import { pathToken } from './paths.js';
import { revokeAccess } from './rotation.js';
import { SeenVersions } from './seen.js';
import { person, World, type Person } from './test-kit.js';

await cryptoReady();

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isBackboneError(error) ? error.code : String(error);
  }
  return 'no error';
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  expect(codeOf(fn)).toBe(code);
}

function setup() {
  const alice = person('alice'); // ROOT
  const bob = person('bob'); // STORE_USE
  const carol = person('carol'); // STORE_USE + STORE_SHARE
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE', 'STORE_SHARE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: 'x-1' }).change);
  return { w, alice, bob, carol };
}

const grant = (w: World, by: Person, path: string, to: Person, access: string[]) =>
  w.commit(grantAccess(w.ctx(by), w.view, { path, grantee: to.name, access }));
const tokenOf = (w: World, who: Person, path: string) => pathToken(w.ctx(who).namingKey, path);

describe('grant epochs', () => {
  it('rollback class: a namespace grant from before a revocation never counts again', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    grant(w, alice, 'team', carol, ['READ']);
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('x-1');
    const old = w.view.allGrants().find((g) => g.grantee === 'bob')!;
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);

    // carol's grant was signed again for the new generation; she still reads
    const carolGrant = w.view.allGrants().find((g) => g.grantee === 'carol')!;
    const team = w.view.namespaceByToken(tokenOf(w, alice, 'team'))!;
    expect(carolGrant.epoch).toBe(team.generation);
    expect(readEntryText(w.ctx(carol), w.view, 'team/x')).toBe('x-1');

    w.view.unsafePut('grant', old);
    const authority = analyzeStore(w.view, w.state);
    expect(authority.isGrantValid(old.id)).toBe(false);
    expect(authority.grantProblem(old.id)?.code).toBe('STORE_STALE');
    // the same rule on the server's side: the replayed grant is reported
    expect(auditStore(w.view, w.state).some((p) => p.id === old.id)).toBe(true);
    expectCode(
      () => writeEntry(w.ctx(bob), w.view, { path: 'team/x', value: 'bob again' }),
      'STORE_FORBIDDEN',
    );
  });

  it('a WRITE-only revocation also rotates, so its replay does not count', () => {
    const { w, alice, bob } = setup();
    grant(w, alice, 'team', bob, ['WRITE']);
    const old = w.view.allGrants().find((g) => g.grantee === 'bob')!;
    const before = w.view.namespaceByToken(tokenOf(w, alice, 'team'))!.generation;
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expect(w.view.namespaceByToken(tokenOf(w, alice, 'team'))!.generation).toBe(before + 1);
    w.view.unsafePut('grant', old);
    expect(analyzeStore(w.view, w.state).grantProblem(old.id)?.code).toBe('STORE_STALE');
  });

  it('writing needs READ: an entry by a WRITE-only writer does not count anywhere', () => {
    const { w, alice, bob } = setup();
    grant(w, alice, 'team', bob, ['WRITE']);
    const x = w.view.entryByToken(tokenOf(w, alice, 'team/x'))!;
    const authority = analyzeStore(w.view, w.state);
    expect(authority.writerAuthorized({ ...x, writer: 'bob' })).toBe(false);
    expect(authority.writerAuthorized(x)).toBe(true);
  });

  it('rollback class: an entry share revocation moves the share epoch; old entry grants stay dead', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team/x', bob, ['READ']);
    grant(w, alice, 'team/x', carol, ['READ']);
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('x-1');
    const oldGrant = w.view.allGrants().find((g) => g.grantee === 'bob')!;
    const oldEntry = w.view.entryByToken(tokenOf(w, alice, 'team/x'))!;
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('x-1');
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team/x', grantee: 'bob' }).bundle);

    const now = w.view.entryByToken(tokenOf(w, alice, 'team/x'))!;
    expect(now.shareEpoch).toBe(oldEntry.shareEpoch + 1);
    expect(readEntryText(w.ctx(carol), w.view, 'team/x')).toBe('x-1');
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('x-1');

    // the old grant alone: stale
    w.view.unsafePut('grant', oldGrant);
    expect(analyzeStore(w.view, w.state).grantProblem(oldGrant.id)?.code).toBe('STORE_STALE');
    // with the old entry record too (old epoch, old version): alice's device refuses it
    w.view.unsafePut('entry', oldEntry);
    expectCode(() => readEntryText(w.ctx(alice), w.view, 'team/x'), 'STORE_STALE');
  });

  it('a revoker holding the bits only through a grant on the folder itself is refused clearly', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', carol, ['READ', 'WRITE', 'DELETE', 'EJECT']);
    grant(w, carol, 'team', bob, ['READ']);
    let message = '';
    try {
      revokeAccess(w.ctx(carol), w.view, { path: 'team', grantee: 'bob' });
    } catch (error) {
      if (!isBackboneError(error, 'STORE_FORBIDDEN')) throw error;
      message = error.message;
    }
    expect(message).toMatch(/signing again the access of carol/);
    // an administrator can
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expect(readEntryText(w.ctx(carol), w.view, 'team/x')).toBe('x-1');
  });
});

describe('rollback memory', () => {
  it('rollback class: an older namespace record is refused even with a higher revision', () => {
    const seen = new SeenVersions();
    seen.noteNamespace('ns', 3, 3);
    expect(seen.namespaceProblem('ns', 2, 9)?.code).toBe('STORE_STALE');
    expect(seen.namespaceProblem('ns', 3, 2)?.code).toBe('STORE_STALE');
    expect(seen.namespaceProblem('ns', 3, 3)).toBeUndefined();
    // noted separately: a higher revision with a lower generation does not lower the generation
    seen.noteNamespace('ns', 2, 9);
    expect(seen.namespaceProblem('ns', 2, 9)?.code).toBe('STORE_STALE');
  });

  it('rollback class: a re-inserted deleted entry is refused; a genuine re-creation is not', () => {
    const { w, alice } = setup();
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('x-1');
    const old = w.view.entryByToken(tokenOf(w, alice, 'team/x'))!;
    w.commit(deleteEntry(w.ctx(alice), w.view, 'team/x'));
    w.view.unsafePut('entry', old);
    expectCode(() => readEntryText(w.ctx(alice), w.view, 'team/x'), 'STORE_STALE');
    w.view.unsafeRemove('entry', old.id);
    w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: 'x-2' }).change);
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('x-2');
  });

  it('rollback class: a re-inserted deleted namespace is refused', () => {
    const { w, alice } = setup();
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'gone' }));
    const old = w.view.namespaceByToken(tokenOf(w, alice, 'gone'))!;
    w.commit(deleteNamespace(w.ctx(alice), w.view, 'gone').change);
    w.view.unsafePut('namespace', old);
    expectCode(
      () => writeEntry(w.ctx(alice), w.view, { path: 'gone/y', value: 'y' }),
      'STORE_STALE',
    );
  });

  it('field malleability: a share epoch that went back is refused; snapshots round-trip', () => {
    const seen = new SeenVersions();
    seen.noteEntry('a/b', 'id1', 4, 2);
    expectCode(() => seen.checkEntry('a/b', 'id1', 4, 1), 'STORE_STALE');
    seen.checkEntry('a/b', 'id1', 4, 2);
    seen.noteEntryDeleted('a/b', 'id1', 4);
    seen.noteNamespaceDeleted('ns');
    const copy = SeenVersions.fromJSON(JSON.parse(JSON.stringify(seen.toJSON())));
    expectCode(() => copy.checkEntry('a/b', 'id1', 4, 2), 'STORE_STALE');
    expect(copy.namespaceProblem('ns', 1, 1)?.code).toBe('STORE_STALE');
    expect(copy.entryVersion('a/b')).toBe(4);
  });

  it('reads the version 1 snapshot', () => {
    const seen = SeenVersions.fromJSON({
      v: 1,
      entries: { 'a/b': { id: 'id1', version: 3 } },
      namespaces: { ns: { generation: 2, revision: 5 } },
    });
    expectCode(() => seen.checkEntry('a/b', 'id1', 2), 'STORE_STALE');
    expect(seen.namespaceProblem('ns', 1, 6)?.code).toBe('STORE_STALE');
    expect(seen.toJSON().v).toBe(2);
    expectCode(() => SeenVersions.fromJSON({ v: 3 }), 'INVALID_ARGUMENT');
  });
});
