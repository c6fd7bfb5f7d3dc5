import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/index.js';
import { writeEntry } from './entries.js';
import { grantAccess } from './grants.js';
import { ListingMemo, listStore } from './listing.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { parseEntryRecord } from './records.js';
import { person, World, type Person } from './test-kit.js';

await cryptoReady();

function setup() {
  const alice = person('alice');
  const bob = person('bob');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team/vault', isolated: true }));
  write(w, alice, 'team/db', 'v1');
  write(w, alice, 'team/api', 'v2');
  write(w, alice, 'team/vault/pin', 'v3');
  write(w, alice, 'top', 'v4');
  return { w, alice, bob };
}

function write(w: World, who: Person, path: string, value: string, expiresAt?: string): void {
  w.commit(writeEntry(w.ctx(who), w.view, { path, value, expiresAt: expiresAt ?? null }).change);
}

const ALL = ['READ', 'WRITE', 'DELETE', 'EJECT'];

describe('listing a store', () => {
  it('lists what the member sees, with paths, namespaces, writers and access bits', () => {
    const { w, alice } = setup();
    const listing = listStore(w.ctx(alice), w.view);
    expect(listing.hasStore).toBe(true);
    expect(listing.refused).toBe(0);
    expect(listing.namespaces.map((n) => [n.path, n.isolated, n.access])).toEqual([
      ['', false, ALL],
      ['team', false, ALL],
      ['team/vault', true, ALL],
    ]);
    expect(listing.entries.map((e) => [e.path, e.namespace, e.version, e.writer])).toEqual([
      ['team/api', 'team', 1, 'alice'],
      ['team/db', 'team', 1, 'alice'],
      ['team/vault/pin', 'team/vault', 1, 'alice'],
      ['top', '', 1, 'alice'],
    ]);
  });

  it('a member sees only what grants reach; direct entry shares add to the namespace bits', () => {
    const { w, alice, bob } = setup();
    expect(listStore(w.ctx(bob), w.view)).toMatchObject({ namespaces: [], entries: [] });
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    w.commit(
      grantAccess(w.ctx(alice), w.view, {
        path: 'team/db',
        grantee: 'bob',
        access: ['READ', 'WRITE'],
      }),
    );
    const listing = listStore(w.ctx(bob), w.view);
    // The isolated namespace is visible by name (sealed to team/) but gives no access.
    expect(listing.namespaces.map((n) => [n.path, n.access])).toEqual([
      ['', []],
      ['team', ['READ']],
      ['team/vault', []],
    ]);
    expect(listing.entries.map((e) => [e.path, e.access])).toEqual([
      ['team/api', ['READ']],
      ['team/db', ['READ', 'WRITE']],
    ]);
  });

  it('flags expired entries by the context clock', () => {
    const { w, alice } = setup();
    const at = new Date(Date.now() + 60_000).toISOString();
    write(w, alice, 'team/soon', 'x', at);
    const now = listStore(w.ctx(alice), w.view).entries.find((e) => e.path === 'team/soon');
    expect(now).toMatchObject({ expiresAt: at, expired: false });
    const later = listStore(w.ctx(alice, { now: new Date(Date.parse(at) + 1) }), w.view);
    expect(later.entries.find((e) => e.path === 'team/soon')?.expired).toBe(true);
  });

  it('leaves out and counts entries that fail a check, also with a memo of earlier checks', () => {
    const { w, alice } = setup();
    const memo = new ListingMemo();
    expect(listStore(w.ctx(alice), w.view, { memo }).entries).toHaveLength(4);
    expect(memo.signatures.size).toBe(4);
    expect(memo.paths.size).toBe(4);
    const [first, second] = w.view.allEntries();
    // A changed expiry under the old signature (what a server could try).
    w.view.unsafePut(
      'entry',
      parseEntryRecord({ ...first!, expiresAt: new Date(Date.now() + 1000).toISOString() }),
    );
    // An entry filed under another namespace than its nearest one.
    const other = w.view.allNamespaces().find((n) => n.id !== second!.namespace)!;
    w.view.unsafePut('entry', parseEntryRecord({ ...second!, namespace: other.id }));
    for (const options of [{ memo }, {}]) {
      const listing = listStore(w.ctx(alice, { seen: false }), w.view, options);
      expect(listing.entries).toHaveLength(2);
      expect(listing.refused).toBe(2);
    }
  });

  it('refuses a version older than one this device already saw', () => {
    const { w, alice } = setup();
    const old = w.view.allEntries().find((e) => e.version === 1)!;
    const ctx = w.ctx(alice);
    const listed = listStore(ctx, w.view).entries.find((e) => e.id === old.id)!;
    write(w, alice, listed.path, 'newer');
    ctx.seen!.noteEntry(listed.path, old.id, 2);
    w.view.unsafePut('entry', old);
    const again = listStore(w.ctx(alice), w.view);
    expect(again.entries.map((e) => e.path)).not.toContain(listed.path);
    expect(again.refused).toBe(1);
  });
});
