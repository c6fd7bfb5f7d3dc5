import { describe, expect, it } from 'vitest';
import {
  cryptoReady,
  fromBase64Url,
  generateBoxKeyPair,
  openSealed,
  toBase64Url,
} from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { analyzeStore } from './access.js';
import { KeyResolver } from './chain.js';
import { readEntry, readEntryText, writeEntry } from './entries.js';
import { accessOf, grantAccess, listGrants, signGrantRecord } from './grants.js';
import { sealNamespaceKey } from './namespace-keys.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { pathToken } from './paths.js';
import type { GrantRecord } from './records.js';
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
  const bob = person('bob'); // STORE_USE only
  const carol = person('carol'); // may share
  const dave = person('dave');
  const mallory = person('mallory'); // may share, holds nothing
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE', 'STORE_SHARE']);
  w.add(dave, ['STORE_USE']);
  w.add(mallory, ['STORE_USE', 'STORE_SHARE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: 'team secret' }).change);
  return { w, alice, bob, carol, dave, mallory };
}

const grant = (w: World, by: Person, path: string, to: Person, access: string[]) =>
  w.commit(grantAccess(w.ctx(by), w.view, { path, grantee: to.name, access }));
const teamId = (w: World, who: Person) =>
  w.view.namespaceByToken(pathToken(w.ctx(who).namingKey, 'team'))!.id;

/** Signs a grant with no rule check: what a malicious member (or a server with a stolen key) can post. */
function forgeGrant(
  w: World,
  granter: Person,
  grantee: Person,
  targetId: string,
  access: GrantRecord['access'],
  key: GrantRecord['key'],
  granteeBox = grantee.identity.boxKeyPair.publicKey,
): GrantRecord {
  return signGrantRecord(
    {
      workspace: w.workspaceId,
      id: toBase64Url(new Uint8Array(16).map(() => Math.floor(Math.random() * 256))),
      target: { kind: 'namespace', id: targetId },
      grantee: grantee.name,
      granteeBox,
      access,
      epoch: w.view.namespace(targetId)?.generation ?? 1,
      key,
    },
    granter.actor,
  );
}

describe('granting', () => {
  it('a READ grant seals the namespace key to the grantee’s box key from the log', () => {
    const { w, alice, bob } = setup();
    const { grant: record } = grantAccess(w.ctx(alice), w.view, {
      path: 'team',
      grantee: 'bob',
      access: ['READ'],
    });
    expect(record.granteeBox).toBe(toBase64Url(w.state.members.get('bob')!.boxPk));
    expect(() =>
      openSealed(bob.identity.boxKeyPair, fromBase64Url(record.key!.sealed)),
    ).not.toThrow();
    expect(() =>
      openSealed(alice.identity.boxKeyPair, fromBase64Url(record.key!.sealed)),
    ).toThrow();
    grant(w, alice, 'team', bob, ['READ']);
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('team secret');
    expect(accessOf(w.ctx(bob), w.view, 'team/x', 'bob')).toEqual(['READ']);
  });

  it('a grant without READ carries no key', () => {
    const { w, alice } = setup();
    const { grant: record } = grantAccess(w.ctx(alice), w.view, {
      path: 'team',
      grantee: 'bob',
      access: ['WRITE'],
    });
    expect(record.key).toBeNull();
  });

  it('nobody grants bits they do not hold', () => {
    const { w, alice, carol, dave } = setup();
    grant(w, alice, 'team', carol, ['READ']);
    expectCode(
      () =>
        grantAccess(w.ctx(carol), w.view, {
          path: 'team',
          grantee: 'dave',
          access: ['READ', 'WRITE'],
        }),
      'STORE_FORBIDDEN',
    );
    expectCode(
      () => grantAccess(w.ctx(carol), w.view, { path: '', grantee: 'dave', access: ['READ'] }),
      'STORE_FORBIDDEN',
    );
    grant(w, carol, 'team', dave, ['READ']);
    expect(readEntryText(w.ctx(dave), w.view, 'team/x')).toBe('team secret');
  });

  it('needs STORE_SHARE, a member grantee with STORE_USE, and something at the path', () => {
    const { w, alice, bob, carol } = setup();
    grant(w, alice, 'team', bob, ['READ', 'WRITE']);
    expectCode(
      () => grantAccess(w.ctx(bob), w.view, { path: 'team', grantee: 'carol', access: ['READ'] }),
      'STORE_FORBIDDEN',
    );
    expectCode(
      () =>
        grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'nobody', access: ['READ'] }),
      'MEMBERSHIP_UNKNOWN_MEMBER',
    );
    w.setPermissions(carol, ['STORE_SHARE']);
    expectCode(
      () => grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'carol', access: ['READ'] }),
      'STORE_FORBIDDEN',
    );
    expectCode(
      () =>
        grantAccess(w.ctx(alice), w.view, { path: 'team/none', grantee: 'bob', access: ['READ'] }),
      'STORE_NOT_FOUND',
    );
    expectCode(
      () => grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['FLY'] }),
      'INVALID_ARGUMENT',
    );
  });
});

