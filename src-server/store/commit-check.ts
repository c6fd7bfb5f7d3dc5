/**
 * The server's checks of one store commit (docs/store.md "What the server must enforce"), run
 * inside the storage transaction on the records as they are at that moment:
 *
 *  1. Shape: the change (or the rotation bundle's change) parses, belongs to this workspace,
 *     touches each record once, has an expectation for every record it touches, and fits the
 *     size bounds. A bundle must verify and be signed by the caller (`verifyRotationBundle`).
 *  2. Compare-and-swap: every expectation's hash is the stored record's (`STORE_CONFLICT`).
 *  3. Provenance: a record whose signature changes must be signed by the caller (namespaces:
 *     `signer`, grants: `granter`, entries: `writer`); a record with an unchanged signature may
 *     only have its unsigned part (tokens, envelopes, placement) rewritten by a member holding
 *     READ on it (or, for a namespace, on its parent).
 *  4. Operation rules, on the authority of the state before the change: removing an entry or a
 *     namespace needs DELETE on it; removing a grant needs STORE_SHARE + EJECT on its target
 *     (unless the target goes too, the grant no longer counts, or it is the caller's own); a new
 *     namespace needs READ + WRITE on its parent (+ EJECT if isolated), the root needs ROOT.
 *  5. Counters only move forward. Entry versions follow the stored one (same version = same
 *     ciphertext and expiry; a new version is +1), and a new entry at a token continues after
 *     the last deleted version there. An entry's `shareEpoch` is 1 when it is created and is
 *     carried over by every write, except in a rotation bundle, where it may be the stored one
 *     + 1 (the revocation of a direct share). A namespace's `generation` and `revision` never go
 *     down.
 *  6. `auditStore` on the state after the change, limited to the touched records and the grants
 *     they rely on (the grants to an entry's writer or a namespace's signer on its authority
 *     chain): unauthorized writers, invalid grants, unauthorized key statements, envelopes sealed
 *     to old generations. The rules are `access.ts`'s, the same code every client runs:
 *     a. a grant counts only if its signed `epoch` is its target's current counter (namespace
 *        `generation`, entry `shareEpoch`) — a grant from before a revocation never counts, and
 *        one put in a commit that would not count is refused;
 *     b. an entry counts only if its writer holds WRITE on it and READ on its namespace
 *        (writing needs READ, for every client and here);
 *     c. a key statement counts only if its signer holds READ on the namespace.
 *  7. A namespace whose generation moves (a rotation) takes along everything sealed to its key:
 *     after the change, every namespace below it has its `inherit` and `name` envelopes, and
 *     every unexpired entry filed under it its key envelope, sealed to the new generation. A
 *     record created after the rotation was prepared is not covered by its compare-and-swap;
 *     without this rule the rotation would leave it sealed to the old key, unreadable
 *     (`STORE_CONFLICT`: the rotation is prepared again and re-seals it).
 *
 * It returns the rows to write; any failure throws a typed error and nothing is written.
 */
import { STORE_EVENT_MAX_IDS, type ServerEvent } from '../../src-shared/api/events.js';
import { STORE_CHANGE_MAX_RECORDS, STORE_RECORD_MAX_BYTES } from '../../src-shared/api/store.js';
import { BackboneError } from '../../src-shared/errors.js';
import {
  analyzeStore,
  auditStore,
  hasAccess,
  parseStoreChange,
  recordHash,
  verifyRotationBundle,
  type AccessBit,
  type EntryRecord,
  type GrantRecord,
  type NamespaceRecord,
  type RecordType,
  type StoreChange,
  type StoreRecords,
} from '../../src-shared/store/index.js';
import type { Member, MembershipState } from '../../src-shared/workspace/membership-log.js';
import { has } from '../../src-shared/workspace/permissions.js';
import type {
  StoreCommitState,
  StoreCommitWrite,
  StoredStoreRecord,
} from '../storage/store-storage.js';

type AnyRecord = NamespaceRecord | GrantRecord | EntryRecord;

