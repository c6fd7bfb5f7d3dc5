import { describe, expect, it } from 'vitest';
import { cryptoReady, toBase64Url } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { analyzeStore } from './access.js';
import { KeyResolver } from './chain.js';
import { readEntry, readEntryText, writeEntry } from './entries.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { pathToken } from './paths.js';
import { revokeAccess } from './rotation.js';
import type { SeenVersions } from './seen.js';
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
  const alice = person('alice');
  const bob = person('bob');
  const carol = person('carol');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  for (const path of ['team', 'team/a', 'team/a/b', 'team/c']) {
    w.commit(createNamespace(w.ctx(alice), w.view, { path }));
  }
  w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
  w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/a/b/x', value: 'deep' }).change);
  return { w, alice, bob, carol };
}

const nsAt = (w: World, path: string) =>
  w.view.namespaceByToken(pathToken(w.ctx(w.creator).namingKey, path))!;
const resolverOf = (w: World, who: Person, seen?: SeenVersions) =>
  new KeyResolver(analyzeStore(w.view, w.state), who.actor, seen);

describe('the key chain', () => {
  it('walks from a grant on an ancestor down the inherited keys', () => {
    const { w, bob } = setup();
    const resolver = resolverOf(w, bob);
    const b = resolver.namespace(nsAt(w, 'team/a/b').id);
    expect(b.path).toBe('team/a/b');
    expect(toBase64Url(b.keyPair.publicKey)).toBe(nsAt(w, 'team/a/b').publicKey);
    expect(
      resolver
        .knownNamespaces()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['team', 'team/a', 'team/a/b']);
    expect(resolver.namespacePath(nsAt(w, 'team/c').id).path).toBe('team/c');
    expectCode(() => resolver.namespace(nsAt(w, '').id), 'STORE_NO_KEY');
    expect(resolverOf(w, w.creator).namespacePath(nsAt(w, '').id).path).toBe('');
    resolver.wipe();
    expect(resolver.knownNamespaces()).toEqual([]);
  });

  it('without a grant there is no key', () => {
    const { w, carol } = setup();
    expectCode(() => resolverOf(w, carol).namespace(nsAt(w, 'team').id), 'STORE_NO_KEY');
    expectCode(() => readEntry(w.ctx(carol), w.view, 'team/a/b/x'), 'STORE_NO_KEY');
  });

  it('an inherited key swapped between siblings is refused', () => {
    const { w, bob } = setup();
    const a = nsAt(w, 'team/a');
    const c = nsAt(w, 'team/c');
    w.view.unsafePut('namespace', { ...a, inherit: c.inherit });
    expectCode(() => resolverOf(w, bob).namespace(a.id), 'STORE_TAMPERED');
    expectCode(
      () => readEntry(w.ctx(bob, { seen: false }), w.view, 'team/a/b/x'),
      'STORE_TAMPERED',
    );
  });

  it('a namespace the server serves for another path is refused', () => {
    const { w, alice, bob } = setup();
    w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/c/y', value: 'y' }).change);
    const a = nsAt(w, 'team/a');
    const c = nsAt(w, 'team/c');
    // Swap the tokens: asking for team/c returns team/a.
    w.view.unsafePut('namespace', { ...a, token: c.token });
    w.view.unsafePut('namespace', { ...c, token: a.token });
    expectCode(
      () => writeEntry(w.ctx(alice, { seen: false }), w.view, { path: 'team/c/new', value: 'x' }),
      'STORE_TAMPERED',
    );
    expectCode(() => readEntry(w.ctx(bob, { seen: false }), w.view, 'team/c/y'), 'STORE_TAMPERED');
    // What does not go through the swapped records is unaffected (keys are found by id).
    expect(readEntryText(w.ctx(bob, { seen: false }), w.view, 'team/a/b/x')).toBe('deep');
  });

  it('an old namespace key served again after a rotation is refused by a client that saw the new one', () => {
    const { w, alice, bob, carol } = setup();
    w.commit(
      grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'carol', access: ['READ'] }),
    );
    const before = w.view.clone();
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expect(readEntryText(w.ctx(carol), w.view, 'team/a/b/x')).toBe('deep');
    // The server rolls the store back to the keys Bob still has; Carol's device remembers.
    expectCode(() => readEntry(w.ctx(carol), before, 'team/a/b/x'), 'STORE_STALE');
    expectCode(
      () => writeEntry(w.ctx(carol), before, { path: 'team/a/new', value: 'x' }),
      'STORE_STALE',
    );
    void bob;
  });
});
