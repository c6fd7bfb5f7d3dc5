/**
 * Namespaces (folders): creating, deleting, listing (docs/design.md §4).
 *
 * - The **root namespace** (`""`) is created once by a ROOT member, who receives a grant of every
 *   bit on it (the key sealed to their box key).
 * - A **namespace** is created under its nearest existing namespace Q by a member holding READ and
 *   WRITE on Q (isolated: READ, WRITE and EJECT). Its secret key is sealed to Q (`inherit`) so
 *   that Q's holders inherit it — except for an **isolated** namespace, whose key goes only to its
 *   creator (a grant of every bit), so inheritance stops there: holders of Q cannot derive it.
 * - Creating an **intermediate** namespace P where entries or namespaces already exist below it
 *   moves them under P: the entry keys of Q's entries below P are re-sealed to P, and Q's child
 *   namespaces below P get P as parent (signed again, their keys re-sealed to P). An isolated
 *   namespace cannot be created over existing content (its content's keys are already known to
 *   Q's holders; create it empty and move values into it).
 * - **Deleting** a namespace P needs DELETE on P. Its content moves to P's parent Q (the reverse
 *   of the above; needs READ on P and READ and WRITE on Q). Members who could read P's content
 *   only through grants on P lose it: the namespaces that move are rotated for them
 *   (rotation.ts), in the same transaction. A non-empty isolated namespace cannot be deleted:
 *   deleting it would hand its content to Q's holders.
 */
import { toBase64Url } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { has } from '../workspace/permissions.js';
import { analyzeStore } from './access.js';
import { ALL_ACCESS, hasAccess, holdsAll, type AccessBit } from './bits.js';
import { StoreSession, type StoreContext } from './context.js';
import { isTrustedEntry } from './entries.js';
import { newLocator, sealEnvelope } from './envelopes.js';
import { GRANT_ID_BYTES, signGrantRecord } from './grants.js';
import { fail } from './internal.js';
import {
  generateNamespaceKeyPair,
  namespacePublicKey,
  resignNamespaceRecord,
  sealNamespaceKey,
  sealNamespaceName,
  signNamespaceRecord,
} from './namespace-keys.js';
import { ROOT_PATH, isDescendantPath, normalizePath } from './paths.js';
import {
  parseEntryRecord,
  type NamespaceRecord,
  type RotationBundle,
  type StoreChange,
} from './records.js';
import { Rotator, signRotation, type RotationReport } from './rotation.js';
import { StoreDraft, type StoreRecords } from './store-view.js';

export interface NamespaceCreation {
  change: StoreChange;
  namespace: NamespaceRecord;
  /** Ids of the entries and namespaces that moved under the new namespace. */
  moved: { entries: string[]; namespaces: string[] };
}

function requireAccess(held: readonly AccessBit[], wanted: AccessBit[], what: string): void {
  if (!holdsAll(held, wanted)) {
    fail('STORE_FORBIDDEN', `${what} needs ${wanted.join(', ')} access; ask someone who has it.`);
  }
}

/** Creates the root namespace of an empty store (ROOT only). */
export function createRootNamespace(ctx: StoreContext, records: StoreRecords): NamespaceCreation {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    if (!has(s.member.permissions, 'ROOT')) {
      fail('STORE_FORBIDDEN', 'Only a ROOT member can create the root namespace.');
    }
    if (records.allNamespaces().some((r) => r.parent === null)) {
      fail('STORE_CONFLICT', 'This store already has a root namespace.');
    }
    const locator = newLocator(s.workspaceId, 'namespace', ROOT_PATH, s.random);
    const keyPair = generateNamespaceKeyPair(s.random);
    const namespace = signNamespaceRecord(
      {
        workspace: s.workspaceId,
        id: locator.id,
        token: s.token(ROOT_PATH),
        naming: s.namingGeneration,
        parent: null,
        isolated: false,
        creator: s.actorName,
        generation: 1,
        publicKey: keyPair.publicKey,
        revision: 1,
        name: null,
        inherit: null,
      },
      ctx.actor,
    );
    const grant = signGrantRecord(
      {
        workspace: s.workspaceId,
        id: toBase64Url(s.random(GRANT_ID_BYTES)),
        target: { kind: 'namespace', id: locator.id },
        grantee: s.actorName,
        granteeBox: s.memberBox(s.actorName),
        access: ALL_ACCESS,
        epoch: 1,
        key: sealNamespaceKey(s.memberBox(s.actorName), 1, locator, keyPair.secretKey, s.random),
      },
      ctx.actor,
    );
    keyPair.secretKey.fill(0);
    const draft = new StoreDraft(records);
    draft.putNamespace(namespace);
    draft.putGrant(grant);
    return { change: draft.toChange(), namespace, moved: { entries: [], namespaces: [] } };
  } finally {
    s.resolver.wipe();
  }
}