/** Records in maps (a subset of the entries: those the commit loaded). */
export class ServerRecords implements StoreRecords {
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly grants = new Map<string, GrantRecord>();
  readonly entries = new Map<string, EntryRecord>();
  constructor(readonly workspaceId: string) {}

  static fromRows(workspaceId: string, state: StoreCommitState): ServerRecords {
    const out = new ServerRecords(workspaceId);
    for (const r of state.namespaces) out.namespaces.set(r.id, JSON.parse(r.record) as never);
    for (const r of state.grants) out.grants.set(r.id, JSON.parse(r.record) as never);
    for (const r of state.entries) out.entries.set(r.id, JSON.parse(r.record) as never);
    return out;
  }

  clone(): ServerRecords {
    const out = new ServerRecords(this.workspaceId);
    for (const [k, v] of this.namespaces) out.namespaces.set(k, v);
    for (const [k, v] of this.grants) out.grants.set(k, v);
    for (const [k, v] of this.entries) out.entries.set(k, v);
    return out;
  }

  get(type: RecordType, id: string): AnyRecord | undefined {
    if (type === 'namespace') return this.namespaces.get(id);
    if (type === 'grant') return this.grants.get(id);
    return this.entries.get(id);
  }

  namespace(id: string) {
    return this.namespaces.get(id);
  }
  entry(id: string) {
    return this.entries.get(id);
  }
  grant(id: string) {
    return this.grants.get(id);
  }
  allNamespaces() {
    return [...this.namespaces.values()];
  }
  allEntries() {
    return [...this.entries.values()];
  }
  allGrants() {
    return [...this.grants.values()];
  }
  namespaceByToken(token: string) {
    for (const r of this.namespaces.values()) if (r.token === token) return r;
    return undefined;
  }
  entryByToken(token: string) {
    for (const r of this.entries.values()) if (r.token === token) return r;
    return undefined;
  }
}

function refuse(code: BackboneError['code'], message: string): never {
  throw new BackboneError(code, message);
}

export interface ParsedCommit {
  change: StoreChange;
  /** Set for a rotation bundle. */
  bundleActor: string | null;
}

/** Step 1 (outside the transaction): parses the change or bundle and checks its shape. */
export function parseCommit(
  body: { change?: unknown; bundle?: unknown },
  state: MembershipState,
  actor: Member,
): ParsedCommit {
  let change: StoreChange;
  let bundleActor: string | null = null;
  if (body.bundle !== undefined) {
    const bundle = verifyRotationBundle(body.bundle, state);
    if (bundle.actor !== actor.name) {
      refuse('STORE_FORBIDDEN', 'A rotation is accepted only from the member who signed it.');
    }
    change = bundle.change;
    bundleActor = bundle.actor;
  } else {
    change = parseStoreChange(body.change);
  }
  if (change.workspace !== state.workspaceId) {
    refuse('STORE_INVALID_RECORD', 'This change belongs to another workspace.');
  }
  const touched = touchedKeys(change);
  if (touched.length > STORE_CHANGE_MAX_RECORDS) {
    refuse('PAYLOAD_TOO_LARGE', 'This change touches too many records; split it.');
  }
  const seen = new Set<string>();
  const expected = new Set(change.expect.map((e) => `${e.type}:${e.id}`));
  if (expected.size !== change.expect.length) {
    refuse('STORE_INVALID_RECORD', 'A change lists the same expectation twice.');
  }
  for (const key of touched) {
    if (seen.has(key)) refuse('STORE_INVALID_RECORD', 'A change touches the same record twice.');
    seen.add(key);
    if (!expected.has(key)) {
      refuse(
        'STORE_INVALID_RECORD',
        'A change replaces a record without saying which version it replaces.',
      );
    }
  }
  for (const r of [...change.put.namespaces, ...change.put.grants, ...change.put.entries]) {
    if (r.workspace !== state.workspaceId) {
      refuse('STORE_INVALID_RECORD', 'A record in this change belongs to another workspace.');
    }
    if (JSON.stringify(r).length > STORE_RECORD_MAX_BYTES) {
      refuse('PAYLOAD_TOO_LARGE', 'A record in this change is too large.');
    }
  }
  return { change, bundleActor };
}

