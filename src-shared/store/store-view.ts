/**
 * In-memory models of the store records.
 *
 * - `StoreRecords`: read access to a set of records (what a client fetched, or the whole store).
 * - `StoreView`: a complete store as the server holds it, with `apply(change)` doing exactly the
 *   checks the server must do on the shape of a transaction (parse every record, workspace,
 *   compare-and-swap on record hashes, one record per token, all or nothing). It does NOT check
 *   permissions: the server does that with `analyzeStore` (access.ts) and its own authentication.
 *   Tests use it as the server; the SDK can use it as its cache.
 * - `StoreDraft`: a working copy on top of some records. Operations change the draft; `toChange()`
 *   returns the `StoreChange` to send: the new or replaced records, the removed ids, and one
 *   expectation (the hash the record had, or "absent") for every record read or replaced.
 */
import { fail, cloneJson } from './internal.js';
import {
  parseEntryRecord,
  parseGrantRecord,
  parseNamespaceRecord,
  parseStoreChange,
  recordHash,
  STORE_RECORD_VERSION,
  type EntryRecord,
  type Expectation,
  type GrantRecord,
  type NamespaceRecord,
  type RecordType,
  type StoreChange,
} from './records.js';

export interface StoreRecords {
  readonly workspaceId: string;
  namespace(id: string): NamespaceRecord | undefined;
  entry(id: string): EntryRecord | undefined;
  grant(id: string): GrantRecord | undefined;
  allNamespaces(): NamespaceRecord[];
  allEntries(): EntryRecord[];
  allGrants(): GrantRecord[];
  namespaceByToken(token: string): NamespaceRecord | undefined;
  entryByToken(token: string): EntryRecord | undefined;
}

export interface StoreSnapshot {
  workspace: string;
  namespaces: NamespaceRecord[];
  grants: GrantRecord[];
  entries: EntryRecord[];
}

type AnyRecord = NamespaceRecord | GrantRecord | EntryRecord;

function getRecord(records: StoreRecords, type: RecordType, id: string): AnyRecord | undefined {
  if (type === 'namespace') return records.namespace(id);
  if (type === 'grant') return records.grant(id);
  return records.entry(id);
}

/** A complete store (the server's view). */
export class StoreView implements StoreRecords {
  readonly workspaceId: string;
  private namespaces = new Map<string, NamespaceRecord>();
  private grants = new Map<string, GrantRecord>();
  private entries = new Map<string, EntryRecord>();

  constructor(workspaceId: string, snapshot?: Omit<StoreSnapshot, 'workspace'>) {
    this.workspaceId = workspaceId;
    for (const r of snapshot?.namespaces ?? []) this.namespaces.set(r.id, parseNamespaceRecord(r));
    for (const r of snapshot?.grants ?? []) this.grants.set(r.id, parseGrantRecord(r));
    for (const r of snapshot?.entries ?? []) this.entries.set(r.id, parseEntryRecord(r));
    this.checkConsistency();
  }

  namespace(id: string): NamespaceRecord | undefined {
    return this.namespaces.get(id);
  }
  entry(id: string): EntryRecord | undefined {
    return this.entries.get(id);
  }
  grant(id: string): GrantRecord | undefined {
    return this.grants.get(id);
  }
  allNamespaces(): NamespaceRecord[] {
    return [...this.namespaces.values()];
  }
  allEntries(): EntryRecord[] {
    return [...this.entries.values()];
  }
  allGrants(): GrantRecord[] {
    return [...this.grants.values()];
  }
  namespaceByToken(token: string): NamespaceRecord | undefined {
    for (const r of this.namespaces.values()) if (r.token === token) return r;
    return undefined;
  }
  entryByToken(token: string): EntryRecord | undefined {
    for (const r of this.entries.values()) if (r.token === token) return r;
    return undefined;
  }

  /** A deep copy (e.g. to keep an old state in a test). */
  clone(): StoreView {
    return new StoreView(this.workspaceId, cloneJson(this.snapshot()));
  }

