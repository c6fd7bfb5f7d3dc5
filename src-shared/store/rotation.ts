/**
 * Revocation rotates keys (docs/design.md §4).
 *
 * Revoking member U's grant on a namespace T removes the grant and then, in the same
 * transaction:
 *
 * 1. makes a new key pair (generation + 1) for T and for every namespace below T that inherits
 *    from it (isolated namespaces and what is below them keep their keys: T's holders never had
 *    them), signed by the revoker;
 * 2. re-seals to the new keys: the inherit envelopes, the name envelopes of the namespaces below
 *    (isolated ones included), the entry key envelopes of every entry in a rotated namespace, and
 *    the key envelope of every remaining grant with READ (to the grantee's box key from the log);
 * 3. re-signs, as the revoker, what the revocation would otherwise leave unbacked: grants whose
 *    granter only held their bits through U's grant ("adopted") and entries whose writer only had
 *    WRITE through it. The revoker must hold those bits, or the revocation is refused;
 * 4. drops grants to people who are no longer members and direct-share envelopes that no valid
 *    grant backs.
 *
 * The whole change is signed as a `store.rotation` bundle and committed at once (the server
 * applies it with compare-and-swap on every record, so a write racing with the rotation fails
 * and is retried against the new keys; and it refuses a rotation that would leave a namespace or
 * entry created meanwhile sealed to the old key, so the rotation is prepared again with it).
 *
 * Entry keys are not changed by a namespace rotation: U may have kept the keys of entries it
 * already read, and it keeps what it already saw. Every later write uses a fresh entry key sealed
 * to the new namespace key, which U cannot open. Revoking a direct share of one entry re-encrypts
 * that entry under a new key (a new version, written and signed by the revoker).
 */
import {
  aeadDecrypt,
  blake2b,
  canonicalJson,
  fromBase64Url,
  sodium,
  toBase64Url,
  utf8,
  type BoxKeyPair,
} from '../crypto/index.js';
import type { MembershipState } from '../workspace/membership-log.js';
import { has } from '../workspace/permissions.js';
import { analyzeStore, type AccessTarget, type StoreAuthority } from './access.js';
import { hasAccess, holdsAll } from './bits.js';
import { StoreSession, type StoreContext } from './context.js';
import {
  directReaders,
  entryAssociatedData,
  isTrustedEntry,
  resignEntryRecord,
  sealEntryRecord,
} from './entries.js';
import { openEnvelope, sealEnvelope } from './envelopes.js';
import { signGrantRecord, targetAt } from './grants.js';
import { fail } from './internal.js';
import {
  generateNamespaceKeyPair,
  namespacePublicKey,
  resignNamespaceRecord,
  sealNamespaceKey,
  sealNamespaceName,
} from './namespace-keys.js';
import { unpadValue } from './padding.js';
import { isDescendantPath, normalizePath } from './paths.js';
import {
  STORE_KINDS,
  STORE_RECORD_VERSION,
  parseEntryRecord,
  parseNamespaceRecord,
  parseRotationBundle,
  recordHash,
  signStoreStatement,
  verifyStoreStatement,
  type GrantRecord,
  type RotationBundle,
  type RotationReason,
  type StoreChange,
} from './records.js';
import { StoreDraft, type StoreRecords } from './store-view.js';

export interface RotatedNamespace {
  id: string;
  path: string;
  generation: number;
}

/** What a rotation did, for the user interface and the logs. */
export interface RotationReport {
  removedGrants: string[];
  rotated: RotatedNamespace[];
  /** Entries whose key envelope was re-sealed to a new namespace key. */
  resealedEntries: string[];
  /** Grants re-signed by the revoker because their granter lost the bits. */
  adoptedGrants: string[];
  /** Entries re-signed by the revoker because their writer lost WRITE. */
  resignedEntries: string[];
  /** Entry re-encrypted under a new key (entry revocation). */
  reencrypted?: { id: string; version: number };
}