export function touchedKeys(change: StoreChange): string[] {
  return [
    ...change.put.namespaces.map((r) => `namespace:${r.id}`),
    ...change.put.grants.map((r) => `grant:${r.id}`),
    ...change.put.entries.map((r) => `entry:${r.id}`),
    ...change.remove.namespaces.map((id) => `namespace:${id}`),
    ...change.remove.grants.map((id) => `grant:${id}`),
    ...change.remove.entries.map((id) => `entry:${id}`),
  ];
}

/** What the storage must load for this change. */
export function commitLoad(change: StoreChange): {
  entryIds: string[];
  tokens: string[];
  namespaceIds: string[];
} {
  return {
    namespaceIds: change.put.namespaces.map((r) => r.id),
    entryIds: [
      ...change.put.entries.map((r) => r.id),
      ...change.remove.entries,
      ...change.expect.filter((e) => e.type === 'entry').map((e) => e.id),
    ],
    tokens: change.put.entries.map((r) => r.token),
  };
}

function signatureOf(r: AnyRecord): string {
  return r.sig;
}

function signerOf(type: RecordType, r: AnyRecord): string {
  if (type === 'namespace') return (r as NamespaceRecord).signer;
  if (type === 'grant') return (r as GrantRecord).granter;
  return (r as EntryRecord).writer;
}