  snapshot(): StoreSnapshot {
    return {
      workspace: this.workspaceId,
      namespaces: this.allNamespaces(),
      grants: this.allGrants(),
      entries: this.allEntries(),
    };
  }

  /** Replaces a record with no check at all: what a malicious server can do. Tests only. */
  unsafePut(type: RecordType, record: AnyRecord): void {
    const copy = cloneJson(record);
    if (type === 'namespace') this.namespaces.set(copy.id, copy as NamespaceRecord);
    else if (type === 'grant') this.grants.set(copy.id, copy as GrantRecord);
    else this.entries.set(copy.id, copy as EntryRecord);
  }

  /** Removes a record with no check at all. Tests only. */
  unsafeRemove(type: RecordType, id: string): void {
    if (type === 'namespace') this.namespaces.delete(id);
    else if (type === 'grant') this.grants.delete(id);
    else this.entries.delete(id);
  }

  /**
   * Applies a change set atomically, as the server must: every record parses, belongs to this
   * workspace, every touched record has an expectation and every expectation holds
   * (`STORE_CONFLICT` otherwise: someone changed the store meanwhile; re-read and retry), and no
   * two records share a token afterwards.
   */
  apply(value: unknown): void {
    const change = parseStoreChange(value);
    if (change.workspace !== this.workspaceId) {
      fail('STORE_INVALID_RECORD', 'This change belongs to another workspace.');
    }
    const expected = new Map<string, Expectation>();
    for (const e of change.expect) expected.set(`${e.type}:${e.id}`, e);
    const touched: Array<[RecordType, string]> = [
      ...change.put.namespaces.map((r): [RecordType, string] => ['namespace', r.id]),
      ...change.put.grants.map((r): [RecordType, string] => ['grant', r.id]),
      ...change.put.entries.map((r): [RecordType, string] => ['entry', r.id]),
      ...change.remove.namespaces.map((id): [RecordType, string] => ['namespace', id]),
      ...change.remove.grants.map((id): [RecordType, string] => ['grant', id]),
      ...change.remove.entries.map((id): [RecordType, string] => ['entry', id]),
    ];
    const seen = new Set<string>();
    for (const [type, id] of touched) {
      const key = `${type}:${id}`;
      if (seen.has(key)) fail('STORE_INVALID_RECORD', 'A change touches the same record twice.');
      seen.add(key);
      if (!expected.has(key)) {
        fail(
          'STORE_INVALID_RECORD',
          'A change replaces a record without saying which version it replaces.',
        );
      }
    }
    for (const e of change.expect) {
      const current = getRecord(this, e.type, e.id);
      const hash = current === undefined ? null : recordHash(current);
      if (hash !== e.hash) {
        fail(
          'STORE_CONFLICT',
          'The store changed since this change was prepared. Read it again and retry.',
        );
      }
    }
    for (const r of [...change.put.namespaces, ...change.put.grants, ...change.put.entries]) {
      if (r.workspace !== this.workspaceId) {
        fail('STORE_INVALID_RECORD', 'A record in this change belongs to another workspace.');
      }
    }
    const next = this.clone();
    for (const id of change.remove.namespaces) next.namespaces.delete(id);
    for (const id of change.remove.grants) next.grants.delete(id);
    for (const id of change.remove.entries) next.entries.delete(id);
    for (const r of change.put.namespaces) next.namespaces.set(r.id, r);
    for (const r of change.put.grants) next.grants.set(r.id, r);
    for (const r of change.put.entries) next.entries.set(r.id, r);
    next.checkConsistency();
    this.namespaces = next.namespaces;
    this.grants = next.grants;
    this.entries = next.entries;
  }

  private checkConsistency(): void {
    const tokens = new Set<string>();
    for (const r of [...this.namespaces.values(), ...this.entries.values()]) {
      if (r.workspace !== this.workspaceId) {
        fail('STORE_INVALID_RECORD', 'A record belongs to another workspace.');
      }
      if (tokens.has(r.token)) {
        fail('STORE_CONFLICT', 'Something already exists at this path.');
      }
      tokens.add(r.token);
    }
  }
}

