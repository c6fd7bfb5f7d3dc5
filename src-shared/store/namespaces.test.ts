import { describe, expect, it } from 'vitest';
import { cryptoReady, fromBase64Url, openSealed } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { analyzeStore } from './access.js';
import { KeyResolver } from './chain.js';
import { readEntry, readEntryText, writeEntry } from './entries.js';
import { accessOf, grantAccess } from './grants.js';
import {
  createNamespace,
  createRootNamespace,
  deleteNamespace,
  listNamespace,
} from './namespaces.js';
import { pathToken } from './paths.js';
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

function setup() {
  const alice = person('alice'); // ROOT
  const bob = person('bob');
  const carol = person('carol');
  const dave = person('dave');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE', 'STORE_SHARE']);
  w.add(dave, ['STORE_USE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  return { w, alice, bob, carol, dave };
}

const write = (w: World, who: Person, path: string, value: string) =>
  w.commit(writeEntry(w.ctx(who), w.view, { path, value }).change);
const grant = (w: World, by: Person, path: string, to: Person, access: string[]) =>
  w.commit(grantAccess(w.ctx(by), w.view, { path, grantee: to.name, access }));
const nsAt = (w: World, who: Person, path: string) =>
  w.view.namespaceByToken(pathToken(w.ctx(who).namingKey, path))!;

describe('the root namespace', () => {
  it('is created once, by a ROOT member, who gets every bit', () => {
    const alice = person('alice');
    const bob = person('bob');
    const w = new World(alice);
    w.add(bob, ['STORE_USE', 'STORE_SHARE']);
    expectCode(() => createRootNamespace(w.ctx(bob), w.view), 'STORE_FORBIDDEN');
    const { namespace } = createRootNamespace(w.ctx(alice), w.view);
    w.commit(createRootNamespace(w.ctx(alice), w.view));
    expect(namespace.parent).toBeNull();
    expect(namespace.inherit).toBeNull();
    expectCode(() => createRootNamespace(w.ctx(alice), w.view), 'STORE_CONFLICT');
    expect(accessOf(w.ctx(alice), w.view, '', 'alice')).toEqual([
      'READ',
      'WRITE',
      'DELETE',
      'EJECT',
    ]);
    expect(accessOf(w.ctx(alice), w.view, '', 'bob')).toEqual([]);
    write(w, alice, 'top', 'v');
    expect(readEntryText(w.ctx(alice), w.view, 'top')).toBe('v');
  });
});

describe('creating namespaces', () => {
  it('a child inherits: holders of the parent read it', () => {
    const { w, alice, bob } = setup();
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team/aws/prod' }));
    expect(nsAt(w, alice, 'team/aws/prod').parent).toBe(nsAt(w, alice, 'team').id);
    write(w, alice, 'team/aws/prod/root', 'pw');
    grant(w, alice, 'team', bob, ['READ']);
    expect(readEntryText(w.ctx(bob), w.view, 'team/aws/prod/root')).toBe('pw');
    expectCode(() => createNamespace(w.ctx(bob), w.view, { path: 'team/b' }), 'STORE_FORBIDDEN');
    expectCode(() => createNamespace(w.ctx(alice), w.view, { path: 'team' }), 'STORE_CONFLICT');
    expectCode(
      () => createNamespace(w.ctx(alice), w.view, { path: 'team/aws/prod/root' }),
      'STORE_CONFLICT',
    );
  });

  it('isolation: a holder of the parent cannot derive an isolated child’s key', () => {
    const { w, alice, bob, carol, dave } = setup();
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
    grant(w, alice, 'team', carol, ['READ', 'WRITE', 'EJECT']);
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    expectCode(
      () => createNamespace(w.ctx(bob), w.view, { path: 'team/vault', isolated: true }),
      'STORE_FORBIDDEN',
    );
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/vault', isolated: true }));
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/vault/deep' }));
    write(w, carol, 'team/vault/v', 'isolated value');
    write(w, carol, 'team/vault/deep/d', 'deeper value');
    const vault = nsAt(w, alice, 'team/vault');
    expect(vault.isolated).toBe(true);
    expect(vault.inherit).toBeNull();

    // Alice (ROOT, holder of root and team) and Bob (holder of team) have no way in.
    for (const who of [alice, bob]) {
      expectCode(() => readEntry(w.ctx(who), w.view, 'team/vault/v'), 'STORE_NO_KEY');
      expectCode(() => readEntry(w.ctx(who), w.view, 'team/vault/deep/d'), 'STORE_NO_KEY');
      const resolver = new KeyResolver(analyzeStore(w.view, w.state), who.actor);
      expectCode(() => resolver.namespace(vault.id), 'STORE_NO_KEY');
      const keyPairs = [who.identity.boxKeyPair];
      for (const ns of w.view.allNamespaces()) {
        const resolved = resolver.tryNamespace(ns.id);
        if (resolved) keyPairs.push(resolved.keyPair);
      }
      expect(keyPairs.length).toBe(who === alice ? 3 : 2); // root+team or team; never the vault
      // No envelope of the vault or below opens with any key they have.
      const vaultSide = w.view
        .allNamespaces()
        .filter((n) => n.id === vault.id || n.parent === vault.id)
        .flatMap((n) => (n.inherit ? [n.inherit.sealed] : []))
        .concat(
          w.view
            .allEntries()
            .filter(
              (e) =>
                e.namespace !== nsAt(w, alice, 'team').id && e.namespace !== nsAt(w, alice, '').id,
            )
            .map((e) => e.keys.namespace.sealed),
        )
        .concat(
          w.view
            .allGrants()
            .filter((g) => g.target.id === vault.id && g.key)
            .map((g) => g.key!.sealed),
        );
      expect(vaultSide.length).toBeGreaterThanOrEqual(3);
      for (const sealed of vaultSide) {
        for (const kp of keyPairs) {
          expect(() => openSealed(kp, fromBase64Url(sealed))).toThrow();
        }
      }
      // Grants above do not reach it either: no WRITE, no listing.
      expect(accessOf(w.ctx(who), w.view, 'team/vault', who.name)).toEqual([]);
      expectCode(
        () => writeEntry(w.ctx(who), w.view, { path: 'team/vault/x', value: 'x' }),
        'STORE_FORBIDDEN',
      );
    }
    // The parent's holders still see that it exists, by name.
    expect(listNamespace(w.ctx(bob), w.view, 'team').namespaces).toEqual([
      { path: 'team/vault', id: vault.id, isolated: true },
    ]);
    // Its owner can share it.
    grant(w, carol, 'team/vault', dave, ['READ']);
    expect(readEntryText(w.ctx(dave), w.view, 'team/vault/deep/d')).toBe('deeper value');
    expectCode(() => readEntry(w.ctx(dave), w.view, 'team/other'), 'STORE_NOT_FOUND');
  });

  it('an isolated namespace cannot be created over existing content', () => {
    const { w, alice } = setup();
    write(w, alice, 'safe/x', 'x');
    expectCode(
      () => createNamespace(w.ctx(alice), w.view, { path: 'safe', isolated: true }),
      'STORE_CONFLICT',
    );
  });
});

describe('intermediate namespaces', () => {
  it('creating one moves what is below it; deleting it moves it back and rotates for lost readers', () => {
    const { w, alice, bob } = setup();
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'a/b/d' }));
    write(w, alice, 'a/b/c', 'c value');
    write(w, alice, 'a/b/d/e', 'e value');
    write(w, alice, 'a/x', 'x value');
    const root = nsAt(w, alice, '');
    const d = nsAt(w, alice, 'a/b/d');
    expect(d.parent).toBe(root.id);

    const creation = createNamespace(w.ctx(alice), w.view, { path: 'a/b' });
    expect(creation.moved.entries).toHaveLength(1);
    expect(creation.moved.namespaces).toEqual([d.id]);
    w.commit(creation);
    const ab = nsAt(w, alice, 'a/b');
    expect(nsAt(w, alice, 'a/b/d')).toMatchObject({ parent: ab.id, revision: 2, generation: 1 });
    expect(w.view.allEntries().find((e) => e.namespace === ab.id)).toBeDefined();
    expect(listNamespace(w.ctx(alice), w.view, 'a/b')).toEqual({
      path: 'a/b',
      namespaces: [{ path: 'a/b/d', id: d.id, isolated: false }],
      entries: [expect.objectContaining({ path: 'a/b/c', version: 1, writer: 'alice' })],
    });

    grant(w, alice, 'a/b', bob, ['READ']);
    expect(readEntryText(w.ctx(bob), w.view, 'a/b/c')).toBe('c value');
    expect(readEntryText(w.ctx(bob), w.view, 'a/b/d/e')).toBe('e value');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'a/x'), 'STORE_NO_KEY');
    for (const path of ['a/b/c', 'a/b/d/e', 'a/x']) {
      expect(readEntry(w.ctx(alice), w.view, path).version).toBe(1);
    }

    // Delete a/b: content goes back to the root; Bob only had a/b, so a/b/d is rotated.
    const deletion = deleteNamespace(w.ctx(alice), w.view, 'a/b');
    expect(deletion.bundle).not.toBeNull();
    // What moved up: a/b's own entry and namespace (not a/b/d/e, which stays under a/b/d).
    const c = w.view.allEntries().find((e) => e.namespace === ab.id)!;
    expect(deletion.moved).toEqual({ entries: [c.id], namespaces: [d.id] });
    expect(deletion.report.rotated.map((r) => [r.path, r.generation])).toEqual([['a/b/d', 2]]);
    w.commit(deletion.bundle!);
    expect(nsAt(w, alice, 'a/b')).toBeUndefined();
    expect(nsAt(w, alice, 'a/b/d').parent).toBe(root.id);
    expect(w.view.allGrants().some((g) => g.target.id === ab.id)).toBe(false);
    for (const [path, value] of [
      ['a/b/c', 'c value'],
      ['a/b/d/e', 'e value'],
      ['a/x', 'x value'],
    ]) {
      expect(readEntryText(w.ctx(alice), w.view, path!)).toBe(value);
    }
    write(w, alice, 'a/b/d/new', 'after delete');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'a/b/d/new'), 'STORE_NO_KEY');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'a/b/c'), 'STORE_NO_KEY');
  });

  it('deleting without lost readers needs no rotation; rules for deletion', () => {
    const { w, alice, bob, carol } = setup();
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'p/q' }));
    write(w, alice, 'p/q/r', 'r');
    const plain = deleteNamespace(w.ctx(alice), w.view, 'p/q');
    expect(plain.bundle).toBeNull();
    expect(plain.moved.entries).toHaveLength(1);
    expect(plain.moved.namespaces).toEqual([]);
    w.commit(plain.change);
    expect(readEntryText(w.ctx(alice), w.view, 'p/q/r')).toBe('r');

    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'empty' }));
    const empty = deleteNamespace(w.ctx(alice), w.view, 'empty');
    expect(empty.moved).toEqual({ entries: [], namespaces: [] });
    w.commit(empty.change);
    expect(nsAt(w, alice, 'empty')).toBeUndefined();

    expectCode(() => deleteNamespace(w.ctx(alice), w.view, ''), 'STORE_FORBIDDEN');
    expectCode(() => deleteNamespace(w.ctx(alice), w.view, 'nothing'), 'STORE_NOT_FOUND');
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    expectCode(() => deleteNamespace(w.ctx(bob), w.view, 'team'), 'STORE_FORBIDDEN');
    grant(w, alice, 'team', carol, ['READ', 'WRITE', 'EJECT']);
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/iso', isolated: true }));
    write(w, carol, 'team/iso/x', 'x');
    expectCode(() => deleteNamespace(w.ctx(carol), w.view, 'team/iso'), 'STORE_CONFLICT');
  });

  it('cannot move an isolated namespace its creator cannot read', () => {
    const { w, alice, carol } = setup();
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
    grant(w, alice, 'team', carol, ['READ', 'WRITE', 'EJECT']);
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/a/iso', isolated: true }));
    expectCode(() => createNamespace(w.ctx(alice), w.view, { path: 'team/a' }), 'STORE_FORBIDDEN');
    // Its owner can.
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/a' }));
    expect(nsAt(w, alice, 'team/a/iso').parent).toBe(nsAt(w, alice, 'team/a').id);
  });
});
