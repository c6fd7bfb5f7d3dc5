/**
 * Entry (value) operations of the store service, each written once for every face: reading,
 * writing (with an editor's optional checks: `create`, `expectVersion`), deleting (optionally
 * keeping the value for an undo).
 */
import { fromUtf8, sodium } from '../../crypto/index.js';
import { BackboneError } from '../../errors.js';
import {
  StoreSession,
  deleteEntry as deleteEntryRecords,
  normalizePath,
  readEntry,
  writeEntry,
  type EntryValue,
  type ListedEntry,
  type StoreChange,
  type StoreContext,
  type StoreView,
} from '../../store/index.js';
import type { ClientContext } from '../client-context.js';
import { openCopy } from './copy.js';
import { tokenOf } from './records-after.js';
import type { EntryInfo, StoreOptions, StoreRunner, TakenEntry } from './types.js';

/** An opened entry as `EntryInfo` (the value as text); wipes the bytes. */
export function entryInfoOf(entry: EntryValue): EntryInfo {
  try {
    return {
      key: entry.path,
      value: fromUtf8(entry.value),
      version: entry.version,
      writer: entry.writer,
      expiresAt: entry.expiresAt,
    };
  } finally {
    sodium().memzero(entry.value);
  }
}

/** The value at `path` with its version, writer and expiry (`STORE_NOT_FOUND` if none). */
export function readEntryInfo(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<EntryInfo> {
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, path)] }),
    (ctx, { view }) => ({ result: entryInfoOf(readEntry(ctx, view, path)), commit: null }),
  );
}

/** Reads one entry of a copy kept from `snapshot()` (offline), with every check of a read. */
export async function readCopy(
  client: ClientContext,
  value: unknown,
  path: string,
): Promise<EntryInfo> {
  const opened = await openCopy(client, value);
  try {
    return entryInfoOf(readEntry(opened.ctx, opened.view, path));
  } finally {
    opened.done();
  }
}

/** The raw bytes at `path`. */
export function readEntryBytes(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<Uint8Array> {
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, path)] }),
    (ctx, { view }) => ({ result: readEntry(ctx, view, path).value, commit: null }),
  );
}

export interface SetEntryRequest {
  /** null: never expires. */
  expiresAt: Date | string | null;
  /** Refuse (`STORE_EXISTS`) if an entry or a namespace is already there. */
  create?: boolean;
  /** Refuse (`STORE_CONFLICT`) unless the entry is still at this version. */
  expectVersion?: number;
}

/** The editor's checks before a write (`create`, `expectVersion`). */
function checkEditor(view: StoreView, token: string, request: SetEntryRequest): void {
  const existing = view.entryByToken(token);
  if (request.create && (existing || view.namespaceByToken(token))) {
    throw new BackboneError(
      'STORE_EXISTS',
      existing
        ? 'There is already an entry at this path. Open it to change it, or choose another name.'
        : 'There is already a folder at this path. Choose another name.',
    );
  }
  if (request.expectVersion === undefined) return;
  if (!existing) {
    throw new BackboneError(
      'STORE_NOT_FOUND',
      'This entry was deleted meanwhile. Create it again if you still need it.',
    );
  }
  if (existing.version !== request.expectVersion) {
    throw new BackboneError(
      'STORE_CONFLICT',
      `${existing.writer} changed this entry meanwhile (now version ${existing.version}). Reload it and make your change again.`,
    );
  }
}

/**
 * Writes `value` (text or bytes, at most 2048 bytes: `STORE_VALUE_TOO_LARGE`) at `path`, creating
 * the store's root first if there is none and you are ROOT. Returns it as a listing shows it.
 */
export async function setEntry(
  runner: StoreRunner,
  path: string,
  value: string | Uint8Array,
  request: SetEntryRequest,
  options: StoreOptions,
): Promise<ListedEntry> {
  const normalized = normalizePath(path);
  return runner.runWithRoot(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, normalized)] }),
    (ctx, { view, tombstones }) => {
      const token = tokenOf(ctx, normalized);
      checkEditor(view, token, request);
      const write = writeEntry(ctx, view, {
        path: normalized,
        value,
        expiresAt: request.expiresAt,
        previousVersion: tombstones[token] ?? 0,
      });
      const s = new StoreSession(ctx, view);
      try {
        const home = s.nearestNamespace(normalized);
        const record = write.record;
        const expiresAt = record.expiresAt;
        return {
          result: {
            id: record.id,
            path: normalized,
            namespace: s.resolver.namespacePath(home.id).path,
            version: record.version,
            writer: record.writer,
            expiresAt,
            expired: expiresAt !== null && Date.now() >= Date.parse(expiresAt),
            access: s.authority.bitsOn(ctx.actor.name, {
              kind: 'entry',
              id: record.id,
              namespace: home.id,
            }),
          },
          commit: { change: write.change },
        };
      } finally {
        s.resolver.wipe();
      }
    },
  );
}

/**
 * The model step of a deletion (needs DELETE). `keep`: read the value first (an expired one too),
 * for an undo.
 */
function prepareDeletion(
  ctx: StoreContext,
  view: StoreView,
  path: string,
  keep: boolean,
): { change: StoreChange; taken: EntryValue | null } {
  if (!keep) return { change: deleteEntryRecords(ctx, view, path), taken: null };
  const record = view.entryByToken(tokenOf(ctx, path));
  if (!record) throw new BackboneError('STORE_NOT_FOUND', 'There is no entry at this path.');
  const expired = record.expiresAt !== null && Date.now() >= Date.parse(record.expiresAt);
  // An expired entry is still checked and decrypted for the undo copy: only the expiry check is
  // moved back (to the epoch).
  const taken = readEntry(expired ? { ...ctx, now: () => new Date(0) } : ctx, view, path);
  // Read first: deleting makes this device remember the deletion (and refuse the record).
  return { change: deleteEntryRecords(ctx, view, path), taken };
}

/** Deletes the entry at `path` (needs DELETE). */
export async function deleteEntry(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<{ path: string }> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, normalized)] }),
    (ctx, { view }) => ({
      result: { path: normalized },
      commit: { change: prepareDeletion(ctx, view, normalized, false).change },
    }),
  );
}

/**
 * Deletes the entry at `path` (needs DELETE) and returns what it held, so an app can offer to
 * undo (write it again with `create`). An expired value is returned too.
 */
export async function takeEntry(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<TakenEntry> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, normalized)] }),
    (ctx, { view }) => {
      const { change, taken } = prepareDeletion(ctx, view, normalized, true);
      const entry = taken!;
      return {
        result: {
          path: entry.path,
          value: entry.value,
          version: entry.version,
          expiresAt: entry.expiresAt,
        },
        commit: { change },
      };
    },
  );
}
