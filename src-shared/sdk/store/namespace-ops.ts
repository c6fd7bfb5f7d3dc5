/**
 * Namespace (folder) operations of the store service, each written once for every face:
 * creating the root, creating a namespace, deleting one (its content moves up one level, with a
 * rotation for members who lose access), and listing one.
 */
import { BackboneError } from '../../errors.js';
import {
  ROOT_PATH,
  analyzeStore,
  createNamespace as createNamespaceRecords,
  createRootNamespace,
  deleteNamespace as deleteNamespaceRecords,
  listNamespace as listNamespaceRecords,
  normalizePath,
  type ListedNamespace,
  type NamespaceListing,
  type StoreContext,
} from '../../store/index.js';
import { recordsAfter, tokenOf } from './records-after.js';
import type { Prepared, RunRecords, StoreOptions, StoreRunner } from './types.js';

/** The model step of `ensureRoot`: the root namespace, unless the store has one. */
export function prepareRoot(ctx: StoreContext, { view }: RunRecords): Prepared<void> {
  if (view.allNamespaces().some((r) => r.parent === null)) {
    return { result: undefined, commit: null };
  }
  return { result: undefined, commit: { change: createRootNamespace(ctx, view).change } };
}

/** A new namespace as a listing shows it, and how many entries and namespaces moved into it. */
export interface CreatedNamespace extends ListedNamespace {
  /** Entries and namespaces already below its path that moved under it. */
  moved: number;
}

/**
 * Creates a namespace at `path` (not the root: see `ensureRoot`); `isolated`: its key goes only
 * to you. Creates the store's root first if there is none and you are ROOT.
 */
export async function createNamespace(
  runner: StoreRunner,
  path: string,
  isolated: boolean,
  options: StoreOptions,
): Promise<CreatedNamespace> {
  const normalized = normalizePath(path);
  if (normalized === ROOT_PATH) {
    throw new BackboneError('STORE_INVALID_PATH', 'Give the new namespace a name.');
  }
  return runner.runWithRoot(
    options,
    () => ({ all: true }),
    (ctx, { view }) => {
      const created = createNamespaceRecords(ctx, view, { path: normalized, isolated });
      const post = analyzeStore(recordsAfter(view, created.change), ctx.membership);
      return {
        result: {
          id: created.namespace.id,
          path: normalized,
          isolated: created.namespace.isolated,
          access: post.bitsOn(ctx.actor.name, { kind: 'namespace', id: created.namespace.id }),
          moved: created.moved.entries.length + created.moved.namespaces.length,
        },
        commit: { change: created.change },
      };
    },
  );
}

/**
 * Deletes the namespace at `path` (needs DELETE); what it holds moves up one level. `moved`
 * counts the entries and namespaces directly inside it, which moved to its parent (the reverse of
 * `moved` when creating a namespace over existing content).
 */
export async function deleteNamespace(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<{ path: string; moved: number }> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    () => ({ all: true }),
    (ctx, { view }) => {
      const deletion = deleteNamespaceRecords(ctx, view, normalized);
      return {
        result: {
          path: normalized,
          moved: deletion.moved.entries.length + deletion.moved.namespaces.length,
        },
        commit: deletion.bundle ? { bundle: deletion.bundle } : { change: deletion.change },
      };
    },
  );
}

/** Namespaces and entries directly inside the namespace at `path` (needs READ), and its id. */
export async function listNamespace(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<NamespaceListing & { id: string }> {
  // First the structure (to find the namespace id), then only its entries.
  const id = await runner.run(
    options,
    () => ({ none: true }),
    (ctx, { view }) => {
      const record = view.namespaceByToken(tokenOf(ctx, path));
      if (!record) {
        throw new BackboneError('STORE_NOT_FOUND', 'There is no namespace at this path.');
      }
      return { result: record.id, commit: null };
    },
  );
  return runner.run(
    options,
    () => ({ namespaces: [id] }),
    (ctx, { view }) => ({
      result: { ...listNamespaceRecords(ctx, view, path), id },
      commit: null,
    }),
  );
}
