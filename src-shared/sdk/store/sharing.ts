/**
 * Who holds what, as the sharing operations report it (pure, over the model): the sharing view
 * of a namespace or entry, and what a revocation changed for the revoked member, computed on the
 * records after it.
 */
import { BackboneError } from '../../errors.js';
import {
  StoreSession,
  hasAccess,
  isDescendantPath,
  type AccessBit,
  type AccessTarget,
  type GrantInfo,
  type RotationReport,
  type StoreAuthority,
  type StoreContext,
  type StoreListing,
  type StoreRecords,
} from '../../store/index.js';
import { targetAt } from '../../store/grants.js';
import type { RevokeOutcome, SharingInfo, TargetKind } from './types.js';

/**
 * The namespace or entry at `path` as an access target; of the expected kind when one is given
 * (`STORE_NOT_FOUND` otherwise).
 */
export function targetAtPath(
  s: StoreSession,
  records: StoreRecords,
  path: string,
  kind?: TargetKind,
): AccessTarget {
  const target = targetAt(s, path);
  if (kind !== undefined && target.kind !== kind) {
    throw new BackboneError(
      'STORE_NOT_FOUND',
      kind === 'namespace'
        ? 'There is no namespace at this path (it is an entry).'
        : 'There is no entry at this path (it is a namespace).',
    );
  }
  if (target.kind === 'namespace') return { kind: 'namespace', id: target.id };
  return {
    kind: 'entry',
    id: target.id,
    namespace: records.entry(target.id)?.namespace ?? target.namespace,
  };
}

/** `targetAtPath` in a session of its own (wiped after). */
export function resolveTarget(
  ctx: StoreContext,
  records: StoreRecords,
  path: string,
  kind?: TargetKind,
): AccessTarget {
  const s = new StoreSession(ctx, records);
  try {
    return targetAtPath(s, records, path, kind);
  } finally {
    s.resolver.wipe();
  }
}

/** Who holds what on `target` (grants on exactly it, every member's effective bits). */
export function sharingOf(
  ctx: StoreContext,
  records: StoreRecords,
  authority: StoreAuthority,
  target: AccessTarget,
  path: string,
): SharingInfo {
  const grants = records
    .allGrants()
    .filter((g) => g.target.id === target.id)
    .map((g): GrantInfo => {
      const issue = authority.grantProblem(g.id);
      return {
        id: g.id,
        grantee: g.grantee,
        granter: g.granter,
        access: [...g.access],
        valid: authority.isGrantValid(g.id),
        ...(issue ? { problem: issue.message } : {}),
      };
    })
    .sort((a, b) => a.grantee.localeCompare(b.grantee) || a.granter.localeCompare(b.granter));
  const members = [...ctx.membership.members.values()]
    .sort((a, b) => a.addedAt - b.addedAt || a.name.localeCompare(b.name))
    .map((m) => ({ name: m.name, access: authority.bitsOn(m.name, target) }));
  return {
    path,
    kind: target.kind,
    grants,
    members,
    you: ctx.actor.name,
    yourAccess: authority.bitsOn(ctx.actor.name, target),
  };
}

export interface RevocationFacts {
  ctx: StoreContext;
  /** The records after the rotation, and their analysis. */
  post: StoreRecords;
  authority: StoreAuthority;
  /** What the revoker saw before it (paths; ids do not change in a rotation). */
  seen: StoreListing;
  target: AccessTarget;
  path: string;
  grantee: string;
  before: AccessBit[];
  report: RotationReport;
}

/** What a revocation changed for the revoked member (see `RevokeOutcome`). */
export function revokeOutcome(facts: RevocationFacts): RevokeOutcome {
  const { ctx, post, authority, seen, target, path, grantee } = facts;
  const within = (p: string): boolean =>
    target.kind === 'namespace' ? p === path || isDescendantPath(p, path) : p === path;

  const stillReadable: string[] = [];
  const readableNamespaces: string[] = [];
  for (const ns of seen.namespaces) {
    if (!within(ns.path) || !authority.node(ns.id)) continue;
    if (hasAccess(authority.bitsOn(grantee, { kind: 'namespace', id: ns.id }), 'READ')) {
      readableNamespaces.push(ns.path);
      stillReadable.push(`${ns.path}/`);
    }
  }
  for (const e of seen.entries) {
    if (!within(e.path)) continue;
    if (readableNamespaces.some((p) => isDescendantPath(e.path, p))) continue;
    const record = post.entry(e.id);
    if (!record) continue;
    const bits = authority.bitsOn(grantee, {
      kind: 'entry',
      id: e.id,
      namespace: record.namespace,
    });
    if (hasAccess(bits, 'READ')) stillReadable.push(e.path);
  }

  const pathById = new Map<string, string>();
  for (const ns of seen.namespaces) pathById.set(ns.id, `${ns.path}/`);
  for (const e of seen.entries) pathById.set(e.id, e.path);
  const elsewhere = new Set<string>();
  let elsewhereHidden = 0;
  for (const g of authority.validGrants()) {
    if (g.grantee !== grantee) continue;
    const known = pathById.get(g.target.id);
    if (known === undefined) {
      elsewhereHidden++;
      continue;
    }
    const bare = known.endsWith('/') ? known.slice(0, -1) : known;
    if (!within(bare)) elsewhere.add(known);
  }
  return {
    report: facts.report,
    sharing: sharingOf(ctx, post, authority, target, path),
    before: facts.before,
    after: authority.bitsOn(grantee, target),
    stillReadable: stillReadable.sort(),
    elsewhere: [...elsewhere].sort(),
    elsewhereHidden,
  };
}
