import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/index.js';
import { auditStore } from './audit.js';
import { sealEntryRecord, writeEntry } from './entries.js';
import { newLocator } from './envelopes.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { pathToken } from './paths.js';
import { revokeAccess } from './rotation.js';
import { person, World } from './test-kit.js';

await cryptoReady();

describe('auditStore (key-free checks for the server)', () => {
  it('finds nothing wrong in a store built by the operations, also after a rotation', () => {
    const alice = person('alice');
    const bob = person('bob');
    const w = new World(alice);
    w.add(bob, ['STORE_USE']);
    w.commit(createRootNamespace(w.ctx(alice), w.view));
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
    w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team/sub' }));
    w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/sub/x', value: 'x' }).change);
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    w.commit(
      grantAccess(w.ctx(alice), w.view, { path: 'team/sub/x', grantee: 'bob', access: ['READ'] }),
    );
    expect(auditStore(w.view, w.state)).toEqual([]);
    const before = w.view.clone();
    w.commit(revokeAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob' }).bundle);
    expect(auditStore(w.view, w.state)).toEqual([]);

    // A write prepared against the old keys, forced in: stale seal.
    const stale = writeEntry(w.ctx(alice, { seen: false }), before, { path: 'team/y', value: 'y' });
    w.view.unsafePut('entry', stale.record);
    expect(auditStore(w.view, w.state)).toEqual([
      expect.objectContaining({ type: 'entry', id: stale.record.id, code: 'STORE_TAMPERED' }),
    ]);
    w.view.unsafeRemove('entry', stale.record.id);

    // An entry by a member without WRITE; `only` limits the report.
    const team = w.view.namespaceByToken(pathToken(w.ctx(alice).namingKey, 'team'))!;
    const forged = sealEntryRecord({
      workspaceId: w.workspaceId,
      locator: newLocator(w.workspaceId, 'entry', 'team/forged'),
      token: pathToken(w.ctx(alice).namingKey, 'team/forged'),
      naming: 1,
      version: 1,
      value: new Uint8Array(1),
      expiresAt: null,
      namespace: team,
      readers: [],
      writer: bob.actor,
    });
    w.view.unsafePut('entry', forged);
    expect(auditStore(w.view, w.state).map((p) => p.code)).toEqual(['STORE_FORBIDDEN']);
    expect(auditStore(w.view, w.state, { only: new Set(['namespace:' + team.id]) })).toEqual([]);
  });
});
