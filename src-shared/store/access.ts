/**
 * Who may do what in the store: the authority analysis of a set of records against a verified
 * membership state. It needs no key, so the server runs the same code to enforce WRITE, DELETE
 * and EJECT, and every client re-runs it to check what the server accepted.
 *
 * **Namespaces.** A namespace record counts (is "in the tree") if its signer is a current member
 * with STORE_USE, its signature verifies with that member's key from the log, and its parent is in
 * the tree (no cycles). Its **authority chain** is itself and its ancestors up to and including
 * the nearest isolated one, or the root: grants above an isolated namespace do not reach it.
 *
 * **Effective access** of member U on a namespace N (on an entry: on its namespace, plus direct
 * grants on the entry):
 *
 * - nothing if U is not a current member with STORE_USE;
 * - every bit if the chain ends at the root and U holds ROOT, or ends at an isolated namespace
 *   that U created (its owner) — the base authority, which makes grants well-founded;
 * - plus the bits of every valid grant to U on a namespace of the chain (or on the entry).
 *
 * **A grant is valid** if its granter is a current member with STORE_SHARE whose signature
 * verifies, its grantee is a current member and `granteeBox` is exactly that member's box key in
 * the log, its target exists, and — "nobody grants bits they do not hold" — the granter holds
 * every bit of it from the base authority and other valid grants. Validity is the least fixed
 * point of that rule, so no set of grants can justify itself. A grant also names the `epoch` it
 * belongs to — its target's current counter (a namespace's key `generation`, an entry's
 * `shareEpoch`) — and counts only while that is still the target's value: every revocation
 * moves the counter (and re-signs the grants that remain), so a replayed grant never counts
 * again (`STORE_STALE`).
 *
 * **An entry counts** if its writer holds WRITE on it and READ on its namespace: writing needs
 * READ (the writer must open the namespace key to check where the value goes), on every side.
 *
 * **A namespace key statement is authorized** if its signer holds READ on the namespace. A
 * namespace that is in the tree but not authorized is never used for keys (`STORE_FORBIDDEN`).
 *
 * Everything is checked against the *current* membership and grants: a signature stays valid
 * only while its signer keeps the right. Rotations re-sign what a revocation would otherwise
 * invalidate (rotation.ts).
 */
import { constantTimeEqual, fromBase64Url } from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import type { MembershipState } from '../workspace/membership-log.js';
import { has } from '../workspace/permissions.js';
import { ALL_ACCESS, hasAccess, holdsAll, unionAccess, type AccessBit } from './bits.js';
import {
  STORE_KINDS,
  grantSignedBody,
  namespaceSignedBody,
  verifyStoreStatement,
  type GrantRecord,
  type NamespaceRecord,
} from './records.js';
import type { SeenVersions } from './seen.js';
import type { StoreRecords } from './store-view.js';

/** Depth bound of the tree: paths have at most 32 segments, so at most 33 nested namespaces. */
const MAX_NAMESPACE_DEPTH = 33;

export interface NamespaceNode {
  id: string;
  record: NamespaceRecord;
  /** Parent id (null for the root). */
  parent: string | null;
  isolated: boolean;
  /** This namespace and its ancestors up to the authority boundary (nearest first). */
  chain: readonly string[];
  /** The root, or the nearest isolated ancestor-or-self. */
  boundary: string;
  depth: number;
}

export type AccessTarget =
  { kind: 'namespace'; id: string } | { kind: 'entry'; id: string; namespace: string };

export interface StoreAuthority {
  readonly membership: MembershipState;
  readonly records: StoreRecords;
  /** A namespace in the tree, or undefined (missing or refused; see `namespaceProblem`). */
  node(id: string): NamespaceNode | undefined;
  namespaceProblem(id: string): BackboneError | undefined;
  /** Namespaces in the tree whose parent is `id`. */
  children(id: string): NamespaceNode[];
  isGrantValid(id: string): boolean;
  grantProblem(id: string): BackboneError | undefined;
  validGrants(): GrantRecord[];
  /** Valid grants on a target (namespace or entry id). */
  grantsOn(targetId: string): GrantRecord[];
  /** Effective access bits of a member on a namespace or an entry. */
  bitsOn(user: string, target: AccessTarget): AccessBit[];
  /** True if the namespace's signed key statement is by someone holding READ on it. */
  signerAuthorized(id: string): boolean;
  /** True if the entry's writer holds WRITE on it and READ on its namespace (writing needs READ). */
  writerAuthorized(entry: { id: string; namespace: string; writer: string }): boolean;
}

function problem(code: BackboneError['code'], message: string): BackboneError {
  return new BackboneError(code, message);
}

function memberOf(membership: MembershipState, name: string) {
  return membership.members.get(name);
}

