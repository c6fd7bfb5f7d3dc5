/**
 * Sharing operations of the store service, each written once for every face: granting,
 * revoking (a key rotation: new keys, or a share-epoch bump for an entry, in one signed bundle),
 * and what the grants and effective bits on a path are.
 */
import {
  StoreSession,
  accessOf,
  analyzeStore,
  grantAccess,
  listGrants,
  listStore,
  normalizePath,
  revokeAccess,
  type AccessBit,
  type AccessTarget,
  type GrantInfo,
  type RotationReport,
} from '../../store/index.js';
import { recordsAfter, tokenOf } from './records-after.js';
import { resolveTarget, revokeOutcome, sharingOf, targetAtPath } from './sharing.js';
import type { RevokeOutcome, SharingInfo, StoreOptions, StoreRunner, TargetKind } from './types.js';

/**
 * Grants `access` on the namespace or entry at `path` to `grantee` (of `kind` when given).
 * Returns the new grant and the sharing view after it.
 */
export async function grant(
  runner: StoreRunner,
  path: string,
  grantee: string,
  access: Iterable<AccessBit | string>,
  options: StoreOptions,
  kind?: TargetKind,
): Promise<{ grant: GrantInfo; sharing: SharingInfo }> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, normalized)] }),
    (ctx, { view }) => {
      // The kind is checked first when asked; otherwise the model's checks come first.
      const checked = kind === undefined ? undefined : resolveTarget(ctx, view, normalized, kind);
      const result = grantAccess(ctx, view, { path: normalized, grantee, access });
      const target = checked ?? resolveTarget(ctx, view, normalized);
      const post = recordsAfter(view, result.change);
      const authority = analyzeStore(post, ctx.membership);
      return {
        result: {
          grant: {
            id: result.grant.id,
            grantee: result.grant.grantee,
            granter: result.grant.granter,
            access: [...result.grant.access],
            valid: true,
          },
          sharing: sharingOf(ctx, post, authority, target, normalized),
        },
        commit: { change: result.change },
      };
    },
  );
}

/**
 * Revokes every grant of `grantee` on the namespace or entry at `path` (a key rotation, see
 * `revokeAccess`). `fetch`: 'path' fetches only the records of `path` (enough for an entry),
 * 'all' every record (a namespace: what is below it rotates too).
 */
export async function revoke(
  runner: StoreRunner,
  path: string,
  grantee: string,
  options: StoreOptions,
  fetch: 'path' | 'all',
  /** Finish an interrupted removal first (default; off inside the removal's own cleanup). */
  finishRemoval = true,
): Promise<RotationReport> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    (ctx) => (fetch === 'path' ? { tokens: [tokenOf(ctx, normalized)] } : { all: true }),
    (ctx, { view }) => {
      const { bundle, report } = revokeAccess(ctx, view, { path: normalized, grantee });
      return { result: report, commit: { bundle } };
    },
    finishRemoval,
  );
}

/**
 * `revoke` on the namespace or entry (`kind`) at `path`, saying what changed for the grantee:
 * computed from the records after the rotation, with the paths as the revoker saw them.
 */
export async function revokeExplained(
  runner: StoreRunner,
  path: string,
  kind: TargetKind,
  grantee: string,
  options: StoreOptions,
): Promise<RevokeOutcome> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    () => ({ all: true }),
    (ctx, { view, memo }) => {
      const s = new StoreSession(ctx, view);
      let target: AccessTarget;
      let before: AccessBit[];
      try {
        target = targetAtPath(s, view, normalized, kind);
        before = s.authority.bitsOn(grantee, target);
      } finally {
        s.resolver.wipe();
      }
      // Paths as you see them (ids do not change in a rotation).
      const seen = listStore(ctx, view, { memo });
      const { bundle, report } = revokeAccess(ctx, view, { path: normalized, grantee });
      const post = recordsAfter(view, bundle.change);
      const authority = analyzeStore(post, ctx.membership);
      return {
        result: revokeOutcome({
          ctx,
          post,
          authority,
          seen,
          target,
          path: normalized,
          grantee,
          before,
          report,
        }),
        commit: { bundle },
      };
    },
  );
}

/** The grants on the namespace or entry at `path`, with whether each counts. */
export async function grantsOn(
  runner: StoreRunner,
  path: string,
  options: StoreOptions,
): Promise<GrantInfo[]> {
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, path)] }),
    (ctx, { view }) => ({ result: listGrants(ctx, view, path), commit: null }),
  );
}

/** Who holds what on the namespace or entry (`kind`) at `path`. */
export async function sharing(
  runner: StoreRunner,
  path: string,
  kind: TargetKind,
  options: StoreOptions,
): Promise<SharingInfo> {
  const normalized = normalizePath(path);
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, normalized)] }),
    (ctx, { view }) => {
      const s = new StoreSession(ctx, view);
      try {
        const target = targetAtPath(s, view, normalized, kind);
        return { result: sharingOf(ctx, view, s.authority, target, normalized), commit: null };
      } finally {
        s.resolver.wipe();
      }
    },
  );
}

/** A member's effective access bits on the namespace or entry at `path`. */
export async function accessOn(
  runner: StoreRunner,
  path: string,
  member: string,
  options: StoreOptions,
): Promise<AccessBit[]> {
  return runner.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, path)] }),
    (ctx, { view }) => ({ result: accessOf(ctx, view, path, member), commit: null }),
  );
}