export interface CreateNamespaceOptions {
  path: string;
  isolated?: boolean;
}

/** Creates a namespace (see the module comment for the rules). */
export function createNamespace(
  ctx: StoreContext,
  records: StoreRecords,
  options: CreateNamespaceOptions,
): NamespaceCreation {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    const path = normalizePath(options.path);
    if (path === ROOT_PATH) return createRootNamespace(ctx, records);
    const isolated = options.isolated === true;
    const token = s.token(path);
    if (records.namespaceByToken(token) || records.entryByToken(token)) {
      fail('STORE_CONFLICT', 'Something already exists at this path.');
    }
    const parent = s.nearestNamespace(path);
    const held = s.authority.bitsOn(s.actorName, { kind: 'namespace', id: parent.id });
    requireAccess(
      held,
      isolated ? ['READ', 'WRITE', 'EJECT'] : ['READ', 'WRITE'],
      isolated ? 'Creating an isolated namespace' : 'Creating a namespace',
    );
    const parentKey = s.resolver.namespace(parent.id);
    const parentPk = parentKey.keyPair.publicKey;
    const parentGeneration = parentKey.generation;

    // What already exists below the new path and is filed under the parent.
    const movedNamespaces = s.authority
      .children(parent.id)
      .filter((child) => isDescendantPath(s.resolver.namespacePath(child.id).path, path));
    const movedEntries = records.allEntries().filter((entry) => {
      if (entry.namespace !== parent.id) return false;
      if (!isTrustedEntry(s.authority, ctx.membership, entry)) return false;
      const opened = s.resolver.entryKey(entry);
      opened.key.fill(0);
      return isDescendantPath(opened.path, path);
    });
    if (isolated && (movedNamespaces.length > 0 || movedEntries.length > 0)) {
      fail(
        'STORE_CONFLICT',
        'An isolated namespace can only be created where nothing exists yet below it.',
      );
    }

    const locator = newLocator(s.workspaceId, 'namespace', path, s.random);
    const keyPair = generateNamespaceKeyPair(s.random);
    const draft = new StoreDraft(records);
    try {
      const namespace = signNamespaceRecord(
        {
          workspace: s.workspaceId,
          id: locator.id,
          token,
          naming: s.namingGeneration,
          parent: parent.id,
          isolated,
          creator: s.actorName,
          generation: 1,
          publicKey: keyPair.publicKey,
          revision: 1,
          name: sealNamespaceName(parentPk, parentGeneration, locator, s.random),
          inherit: isolated
            ? null
            : sealNamespaceKey(parentPk, parentGeneration, locator, keyPair.secretKey, s.random),
        },
        ctx.actor,
      );
      draft.putNamespace(namespace);
      draft.dependOn('namespace', parent.id);
      if (isolated) {
        draft.putGrant(
          signGrantRecord(
            {
              workspace: s.workspaceId,
              id: toBase64Url(s.random(GRANT_ID_BYTES)),
              target: { kind: 'namespace', id: locator.id },
              grantee: s.actorName,
              granteeBox: s.memberBox(s.actorName),
              access: ALL_ACCESS,
              epoch: 1,
              key: sealNamespaceKey(
                s.memberBox(s.actorName),
                1,
                locator,
                keyPair.secretKey,
                s.random,
              ),
            },
            ctx.actor,
          ),
        );
      }
      for (const entry of movedEntries) {
        const opened = s.resolver.entryKey(entry);
        try {
          draft.putEntry(
            parseEntryRecord({
              ...entry,
              namespace: namespace.id,
              keys: {
                ...entry.keys,
                namespace: {
                  generation: 1,
                  sealed: sealEnvelope(
                    keyPair.publicKey,
                    'entry-key',
                    opened,
                    opened.key,
                    s.random,
                  ),
                },
              },
            }),
          );
        } finally {
          opened.key.fill(0);
        }
      }
      for (const child of movedNamespaces) {
        let moved: NamespaceRecord;
        if (child.isolated) {
          const where = s.resolver.namespacePath(child.id);
          moved = resignNamespaceRecord(
            child.record,
            {
              parent: namespace.id,
              name: sealNamespaceName(keyPair.publicKey, 1, where, s.random),
              inherit: null,
            },
            ctx.actor,
          );
        } else {
          const childKey = s.resolver.namespace(child.id);
          moved = resignNamespaceRecord(
            child.record,
            {
              parent: namespace.id,
              name: sealNamespaceName(keyPair.publicKey, 1, childKey, s.random),
              inherit: sealNamespaceKey(
                keyPair.publicKey,
                1,
                childKey,
                childKey.keyPair.secretKey,
                s.random,
              ),
            },
            ctx.actor,
          );
        }
        draft.putNamespace(moved);
      }
      const post = analyzeStore(draft, ctx.membership);
      for (const child of movedNamespaces) {
        if (!post.signerAuthorized(child.id)) {
          fail(
            'STORE_FORBIDDEN',
            'An isolated namespace below this path would have to move, and you have no read access to it. Ask its owner.',
          );
        }
      }
      return {
        change: draft.toChange(),
        namespace,
        moved: {
          entries: movedEntries.map((e) => e.id),
          namespaces: movedNamespaces.map((n) => n.id),
        },
      };
    } finally {
      keyPair.secretKey.fill(0);
    }
  } finally {
    s.resolver.wipe();
  }
}

