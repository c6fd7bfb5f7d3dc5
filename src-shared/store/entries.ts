/**
 * Entries: writing, reading, deleting (docs/design.md §4).
 *
 * A write needs WRITE on the entry and the key of its nearest namespace (READ): opening that key
 * is how the writer checks that the namespace the server named is really the one at the path.
 *
 * A write pads the value (padding.ts), encrypts it with a **fresh** 32-byte entry key
 *
 *     ciphertext = nonce ‖ XChaCha20-Poly1305(entry key, padded value, AD) ‖ tag
 *     AD         = "backbone/entry/v1\n" ‖ JCS({id, version, workspace})
 *
 * seals the entry key (in a key envelope carrying the entry's salt and path) to the nearest
 * namespace's current public key and to every member holding a direct READ grant on the entry,
 * bumps the version and signs `store.entry` {workspace, id, version, BLAKE2b-256(ciphertext),
 * expiresAt, writer}. The id is a commitment to the path (envelopes.ts), so the AD binds the
 * ciphertext to its path and version: moved or replayed ciphertexts do not decrypt.
 *
 * A read refuses, in this order: a record of another workspace or a writer who is not a member
 * (`STORE_TAMPERED` / `STORE_FORBIDDEN`), a bad signature (`STORE_BAD_SIGNATURE`), a placement
 * that is not the nearest namespace (`STORE_TAMPERED`), a writer without WRITE (`STORE_FORBIDDEN`:
 * anyone can seal to a namespace's public key, only a signature by an authorized writer counts),
 * an older version than one already seen (`STORE_STALE`), a key envelope or ciphertext that does
 * not belong to this path and version (`STORE_TAMPERED`), an expired entry (`STORE_EXPIRED`).
 */
import {
  aeadDecrypt,
  aeadEncrypt,
  canonicalJson,
  fromBase64Url,
  fromUtf8,
  generateSymmetricKey,
  sodium,
  toBase64Url,
  utf8,
  type BoxPublicKey,
  type SymmetricKey,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import type { MembershipState } from '../workspace/membership-log.js';
import type { StoreAuthority } from './access.js';
import { hasAccess } from './bits.js';
import { StoreSession, type StoreActor, type StoreContext } from './context.js';
import { newLocator, sealEnvelope, type Locator } from './envelopes.js';
import { fail } from './internal.js';
import { namespacePublicKey } from './namespace-keys.js';
import { padValue, unpadValue } from './padding.js';
import { ROOT_PATH, normalizePath } from './paths.js';
import {
  STORE_KINDS,
  STORE_RECORD_VERSION,
  entrySignedBody,
  parseEntryRecord,
  signStoreStatement,
  verifyStoreStatement,
  type EntryRecord,
  type NamespaceRecord,
  type StoreChange,
} from './records.js';
import { StoreDraft, type StoreRecords } from './store-view.js';

export const ENTRY_AD_PREFIX = 'backbone/entry/v1\n';

/** The associated data of an entry ciphertext. */
export function entryAssociatedData(workspaceId: string, id: string, version: number): Uint8Array {
  return utf8(ENTRY_AD_PREFIX + canonicalJson({ id, version, workspace: workspaceId }));
}

function expiryText(value: Date | string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) fail('INVALID_ARGUMENT', 'An expiry must be a valid date.');
  return date.toISOString();
}

/** Members with a valid direct READ grant on an entry (they get their own key envelope). */
export function directReaders(authority: StoreAuthority, entryId: string): string[] {
  const names = new Set<string>();
  for (const g of authority.grantsOn(entryId)) {
    if (g.target.kind === 'entry' && hasAccess(g.access, 'READ')) names.add(g.grantee);
  }
  return [...names].sort();
}

/**
 * True if an entry is signed by a current member who holds WRITE on it (key-free check). Entries
 * that fail it are never shown, listed, moved or re-sealed: a server can add records, not forge
 * signatures.
 */
