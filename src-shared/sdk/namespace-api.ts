/**
 * `client.namespace`: the encrypted store's folders (docs/store.md), a thin face over the store
 * service (`store/`), which runs every operation: verified state, records, the model step, the
 * commit.
 */
import { ROOT_PATH, normalizePath, type GrantInfo, type NamespaceListing } from '../store/index.js';
import type { RotationReport } from '../store/index.js';
import type { GrantOptions } from './entry-api.js';
import { grant, grantsOn, revoke } from './store/access-ops.js';
import { searchNamespaces } from './store/listing-ops.js';
import { createNamespace, deleteNamespace, listNamespace } from './store/namespace-ops.js';
import { cleanupAfterRemoval } from './store/removal-cleanup.js';
import type { StoreOptions, StoreRunner } from './store/types.js';
import type { StoreCleanup } from './users.js';

export class NamespaceApi {
  constructor(private readonly service: StoreRunner) {}

  /**
   * Creates a namespace (folder) at `key`; `isolated`: its key goes only to you. Creates the
   * store's root first if there is none and you are ROOT (`key` "" creates only the root).
   * `moved`: the entries and namespaces already below `key` that moved into it.
   */
  async create(
    key: string,
    options: StoreOptions & { isolated?: boolean } = {},
  ): Promise<{ key: string; id: string; isolated: boolean; moved: number }> {
    if (normalizePath(key) === ROOT_PATH) {
      await this.service.ensureRoot(options);
      const listing = await this.list('', options);
      return { key: '', id: listing.id, isolated: false, moved: 0 };
    }
    const created = await createNamespace(this.service, key, options.isolated === true, options);
    return {
      key: created.path,
      id: created.id,
      isolated: created.isolated,
      moved: created.moved,
    };
  }

  /**
   * Deletes the namespace at `key` (needs DELETE); what it holds moves up one level. `moved`: the
   * entries and namespaces directly inside it, which moved to its parent.
   */
  async delete(key: string, options: StoreOptions = {}): Promise<{ key: string; moved: number }> {
    const deleted = await deleteNamespace(this.service, key, options);
    return { key: deleted.path, moved: deleted.moved };
  }

  /** Namespaces and entries directly inside `key` (needs READ). */
  async list(key: string, options: StoreOptions = {}): Promise<NamespaceListing & { id: string }> {
    return listNamespace(this.service, key, options);
  }

  /** Namespaces you can see the path of whose path starts with `prefix` (sorted). */
  async search(
    prefix = '',
    options: StoreOptions = {},
  ): Promise<Array<{ key: string; isolated: boolean }>> {
    return searchNamespaces(this.service, prefix, options);
  }

  /** Shares the namespace at `key` (and what is below it) with a member (default READ). */
  async grant(key: string, username: string, options: GrantOptions = {}): Promise<GrantInfo> {
    const access = options.access ?? ['READ'];
    return (await grant(this.service, key, username, access, options)).grant;
  }

  /**
   * Takes a member's access to the namespace away: new keys for it and everything below that
   * inherits from it, in one signed rotation.
   */
  async revoke(key: string, username: string, options: StoreOptions = {}): Promise<RotationReport> {
    return revoke(this.service, key, username, options, 'all');
  }

  /** The grants on the namespace at `key`. */
  async grants(key: string, options: StoreOptions = {}): Promise<GrantInfo[]> {
    return grantsOn(this.service, key, options);
  }

  /**
   * After a member was removed from the workspace (`client.user.delete`, which rotates the
   * naming key): moves the records you can reach to their new tokens, then revokes every grant
   * the former member had (one rotation each). Returns what it did; records you cannot reach
   * are left for their holders.
   */
  async cleanupAfterRemoval(username: string, options: StoreOptions = {}): Promise<StoreCleanup> {
    return cleanupAfterRemoval(this.service, username, options);
  }
}
