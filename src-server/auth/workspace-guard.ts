/**
 * The workspace guard every workspace endpoint uses (the store's too):
 *
 *     const access = await requireWorkspacePermission(ctx, request, workspaceId, 'STORE_USE');
 *
 * A request on workspace W passes when
 *  (a) its token is valid (authenticate.ts) and not limited to another workspace,
 *  (b) the token's identity is a current member of W per the **verified** membership log
 *      (the member whose identity sign key has the token identity's address), and
 *  (c) for a `permission` (null = membership only): the member holds it AND the token's scopes
 *      include it — ROOT implies every permission, on both sides.
 * Failures: 401 (token), 404 `NOT_FOUND` (no such workspace, or deleted), 403 `FORBIDDEN`.
 *
 * Verified states are cached per workspace in memory, keyed by head: each request reads the head
 * from the database (so several server processes never act on a stale state) and, if the log
 * grew, verifies only the new entries on top of the cached state.
 */
import type { FastifyRequest } from 'fastify';
import { identityAddress } from '../../src-shared/crypto/index.js';
import { BackboneError, isBackboneError } from '../../src-shared/errors.js';
import {
  applyEntries,
  verifyLog,
  type Member,
  type MembershipState,
} from '../../src-shared/workspace/membership-log.js';
import { has, type Permission } from '../../src-shared/workspace/permissions.js';
import type { ServerContext } from '../context.js';
import { enforce } from '../plugins/rate-limit.js';
import type { WorkspaceRecord } from '../storage/storage.js';
import { authenticate, type AuthContext } from './authenticate.js';

/** What a guarded handler gets. */
export interface WorkspaceAccess {
  auth: AuthContext;
  workspace: WorkspaceRecord;
  /** The verified membership state at `workspace.headSeq`. */
  state: MembershipState;
  /** The caller's member record. */
  member: Member;
}

/** A verified state plus an index from identity address to member name. */
export interface VerifiedWorkspace {
  state: MembershipState;
  /** identity address (`bb1…`) → member name, current members only. */
  byIdentity: ReadonlyMap<string, string>;
}

const CACHE_LIMIT = 1000;
/** Log pages read while verifying. */
const PAGE = 1000;

const caches = new WeakMap<ServerContext, Map<string, VerifiedWorkspace>>();

function cacheOf(ctx: ServerContext): Map<string, VerifiedWorkspace> {
  let cache = caches.get(ctx);
  if (!cache) {
    cache = new Map();
    caches.set(ctx, cache);
  }
  return cache;
}

/** Indexes the current members by identity address. */
export function indexMembers(state: MembershipState): VerifiedWorkspace {
  const byIdentity = new Map<string, string>();
  for (const member of state.members.values()) {
    byIdentity.set(identityAddress(member.signPk), member.name);
  }
  return { state, byIdentity };
}

/** Remembers a state the server just verified and stored (e.g. right after an append). */
export function rememberWorkspaceState(ctx: ServerContext, verified: VerifiedWorkspace): void {
  const cache = cacheOf(ctx);
  cache.delete(verified.state.workspaceId);
  cache.set(verified.state.workspaceId, verified);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

export function forgetWorkspaceState(ctx: ServerContext, workspaceId: string): void {
  cacheOf(ctx).delete(workspaceId);
}

async function readEntries(
  ctx: ServerContext,
  workspace: WorkspaceRecord,
  fromSeq: number,
): Promise<unknown[]> {
  const entries: unknown[] = [];
  let next = fromSeq;
  while (next <= workspace.headSeq) {
    const page = await ctx.storage.getMembershipLog(
      workspace.id,
      next,
      Math.min(PAGE, workspace.headSeq - next + 1),
    );
    if (page.length === 0) break;
    for (const record of page) {
      if (record.seq > workspace.headSeq) break;
      entries.push(JSON.parse(record.entry) as unknown);
    }
    next = page[page.length - 1]!.seq + 1;
  }
  return entries;
}

/**
 * The verified membership state of a workspace at the head stored in `workspace` (from the
 * cache if it is there, else by verifying the stored log). A stored log that does not verify is
 * a server fault (500): it was verified when written.
 */
export async function verifiedWorkspaceState(
  ctx: ServerContext,
  workspace: WorkspaceRecord,
): Promise<VerifiedWorkspace> {
  const cache = cacheOf(ctx);
  const cached = cache.get(workspace.id);
  if (cached && cached.state.head.hash === workspace.headHash) {
    cache.delete(workspace.id); // keep recently used ones last
    cache.set(workspace.id, cached);
    return cached;
  }
  try {
    let state: MembershipState | undefined;
    if (cached && cached.state.head.seq < workspace.headSeq) {
      const newer = await readEntries(ctx, workspace, cached.state.head.seq + 1);
      try {
        state = applyEntries(cached.state, newer);
      } catch {
        state = undefined; // fall back to a full verification
      }
    }
    if (!state || state.head.hash !== workspace.headHash) {
      state = verifyLog(await readEntries(ctx, workspace, 0));
    }
    if (state.head.hash !== workspace.headHash || state.genesisHash !== workspace.genesisHash) {
      throw new BackboneError('INTERNAL', 'A stored membership log does not match its head.');
    }
    const verified = indexMembers(state);
    rememberWorkspaceState(ctx, verified);
    return verified;
  } catch (error) {
    if (!isBackboneError(error) || error.code === 'INTERNAL') throw error;
    throw new BackboneError('INTERNAL', 'A stored membership log does not verify.', {
      cause: error,
    });
  }
}

/** True if the token's scopes allow `permission` (the ROOT scope allows every permission). */
export function scopesAllow(scopes: readonly string[], permission: Permission): boolean {
  return scopes.includes('ROOT') || scopes.includes(permission);
}

/** The token may act on this workspace at all (not limited to another one). */
export function checkTokenWorkspace(auth: AuthContext, workspaceId: string): void {
  if (auth.workspaceId !== null && auth.workspaceId !== workspaceId) {
    throw new BackboneError('FORBIDDEN', 'This token is limited to another workspace.');
  }
}

/** The guard (see the file comment). Uses `request.auth` if a preHandler already set it. */
export async function requireWorkspacePermission(
  ctx: ServerContext,
  request: FastifyRequest,
  workspaceId: string,
  permission: Permission | null,
): Promise<WorkspaceAccess> {
  let auth = request.auth;
  if (!auth) {
    auth = await authenticate(request, ctx);
    enforce(ctx.limits.account, auth.identityId);
    request.auth = auth;
  }
  checkTokenWorkspace(auth, workspaceId);
  if (permission !== null && !scopesAllow(auth.scopes, permission)) {
    throw new BackboneError('FORBIDDEN', `This token lacks the scope ${permission} needed here.`);
  }
  const workspace = await ctx.storage.getWorkspace(workspaceId);
  if (!workspace || workspace.deletedAt !== null) {
    throw new BackboneError('NOT_FOUND', 'There is no such workspace on this server.');
  }
  const { state, byIdentity } = await verifiedWorkspaceState(ctx, workspace);
  const name = byIdentity.get(auth.identityId);
  const member = name === undefined ? undefined : state.members.get(name);
  if (!member) {
    throw new BackboneError('FORBIDDEN', 'You are not a member of this workspace.');
  }
  if (permission !== null && !has(member.permissions, permission)) {
    throw new BackboneError(
      'FORBIDDEN',
      `Your membership lacks the permission ${permission} needed here. Ask an administrator.`,
    );
  }
  return { auth, workspace, state, member };
}
