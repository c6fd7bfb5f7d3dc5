/**
 * The whole store as one member sees it, without values: every namespace whose path the member
 * can learn and every entry it can read, with versions, writers, expiry and the member's access
 * bits. One pass over one full fetch (`{all: true}`), for apps that list and search a store.
 *
 * Each listed entry passes the checks a read does, except decrypting the value: its writer is a
 * current member whose signature verifies and who holds WRITE on it, it is filed under its
 * nearest namespace, its key envelope opens and commits to its id and to a path inside that
 * namespace, and it is not older than a version this device already saw. Entries that fail a
 * check are left out and counted (`refused`).
 *
 * Work per entry is kept small for large stores (10,000 entries and more): access bits are
 * computed once per namespace (entries without direct grants inherit them), nearest namespaces
 * once per parent path, and an optional `ListingMemo` remembers signatures already verified and
 * paths already opened, so listing the same store again after a small change only does the
 * public-key work for what changed.
 */
import {
  blake2b,
  fromBase64Url,
  sodium,
  statementSigningBytes,
  toBase64Url,
  verifyDetached,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { has } from '../workspace/permissions.js';
import type { AccessBit } from './bits.js';
import type { ResolvedNamespace } from './chain.js';
import { StoreSession, type StoreContext } from './context.js';
import { openEnvelope } from './envelopes.js';
import { ROOT_PATH, isDescendantPath, parentPath, pathToken } from './paths.js';
import {
  STORE_KINDS,
  STORE_RECORD_VERSION,
  entrySignedBody,
  type EntryRecord,
  type NamespaceRecord,
} from './records.js';
import type { StoreRecords } from './store-view.js';

export interface ListedNamespace {
  id: string;
  /** "" for the root. */
  path: string;
  isolated: boolean;
  /** The member's effective access bits on it. */
  access: AccessBit[];
}

export interface ListedEntry {
  id: string;
  path: string;
  /** Path of the namespace it is filed under ("" = root). */
  namespace: string;
  version: number;
  /** The member who wrote (signed) the current version. */
  writer: string;
  expiresAt: string | null;
  expired: boolean;
  access: AccessBit[];
}

export interface StoreListing {
  /** The store has a root namespace (ROOT creates it with the first write). */
  hasStore: boolean;
  /** Namespaces whose path the member can learn, plus those above what it lists; sorted. */
  namespaces: ListedNamespace[];
  /** Entries the member can read, sorted by path. */
  entries: ListedEntry[];
  /** Entries refused by a check (see the module comment); not listed. */
  refused: number;
}

/**
 * What a listing may remember between calls for the same workspace and member (in memory only:
 * it holds paths). Both maps are keyed so that a changed record never hits a stale result.
 */
export class ListingMemo {
  /** Entry id → digest of (signature, signer key, signed bytes) that verified. */
  readonly signatures = new Map<string, string>();
  /** Entry id → the namespace envelope and namespace public key it was opened with, and its path. */
  readonly paths = new Map<string, { sealed: string; publicKey: string; path: string }>();

  clear(): void {
    this.signatures.clear();
    this.paths.clear();
  }

  /** Forgets entries that are gone (keeps the memo as large as the store). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.signatures.keys()) if (!ids.has(id)) this.signatures.delete(id);
    for (const id of this.paths.keys()) if (!ids.has(id)) this.paths.delete(id);
  }
}

export interface ListStoreOptions {
  memo?: ListingMemo;
}

/** Lists the store for `ctx.actor` (see the module comment). Pure: no I/O. */
export function listStore(
  ctx: StoreContext,
  records: StoreRecords,
  options: ListStoreOptions = {},
): StoreListing {
  const s = new StoreSession(ctx, records);
  const memo = options.memo;
  const me = s.actorName;
  const { authority, resolver } = s;
  const membership = ctx.membership;
  const now = s.now().getTime();
  try {
    const hasStore = records.allNamespaces().some((r) => r.parent === null);
    let refused = 0;

    // Namespaces: tokens (for placement), paths the member can learn, bits once each.
    const byToken = new Map<string, NamespaceRecord>();
    for (const r of records.allNamespaces()) byToken.set(r.token, r);
    const nsPaths = new Map<string, string>();
    for (const r of records.allNamespaces()) {
      if (!authority.node(r.id)) continue;
      try {
        const path = resolver.tryNamespacePath(r.id);
        if (path !== undefined) nsPaths.set(r.id, path);
      } catch (error) {
        if (!isBackboneError(error)) throw error;
      }
    }
    const nsBits = new Map<string, AccessBit[]>();
    const bitsOnNamespace = (id: string): AccessBit[] => {
      let bits = nsBits.get(id);
      if (!bits) {
        bits = authority.bitsOn(me, { kind: 'namespace', id });
        nsBits.set(id, bits);
      }
      return bits;
    };

    // The nearest namespace of each parent path (by token, like a read), and the namespaces
    // above it, computed once per distinct parent path.
    const nearestOf = new Map<string, { id: string; path: string } | null>();
    const nearest = (parent: string): { id: string; path: string } | null => {
      const cached = nearestOf.get(parent);
      if (cached !== undefined) return cached;
      let found: { id: string; path: string } | null = null;
      for (let prefix: string | null = parent; prefix !== null; prefix = parentPath(prefix)) {
        const record = byToken.get(pathToken(ctx.namingKey, prefix));
        if (record) {
          // Like a read: a refused namespace there, or one the member knows at another path
          // (the server answered with another one), refuses what is below it.
          const known = nsPaths.get(record.id);
          const usable = authority.node(record.id) && (known === undefined || known === prefix);
          found = usable ? { id: record.id, path: prefix } : null;
          break;
        }
      }
      nearestOf.set(parent, found);
      return found;
    };

    const directTargets = new Set<string>();
    for (const g of authority.validGrants()) {
      if (g.target.kind === 'entry') directTargets.add(g.target.id);
    }
    const writerMayWrite = new Map<string, boolean>();
    const writerAuthorized = (e: EntryRecord): boolean => {
      if (directTargets.has(e.id)) return authority.writerAuthorized(e);
      const key = `${e.writer}\n${e.namespace}`;
      let ok = writerMayWrite.get(key);
      if (ok === undefined) {
        ok = authority.writerAuthorized(e);
        writerMayWrite.set(key, ok);
      }
      return ok;
    };

    const signatureOk = (e: EntryRecord): boolean => {
      const writer = membership.members.get(e.writer);
      if (!writer) return false;
      const bytes = statementSigningBytes(
        STORE_KINDS.entry,
        STORE_RECORD_VERSION,
        entrySignedBody(e),
      );
      const digest = `${e.sig}.${toBase64Url(writer.signPk)}.${toBase64Url(blake2b(bytes))}`;
      if (memo?.signatures.get(e.id) === digest) return true;
      let signature: Uint8Array;
      try {
        signature = fromBase64Url(e.sig);
      } catch {
        return false;
      }
      if (!verifyDetached(signature, bytes, writer.signPk)) return false;
      memo?.signatures.set(e.id, digest);
      return true;
    };

    // Namespace keys, with misses and refusals remembered for this call (the resolver caches
    // only what it opened).
    const keys = new Map<string, ResolvedNamespace | BackboneError | null>();
    const namespaceKey = (id: string): ResolvedNamespace | undefined => {
      let known = keys.get(id);
      if (known === undefined) {
        try {
          known = resolver.tryNamespace(id) ?? null;
        } catch (error) {
          if (!isBackboneError(error)) throw error;
          known = error;
        }
        keys.set(id, known);
      }
      if (known instanceof BackboneError) throw known;
      return known ?? undefined;
    };

    const pathOf = (e: EntryRecord): string | undefined => {
      if (e.keys.users[me] !== undefined) {
        // A direct share: the resolver picks the envelope a valid grant backs.
        const opened = resolver.entryKey(e);
        sodium().memzero(opened.key);
        return opened.path;
      }
      const ns = namespaceKey(e.namespace);
      if (!ns) return undefined;
      if (e.keys.namespace.generation !== ns.generation) return refuse();
      const sealed = e.keys.namespace.sealed;
      const remembered = memo?.paths.get(e.id);
      if (
        remembered &&
        remembered.sealed === sealed &&
        remembered.publicKey === ns.record.publicKey
      ) {
        return remembered.path;
      }
      const opened = openEnvelope(ns.keyPair, sealed, 'entry-key', {
        workspaceId: s.workspaceId,
        id: e.id,
      });
      sodium().memzero(opened.key!);
      if (!isDescendantPath(opened.path, ns.path)) return refuse();
      memo?.paths.set(e.id, { sealed, publicKey: ns.record.publicKey, path: opened.path });
      return opened.path;
    };
    const refuse = (): undefined => {
      refused++;
      return undefined;
    };

    const entries: ListedEntry[] = [];
    // Namespace id → path, for every namespace the listing shows.
    const shown = new Map<string, string>(nsPaths);
    if (has(s.member.permissions, 'STORE_USE')) {
      for (const e of records.allEntries()) {
        if (!authority.node(e.namespace)) continue;
        let path: string | undefined;
        try {
          path = pathOf(e);
        } catch (error) {
          if (!isBackboneError(error)) throw error;
          // No key reaches it: not readable, not an error. Anything else: refused.
          if (!isBackboneError(error, 'STORE_NO_KEY')) refused++;
          continue;
        }
        if (path === undefined) continue;
        const home = nearest(parentPath(path) ?? ROOT_PATH);
        if (!home || home.id !== e.namespace || !signatureOk(e) || !writerAuthorized(e)) {
          refused++;
          continue;
        }
        try {
          ctx.seen?.checkEntry(path, e.id, e.version, e.shareEpoch);
        } catch (error) {
          if (!isBackboneError(error, 'STORE_STALE')) throw error;
          refused++;
          continue;
        }
        shown.set(e.namespace, home.path);
        entries.push({
          id: e.id,
          path,
          namespace: home.path,
          version: e.version,
          writer: e.writer,
          expiresAt: e.expiresAt,
          expired: e.expiresAt !== null && now >= Date.parse(e.expiresAt),
          access: directTargets.has(e.id)
            ? authority.bitsOn(me, { kind: 'entry', id: e.id, namespace: e.namespace })
            : [...bitsOnNamespace(e.namespace)],
        });
      }
    }

    // The namespaces above everything listed, so the tree is complete (their paths are
    // prefixes of paths the member already knows).
    for (const path of [...shown.values()]) {
      for (let prefix = parentPath(path); prefix !== null;) {
        const home = nearest(prefix);
        if (!home) break;
        shown.set(home.id, home.path);
        prefix = parentPath(home.path);
      }
    }
    const namespaces: ListedNamespace[] = [...shown].map(([id, path]) => ({
      id,
      path,
      isolated: authority.node(id)!.isolated,
      access: [...bitsOnNamespace(id)],
    }));
    namespaces.sort((a, b) => compare(a.path, b.path));
    entries.sort((a, b) => compare(a.path, b.path));
    return { hasStore, namespaces, entries, refused };
  } finally {
    resolver.wipe();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