/**
 * Builds rotations on a draft over the records as they are (the "pre" state, whose keys the
 * actor opens with `s.resolver`). Used by revocation and by namespace deletion.
 */
export class Rotator {
  readonly draft: StoreDraft;
  readonly report: RotationReport = {
    removedGrants: [],
    rotated: [],
    resealedEntries: [],
    adoptedGrants: [],
    resignedEntries: [],
  };
  private readonly newKeys = new Map<
    string,
    { keyPair: BoxKeyPair; generation: number; path: string; salt: Uint8Array }
  >();
  private postCache: StoreAuthority | undefined;
  /** The analysis just before the first namespace rotation (grants still at the old epochs). */
  private preRotation: StoreAuthority | undefined;

  constructor(readonly s: StoreSession) {
    this.draft = new StoreDraft(s.records);
  }

  private get actor() {
    return this.s.ctx.actor;
  }

  /** The authority analysis of the draft (the state after the change). */
  post(): StoreAuthority {
    this.postCache ??= analyzeStore(this.draft, this.s.ctx.membership);
    return this.postCache;
  }

  changed(): void {
    this.postCache = undefined;
  }

  removeGrant(id: string): void {
    this.draft.remove('grant', id);
    this.report.removedGrants.push(id);
    this.changed();
  }