export function isTrustedEntry(
  authority: StoreAuthority,
  membership: MembershipState,
  entry: EntryRecord,
): boolean {
  const writer = membership.members.get(entry.writer);
  return (
    writer !== undefined &&
    verifyStoreStatement(STORE_KINDS.entry, entrySignedBody(entry), entry.sig, writer.signPk) &&
    authority.writerAuthorized(entry)
  );
}

export interface SealEntryOptions {
  workspaceId: string;
  locator: Locator;
  token: string;
  naming: number;
  version: number;
  /** Direct-share epoch (default 1): carried over by writes, +1 when a direct share is revoked. */
  shareEpoch?: number;
  value: Uint8Array;
  expiresAt: string | null;
  namespace: NamespaceRecord;
  /** Direct readers and their box keys (from the verified log). */
  readers: ReadonlyArray<{ name: string; box: BoxPublicKey }>;
  writer: Pick<StoreActor, 'name' | 'signKeyPair'>;
  random?: StoreContext['random'];
}

/** Encrypts and signs an entry record under a fresh entry key (wiped before returning). */
export function sealEntryRecord(options: SealEntryOptions): EntryRecord {
  const padded = padValue(options.value);
  const key: SymmetricKey = generateSymmetricKey(options.random);
  try {
    const ciphertext = toBase64Url(
      aeadEncrypt(
        key,
        padded,
        entryAssociatedData(options.workspaceId, options.locator.id, options.version),
        options.random,
      ),
    );
    const users: Record<string, string> = {};
    for (const reader of options.readers) {
      users[reader.name] = sealEnvelope(
        reader.box,
        'entry-key',
        options.locator,
        key,
        options.random,
      );
    }
    const unsigned = {
      v: STORE_RECORD_VERSION,
      workspace: options.workspaceId,
      id: options.locator.id,
      token: options.token,
      naming: options.naming,
      version: options.version,
      shareEpoch: options.shareEpoch ?? 1,
      ciphertext,
      expiresAt: options.expiresAt,
      writer: options.writer.name,
    } as const;
    const sig = signStoreStatement(
      STORE_KINDS.entry,
      entrySignedBody(unsigned),
      options.writer.signKeyPair,
    );
    return parseEntryRecord({
      ...unsigned,
      sig,
      namespace: options.namespace.id,
      keys: {
        namespace: {
          generation: options.namespace.generation,
          sealed: sealEnvelope(
            namespacePublicKey(options.namespace),
            'entry-key',
            options.locator,
            key,
            options.random,
          ),
        },
        users,
      },
    });
  } finally {
    sodium().memzero(key);
    sodium().memzero(padded);
  }
}

/** Signs an entry again as `writer` (same ciphertext and version): used when its writer loses WRITE. */
export function resignEntryRecord(
  record: EntryRecord,
  writer: Pick<StoreActor, 'name' | 'signKeyPair'>,
): EntryRecord {
  const next = { ...record, writer: writer.name };
  next.sig = signStoreStatement(STORE_KINDS.entry, entrySignedBody(next), writer.signKeyPair);
  return parseEntryRecord(next);
}

export interface EntryValue {
  path: string;
  id: string;
  version: number;
  writer: string;
  expiresAt: string | null;
  value: Uint8Array;
}

