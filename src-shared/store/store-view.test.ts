import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { writeEntry } from './entries.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { recordHash } from './records.js';
import { SeenVersions } from './seen.js';
import { StoreDraft, StoreView } from './store-view.js';
import { person, World } from './test-kit.js';

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
  const w = new World(alice);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  return { w, alice };
}

describe('StoreView.apply (what the server checks)', () => {
  it('applies a change whose expectations hold, once', () => {
    const { w, alice } = setup();
    const { change } = writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: '1' });
    expect(change.expect.map((e) => e.type).sort()).toEqual(['entry', 'namespace']);
    w.view.apply(change);
    expect(w.view.allEntries()).toHaveLength(1);
    expectCode(() => w.view.apply(change), 'STORE_CONFLICT'); // the entry exists now
  });

  it('refuses concurrent writes to the same entry (compare-and-swap)', () => {
    const { w, alice } = setup();
    w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: '1' }).change);
    const a = writeEntry(w.ctx(alice, { seen: false }), w.view, { path: 'team/x', value: 'a' });
    const b = writeEntry(w.ctx(alice, { seen: false }), w.view, { path: 'team/x', value: 'b' });
    w.view.apply(a.change);
    const before = JSON.stringify(w.view.snapshot());
    expectCode(() => w.view.apply(b.change), 'STORE_CONFLICT');
    expect(JSON.stringify(w.view.snapshot())).toBe(before); // all or nothing
  });

  it('refuses two records with one token, changes without expectations, other workspaces', () => {
    const { w, alice } = setup();
    const first = writeEntry(w.ctx(alice, { seen: false }), w.view, { path: 'team/x', value: '1' });
    const second = writeEntry(w.ctx(alice, { seen: false }), w.view, {
      path: 'team/x',
      value: '2',
    });
    w.view.apply(first.change);
    // The second was prepared as a new record (another id) for the same path.
    expect(second.record.id).not.toBe(first.record.id);
    const forced = {
      ...second.change,
      expect: second.change.expect
        .filter((e) => e.type !== 'entry')
        .concat([{ type: 'entry' as const, id: second.record.id, hash: null }]),
    };
    expectCode(() => w.view.apply(forced), 'STORE_CONFLICT');
    expectCode(() => w.view.apply({ ...second.change, expect: [] }), 'STORE_INVALID_RECORD');
    expectCode(
      () => w.view.apply({ ...second.change, workspace: 'BBBBBBBBBBBBBBBBBBBBBB' }),
      'STORE_INVALID_RECORD',
    );
    expectCode(() => w.view.apply({ v: 2 }), 'UNSUPPORTED_VERSION');
  });
});

describe('StoreDraft', () => {
  it('records puts, removals and dependencies with the hashes they were based on', () => {
    const { w, alice } = setup();
    w.commit(writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: '1' }).change);
    const entry = w.view.allEntries()[0]!;
    const team = w.view.allNamespaces().find((n) => n.parent !== null)!;
    const draft = new StoreDraft(w.view);
    draft.remove('entry', entry.id);
    draft.dependOn('namespace', team.id);
    expect(draft.allEntries()).toHaveLength(0);
    expect(draft.entry(entry.id)).toBeUndefined();
    const change = draft.toChange();
    expect(change.remove.entries).toEqual([entry.id]);
    expect(change.expect).toEqual(
      expect.arrayContaining([
        { type: 'entry', id: entry.id, hash: recordHash(entry) },
        { type: 'namespace', id: team.id, hash: recordHash(team) },
      ]),
    );
    w.view.apply(change);
    expect(w.view.allEntries()).toHaveLength(0);
  });

  it('a store view survives JSON (the SDK cache)', () => {
    const { w } = setup();
    const copy = new StoreView(w.workspaceId, JSON.parse(JSON.stringify(w.view.snapshot())));
    expect(copy.snapshot()).toEqual(w.view.snapshot());
  });
});

describe('SeenVersions', () => {
  it('keeps the highest versions and survives JSON', () => {
    const seen = new SeenVersions();
    seen.noteEntry('a', 'id1', 3);
    seen.noteEntry('a', 'id1', 2);
    seen.noteNamespace('n', 2, 3);
    const copy = SeenVersions.fromJSON(JSON.parse(JSON.stringify(seen)));
    expect(copy.entryVersion('a')).toBe(3);
    expectCode(() => copy.checkEntry('a', 'id1', 2), 'STORE_STALE');
    expectCode(() => copy.checkEntry('a', 'id2', 3), 'STORE_STALE');
    expect(() => copy.checkEntry('a', 'id1', 3)).not.toThrow();
    expect(() => copy.checkEntry('a', 'id2', 4)).not.toThrow();
    expectCode(() => copy.checkNamespace('n', 1, 3), 'STORE_STALE');
    expectCode(() => copy.checkNamespace('n', 2, 2), 'STORE_STALE');
    expectCode(() => SeenVersions.fromJSON({ v: 2 }), 'INVALID_ARGUMENT');
  });
});
