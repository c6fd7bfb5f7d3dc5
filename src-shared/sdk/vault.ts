/**
 * `client.vault`: the encrypted store as an app shows it, a thin face over the store service
 * (`store/`), the same one `client.entry` and `client.namespace` use.
 *
 * - `snapshot()`: ONE fetch of every record plus the verified membership state, listed by the
 *   model (`listStore`) without values, and a `StoreCopy` (the raw verified log and the raw
 *   records) an app can keep to list and read offline (`listCopy`, `readCopy`), where the copy is
 *   verified again: the log against the pinned genesis hash, every record by the model.
 * - writes with the checks an editor needs: `set` refuses to overwrite on create
 *   (`STORE_EXISTS`) and to write over a version someone else changed meanwhile
 *   (`STORE_CONFLICT`); `take` deletes an entry and returns its value (for an undo).
 * - sharing: who holds what on a path, grants with whether they count, and `revoke` with what the
 *   rotation changed and what the revoked member still reaches (computed on the state after it).
 *
 * A listing memo (verified signatures, opened paths) is kept per workspace in memory by the
 * service, so listing a large store again after a small change is cheap; `forget()` drops it (the
 * client's `close()`).
 */
import { isBackboneError, type BackboneError } from '../errors.js';
import type { AccessBit, ListedEntry, ListedNamespace } from '../store/index.js';
import type { ClientContext } from './client-context.js';
import { grant, revokeExplained, sharing } from './store/access-ops.js';
import type { StoreCopy } from './store/copy.js';
import { readCopy, setEntry, takeEntry } from './store/entry-ops.js';
import { listCopy, rememberCopy, snapshot, type VaultListing } from './store/listing-ops.js';
import { createNamespace, deleteNamespace } from './store/namespace-ops.js';
import type { StoreService } from './store/service.js';
import type {
  EntryInfo,
  RevokeOutcome,
  SharingInfo,
  StoreOptions,
  TakenEntry,
  TargetKind,
} from './store/types.js';
import type { WorkspaceApi } from './workspaces.js';

export { STORE_COPY_VERSION, storeCopySchema, type StoreCopy } from './store/copy.js';
export type { VaultListing } from './store/listing-ops.js';
export type {
  EntryInfo,
  RevokeOutcome,
  SharingInfo,
  StoreOptions,
  TakenEntry,
} from './store/types.js';

export interface VaultSetOptions extends StoreOptions {
  /** null or absent: never expires. */
  expiresAt?: Date | string | null;
  /** Refuse (`STORE_EXISTS`) if an entry is already there. */
  create?: boolean;
  /** Refuse (`STORE_CONFLICT`) unless the entry is still at this version. */
  expectVersion?: number;
}

export class VaultApi {
  constructor(
    private readonly ctx: ClientContext,
    private readonly workspaces: WorkspaceApi,
    private readonly service: StoreService,
  ) {}

  /** Drops what listings remembered (paths) from memory. */
  forget(): void {
    this.service.forget();
  }

  /**
   * Seeds the listing memo of the copy's workspace from what the copy says was checked (only
   * when this client has not listed it yet): the next `snapshot()` is then fast. The copy must be
   * this client's own (e.g. decrypted from its own encrypted cache).
   */
  async remember(copy: StoreCopy): Promise<void> {
    await rememberCopy(this.service, copy);
  }

  /**
   * One fetch of every record and the verified membership state: the listing (no values) and a
   * copy to keep for offline use.
   */
  async snapshot(options: StoreOptions = {}): Promise<{ listing: VaultListing; copy: StoreCopy }> {
    return snapshot(this.service, (state) => this.workspaces.rawLog(state), options);
  }

  /** Lists a copy kept from `snapshot()` (offline). */
  async listCopy(copy: unknown): Promise<VaultListing> {
    return listCopy(this.service, this.ctx, copy);
  }

  /** Reads one entry of a copy kept from `snapshot()` (offline), with every check of a read. */
  async readCopy(copy: unknown, path: string): Promise<EntryInfo> {
    return readCopy(this.ctx, copy, path);
  }

  /**
   * Writes an entry (creating the store's root first if there is none and you are ROOT), with
   * the editor's checks (`create`, `expectVersion`). Returns it as a listing shows it.
   */
  async set(
    path: string,
    value: string | Uint8Array,
    options: VaultSetOptions = {},
  ): Promise<ListedEntry> {
    return setEntry(
      this.service,
      path,
      value,
      {
        expiresAt: options.expiresAt ?? null,
        ...(options.create !== undefined ? { create: options.create } : {}),
        ...(options.expectVersion !== undefined ? { expectVersion: options.expectVersion } : {}),
      },
      options,
    );
  }

  /**
   * Deletes the entry at `path` (needs DELETE) and returns what it held, so an app can offer to
   * undo (write it again with `set(…, {create: true})`). An expired value is returned too.
   */
  async take(path: string, options: StoreOptions = {}): Promise<TakenEntry> {
    return takeEntry(this.service, path, options);
  }

  /** Creates a namespace (see `client.namespace.create`) and returns it as a listing shows it. */
  async createNamespace(
    path: string,
    options: StoreOptions & { isolated?: boolean } = {},
  ): Promise<ListedNamespace> {
    const created = await createNamespace(this.service, path, options.isolated === true, options);
    return {
      id: created.id,
      path: created.path,
      isolated: created.isolated,
      access: created.access,
    };
  }

  /**
   * Deletes the namespace at `path` (needs DELETE); what it holds moves up one level. `moved`
   * counts the entries and namespaces directly inside it, which moved to its parent.
   */
  async deleteNamespace(
    path: string,
    options: StoreOptions = {},
  ): Promise<{ path: string; moved: number }> {
    return deleteNamespace(this.service, path, options);
  }

  /** Who holds what on the namespace or entry at `path`. */
  async sharing(path: string, kind: TargetKind, options: StoreOptions = {}): Promise<SharingInfo> {
    return sharing(this.service, path, kind, options);
  }

  /** Grants `access` on the namespace or entry at `path`; returns the sharing view after it. */
  async grant(
    path: string,
    kind: TargetKind,
    grantee: string,
    access: Iterable<AccessBit | string>,
    options: StoreOptions = {},
  ): Promise<SharingInfo> {
    return (await grant(this.service, path, grantee, access, options, kind)).sharing;
  }

  /**
   * Revokes every grant of `grantee` on the namespace or entry at `path` (a key rotation, see
   * `revokeAccess`) and says what changed for them, from the records after the rotation.
   */
  async revoke(
    path: string,
    kind: TargetKind,
    grantee: string,
    options: StoreOptions = {},
  ): Promise<RevokeOutcome> {
    return revokeExplained(this.service, path, kind, grantee, options);
  }
}

/** True for the errors of a server that cannot be reached at all (not: a refusal). */
export function isUnreachable(error: unknown): error is BackboneError {
  return isBackboneError(error, 'SERVER_UNREACHABLE') || isBackboneError(error, 'REQUEST_TIMEOUT');
}