/** Verifies an entry record found at `path` and decrypts it (see the module comment). */
export function openEntry(s: StoreSession, path: string, record: EntryRecord): EntryValue {
  if (record.workspace !== s.workspaceId) {
    fail('STORE_TAMPERED', 'This entry belongs to another workspace.');
  }
  const writer = s.ctx.membership.members.get(record.writer);
  if (!writer) {
    fail('STORE_FORBIDDEN', 'This entry was written by someone who is not a member (any more).');
  }
  if (
    !verifyStoreStatement(STORE_KINDS.entry, entrySignedBody(record), record.sig, writer.signPk)
  ) {
    fail('STORE_BAD_SIGNATURE', 'The signature on this entry is not valid: it was changed.');
  }
  const nearest = s.nearestNamespace(path);
  if (record.namespace !== nearest.id) {
    fail('STORE_TAMPERED', 'This entry is filed under another namespace than the one it is in.');
  }
  if (!s.authority.writerAuthorized(record)) {
    fail(
      'STORE_FORBIDDEN',
      'This entry was written by someone without write access to it; it is not trusted.',
    );
  }
  s.ctx.seen?.checkEntry(path, record.id, record.version, record.shareEpoch);
  if (record.expiresAt !== null && s.now().getTime() >= Date.parse(record.expiresAt)) {
    fail('STORE_EXPIRED', 'This entry has expired.');
  }
  const opened = s.resolver.entryKey(record);
  try {
    if (opened.path !== path) {
      fail('STORE_TAMPERED', 'This entry belongs to another path; the server moved it.');
    }
    let padded: Uint8Array;
    try {
      padded = aeadDecrypt(
        opened.key,
        fromBase64Url(record.ciphertext),
        entryAssociatedData(s.workspaceId, record.id, record.version),
      );
    } catch (cause) {
      return fail(
        'STORE_TAMPERED',
        'This entry does not decrypt for its path and version: it was changed, moved or replayed.',
        cause,
      );
    }
    const value = unpadValue(padded);
    sodium().memzero(padded);
    s.ctx.seen?.noteEntry(path, record.id, record.version, record.shareEpoch);
    return {
      path,
      id: record.id,
      version: record.version,
      writer: record.writer,
      expiresAt: record.expiresAt,
      value,
    };
  } finally {
    sodium().memzero(opened.key);
  }
}

/** Reads and verifies the entry at `path`. `STORE_NOT_FOUND` if there is none. */
export function readEntry(ctx: StoreContext, records: StoreRecords, path: string): EntryValue {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    const normalized = normalizePath(path);
    const record = s.entryAt(normalized);
    if (!record) fail('STORE_NOT_FOUND', 'There is no entry at this path.');
    return openEntry(s, normalized, record);
  } finally {
    s.resolver.wipe();
  }
}

/** `readEntry` with the value decoded as UTF-8 text. */
export function readEntryText(ctx: StoreContext, records: StoreRecords, path: string): string {
  const entry = readEntry(ctx, records, path);
  try {
    return fromUtf8(entry.value);
  } finally {
    sodium().memzero(entry.value);
  }
}

export interface WriteEntryOptions {
  path: string;
  value: Uint8Array | string;
  expiresAt?: Date | string | null;
  /**
   * For a new entry at a path that had one before (deleted): the last version it had, so the
   * numbering continues and replays of the old record stay detectable. Default: what `seen`
   * remembers, else 0.
   */
  previousVersion?: number;
}

export interface EntryWrite {
  change: StoreChange;
  record: EntryRecord;
}

/**
 * Writes (creates or replaces) the entry at `path`: needs STORE_USE, WRITE on it and READ on its
 * nearest namespace (see the module comment). The new version of an existing entry keeps its id
 * and salt.
 */
