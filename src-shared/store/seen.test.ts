import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import { SeenVersions } from './seen.js';

function staleCode(run: () => void): string {
  try {
    run();
  } catch (error) {
    return isBackboneError(error) ? error.code : 'other';
  }
  return 'no error';
}

describe('SeenVersions.merge', () => {
  it('keeps, per entry and namespace, the higher of both sides', () => {
    const a = new SeenVersions();
    a.noteEntry('/x', 'id-x', 5);
    a.noteEntry('/y', 'id-y', 1);
    a.noteNamespace('ns1', 2, 9);
    const b = new SeenVersions();
    b.noteEntry('/x', 'id-x', 3);
    b.noteEntry('/y', 'id-y2', 4);
    b.noteEntry('/z', 'id-z', 2);
    b.noteNamespace('ns1', 1, 4);
    b.noteNamespace('ns2', 3, 3);
    const merged = SeenVersions.fromJSON(a.toJSON()).merge(b);
    expect(merged.entryVersion('/x')).toBe(5);
    expect(merged.entryVersion('/y')).toBe(4);
    expect(merged.entryVersion('/z')).toBe(2);
    expect(staleCode(() => merged.checkNamespace('ns2', 3, 2))).toBe('STORE_STALE');
    // the other direction gives the same memory
    expect(SeenVersions.fromJSON(b.toJSON()).merge(a).toJSON()).toEqual(merged.toJSON());
    // and what was merged in protects: an older version is refused
    expect(staleCode(() => merged.checkEntry('/y', 'id-y2', 3))).toBe('STORE_STALE');
    expect(staleCode(() => merged.checkNamespace('ns1', 2, 8))).toBe('STORE_STALE');
    // deletion markers and share epochs are carried over too
    const d = new SeenVersions();
    d.noteEntryDeleted('/x', 'id-x', 5);
    d.noteNamespaceDeleted('ns2');
    const withDeleted = SeenVersions.fromJSON(a.toJSON()).merge(d).merge(b);
    expect(staleCode(() => withDeleted.checkEntry('/x', 'id-x', 5))).toBe('STORE_STALE');
    expect(staleCode(() => withDeleted.checkNamespace('ns2', 3, 3))).toBe('STORE_STALE');
  });
});