describe('a malicious server or member', () => {
  it('a grant not signed by a holder does not count', () => {
    const { w, alice, dave, mallory } = setup();
    // Mallory may share but holds nothing on team; she mints a key pair and "grants" it to Dave.
    const fake = generateBoxKeyPair();
    const salt = new Uint8Array(32);
    const forged = forgeGrant(
      w,
      mallory,
      dave,
      teamId(w, alice),
      ['READ', 'WRITE'],
      sealNamespaceKey(
        dave.identity.boxKeyPair.publicKey,
        1,
        { path: 'team', salt },
        fake.secretKey,
      ),
    );
    w.view.unsafePut('grant', forged);
    const authority = analyzeStore(w.view, w.state);
    expect(authority.isGrantValid(forged.id)).toBe(false);
    expect(authority.grantProblem(forged.id)?.code).toBe('STORE_FORBIDDEN');
    expectCode(() => readEntry(w.ctx(dave), w.view, 'team/x'), 'STORE_NO_KEY');
    expectCode(
      () => writeEntry(w.ctx(dave), w.view, { path: 'team/y', value: 'x' }),
      'STORE_FORBIDDEN',
    );
    expect(listGrants(w.ctx(alice), w.view, 'team').find((g) => g.id === forged.id)).toMatchObject({
      valid: false,
      granter: 'mallory',
    });
  });

  it('grants cannot justify each other in a circle', () => {
    const { w, alice, carol, mallory } = setup();
    const id = teamId(w, alice);
    const a = forgeGrant(w, carol, mallory, id, ['WRITE'], null);
    const b = forgeGrant(w, mallory, carol, id, ['WRITE'], null);
    w.view.unsafePut('grant', a);
    w.view.unsafePut('grant', b);
    const authority = analyzeStore(w.view, w.state);
    expect(authority.isGrantValid(a.id)).toBe(false);
    expect(authority.isGrantValid(b.id)).toBe(false);
    expect(accessOf(w.ctx(alice), w.view, 'team', 'carol')).toEqual([]);
  });

  it('a grant signed by someone else than its granter does not count', () => {
    const { w, alice, dave } = setup();
    const eve = person('eve');
    const forged = forgeGrant(
      w,
      { ...eve, actor: { ...eve.actor, name: 'alice' } },
      dave,
      teamId(w, alice),
      ['WRITE'],
      null,
    );
    w.view.unsafePut('grant', forged);
    expect(analyzeStore(w.view, w.state).grantProblem(forged.id)?.code).toBe('STORE_BAD_SIGNATURE');
    expect(accessOf(w.ctx(alice), w.view, 'team', 'dave')).toEqual([]);
  });

  it('a grant wrapping the key to a public key not in the verified log does not count', () => {
    const { w, alice, dave } = setup();
    const eve = generateBoxKeyPair();
    const resolver = new KeyResolver(analyzeStore(w.view, w.state), alice.actor);
    const team = resolver.namespace(teamId(w, alice));
    // Signed by alice (a holder) but for a box key that is not Dave's: e.g. a client that took
    // Dave's key from a server answer instead of the log.
    const wrong = forgeGrant(
      w,
      alice,
      dave,
      team.id,
      ['READ'],
      sealNamespaceKey(eve.publicKey, 1, team, team.keyPair.secretKey),
      eve.publicKey,
    );
    w.view.unsafePut('grant', wrong);
    const authority = analyzeStore(w.view, w.state);
    expect(authority.isGrantValid(wrong.id)).toBe(false);
    expect(authority.grantProblem(wrong.id)?.code).toBe('STORE_TAMPERED');
    expectCode(() => readEntry(w.ctx(dave), w.view, 'team/x'), 'STORE_NO_KEY');
  });

  it('a key envelope replaced in a valid grant is detected', () => {
    const { w, alice, bob } = setup();
    grant(w, alice, 'team', bob, ['READ']);
    const real = w.view.allGrants().find((g) => g.grantee === 'bob')!;
    const resolver = new KeyResolver(analyzeStore(w.view, w.state), alice.actor);
    const team = resolver.namespace(teamId(w, alice));
    // Even knowing the path and salt (a former member might), a minted key is refused: it does
    // not match the signed public key.
    const minted = generateBoxKeyPair();
    w.view.unsafePut('grant', {
      ...real,
      key: sealNamespaceKey(bob.identity.boxKeyPair.publicKey, 1, team, minted.secretKey),
    });
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_TAMPERED');
    // Someone else's envelope (sealed to Alice) does not open for Bob.
    const alicesGrant = w.view.allGrants().find((g) => g.grantee === 'alice')!;
    w.view.unsafePut('grant', { ...real, key: alicesGrant.key });
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_TAMPERED');
    w.view.unsafePut('grant', real);
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('team secret');
  });
});