export function writeEntry(
  ctx: StoreContext,
  records: StoreRecords,
  options: WriteEntryOptions,
): EntryWrite {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    const path = normalizePath(options.path);
    if (path === ROOT_PATH) fail('STORE_INVALID_PATH', 'The root is a namespace, not an entry.');
    const value = typeof options.value === 'string' ? utf8(options.value) : options.value;
    padValue(value); // refuses values that are too large before any other work
    const token = s.token(path);
    if (records.namespaceByToken(token)) {
      fail('STORE_CONFLICT', 'This path is a namespace; an entry cannot have the same path.');
    }
    const nearest = s.nearestNamespace(path);
    if (!s.authority.signerAuthorized(nearest.id)) {
      fail(
        'STORE_FORBIDDEN',
        'The namespace of this entry has an unauthorized key; it is not used.',
      );
    }
    // The writer must open the namespace key: that proves the namespace is the one at this path
    // (a server could otherwise answer with another namespace, whose holders would then read
    // the value) and that its public key is the current, authorized one.
    try {
      s.resolver.namespace(nearest.id);
    } catch (error) {
      if (isBackboneError(error, 'STORE_NO_KEY')) {
        fail(
          'STORE_FORBIDDEN',
          'Writing here needs read access to the enclosing namespace, to check where the value goes.',
        );
      }
      throw error;
    }

    const existing = s.entryAt(path);
    let locator: Locator;
    let version: number;
    let shareEpoch = 1;
    if (existing) {
      ctx.seen?.checkEntry(path, existing.id, existing.version, existing.shareEpoch);
      shareEpoch = existing.shareEpoch;
      let opened;
      try {
        opened = s.resolver.entryKey(existing);
      } catch (error) {
        if (isBackboneError(error, 'STORE_NO_KEY')) {
          fail('STORE_FORBIDDEN', 'Replacing this entry needs read access to it.');
        }
        throw error;
      }
      sodium().memzero(opened.key);
      if (opened.path !== path) {
        fail(
          'STORE_TAMPERED',
          'The entry at this path belongs to another path; the server moved it.',
        );
      }
      locator = { path, salt: opened.salt, id: existing.id };
      version = existing.version + 1;
    } else {
      locator = newLocator(s.workspaceId, 'entry', path, s.random);
      version = Math.max(options.previousVersion ?? 0, ctx.seen?.entryVersion(path) ?? 0) + 1;
    }
    const bits = s.authority.bitsOn(s.actorName, {
      kind: 'entry',
      id: locator.id,
      namespace: nearest.id,
    });
    if (!hasAccess(bits, 'WRITE')) {
      fail(
        'STORE_FORBIDDEN',
        'You have no write access here. Ask someone with access to grant it.',
      );
    }
    const record = sealEntryRecord({
      workspaceId: s.workspaceId,
      locator,
      token,
      naming: s.namingGeneration,
      version,
      shareEpoch,
      value,
      expiresAt: expiryText(options.expiresAt),
      namespace: nearest.record,
      readers: directReaders(s.authority, locator.id).map((name) => ({
        name,
        box: s.memberBox(name),
      })),
      writer: ctx.actor,
      random: s.random,
    });
    const draft = new StoreDraft(records);
    draft.putEntry(record);
    draft.dependOn('namespace', nearest.id);
    ctx.seen?.noteEntry(path, record.id, record.version, record.shareEpoch);
    return { change: draft.toChange(), record };
  } finally {
    s.resolver.wipe();
  }
}

/** Deletes the entry at `path` and the grants on it: needs STORE_USE and DELETE on it. */
export function deleteEntry(ctx: StoreContext, records: StoreRecords, path: string): StoreChange {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    const normalized = normalizePath(path);
    const record = s.entryAt(normalized);
    if (!record) fail('STORE_NOT_FOUND', 'There is no entry at this path.');
    const bits = s.authority.bitsOn(s.actorName, {
      kind: 'entry',
      id: record.id,
      namespace: record.namespace,
    });
    if (!hasAccess(bits, 'DELETE')) {
      fail('STORE_FORBIDDEN', 'You have no delete access here.');
    }
    const draft = new StoreDraft(records);
    draft.remove('entry', record.id);
    for (const g of records.allGrants()) {
      if (g.target.kind === 'entry' && g.target.id === record.id) draft.remove('grant', g.id);
    }
    // Remembered, so a server that puts the record back is refused (STORE_STALE).
    ctx.seen?.noteEntryDeleted(normalized, record.id, record.version);
    return draft.toChange();
  } finally {
    s.resolver.wipe();
  }
}
