/**
 * Grants: giving a member access bits on a namespace or an entry (docs/design.md §4).
 *
 * A grant is signed by its granter (`store.grant`: workspace, grant id, target, grantee, the
 * grantee's box key as read in the verified log, access bits, granter). Granting needs STORE_SHARE
 * and every granted bit — nobody grants bits they do not hold. READ is cryptographic: a namespace
 * grant with READ carries the namespace secret key sealed to the grantee's box key; a direct
 * entry share adds the entry key, sealed to the grantee, to the entry record. The grantee's box
 * key always comes from the verified membership log, never from a server answer.
 *
 * Revoking is a rotation (rotation.ts): removing a grant alone would leave the keys the grantee
 * already has working for everything written later.
 */
import { toBase64Url, type BoxPublicKey } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { has } from '../workspace/permissions.js';
import { hasAccess, holdsAll, normalizeAccess, type AccessBit } from './bits.js';
import { StoreSession, type StoreActor, type StoreContext } from './context.js';
import { sealEnvelope } from './envelopes.js';
import { fail } from './internal.js';
import { sealNamespaceKey } from './namespace-keys.js';
import { normalizePath } from './paths.js';
import {
  STORE_KINDS,
  STORE_RECORD_VERSION,
  grantSignedBody,
  parseEntryRecord,
  parseGrantRecord,
  signStoreStatement,
  type GrantRecord,
  type GrantTarget,
  type StoreChange,
} from './records.js';
import { StoreDraft, type StoreRecords } from './store-view.js';

export const GRANT_ID_BYTES = 16;

export interface GrantFields {
  workspace: string;
  /** Default: 16 random bytes. */
  id: string;
  target: GrantTarget;
  grantee: string;
  granteeBox: BoxPublicKey;
  access: readonly AccessBit[];
  /** The target's current counter: namespace `generation` or entry `shareEpoch`. */
  epoch: number;
  key: GrantRecord['key'];
}

/** Signs a grant record as `granter`. */
export function signGrantRecord(
  fields: GrantFields,
  granter: Pick<StoreActor, 'name' | 'signKeyPair'>,
): GrantRecord {
  const unsigned = {
    v: STORE_RECORD_VERSION,
    workspace: fields.workspace,
    id: fields.id,
    target: { kind: fields.target.kind, id: fields.target.id },
    grantee: fields.grantee,
    granteeBox: toBase64Url(fields.granteeBox),
    access: normalizeAccess(fields.access),
    epoch: fields.epoch,
    granter: granter.name,
  } as const;
  const sig = signStoreStatement(STORE_KINDS.grant, grantSignedBody(unsigned), granter.signKeyPair);
  return parseGrantRecord({ ...unsigned, sig, key: fields.key });
}

export interface GrantOptions {
  /** A namespace or an entry path. */
  path: string;
  grantee: string;
  access: Iterable<AccessBit | string>;
}

export interface GrantResult {
  change: StoreChange;
  grant: GrantRecord;
}

/** Resolves a path to a grant target (a namespace if one exists there, else an entry). */
export function targetAt(s: StoreSession, path: string): GrantTarget & { namespace: string } {
  const namespace = s.namespaceAt(path);
  if (namespace) return { kind: 'namespace', id: namespace.id, namespace: namespace.id };
  const entry = s.entryAt(path);
  if (entry) return { kind: 'entry', id: entry.id, namespace: entry.namespace };
  return fail('STORE_NOT_FOUND', 'There is nothing at this path.');
}

/**
 * Grants `access` on the namespace or entry at `path` to a member. Needs STORE_SHARE, every
 * granted bit, and (to grant READ) the key.
 */