export interface NamespaceDeletion {
  change: StoreChange;
  /** Set when members lost access and namespaces were rotated (commit it instead of `change`). */
  bundle: RotationBundle | null;
  report: RotationReport;
  /**
   * Ids of the entries and namespaces directly inside the deleted namespace, which moved up to
   * its parent (the reverse of `NamespaceCreation.moved`; what is deeper stays where it is).
   */
  moved: { entries: string[]; namespaces: string[] };
}

/** Deletes the namespace at `path` (see the module comment for the rules). */
export function deleteNamespace(
  ctx: StoreContext,
  records: StoreRecords,
  path: string,
): NamespaceDeletion {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    const normalized = normalizePath(path);
    if (normalized === ROOT_PATH) fail('STORE_FORBIDDEN', 'The root namespace cannot be deleted.');
    const target = s.namespaceAt(normalized);
    if (!target) fail('STORE_NOT_FOUND', 'There is no namespace at this path.');
    requireAccess(
      s.authority.bitsOn(s.actorName, { kind: 'namespace', id: target.id }),
      ['DELETE'],
      'Deleting a namespace',
    );
    const children = s.authority.children(target.id);
    const entries = records
      .allEntries()
      .filter((e) => e.namespace === target.id && isTrustedEntry(s.authority, ctx.membership, e));
    const rotator = new Rotator(s);
    rotator.draft.remove('namespace', target.id);
    // Remembered, so a server that puts the record back is refused (STORE_STALE).
    ctx.seen?.noteNamespaceDeleted(target.id);
    for (const g of records.allGrants()) {
      if (g.target.kind === 'namespace' && g.target.id === target.id) rotator.removeGrant(g.id);
    }
    if (children.length === 0 && entries.length === 0) {
      return {
        change: rotator.draft.toChange(),
        bundle: null,
        report: rotator.report,
        moved: { entries: [], namespaces: [] },
      };
    }
    if (target.isolated) {
      fail('STORE_CONFLICT', 'An isolated namespace must be emptied before it is deleted.');
    }
    const parentId = target.parent!;
    requireAccess(
      s.authority.bitsOn(s.actorName, { kind: 'namespace', id: parentId }),
      ['READ', 'WRITE'],
      'Moving the content of a deleted namespace to its parent',
    );
    try {
      s.resolver.namespace(target.id);
    } catch (error) {
      if (isBackboneError(error, 'STORE_NO_KEY')) {
        fail('STORE_FORBIDDEN', 'Deleting a namespace that has content needs read access to it.');
      }
      throw error;
    }
    const parent = s.resolver.namespace(parentId);
    const parentPk = namespacePublicKey(parent.record);
    const draft = rotator.draft;
    for (const child of children) {
      const where = child.isolated
        ? s.resolver.namespacePath(child.id)
        : s.resolver.namespace(child.id);
      draft.putNamespace(
        resignNamespaceRecord(
          child.record,
          {
            parent: parentId,
            name: sealNamespaceName(parentPk, parent.generation, where, s.random),
            inherit: child.isolated
              ? null
              : sealNamespaceKey(
                  parentPk,
                  parent.generation,
                  where,
                  s.resolver.namespace(child.id).keyPair.secretKey,
                  s.random,
                ),
          },
          ctx.actor,
        ),
      );
    }
    for (const entry of entries) {
      const opened = s.resolver.entryKey(entry);
      try {
        draft.putEntry(
          parseEntryRecord({
            ...entry,
            namespace: parentId,
            keys: {
              ...entry.keys,
              namespace: {
                generation: parent.generation,
                sealed: sealEnvelope(parentPk, 'entry-key', opened, opened.key, s.random),
              },
            },
          }),
        );
      } finally {
        opened.key.fill(0);
      }
    }
    rotator.changed();
    // Grants that only the deleted namespace's grants backed are re-signed by the actor first.
    const scope = new Set<string>();
    for (const child of children) {
      if (!child.isolated) for (const id of rotator.inheritanceScope(child.id)) scope.add(id);
    }
    const scopeEntries = rotator.entriesIn([...scope, parentId]);
    rotator.adoptOrphans(scope, scopeEntries);
    const post = rotator.post();
    for (const child of children) {
      if (!post.signerAuthorized(child.id)) {
        fail(
          'STORE_FORBIDDEN',
          'A namespace inside would have to move and you have no read access to it after the move.',
        );
      }
    }
    // Who loses read access to what moves? Their keys must be rotated.
    const members = [...ctx.membership.members.keys()];
    const toRotate = children.filter(
      (child) =>
        !child.isolated &&
        members.some(
          (name) =>
            hasAccess(s.authority.bitsOn(name, { kind: 'namespace', id: child.id }), 'READ') &&
            !hasAccess(post.bitsOn(name, { kind: 'namespace', id: child.id }), 'READ'),
        ),
    );
    for (const child of toRotate) rotator.rotateSubtree(child.id);
    rotator.rewrapGrants();
    rotator.fixEntries(scopeEntries);
    const change = rotator.finish();
    const bundle =
      toRotate.length > 0
        ? signRotation(ctx, change, { type: 'delete-namespace', id: target.id })
        : null;
    return {
      change,
      bundle,
      report: rotator.report,
      moved: { entries: entries.map((e) => e.id), namespaces: children.map((c) => c.id) },
    };
  } finally {
    s.resolver.wipe();
  }
}