function checkNamespaceSignature(
  membership: MembershipState,
  workspaceId: string,
  r: NamespaceRecord,
): BackboneError | undefined {
  if (r.workspace !== workspaceId || r.workspace !== membership.workspaceId) {
    return problem('STORE_INVALID_RECORD', 'A namespace record belongs to another workspace.');
  }
  const signer = memberOf(membership, r.signer);
  if (!signer) {
    return problem(
      'STORE_FORBIDDEN',
      'A namespace was signed by someone who is not a member of the workspace (any more).',
    );
  }
  if (!has(signer.permissions, 'STORE_USE')) {
    return problem('STORE_FORBIDDEN', 'A namespace was signed by a member without STORE_USE.');
  }
  if (r.generation === 1 && r.revision === 1 && r.signer !== r.creator) {
    return problem('STORE_INVALID_RECORD', 'A new namespace must be signed by its creator.');
  }
  if (!verifyStoreStatement(STORE_KINDS.namespace, namespaceSignedBody(r), r.sig, signer.signPk)) {
    return problem('STORE_BAD_SIGNATURE', 'The signature on a namespace record is not valid.');
  }
  return undefined;
}

function checkGrantShape(
  membership: MembershipState,
  workspaceId: string,
  g: GrantRecord,
): BackboneError | undefined {
  if (g.workspace !== workspaceId || g.workspace !== membership.workspaceId) {
    return problem('STORE_INVALID_RECORD', 'A grant belongs to another workspace.');
  }
  const granter = memberOf(membership, g.granter);
  if (!granter) {
    return problem(
      'STORE_FORBIDDEN',
      'A grant was made by someone who is not a member (any more).',
    );
  }
  if (!has(granter.permissions, 'STORE_SHARE')) {
    return problem('STORE_FORBIDDEN', 'A grant was made by a member without STORE_SHARE.');
  }
  if (!verifyStoreStatement(STORE_KINDS.grant, grantSignedBody(g), g.sig, granter.signPk)) {
    return problem('STORE_BAD_SIGNATURE', 'The signature on a grant is not valid.');
  }
  const grantee = memberOf(membership, g.grantee);
  if (!grantee) {
    return problem('STORE_FORBIDDEN', 'A grant is for someone who is not a member (any more).');
  }
  let box: Uint8Array;
  try {
    box = fromBase64Url(g.granteeBox);
  } catch {
    box = new Uint8Array(0);
  }
  if (!constantTimeEqual(box, grantee.boxPk)) {
    return problem(
      'STORE_TAMPERED',
      'A grant wraps a key to a public key that is not the grantee’s key in the membership log.',
    );
  }
  return undefined;
}

export interface AnalyzeOptions {
  /** A client's rollback memory: namespace records older than seen (or seen deleted) are
   * refused (`STORE_STALE`), so nothing — grants, key statements, writers — counts through them. */
  seen?: SeenVersions;
}