export function grantAccess(
  ctx: StoreContext,
  records: StoreRecords,
  options: GrantOptions,
): GrantResult {
  const s = new StoreSession(ctx, records);
  try {
    s.requirePermission('STORE_USE');
    s.requirePermission('STORE_SHARE');
    const path = normalizePath(options.path);
    const access = normalizeAccess(options.access);
    if (access.length === 0) fail('INVALID_ARGUMENT', 'A grant gives at least one access bit.');
    const grantee = ctx.membership.members.get(options.grantee);
    if (!grantee) {
      fail('MEMBERSHIP_UNKNOWN_MEMBER', 'You can only share with members of this workspace.');
    }
    if (!has(grantee.permissions, 'STORE_USE')) {
      fail(
        'STORE_FORBIDDEN',
        'This member cannot use the store (no STORE_USE permission); ask an administrator first.',
      );
    }
    const target = targetAt(s, path);
    const held = s.authority.bitsOn(s.actorName, target);
    if (!holdsAll(held, access)) {
      const missing = access.filter((bit) => !held.includes(bit));
      fail(
        'STORE_FORBIDDEN',
        `You cannot grant ${missing.join(', ')}: you do not hold it here. Nobody grants access they do not have.`,
      );
    }
    const granteeBox = s.memberBox(options.grantee);
    const draft = new StoreDraft(records);
    const epoch =
      target.kind === 'namespace'
        ? records.namespace(target.id)!.generation
        : records.entry(target.id)!.shareEpoch;
    let key: GrantRecord['key'] = null;
    if (hasAccess(access, 'READ')) {
      try {
        if (target.kind === 'namespace') {
          const ns = s.resolver.namespace(target.id);
          key = sealNamespaceKey(granteeBox, ns.generation, ns, ns.keyPair.secretKey, s.random);
          draft.dependOn('namespace', target.id);
        } else {
          const entry = records.entry(target.id)!;
          const opened = s.resolver.entryKey(entry);
          try {
            if (opened.path !== path) {
              fail('STORE_TAMPERED', 'The entry at this path belongs to another path.');
            }
            const users = {
              ...entry.keys.users,
              [options.grantee]: sealEnvelope(
                granteeBox,
                'entry-key',
                opened,
                opened.key,
                s.random,
              ),
            };
            draft.putEntry(parseEntryRecord({ ...entry, keys: { ...entry.keys, users } }));
          } finally {
            opened.key.fill(0);
          }
        }
      } catch (error) {
        if (isBackboneError(error, 'STORE_NO_KEY')) {
          fail('STORE_FORBIDDEN', 'You cannot share read access to something you cannot read.');
        }
        throw error;
      }
    } else if (target.kind === 'namespace') {
      draft.dependOn('namespace', target.id);
    } else {
      draft.dependOn('entry', target.id);
    }
    const grant = signGrantRecord(
      {
        workspace: s.workspaceId,
        id: toBase64Url(s.random(GRANT_ID_BYTES)),
        target: { kind: target.kind, id: target.id },
        grantee: options.grantee,
        granteeBox,
        access,
        epoch,
        key,
      },
      ctx.actor,
    );
    draft.putGrant(grant);
    return { change: draft.toChange(), grant };
  } finally {
    s.resolver.wipe();
  }
}

export interface GrantInfo {
  id: string;
  grantee: string;
  granter: string;
  access: AccessBit[];
  valid: boolean;
  /** Why the grant does not count, if it does not. */
  problem?: string;
}

/** The grants on the namespace or entry at `path`, with whether each one counts. */
export function listGrants(ctx: StoreContext, records: StoreRecords, path: string): GrantInfo[] {
  const s = new StoreSession(ctx, records);
  try {
    const target = targetAt(s, normalizePath(path));
    return records
      .allGrants()
      .filter((g) => g.target.id === target.id)
      .map((g) => {
        const issue = s.authority.grantProblem(g.id);
        return {
          id: g.id,
          grantee: g.grantee,
          granter: g.granter,
          access: [...g.access],
          valid: s.authority.isGrantValid(g.id),
          ...(issue ? { problem: issue.message } : {}),
        };
      });
  } finally {
    s.resolver.wipe();
  }
}

/** Effective access bits of a member on the namespace or entry at `path`. */
export function accessOf(
  ctx: StoreContext,
  records: StoreRecords,
  path: string,
  member: string,
): AccessBit[] {
  const s = new StoreSession(ctx, records);
  try {
    return s.authority.bitsOn(member, targetAt(s, normalizePath(path)));
  } finally {
    s.resolver.wipe();
  }
}