export interface NamespaceListing {
  path: string;
  namespaces: Array<{ path: string; id: string; isolated: boolean }>;
  entries: Array<{ path: string; id: string; version: number; writer: string }>;
}

/** The namespaces and entries directly inside the namespace at `path` (needs READ on it). */
export function listNamespace(
  ctx: StoreContext,
  records: StoreRecords,
  path: string,
): NamespaceListing {
  const s = new StoreSession(ctx, records);
  try {
    const normalized = normalizePath(path);
    const node = s.namespaceAt(normalized);
    if (!node) fail('STORE_NOT_FOUND', 'There is no namespace at this path.');
    s.resolver.namespace(node.id);
    const namespaces = s.authority.children(node.id).map((child) => ({
      path: s.resolver.namespacePath(child.id).path,
      id: child.id,
      isolated: child.isolated,
    }));
    const entries = records
      .allEntries()
      .filter((e) => e.namespace === node.id && isTrustedEntry(s.authority, ctx.membership, e))
      .map((e) => {
        const opened = s.resolver.entryKey(e);
        opened.key.fill(0);
        return { path: opened.path, id: e.id, version: e.version, writer: e.writer };
      });
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    return { path: normalized, namespaces: namespaces.sort(byPath), entries: entries.sort(byPath) };
  } finally {
    s.resolver.wipe();
  }
}
