import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/index.js';
import { readEntryText, writeEntry } from './entries.js';
import { currentFormerGrants, grantTargetPath } from './former-grants.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { parseStoreChange } from './records.js';
import { retokenize } from './retokenize.js';
import { revokeAccess } from './rotation.js';
import { person, World, type Person } from './test-kit.js';

await cryptoReady();

function setup() {
  const alice = person('alice'); // ROOT
  const bob = person('bob');
  const carol = person('carol');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  return { w, alice, bob, carol };
}

function write(w: World, who: Person, path: string, value: string): void {
  w.commit(writeEntry(w.ctx(who), w.view, { path, value }).change);
}

describe('grants of former members', () => {
  it('a removed member’s grant on a current key is listed until it is revoked', () => {
    const { w, alice, bob, carol } = setup();
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    w.commit(
      grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'carol', access: ['READ'] }),
    );
    expect(currentFormerGrants(w.state, w.view, true)).toEqual([]);

    w.remove(bob);
    w.commit(retokenize(w.ctx(alice), w.view).change);
    const pending = currentFormerGrants(w.state, w.view, true);
    expect(pending.map((g) => g.grantee)).toEqual(['bob']);
    expect(grantTargetPath(w.ctx(alice), w.view, pending[0]!)).toBe('team');
    // carol reads `team`: she learns the path too
    expect(grantTargetPath(w.ctx(carol), w.view, pending[0]!)).toBe('team');

    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expect(currentFormerGrants(w.state, w.view, true)).toEqual([]);
    expect(w.view.allGrants().map((g) => g.grantee)).toEqual(['alice', 'carol']);
  });
});

describe('re-tokenizing a path written again under the new naming key', () => {
  /** bob removed; the namespaces moved to the new key but not the entries; x written again. */
  function twoRecords() {
    const t = setup();
    const { w, alice, bob } = t;
    const old = writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: 'old value' });
    w.commit(old.change);
    write(w, alice, 'team/y', 'y');
    w.remove(bob);
    const partial = retokenize(w.ctx(alice), w.view).change;
    const oldIds = new Set(partial.put.entries.map((e) => e.id));
    w.commit(
      parseStoreChange({
        ...partial,
        put: { ...partial.put, entries: [] },
        expect: partial.expect.filter((e) => !(e.type === 'entry' && oldIds.has(e.id))),
      }),
    );
    write(w, alice, 'team/x', 'new value');
    expect(w.view.allEntries()).toHaveLength(3);
    return { ...t, oldId: old.record.id };
  }

  it('the stale record is deleted by a member holding DELETE on it', () => {
    const { w, alice, oldId } = twoRecords();
    const r = retokenize(w.ctx(alice), w.view);
    expect(r.superseded).toEqual([oldId]);
    expect(r.occupied).toEqual({ namespaces: [], entries: [] });
    expect(r.updated.entries).toBe(1);
    expect(r.change.remove.entries).toEqual([oldId]);
    w.commit(r.change);
    expect(w.view.allEntries()).toHaveLength(2);
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('new value');
    expect(readEntryText(w.ctx(alice), w.view, 'team/y')).toBe('y');
  });

  it('without DELETE it stays where it is and everything else still moves', () => {
    const { w, alice, carol, oldId } = twoRecords();
    w.commit(
      grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'carol', access: ['READ'] }),
    );
    const r = retokenize(w.ctx(carol), w.view);
    expect(r.superseded).toEqual([]);
    expect(r.occupied.entries).toEqual([oldId]);
    expect(r.updated.entries).toBe(1);
    expect(r.change.put.entries.map((e) => e.id)).not.toContain(oldId);
    expect(r.change.remove.entries).toEqual([]);
    w.commit(r.change);
    expect(readEntryText(w.ctx(carol), w.view, 'team/x')).toBe('new value');
    expect(readEntryText(w.ctx(carol), w.view, 'team/y')).toBe('y');
  });
});
