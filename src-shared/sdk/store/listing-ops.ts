/**
 * Listing and search operations of the store service: the whole store as an app lists it
 * (`listStore`, with the workspace's listing memo), one fetch with a copy for offline use, the
 * listing of such a copy, and the searches (path tokens are keyed hashes of whole paths, so the
 * server cannot match prefixes: a search fetches every record and matches the decrypted paths of
 * what this member can read).
 */
import { sodium } from '../../crypto/index.js';
import { BackboneError, isBackboneError } from '../../errors.js';
import {
  ROOT_PATH,
  StoreSession,
  isDescendantPath,
  listStore,
  type ListingMemo,
  type StoreContext,
  type StoreListing,
  type StoreRecords,
  type StoreView,
} from '../../store/index.js';
import { isTrustedEntry } from '../../store/entries.js';
import type { MembershipState } from '../../workspace/membership-log.js';
import { has } from '../../workspace/permissions.js';
import type { ClientContext } from '../client-context.js';
import { makeCopy, openCopy, seedMemo, type StoreCopy } from './copy.js';
import type { StoreOptions, StoreRunner } from './types.js';

/** A listing of one workspace's store for this member, and where it came from. */
export interface VaultListing extends StoreListing {
  workspaceId: string;
  displayName: string;
  /** Your member name. */
  you: string;
  /** You hold ROOT (you may create the store with the first write). */
  root: boolean;
  /** When the records were fetched from the server. */
  fetchedAt: string;
}

/** The store listed for `ctx.actor`, with the workspace it belongs to. */
export function listingOf(
  ctx: StoreContext,
  records: StoreRecords,
  fetchedAt: string,
  memo: ListingMemo,
): VaultListing {
  const listing = listStore(ctx, records, { memo });
  const me = ctx.membership.members.get(ctx.actor.name)!;
  return {
    ...listing,
    workspaceId: ctx.membership.workspaceId,
    displayName: ctx.membership.displayName,
    you: me.name,
    root: has(me.permissions, 'ROOT'),
    fetchedAt,
  };
}

/**
 * One fetch of every record and the verified membership state: the listing (no values) and a
 * copy to keep for offline use. `rawLog` gives the raw log the state was verified from.
 */
export function snapshot(
  runner: StoreRunner,
  rawLog: (state: MembershipState) => readonly unknown[] | undefined,
  options: StoreOptions,
): Promise<{ listing: VaultListing; copy: StoreCopy }> {
  return runner.run(
    options,
    () => ({ all: true }),
    (ctx, { view, memo }) => {
      const fetchedAt = new Date().toISOString();
      const log = rawLog(ctx.membership);
      if (log === undefined) {
        throw new BackboneError('INTERNAL', 'The verified membership log was not kept.');
      }
      const listing = listingOf(ctx, view, fetchedAt, memo);
      return { result: { listing, copy: makeCopy(view, log, fetchedAt, memo) }, commit: null };
    },
  );
}

/** Seeds the copy's workspace memo from what the copy says was checked (see `seedMemo`). */
export async function rememberCopy(runner: StoreRunner, copy: StoreCopy): Promise<void> {
  seedMemo(await runner.memo(copy.workspaceId), copy);
}

/** Lists a copy kept from `snapshot()` (offline). */
export async function listCopy(
  runner: StoreRunner,
  client: ClientContext,
  value: unknown,
): Promise<VaultListing> {
  const opened = await openCopy(client, value);
  try {
    await rememberCopy(runner, opened.copy);
    const memo = await runner.memo(opened.copy.workspaceId);
    return listingOf(opened.ctx, opened.view, opened.copy.fetchedAt, memo);
  } finally {
    opened.done();
  }
}

/** Paths this member can read, from a full fetch (entries: trusted ones only). */
function readablePaths(
  ctx: StoreContext,
  view: StoreView,
): { namespaces: Array<{ path: string; isolated: boolean }>; entries: string[] } {
  const s = new StoreSession(ctx, view);
  try {
    const namespaces: Array<{ path: string; isolated: boolean }> = [];
    for (const r of view.allNamespaces()) {
      // refused records (e.g. a namespace this device deleted, replayed) are skipped, not fatal
      if (!s.authority.node(r.id)) continue;
      const path = s.resolver.tryNamespacePath(r.id);
      if (path !== undefined) {
        namespaces.push({ path, isolated: r.isolated });
      }
    }
    const entries: string[] = [];
    for (const e of view.allEntries()) {
      if (!isTrustedEntry(s.authority, ctx.membership, e)) continue;
      try {
        const opened = s.resolver.entryKey(e);
        sodium().memzero(opened.key);
        // a replayed or deleted record is not listed (STORE_STALE)
        ctx.seen?.checkEntry(opened.path, e.id, e.version, e.shareEpoch);
        entries.push(opened.path);
      } catch (error) {
        if (!isBackboneError(error)) throw error;
      }
    }
    return { namespaces, entries };
  } finally {
    s.resolver.wipe();
  }
}

function matches(path: string, query: string): boolean {
  if (query === '' || query === ROOT_PATH) return true;
  return path === query || path.startsWith(query) || isDescendantPath(path, query);
}

/** Paths of the entries you can read that start with `prefix` (sorted). */
export function searchEntries(
  runner: StoreRunner,
  prefix: string,
  options: StoreOptions,
): Promise<string[]> {
  return runner.run(
    options,
    () => ({ all: true }),
    (ctx, { view }) => ({
      result: readablePaths(ctx, view)
        .entries.filter((p) => matches(p, prefix))
        .sort(),
      commit: null,
    }),
  );
}

/** Namespaces you can see the path of whose path starts with `prefix` (sorted). */
export function searchNamespaces(
  runner: StoreRunner,
  prefix: string,
  options: StoreOptions,
): Promise<Array<{ key: string; isolated: boolean }>> {
  return runner.run(
    options,
    () => ({ none: true }),
    (ctx, { view }) => ({
      result: readablePaths(ctx, view)
        .namespaces.filter((n) => n.path !== ROOT_PATH && matches(n.path, prefix))
        .map((n) => ({ key: n.path, isolated: n.isolated }))
        .sort((a, b) => (a.key < b.key ? -1 : 1)),
      commit: null,
    }),
  );
}