/** Steps 2–6 (inside the transaction). */
export function checkCommit(input: {
  parsed: ParsedCommit;
  state: MembershipState;
  actor: Member;
  db: StoreCommitState;
  /** The server's clock (ms): expired entries, which no client sees, are not held to rule 7. */
  now: number;
}): StoreCommitWrite {
  const { parsed, state, actor, db, now } = input;
  const { change } = parsed;
  const workspaceId = state.workspaceId;
  const before = ServerRecords.fromRows(workspaceId, db);
  const hashes = new Map<string, string>();
  for (const r of [...db.namespaces, ...db.grants, ...db.entries]) {
    hashes.set(`${r.kind}:${r.id}`, r.hash);
  }

  // 2. compare-and-swap
  for (const e of change.expect) {
    const current = hashes.get(`${e.type}:${e.id}`) ?? null;
    if (current !== e.hash) {
      refuse(
        'STORE_CONFLICT',
        'The store changed since this change was prepared. Read it again and retry.',
      );
    }
  }

  const authority = analyzeStore(before, state);
  const bits = (
    target: { kind: 'namespace'; id: string } | { kind: 'entry'; id: string; namespace: string },
  ) => authority.bitsOn(actor.name, target);
  const need = (held: AccessBit[], wanted: AccessBit[], what: string) => {
    for (const bit of wanted) {
      if (!hasAccess(held, bit)) refuse('STORE_FORBIDDEN', `${what} needs ${bit} access.`);
    }
  };

  const after = before.clone();
  const removedNamespaces = new Set(change.remove.namespaces);
  const removedEntries = new Set(change.remove.entries);

  // 4. removals
  for (const id of change.remove.entries) {
    const prev = before.entries.get(id);
    if (!prev) continue;
    need(bits({ kind: 'entry', id, namespace: prev.namespace }), ['DELETE'], 'Deleting an entry');
    after.entries.delete(id);
  }
  for (const id of change.remove.namespaces) {
    const prev = before.namespaces.get(id);
    if (!prev) continue;
    need(bits({ kind: 'namespace', id }), ['DELETE'], 'Deleting a namespace');
    after.namespaces.delete(id);
  }
  for (const id of change.remove.grants) {
    const prev = before.grants.get(id);
    if (!prev) continue;
    after.grants.delete(id);
    const targetGoes =
      prev.target.kind === 'namespace'
        ? removedNamespaces.has(prev.target.id)
        : removedEntries.has(prev.target.id);
    if (targetGoes || prev.grantee === actor.name || !authority.isGrantValid(id)) continue;
    if (!has(actor.permissions, 'STORE_SHARE')) {
      refuse('STORE_FORBIDDEN', 'Removing a grant needs the STORE_SHARE permission.');
    }
    const target =
      prev.target.kind === 'namespace'
        ? { kind: 'namespace' as const, id: prev.target.id }
        : {
            kind: 'entry' as const,
            id: prev.target.id,
            namespace: before.entries.get(prev.target.id)?.namespace ?? '',
          };
    need(bits(target), ['EJECT'], 'Taking access away');
  }

  // 3 + 4. puts
  const readOn = (type: RecordType, r: AnyRecord): boolean => {
    if (type === 'entry') {
      const prev = before.entries.get(r.id)!;
      return hasAccess(bits({ kind: 'entry', id: r.id, namespace: prev.namespace }), 'READ');
    }
    if (type === 'namespace') {
      const prev = before.namespaces.get(r.id)!;
      return (
        hasAccess(bits({ kind: 'namespace', id: r.id }), 'READ') ||
        (prev.parent !== null && hasAccess(bits({ kind: 'namespace', id: prev.parent }), 'READ'))
      );
    }
    const g = r as GrantRecord;
    return g.target.kind === 'namespace'
      ? hasAccess(bits({ kind: 'namespace', id: g.target.id }), 'READ')
      : hasAccess(
          bits({
            kind: 'entry',
            id: g.target.id,
            namespace: before.entries.get(g.target.id)?.namespace ?? '',
          }),
          'READ',
        );
  };
  const provenance = (type: RecordType, r: AnyRecord) => {
    const prev = before.get(type, r.id);
    if (prev && signatureOf(prev) === signatureOf(r)) {
      if (!readOn(type, r)) {
        refuse('STORE_FORBIDDEN', `Changing this ${type} needs read access to it.`);
      }
      return;
    }
    if (signerOf(type, r) !== actor.name) {
      refuse(
        'STORE_FORBIDDEN',
        `A ${type} in this change is signed by another member; only your own signatures are accepted.`,
      );
    }
  };

  for (const r of change.put.namespaces) {
    provenance('namespace', r);
    const prev = before.namespaces.get(r.id);
    if (prev && (r.generation < prev.generation || r.revision < prev.revision)) {
      refuse(
        'STORE_STALE',
        'A namespace record in this change is older than the stored one (its key generation or revision went back).',
      );
    }
    if (!prev) {
      if (r.parent === null) {
        if (!has(actor.permissions, 'ROOT')) {
          refuse('STORE_FORBIDDEN', 'Creating the root namespace needs ROOT.');
        }
        if (before.namespaces.size > 0) {
          refuse('STORE_CONFLICT', 'This store already has a root namespace.');
        }
      } else {
        if (!before.namespaces.has(r.parent)) {
          refuse('STORE_INVALID_RECORD', 'A new namespace must be created in an existing one.');
        }
        need(
          bits({ kind: 'namespace', id: r.parent }),
          r.isolated ? ['READ', 'WRITE', 'EJECT'] : ['READ', 'WRITE'],
          r.isolated ? 'Creating an isolated namespace' : 'Creating a namespace',
        );
      }
    }
    after.namespaces.set(r.id, r);
  }
  for (const r of change.put.grants) {
    provenance('grant', r);
    after.grants.set(r.id, r);
  }
  const tombstones: Array<{ token: string; version: number }> = [];
  for (const id of change.remove.entries) {
    const prev = before.entries.get(id);
    if (prev) tombstones.push({ token: prev.token, version: prev.version });
  }
  for (const r of change.put.entries) {
    provenance('entry', r);
    const prev = before.entries.get(r.id);
    const epochOk = prev
      ? r.shareEpoch === prev.shareEpoch ||
        (parsed.bundleActor !== null && r.shareEpoch === prev.shareEpoch + 1)
      : r.shareEpoch === 1;
    if (!epochOk) {
      refuse(
        'STORE_STALE',
        'An entry in this change has another share epoch than the stored one; only a revocation moves it, by one.',
      );
    }
    if (prev) {
      const same =
        r.version === prev.version &&
        r.ciphertext === prev.ciphertext &&
        r.expiresAt === prev.expiresAt;
      if (!same && r.version !== prev.version + 1) {
        refuse(
          'STORE_CONFLICT',
          `This entry is at version ${prev.version}; a change must keep it or write version ${prev.version + 1}.`,
        );
      }
    } else {
      const last = db.tombstones.get(r.token);
      if (last !== undefined && r.version <= last) {
        refuse(
          'STORE_CONFLICT',
          `An entry at this path was deleted at version ${last}; a new one must continue after it.`,
        );
      }
    }
    after.entries.set(r.id, r);
  }

  // one record per token (the unique index is the backstop across entries not loaded)
  const tokens = new Map<string, string>();
  for (const r of [...after.namespaces.values(), ...after.entries.values()]) {
    const other = tokens.get(r.token);
    if (other !== undefined && other !== r.id) {
      refuse('STORE_CONFLICT', 'Something already exists at this path.');
    }
    tokens.set(r.token, r.id);
  }

  // 6. audit of the touched records on the resulting state
  const only = new Set(touchedKeys(change));
  const problems = auditStore(after, state, { only, reliedOn: true });
  const first = problems[0];
  if (first) refuse(first.code, `Refused: ${first.message}`);

  // 7. a rotation re-seals everything sealed to the rotated keys
  for (const r of change.put.namespaces) {
    const prev = before.namespaces.get(r.id);
    if (!prev || prev.generation === r.generation) continue;
    const stale =
      [...after.namespaces.values()].some(
        (c) =>
          c.parent === r.id &&
          ((c.inherit !== null && c.inherit.generation !== r.generation) ||
            (c.name !== null && c.name.generation !== r.generation)),
      ) ||
      [...after.entries.values()].some(
        (e) =>
          e.namespace === r.id &&
          e.keys.namespace.generation !== r.generation &&
          (e.expiresAt === null || Date.parse(e.expiresAt) > now),
      );
    if (stale) {
      refuse(
        'STORE_CONFLICT',
        'The store changed since this rotation was prepared (something was sealed to the old key). Read it again and retry.',
      );
    }
  }

  const put: StoredStoreRecord[] = [
    ...change.put.namespaces.map((r) => row('namespace', r, r.token, r.parent, null)),
    ...change.put.grants.map((r) => row('grant', r, null, r.target.id, null)),
    ...change.put.entries.map((r) =>
      row('entry', r, r.token, r.namespace, r.expiresAt === null ? null : Date.parse(r.expiresAt)),
    ),
  ];
  const remove = [
    ...change.remove.namespaces.map((id) => ({ kind: 'namespace' as const, id })),
    ...change.remove.grants.map((id) => ({ kind: 'grant' as const, id })),
    ...change.remove.entries.map((id) => ({ kind: 'entry' as const, id })),
  ];
  return {
    put,
    remove,
    tombstones,
    events: [storeChangedEvent(workspaceId, db.revision, [...only])],
  };
}

function row(
  kind: RecordType,
  r: AnyRecord,
  token: string | null,
  refId: string | null,
  expiresAt: number | null,
): StoredStoreRecord {
  return {
    kind,
    id: r.id,
    token,
    refId,
    expiresAt,
    hash: recordHash(r),
    record: JSON.stringify(r),
  };
}

export function storeChangedEvent(workspaceId: string, revision: number, ids: string[]) {
  const event: ServerEvent = {
    type: 'store.changed',
    workspace: workspaceId,
    revision,
    ids: ids.length > STORE_EVENT_MAX_IDS ? [] : ids,
  };
  return { workspaceId, type: 'store.changed', payload: JSON.stringify(event) };
}