/** A working copy on top of `base`; `toChange()` gives the change set to commit. */
export class StoreDraft implements StoreRecords {
  readonly workspaceId: string;
  private readonly changed = new Map<string, AnyRecord | null>();
  private readonly reads = new Set<string>();

  constructor(private readonly base: StoreRecords) {
    this.workspaceId = base.workspaceId;
  }

  private current(type: RecordType, id: string): AnyRecord | undefined {
    const key = `${type}:${id}`;
    if (this.changed.has(key)) return this.changed.get(key) ?? undefined;
    return getRecord(this.base, type, id);
  }

  private all<T extends AnyRecord>(type: RecordType, baseList: T[]): T[] {
    const out = new Map<string, T>();
    for (const r of baseList) out.set(r.id, r);
    for (const [key, r] of this.changed) {
      const [t, id] = key.split(/:(.*)/s) as [string, string];
      if (t !== type) continue;
      if (r === null) out.delete(id);
      else out.set(id, r as T);
    }
    return [...out.values()];
  }

  namespace(id: string): NamespaceRecord | undefined {
    return this.current('namespace', id) as NamespaceRecord | undefined;
  }
  entry(id: string): EntryRecord | undefined {
    return this.current('entry', id) as EntryRecord | undefined;
  }
  grant(id: string): GrantRecord | undefined {
    return this.current('grant', id) as GrantRecord | undefined;
  }
  allNamespaces(): NamespaceRecord[] {
    return this.all('namespace', this.base.allNamespaces());
  }
  allEntries(): EntryRecord[] {
    return this.all('entry', this.base.allEntries());
  }
  allGrants(): GrantRecord[] {
    return this.all('grant', this.base.allGrants());
  }
  namespaceByToken(token: string): NamespaceRecord | undefined {
    return this.allNamespaces().find((r) => r.token === token);
  }
  entryByToken(token: string): EntryRecord | undefined {
    return this.allEntries().find((r) => r.token === token);
  }

  putNamespace(record: NamespaceRecord): void {
    this.changed.set(`namespace:${record.id}`, parseNamespaceRecord(cloneJson(record)));
  }
  putGrant(record: GrantRecord): void {
    this.changed.set(`grant:${record.id}`, parseGrantRecord(cloneJson(record)));
  }
  putEntry(record: EntryRecord): void {
    this.changed.set(`entry:${record.id}`, parseEntryRecord(cloneJson(record)));
  }
  remove(type: RecordType, id: string): void {
    this.changed.set(`${type}:${id}`, null);
  }
  /** Records that the change depends on a record it does not modify (it must not change meanwhile). */
  dependOn(type: RecordType, id: string): void {
    this.reads.add(`${type}:${id}`);
  }

  /** The change set: puts, removals, and an expectation for every record touched or depended on. */
  toChange(): StoreChange {
    const change: StoreChange = {
      v: STORE_RECORD_VERSION,
      workspace: this.workspaceId,
      put: { namespaces: [], grants: [], entries: [] },
      remove: { namespaces: [], grants: [], entries: [] },
      expect: [],
    };
    const keys = new Set<string>([...this.changed.keys(), ...this.reads]);
    for (const key of [...keys].sort()) {
      const [type, id] = key.split(/:(.*)/s) as [RecordType, string];
      const before = getRecord(this.base, type, id);
      const after = this.changed.has(key) ? this.changed.get(key) : before;
      if (before === undefined && (after === undefined || after === null)) continue;
      change.expect.push({ type, id, hash: before === undefined ? null : recordHash(before) });
      if (!this.changed.has(key)) continue;
      if (after === null || after === undefined) {
        if (type === 'namespace') change.remove.namespaces.push(id);
        else if (type === 'grant') change.remove.grants.push(id);
        else change.remove.entries.push(id);
      } else if (before === undefined || recordHash(before) !== recordHash(after)) {
        if (type === 'namespace') change.put.namespaces.push(after as NamespaceRecord);
        else if (type === 'grant') change.put.grants.push(after as GrantRecord);
        else change.put.entries.push(after as EntryRecord);
      }
    }
    return parseStoreChange(change);
  }
}