  /** The namespace and every namespace below it that inherits from it, parents first. */
  inheritanceScope(rootId: string): string[] {
    const scope: string[] = [];
    const queue = [rootId];
    const all = this.draft.allNamespaces();
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (scope.includes(id)) continue;
      scope.push(id);
      for (const child of all) {
        // Only namespaces that count: records the server added without a valid signature are
        // left alone (they never receive a new key).
        if (child.parent === id && !child.isolated && this.s.authority.node(child.id)) {
          queue.push(child.id);
        }
      }
    }
    return scope;
  }

  /** Entry ids whose namespace is in `namespaces`. */
  entriesIn(namespaces: Iterable<string>): Set<string> {
    const set = new Set(namespaces);
    return new Set(
      this.draft
        .allEntries()
        .filter(
          (e) => set.has(e.namespace) && isTrustedEntry(this.s.authority, this.s.ctx.membership, e),
        )
        .map((e) => e.id),
    );
  }

  private targetOf(g: GrantRecord): AccessTarget {
    if (g.target.kind === 'namespace') return { kind: 'namespace', id: g.target.id };
    const entry = this.draft.entry(g.target.id);
    return { kind: 'entry', id: g.target.id, namespace: entry?.namespace ?? '' };
  }

  /**
   * Re-signs, as the actor, grants on the scope that were valid before and are not after the
   * change (their granter held the bits only through what was removed). Refuses if the actor
   * does not hold the bits itself. Such grants to `revoked` are removed instead.
   */
  adoptOrphans(
    namespaces: ReadonlySet<string>,
    entries: ReadonlySet<string>,
    revoked?: string,
  ): void {
    const members = this.s.ctx.membership.members;
    for (;;) {
      const post = this.post();
      const orphans = this.draft
        .allGrants()
        .filter(
          (g) =>
            (g.target.kind === 'namespace'
              ? namespaces.has(g.target.id)
              : entries.has(g.target.id)) &&
            this.s.authority.isGrantValid(g.id) &&
            !post.isGrantValid(g.id) &&
            members.has(g.grantee),
        );
      if (orphans.length === 0) return;
      for (const g of orphans) {
        if (g.grantee === revoked) {
          // Access of the revoked member that only its own revoked grant backed goes too.
          this.removeGrant(g.id);
          continue;
        }
        if (!holdsAll(post.bitsOn(this.actor.name, this.targetOf(g)), g.access)) {
          fail(
            'STORE_FORBIDDEN',
            `This would take access away from ${g.grantee}, whose grant came from the person being revoked, and you cannot re-sign it because you do not hold all of ${g.access.join(', ')} here.`,
          );
        }
        this.draft.putGrant(
          signGrantRecord(
            {
              workspace: g.workspace,
              id: g.id,
              target: g.target,
              grantee: g.grantee,
              granteeBox: this.s.memberBox(g.grantee),
              access: g.access,
              epoch: g.epoch,
              key: g.key,
            },
            this.actor,
          ),
        );
        this.report.adoptedGrants.push(g.id);
      }
      this.changed();
    }
  }

  /** Rotates `rootId` and every namespace below it that inherits from it (see module comment). */
  rotateSubtree(rootId: string): void {
    const ws = this.s.workspaceId;
    const random = this.s.random;
    this.preRotation ??= this.post();
    for (const id of this.inheritanceScope(rootId)) {
      if (this.newKeys.has(id)) continue;
      const current = this.draft.namespace(id);
      if (!current) fail('STORE_NOT_FOUND', 'A namespace to rotate does not exist.');
      const old = this.s.resolver.namespace(id);
      const keyPair = generateNamespaceKeyPair(random);
      const generation = current.generation + 1;
      const parent = current.parent === null ? undefined : this.draft.namespace(current.parent);
      if (current.parent !== null && !parent) {
        fail('STORE_NOT_FOUND', 'The parent of a namespace to rotate does not exist.');
      }
      const parentPk = parent && namespacePublicKey(parent);
      const next = resignNamespaceRecord(
        current,
        {
          publicKey: keyPair.publicKey,
          generation,
          name: parent ? sealNamespaceName(parentPk!, parent.generation, old, random) : null,
          inherit:
            parent && !current.isolated
              ? sealNamespaceKey(parentPk!, parent.generation, old, keyPair.secretKey, random)
              : null,
        },
        this.actor,
      );
      this.draft.putNamespace(next);
      this.newKeys.set(id, { keyPair, generation, path: old.path, salt: old.salt });
      this.report.rotated.push({ id, path: old.path, generation });

      // Isolated children keep their keys; only their names are sealed to this namespace.
      for (const child of this.draft.allNamespaces()) {
        if (child.parent !== id || !child.isolated || child.name === null) continue;
        if (!this.s.authority.node(child.id)) continue;
        if (child.name.generation !== old.generation) {
          fail(
            'STORE_TAMPERED',
            'A namespace name is sealed to an old key; the store is inconsistent.',
          );
        }
        const opened = openEnvelope(old.keyPair, child.name.sealed, 'name', {
          workspaceId: ws,
          id: child.id,
          kind: 'namespace',
        });
        if (!isDescendantPath(opened.path, old.path)) {
          fail('STORE_TAMPERED', 'A namespace claims a path outside its parent.');
        }
        this.draft.putNamespace(
          parseNamespaceRecord({
            ...child,
            name: sealNamespaceName(keyPair.publicKey, generation, opened, random),
          }),
        );
      }

      for (const entry of this.draft.allEntries()) {
        if (entry.namespace !== id) continue;
        if (!isTrustedEntry(this.s.authority, this.s.ctx.membership, entry)) continue;
        if (entry.keys.namespace.generation !== old.generation) {
          fail(
            'STORE_TAMPERED',
            'An entry key is sealed to an old key; the store is inconsistent.',
          );
        }
        const opened = openEnvelope(old.keyPair, entry.keys.namespace.sealed, 'entry-key', {
          workspaceId: ws,
          id: entry.id,
        });
        try {
          if (!isDescendantPath(opened.path, old.path)) {
            fail('STORE_TAMPERED', 'An entry claims a path outside its namespace.');
          }
          this.draft.putEntry(
            parseEntryRecord({
              ...entry,
              keys: {
                ...entry.keys,
                namespace: {
                  generation,
                  sealed: sealEnvelope(keyPair.publicKey, 'entry-key', opened, opened.key, random),
                },
              },
            }),
          );
          this.report.resealedEntries.push(entry.id);
        } finally {
          sodium().memzero(opened.key!);
        }
      }
    }
    this.changed();
  }

  /**
   * Grants on rotated namespaces: grants to non-members and grants that did not count before the
   * rotation are dropped; the others are signed again by the actor for the new generation (their
   * `epoch`; the old signatures name the old one and stop counting, so a replay of any grant from
   * before the rotation is refused), READ grants with the new key sealed to the grantee (box key
   * from the log). The actor must hold every bit it re-signs, from something other than the
   * grant itself.
   */
  rewrapGrants(): void {
    const before = this.preRotation ?? this.post();
    const resigned: GrantRecord[] = [];
    for (const g of this.draft.allGrants()) {
      if (g.target.kind !== 'namespace') continue;
      const fresh = this.newKeys.get(g.target.id);
      if (!fresh) continue;
      if (!this.s.ctx.membership.members.has(g.grantee) || !before.isGrantValid(g.id)) {
        this.draft.remove('grant', g.id);
        this.report.removedGrants.push(g.id);
        continue;
      }
      const grantee = this.s.memberBox(g.grantee);
      const next = signGrantRecord(
        {
          workspace: g.workspace,
          id: g.id,
          target: g.target,
          grantee: g.grantee,
          granteeBox: grantee,
          access: g.access,
          epoch: fresh.generation,
          key: hasAccess(g.access, 'READ')
            ? sealNamespaceKey(
                grantee,
                fresh.generation,
                fresh,
                fresh.keyPair.secretKey,
                this.s.random,
              )
            : null,
        },
        this.actor,
      );
      this.draft.putGrant(next);
      resigned.push(next);
      if (g.granter !== this.actor.name) this.report.adoptedGrants.push(g.id);
    }
    this.changed();
    this.requireCounted(resigned);
  }

  /** Refuses if a grant the actor signed again does not count afterwards. */
  private requireCounted(grants: readonly GrantRecord[]): void {
    const post = this.post();
    for (const g of grants) {
      if (post.isGrantValid(g.id)) continue;
      fail(
        'STORE_FORBIDDEN',
        `Changing the keys here means signing again the access of ${g.grantee} (${g.access.join(', ')}), and you do not hold all of it yourself (access you hold only through that same grant does not count). Ask someone who holds it from above — e.g. an administrator — to do this.`,
      );
    }
  }

  /**
   * After an entry's share epoch moved (entry revocation): the direct grants on it that counted
   * before are signed again by the actor for the new epoch.
   */
  rebindEntryGrants(id: string, before: StoreAuthority): void {
    const entry = this.draft.entry(id);
    if (!entry) return;
    const resigned: GrantRecord[] = [];
    for (const g of this.draft.allGrants()) {
      if (g.target.kind !== 'entry' || g.target.id !== id) continue;
      if (!this.s.ctx.membership.members.has(g.grantee) || !before.isGrantValid(g.id)) {
        this.draft.remove('grant', g.id);
        this.report.removedGrants.push(g.id);
        continue;
      }
      const next = signGrantRecord(
        {
          workspace: g.workspace,
          id: g.id,
          target: g.target,
          grantee: g.grantee,
          granteeBox: this.s.memberBox(g.grantee),
          access: g.access,
          epoch: entry.shareEpoch,
          key: null,
        },
        this.actor,
      );
      this.draft.putGrant(next);
      resigned.push(next);
      if (g.granter !== this.actor.name) this.report.adoptedGrants.push(g.id);
    }
    this.changed();
    this.requireCounted(resigned);
  }

  /**
   * Entries in scope: drop direct-share envelopes no valid grant backs, and re-sign (as the
   * actor) entries whose writer no longer holds WRITE.
   */
  fixEntries(entries: Iterable<string>): void {
    const post = this.post();
    for (const id of entries) {
      const entry = this.draft.entry(id);
      if (!entry) continue;
      const readers = new Set(directReaders(post, id));
      const users = Object.fromEntries(
        Object.entries(entry.keys.users).filter(([name]) => readers.has(name)),
      );
      let next = parseEntryRecord({ ...entry, keys: { ...entry.keys, users } });
      if (!post.writerAuthorized(next)) {
        if (!post.writerAuthorized({ ...next, writer: this.actor.name })) {
          fail(
            'STORE_FORBIDDEN',
            'Entries written by the person losing access must be re-signed by you, but you have no write access to them.',
          );
        }
        next = resignEntryRecord(next, this.actor);
        this.report.resignedEntries.push(id);
      }
      if (recordHash(next) !== recordHash(entry)) this.draft.putEntry(next);
    }
    this.changed();
  }

  /** Re-encrypts one entry under a fresh key (new version, written by the actor). */
  reencryptEntry(id: string): void {
    const entry = this.draft.entry(id);
    if (!entry) fail('STORE_NOT_FOUND', 'There is no such entry.');
    const post = this.post();
    const namespace = this.draft.namespace(entry.namespace);
    if (!namespace || !post.signerAuthorized(namespace.id)) {
      fail('STORE_FORBIDDEN', 'The namespace of this entry cannot be used.');
    }
    if (!post.writerAuthorized({ ...entry, writer: this.actor.name })) {
      fail('STORE_FORBIDDEN', 'Re-encrypting this entry needs write access to it.');
    }
    const opened = this.s.resolver.entryKey(entry);
    let value: Uint8Array;
    try {
      value = unpadValue(
        aeadDecrypt(
          opened.key,
          fromBase64Url(entry.ciphertext),
          entryAssociatedData(this.s.workspaceId, entry.id, entry.version),
        ),
      );
    } catch (cause) {
      return fail(
        'STORE_TAMPERED',
        'This entry does not decrypt; it cannot be re-encrypted.',
        cause,
      );
    } finally {
      sodium().memzero(opened.key);
    }
    try {
      const record = sealEntryRecord({
        workspaceId: this.s.workspaceId,
        locator: { path: opened.path, salt: opened.salt, id: entry.id },
        token: entry.token,
        naming: entry.naming,
        version: entry.version + 1,
        shareEpoch: entry.shareEpoch + 1,
        value,
        expiresAt: entry.expiresAt,
        namespace,
        readers: directReaders(post, id).map((name) => ({ name, box: this.s.memberBox(name) })),
        writer: this.actor,
        random: this.s.random,
      });
      this.draft.putEntry(record);
      this.report.reencrypted = { id, version: record.version };
      this.s.ctx.seen?.noteEntry(opened.path, id, record.version, record.shareEpoch);
    } finally {
      sodium().memzero(value);
    }
    this.changed();
    this.rebindEntryGrants(id, post);
  }

  /** Final checks and the change set. Wipes the new secret keys. */
  finish(): StoreChange {
    const post = this.post();
    for (const { id } of this.report.rotated) {
      if (!post.signerAuthorized(id)) {
        fail(
          'STORE_FORBIDDEN',
          'After this change you would not have read access yourself, so you cannot sign the new keys.',
        );
      }
    }
    for (const fresh of this.newKeys.values()) sodium().memzero(fresh.keyPair.secretKey);
    const change = this.draft.toChange();
    // Remember the new generations: from now on this device refuses the old namespace records,
    // and with them every grant of the old epochs (applied by the SDK only if the commit succeeds).
    for (const r of change.put.namespaces) {
      this.s.ctx.seen?.noteNamespace(r.id, r.generation, r.revision);
    }
    return change;
  }
}

