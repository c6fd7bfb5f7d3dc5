/**
 * The key chain (docs/design.md §4): how a member gets the secret key of a namespace, or the key of
 * an entry, from the records.
 *
 * A member walks user → … → namespace: it looks for a valid grant to itself with READ on the
 * namespace or on an ancestor within its authority chain (nearest first), opens the key envelope
 * sealed to its box key, then goes down through the `inherit` envelopes (each child's secret key
 * sealed to its parent's public key) to the namespace it wants. At every step it checks:
 *
 * - the envelope opens and its salt and path commit to the record id (not moved or replaced);
 * - a child's path is below its parent's path, and the root's path is `""`;
 * - the secret key matches the signed public key of the current generation (a key minted by the
 *   server or a non-authorized member is refused);
 * - the key statement is authorized (its signer holds READ), the envelope is sealed to the
 *   current generation of the parent, and the generation is not older than one already seen.
 *
 * Failures: `STORE_NO_KEY` (no grant reaches it: you were not given access), `STORE_TAMPERED`
 * (something on the way was changed), `STORE_FORBIDDEN` (a key statement nobody authorized),
 * `STORE_STALE` (rolled back). An entry key comes from the entry's own envelope for the nearest
 * namespace, or from a direct share sealed to the member.
 */
import {
  boxKeyPairFromSecretKey,
  constantTimeEqual,
  fromBase64Url,
  sodium,
  symmetricKey,
  type BoxKeyPair,
  type SymmetricKey,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import type { StoreAuthority } from './access.js';
import { hasAccess } from './bits.js';
import { openEnvelope } from './envelopes.js';
import { fail } from './internal.js';
import { ROOT_PATH, isDescendantPath } from './paths.js';
import type { EntryRecord, NamespaceRecord } from './records.js';
import type { SeenVersions } from './seen.js';

export interface ResolvedNamespace {
  id: string;
  path: string;
  salt: Uint8Array;
  generation: number;
  keyPair: BoxKeyPair;
  record: NamespaceRecord;
}

export interface ResolvedEntryKey {
  key: SymmetricKey;
  path: string;
  salt: Uint8Array;
  /** How the key was reached: through the nearest namespace or a direct share. */
  via: 'namespace' | 'user';
}

export interface ChainActor {
  name: string;
  boxKeyPair: BoxKeyPair;
}

function tampered(message: string): never {
  return fail('STORE_TAMPERED', message);
}

/** Resolves keys for one member over one authority analysis; caches what it opened. */
export class KeyResolver {
  private readonly cache = new Map<string, ResolvedNamespace>();
  private readonly paths = new Map<string, { path: string; salt: Uint8Array }>();

  constructor(
    readonly authority: StoreAuthority,
    readonly actor: ChainActor,
    private readonly seen?: SeenVersions,
  ) {}

  private get workspaceId(): string {
    return this.authority.records.workspaceId;
  }

  private requireNode(id: string) {
    const node = this.authority.node(id);
    if (!node) {
      throw (
        this.authority.namespaceProblem(id) ??
        new BackboneError('STORE_NOT_FOUND', 'This namespace does not exist.')
      );
    }
    return node;
  }

  private checkUsable(record: NamespaceRecord): void {
    if (!this.authority.signerAuthorized(record.id)) {
      fail(
        'STORE_FORBIDDEN',
        'A namespace key was set by someone who has no read access to it; it is not used. Ask someone with access to rotate it.',
      );
    }
    this.seen?.checkNamespace(record.id, record.generation, record.revision);
  }

  private accept(
    record: NamespaceRecord,
    opened: { path: string; salt: Uint8Array; key?: Uint8Array },
  ): ResolvedNamespace {
    if (!opened.key) tampered('A namespace key envelope carries no key.');
    const keyPair = boxKeyPairFromSecretKey(opened.key);
    if (!constantTimeEqual(keyPair.publicKey, fromBase64Url(record.publicKey))) {
      sodium().memzero(keyPair.secretKey);
      tampered(
        'A namespace secret key does not match the namespace’s signed public key; it was replaced.',
      );
    }
    if (record.parent === null && opened.path !== ROOT_PATH) {
      tampered('The root namespace claims a path other than the root.');
    }
    const resolved: ResolvedNamespace = {
      id: record.id,
      path: opened.path,
      salt: opened.salt,
      generation: record.generation,
      keyPair,
      record,
    };
    this.cache.set(record.id, resolved);
    this.paths.set(record.id, { path: opened.path, salt: opened.salt });
    this.seen?.noteNamespace(record.id, record.generation, record.revision);
    return resolved;
  }

  /** Walks down from a resolved ancestor to `chainDown` (top to bottom, excluding the ancestor). */
  private descend(top: ResolvedNamespace, chainDown: string[]): ResolvedNamespace {
    let current = top;
    for (const id of chainDown) {
      const cached = this.cache.get(id);
      if (cached) {
        current = cached;
        continue;
      }
      const record = this.requireNode(id).record;
      this.checkUsable(record);
      if (!record.inherit) tampered('A namespace that inherits its key has no inherited key.');
      if (record.inherit.generation !== current.generation) {
        tampered(
          'A namespace key is sealed to an old key of its parent; the rotation is incomplete.',
        );
      }
      const opened = openEnvelope(current.keyPair, record.inherit.sealed, 'namespace-key', {
        workspaceId: this.workspaceId,
        id,
      });
      if (!isDescendantPath(opened.path, current.path)) {
        tampered('A namespace claims a path that is not inside its parent.');
      }
      current = this.accept(record, opened);
    }
    return current;
  }

  /** The key of a namespace (see the module comment for the checks and errors). */
  namespace(id: string): ResolvedNamespace {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const node = this.requireNode(id);
    let firstError: BackboneError | undefined;
    for (let i = 0; i < node.chain.length; i++) {
      const holderId = node.chain[i]!;
      const holder = this.requireNode(holderId).record;
      if (this.cache.has(holderId)) {
        return this.descend(this.cache.get(holderId)!, node.chain.slice(0, i).reverse());
      }
      const grants = this.authority
        .grantsOn(holderId)
        .filter(
          (g) =>
            g.grantee === this.actor.name &&
            hasAccess(g.access, 'READ') &&
            g.key !== null &&
            g.key.generation === holder.generation,
        );
      for (const grant of grants) {
        try {
          this.checkUsable(holder);
          const opened = openEnvelope(this.actor.boxKeyPair, grant.key!.sealed, 'namespace-key', {
            workspaceId: this.workspaceId,
            id: holderId,
          });
          const top = this.accept(holder, opened);
          return this.descend(top, node.chain.slice(0, i).reverse());
        } catch (error) {
          if (!isBackboneError(error)) throw error;
          firstError ??= error;
        }
      }
    }
    throw (
      firstError ??
      new BackboneError(
        'STORE_NO_KEY',
        'You have no access to this namespace: no grant to you reaches it. Ask someone with access to share it with you.',
      )
    );
  }

  /** Like `namespace`, but undefined instead of `STORE_NO_KEY`. */
  tryNamespace(id: string): ResolvedNamespace | undefined {
    try {
      return this.namespace(id);
    } catch (error) {
      if (isBackboneError(error, 'STORE_NO_KEY')) return undefined;
      throw error;
    }
  }

  /**
   * The path and salt of a namespace: from its key if the member can open it, otherwise from its
   * name envelope if the member can open the parent. `STORE_NO_KEY` if neither.
   */
  namespacePath(id: string): { path: string; salt: Uint8Array } {
    const known = this.paths.get(id);
    if (known) return known;
    const own = this.tryNamespace(id);
    if (own) return { path: own.path, salt: own.salt };
    const record = this.requireNode(id).record;
    if (record.parent === null || record.name === null) {
      return fail('STORE_NO_KEY', 'You have no access to the root namespace.');
    }
    const parent = this.namespace(record.parent);
    if (record.name.generation !== parent.generation) {
      tampered(
        'A namespace name is sealed to an old key of its parent; the rotation is incomplete.',
      );
    }
    const opened = openEnvelope(parent.keyPair, record.name.sealed, 'name', {
      workspaceId: this.workspaceId,
      id,
      kind: 'namespace',
    });
    if (!isDescendantPath(opened.path, parent.path)) {
      tampered('A namespace claims a path that is not inside its parent.');
    }
    const out = { path: opened.path, salt: opened.salt };
    this.paths.set(id, out);
    return out;
  }

  /** The path of a namespace if this member can learn it, else undefined. */
  tryNamespacePath(id: string): string | undefined {
    try {
      return this.namespacePath(id).path;
    } catch (error) {
      if (isBackboneError(error, 'STORE_NO_KEY')) return undefined;
      throw error;
    }
  }

  /**
   * The key of an entry: from a direct share to this member (if a valid grant with READ backs
   * it), else through the entry's namespace. Checks the envelope commits to the entry id. The
   * caller wipes `key` when done.
   */
  entryKey(entry: EntryRecord): ResolvedEntryKey {
    const direct = entry.keys.users[this.actor.name];
    const shared =
      direct !== undefined &&
      this.authority
        .grantsOn(entry.id)
        .some(
          (g) =>
            g.target.kind === 'entry' &&
            g.grantee === this.actor.name &&
            hasAccess(g.access, 'READ'),
        );
    if (shared) {
      try {
        const opened = openEnvelope(this.actor.boxKeyPair, direct, 'entry-key', {
          workspaceId: this.workspaceId,
          id: entry.id,
        });
        return {
          key: symmetricKey(opened.key!),
          path: opened.path,
          salt: opened.salt,
          via: 'user',
        };
      } catch (error) {
        // Fall back to the namespace; report the tampering if that fails too.
        try {
          return this.entryKeyViaNamespace(entry);
        } catch {
          throw error;
        }
      }
    }
    return this.entryKeyViaNamespace(entry);
  }

  private entryKeyViaNamespace(entry: EntryRecord): ResolvedEntryKey {
    const ns = this.namespace(entry.namespace);
    if (entry.keys.namespace.generation !== ns.generation) {
      tampered('An entry key is sealed to an old namespace key; the rotation is incomplete.');
    }
    const opened = openEnvelope(ns.keyPair, entry.keys.namespace.sealed, 'entry-key', {
      workspaceId: this.workspaceId,
      id: entry.id,
    });
    if (!isDescendantPath(opened.path, ns.path)) {
      sodium().memzero(opened.key!);
      tampered('An entry claims a path that is not inside its namespace.');
    }
    return {
      key: symmetricKey(opened.key!),
      path: opened.path,
      salt: opened.salt,
      via: 'namespace',
    };
  }

  /** Every namespace key this resolver opened (e.g. to show what a device knows). */
  knownNamespaces(): ResolvedNamespace[] {
    return [...this.cache.values()];
  }

  /** Wipes every secret key this resolver holds. */
  wipe(): void {
    for (const resolved of this.cache.values()) sodium().memzero(resolved.keyPair.secretKey);
    this.cache.clear();
  }
}