/** Analyzes the records against the verified membership state. */
export function analyzeStore(
  records: StoreRecords,
  membership: MembershipState,
  options: AnalyzeOptions = {},
): StoreAuthority {
  const workspaceId = records.workspaceId;
  const nsProblems = new Map<string, BackboneError>();
  const nodes = new Map<string, NamespaceNode>();
  const signatureOk = new Map<string, NamespaceRecord>();

  for (const r of records.allNamespaces()) {
    const issue =
      checkNamespaceSignature(membership, workspaceId, r) ??
      options.seen?.namespaceProblem(r.id, r.generation, r.revision);
    if (issue) nsProblems.set(r.id, issue);
    else signatureOk.set(r.id, r);
  }

  // Tree: parents first, no cycles, bounded depth.
  const visiting = new Set<string>();
  const build = (id: string): NamespaceNode | undefined => {
    const done = nodes.get(id);
    if (done) return done;
    if (nsProblems.has(id)) return undefined;
    const r = signatureOk.get(id);
    if (!r) return undefined;
    if (visiting.has(id)) {
      nsProblems.set(id, problem('STORE_TAMPERED', 'Namespace records form a cycle.'));
      return undefined;
    }
    visiting.add(id);
    let node: NamespaceNode | undefined;
    if (r.parent === null) {
      node = { id, record: r, parent: null, isolated: false, chain: [id], boundary: id, depth: 0 };
    } else {
      const parent = build(r.parent);
      if (!parent) {
        if (!nsProblems.has(id)) {
          nsProblems.set(
            id,
            problem(
              'STORE_FORBIDDEN',
              'A namespace is below a namespace that is missing or refused.',
            ),
          );
        }
      } else if (parent.depth + 1 >= MAX_NAMESPACE_DEPTH) {
        nsProblems.set(id, problem('STORE_INVALID_RECORD', 'Namespaces are nested too deeply.'));
      } else {
        const chain = r.isolated ? [id] : [id, ...parent.chain];
        node = {
          id,
          record: r,
          parent: parent.id,
          isolated: r.isolated,
          chain,
          boundary: chain[chain.length - 1]!,
          depth: parent.depth + 1,
        };
      }
    }
    visiting.delete(id);
    if (node) nodes.set(id, node);
    return node;
  };
  for (const id of signatureOk.keys()) build(id);

  const childrenOf = new Map<string, NamespaceNode[]>();
  for (const node of nodes.values()) {
    if (node.parent === null) continue;
    const list = childrenOf.get(node.parent) ?? [];
    list.push(node);
    childrenOf.set(node.parent, list);
  }

  // Grants: shape and signature first, then the least fixed point of "granter holds the bits".
  const grantProblems = new Map<string, BackboneError>();
  const pending: GrantRecord[] = [];
  const entryNamespace = (entryId: string): string | undefined => records.entry(entryId)?.namespace;
  for (const g of records.allGrants()) {
    const issue = checkGrantShape(membership, workspaceId, g);
    if (issue) {
      grantProblems.set(g.id, issue);
      continue;
    }
    const nsId = g.target.kind === 'namespace' ? g.target.id : entryNamespace(g.target.id);
    if (nsId === undefined || !nodes.has(nsId)) {
      grantProblems.set(
        g.id,
        problem('STORE_NOT_FOUND', 'A grant is for something that does not exist.'),
      );
      continue;
    }
    const current =
      g.target.kind === 'namespace'
        ? nodes.get(g.target.id)!.record.generation
        : records.entry(g.target.id)!.shareEpoch;
    if (g.epoch !== current) {
      grantProblems.set(
        g.id,
        problem(
          'STORE_STALE',
          g.epoch < current
            ? 'A grant belongs to an earlier key generation of what it is on: access was revoked since (the server may be replaying it).'
            : 'A grant claims a key generation that does not exist yet.',
        ),
      );
      continue;
    }
    pending.push(g);
  }

  const valid = new Map<string, GrantRecord>();
  const byGrantee = new Map<string, GrantRecord[]>();

  const bitsWith = (user: string, target: AccessTarget): AccessBit[] => {
    const member = memberOf(membership, user);
    if (!member || !has(member.permissions, 'STORE_USE')) return [];
    const nsId = target.kind === 'namespace' ? target.id : target.namespace;
    const node = nodes.get(nsId);
    if (!node) return [];
    const boundary = nodes.get(node.boundary)!;
    const sets: AccessBit[][] = [];
    if (boundary.isolated ? boundary.record.creator === user : has(member.permissions, 'ROOT')) {
      sets.push([...ALL_ACCESS]);
    }
    for (const g of byGrantee.get(user) ?? []) {
      if (g.target.kind === 'namespace' ? node.chain.includes(g.target.id) : false) {
        sets.push(g.access);
      } else if (
        target.kind === 'entry' &&
        g.target.kind === 'entry' &&
        g.target.id === target.id
      ) {
        sets.push(g.access);
      }
    }
    return unionAccess(...sets);
  };

  const targetOf = (g: GrantRecord): AccessTarget =>
    g.target.kind === 'namespace'
      ? { kind: 'namespace', id: g.target.id }
      : { kind: 'entry', id: g.target.id, namespace: entryNamespace(g.target.id)! };

  let progress = true;
  while (progress) {
    progress = false;
    for (const g of pending) {
      if (valid.has(g.id)) continue;
      if (holdsAll(bitsWith(g.granter, targetOf(g)), g.access)) {
        valid.set(g.id, g);
        const list = byGrantee.get(g.grantee) ?? [];
        list.push(g);
        byGrantee.set(g.grantee, list);
        progress = true;
      }
    }
  }
  for (const g of pending) {
    if (!valid.has(g.id)) {
      grantProblems.set(
        g.id,
        problem(
          'STORE_FORBIDDEN',
          'A grant gives access its granter does not hold (nobody grants what they do not hold).',
        ),
      );
    }
  }

  const authorized = new Map<string, boolean>();
  const signerAuthorized = (id: string): boolean => {
    const cached = authorized.get(id);
    if (cached !== undefined) return cached;
    const node = nodes.get(id);
    const ok =
      node !== undefined &&
      hasAccess(bitsWith(node.record.signer, { kind: 'namespace', id }), 'READ');
    authorized.set(id, ok);
    return ok;
  };

  return {
    membership,
    records,
    node: (id) => nodes.get(id),
    namespaceProblem: (id) => nsProblems.get(id),
    children: (id) => [...(childrenOf.get(id) ?? [])],
    isGrantValid: (id) => valid.has(id),
    grantProblem: (id) => grantProblems.get(id),
    validGrants: () => [...valid.values()],
    grantsOn: (targetId) => [...valid.values()].filter((g) => g.target.id === targetId),
    bitsOn: (user, target) => bitsWith(user, target),
    signerAuthorized,
    writerAuthorized: (entry) =>
      hasAccess(
        bitsWith(entry.writer, { kind: 'entry', id: entry.id, namespace: entry.namespace }),
        'WRITE',
      ) && hasAccess(bitsWith(entry.writer, { kind: 'namespace', id: entry.namespace }), 'READ'),
  };
}