// ---------------------------------------------------------------------------------------------
// Bundles

function changeDigest(change: StoreChange): string {
  return toBase64Url(blake2b(utf8(`backbone/store.change/v1\n${canonicalJson(change)}`)));
}

function rotationBody(bundle: Omit<RotationBundle, 'sig' | 'v'>) {
  return {
    workspace: bundle.workspace,
    actor: bundle.actor,
    reason: bundle.reason,
    change: changeDigest(bundle.change),
  };
}

/** Signs a change set as a rotation bundle. */
export function signRotation(
  ctx: StoreContext,
  change: StoreChange,
  reason: RotationReason,
): RotationBundle {
  const unsigned = {
    workspace: ctx.membership.workspaceId,
    actor: ctx.actor.name,
    reason,
    change,
  };
  const sig = signStoreStatement(
    STORE_KINDS.rotation,
    rotationBody(unsigned),
    ctx.actor.signKeyPair,
  );
  return parseRotationBundle({ v: STORE_RECORD_VERSION, ...unsigned, sig });
}

/**
 * Checks a rotation bundle (shape, workspace, signature by a current member with STORE_SHARE)
 * and returns it. The records inside are checked like any others by `analyzeStore` / readers.
 */
export function verifyRotationBundle(value: unknown, membership: MembershipState): RotationBundle {
  const bundle = parseRotationBundle(value);
  if (bundle.workspace !== membership.workspaceId || bundle.change.workspace !== bundle.workspace) {
    fail('STORE_INVALID_RECORD', 'This rotation belongs to another workspace.');
  }
  const actor = membership.members.get(bundle.actor);
  if (!actor || !has(actor.permissions, 'STORE_SHARE')) {
    fail('STORE_FORBIDDEN', 'This rotation was made by someone who may not share or revoke.');
  }
  if (!verifyStoreStatement(STORE_KINDS.rotation, rotationBody(bundle), bundle.sig, actor.signPk)) {
    fail('STORE_BAD_SIGNATURE', 'The signature on this rotation is not valid.');
  }
  return bundle;
}

