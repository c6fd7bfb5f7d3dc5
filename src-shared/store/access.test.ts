import { describe, expect, it } from 'vitest';
import { cryptoReady, generateBoxKeyPair } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { analyzeStore } from './access.js';
import {
  ACCESS_BITS,
  AccessSetSchema,
  hasAccess,
  holdsAll,
  normalizeAccess,
  unionAccess,
} from './bits.js';
import { writeEntry } from './entries.js';
import { accessOf, grantAccess } from './grants.js';
import { resignNamespaceRecord } from './namespace-keys.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
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

describe('access bits', () => {
  it('have one canonical form', () => {
    expect(normalizeAccess(['EJECT', 'READ', 'READ'])).toEqual(['READ', 'EJECT']);
    expect(AccessSetSchema.safeParse(['READ', 'WRITE']).success).toBe(true);
    expect(AccessSetSchema.safeParse(['WRITE', 'READ']).success).toBe(false);
    expect(AccessSetSchema.safeParse(['READ', 'READ']).success).toBe(false);
    expect(AccessSetSchema.safeParse([]).success).toBe(false);
    expect(holdsAll(['READ', 'WRITE'], ['WRITE'])).toBe(true);
    expect(holdsAll(['READ'], ['READ', 'WRITE'])).toBe(false);
    expect(hasAccess(['DELETE'], 'DELETE')).toBe(true);
    expect(unionAccess(['EJECT'], ['READ'], [])).toEqual(['READ', 'EJECT']);
    expect(ACCESS_BITS).toEqual(['READ', 'WRITE', 'DELETE', 'EJECT']);
    expectCode(() => normalizeAccess(['ROOT']), 'INVALID_ARGUMENT');
  });
});

function setup() {
  const alice = person('alice'); // ROOT
  const bob = person('bob');
  const carol = person('carol');
  const mallory = person('mallory');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE', 'STORE_SHARE']);
  w.add(mallory, ['STORE_USE', 'STORE_SHARE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team/sub' }));
  w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/sub/e', value: 'e' }).change);
  return { w, alice, bob, carol, mallory };
}

const grant = (w: World, by: Person, path: string, to: Person, access: string[]) =>
  w.commit(grantAccess(w.ctx(by), w.view, { path, grantee: to.name, access }));
const bits = (w: World, path: string, who: Person) =>
  accessOf(w.ctx(w.creator), w.view, path, who.name);
const nsAt = (w: World, path: string) =>
  w.view.namespaceByToken(pathToken(w.ctx(w.creator).namingKey, path))!;

describe('effective access', () => {
  it('ROOT holds every bit outside isolated namespaces; others hold what grants give', () => {
    const { w, alice, bob } = setup();
    expect(bits(w, 'team/sub', alice)).toEqual(['READ', 'WRITE', 'DELETE', 'EJECT']);
    expect(bits(w, 'team/sub', bob)).toEqual([]);
    grant(w, alice, 'team', bob, ['READ']);
    grant(w, alice, 'team/sub/e', bob, ['WRITE']);
    expect(bits(w, 'team', bob)).toEqual(['READ']);
    expect(bits(w, 'team/sub', bob)).toEqual(['READ']); // inherited
    expect(bits(w, 'team/sub/e', bob)).toEqual(['READ', 'WRITE']); // plus the entry grant
    expect(bits(w, '', bob)).toEqual([]); // grants do not go up
  });

  it('a member without STORE_USE holds nothing, grants notwithstanding', () => {
    const { w, alice, bob } = setup();
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    w.setPermissions(bob, []);
    expect(bits(w, 'team', bob)).toEqual([]);
  });

  it('a grant counts only while its granter keeps the bits (current authority)', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', carol, ['READ', 'WRITE']);
    grant(w, carol, 'team', bob, ['READ']);
    expect(bits(w, 'team', bob)).toEqual(['READ']);
    w.setPermissions(carol, ['STORE_USE']); // no more STORE_SHARE
    expect(bits(w, 'team', bob)).toEqual([]);
  });

  it('grants above an isolated namespace do not reach it; its creator owns it', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', carol, ['READ', 'WRITE', 'EJECT']);
    grant(w, alice, 'team', bob, ['READ', 'WRITE', 'DELETE']);
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/iso', isolated: true }));
    w.commit(createNamespace(w.ctx(carol), w.view, { path: 'team/iso/in' }));
    expect(bits(w, 'team/iso', carol)).toEqual(['READ', 'WRITE', 'DELETE', 'EJECT']);
    expect(bits(w, 'team/iso/in', carol)).toEqual(['READ', 'WRITE', 'DELETE', 'EJECT']);
    expect(bits(w, 'team/iso/in', bob)).toEqual([]);
    expect(bits(w, 'team/iso/in', alice)).toEqual([]); // not even ROOT
    const node = analyzeStore(w.view, w.state).node(nsAt(w, 'team/iso/in').id)!;
    expect(node.chain).toEqual([nsAt(w, 'team/iso/in').id, nsAt(w, 'team/iso').id]);
    expect(node.boundary).toBe(nsAt(w, 'team/iso').id);
  });
});

describe('namespace records', () => {
  it('records by non-members, with bad signatures, or in a cycle are refused with what is below them', () => {
    const { w, alice, mallory } = setup();
    const team = nsAt(w, 'team');
    const sub = nsAt(w, 'team/sub');
    // A bad signature.
    w.view.unsafePut('namespace', { ...team, isolated: true, inherit: null });
    let authority = analyzeStore(w.view, w.state);
    expect(authority.namespaceProblem(team.id)?.code).toBe('STORE_BAD_SIGNATURE');
    expect(authority.node(sub.id)).toBeUndefined();
    expect(authority.namespaceProblem(sub.id)?.code).toBe('STORE_FORBIDDEN');
    w.view.unsafePut('namespace', team);
    // A cycle: team's parent is sub (signed by a ROOT, so only the cycle is wrong).
    const cyclic = resignNamespaceRecord(
      team,
      { parent: sub.id, name: team.name, inherit: team.inherit },
      alice.actor,
    );
    w.view.unsafePut('namespace', cyclic);
    authority = analyzeStore(w.view, w.state);
    expect(authority.node(team.id)).toBeUndefined();
    expect(authority.node(sub.id)).toBeUndefined();
    w.view.unsafePut('namespace', team);
    // Signed by a member who has no read access to it: in the tree but not authorized.
    const minted = generateBoxKeyPair();
    const hijacked = resignNamespaceRecord(
      team,
      { publicKey: minted.publicKey, generation: 2, name: team.name, inherit: team.inherit },
      mallory.actor,
    );
    w.view.unsafePut('namespace', hijacked);
    authority = analyzeStore(w.view, w.state);
    expect(authority.node(team.id)).toBeDefined();
    expect(authority.signerAuthorized(team.id)).toBe(false);
    expectCode(
      () => writeEntry(w.ctx(alice, { seen: false }), w.view, { path: 'team/new', value: 'x' }),
      'STORE_FORBIDDEN',
    );
    // Removing the signer from the workspace refuses its records.
    w.view.unsafePut('namespace', team);
    w.remove(mallory);
    expect(analyzeStore(w.view, w.state).node(team.id)).toBeDefined();
  });
});