// ---------------------------------------------------------------------------------------------
// Revocation

export interface RevokeOptions {
  /** The namespace or entry path the grant is on. */
  path: string;
  /** The member whose grants on it are revoked (a current or a former member). */
  grantee: string;
}

export interface Revocation {
  bundle: RotationBundle;
  report: RotationReport;
}

/**
 * Revokes every grant of `grantee` on the namespace or entry at `path` and rotates (see the
 * module comment). Needs STORE_SHARE, EJECT on the target, every bit of the revoked grants, READ
 * (to rotate), and the bits of whatever must be re-signed. Refuses (`STORE_CONFLICT`) if the
 * grantee would still have read access through another grant: revoke that one instead.
 */
export function revokeAccess(
  ctx: StoreContext,
  records: StoreRecords,
  options: RevokeOptions,
): Revocation {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    s.requirePermission('STORE_SHARE');
    const target = targetAt(s, normalizePath(options.path));
    const grants = records
      .allGrants()
      .filter((g) => g.target.id === target.id && g.grantee === options.grantee);
    if (grants.length === 0) {
      fail('STORE_NOT_FOUND', 'This person has no grant here to revoke.');
    }
    const held = s.authority.bitsOn(s.actorName, target);
    if (!hasAccess(held, 'EJECT')) {
      fail('STORE_FORBIDDEN', 'Taking access away needs EJECT here.');
    }
    for (const g of grants) {
      if (!holdsAll(held, g.access)) {
        fail(
          'STORE_FORBIDDEN',
          'You cannot revoke a grant that gives more than you hold yourself.',
        );
      }
    }
    const rotator = new Rotator(s);
    for (const g of grants) rotator.removeGrant(g.id);
    if (hasAccess(rotator.post().bitsOn(options.grantee, target), 'READ')) {
      fail(
        'STORE_CONFLICT',
        'This person would still have read access here through another grant (on an enclosing namespace). Revoke that grant.',
      );
    }
    if (target.kind === 'namespace') {
      const scope = rotator.inheritanceScope(target.id);
      const entries = rotator.entriesIn(scope);
      rotator.adoptOrphans(new Set(scope), entries, options.grantee);
      rotator.rotateSubtree(target.id);
      rotator.rewrapGrants();
      rotator.fixEntries(entries);
    } else {
      rotator.adoptOrphans(new Set(), new Set([target.id]), options.grantee);
      rotator.reencryptEntry(target.id);
    }
    const change = rotator.finish();
    const bundle = signRotation(ctx, change, {
      type: 'revoke',
      target: { kind: target.kind, id: target.id },
      grantee: options.grantee,
    });
    return { bundle, report: rotator.report };
  } finally {
    s.resolver.wipe();
  }
}
