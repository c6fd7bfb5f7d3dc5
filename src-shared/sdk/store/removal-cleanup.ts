/**
 * The store's cleanup after a member was removed from the workspace (`client.user.delete`, which
 * rotates the naming key): moves the records this member can reach to their new tokens, then
 * revokes every grant the former member had (one rotation each). Records this member cannot reach
 * are left for their holders, who run the same cleanup.
 */
import { sodium } from '../../crypto/index.js';
import { isBackboneError } from '../../errors.js';
import { StoreSession, type StoreContext, type StoreView } from '../../store/index.js';
import type { StoreCleanup } from '../users.js';
import { revoke } from './access-ops.js';
import { prepareRetokenizing } from './retokenizing.js';
import type { StoreOptions, StoreRunner } from './types.js';

/** At most this many revocations (a server that keeps answering with new grants is stopped). */
const MAX_REVOCATIONS = 1000;

/** The path of one grant of `username` this member can see the path of, if any. */
function grantPathOf(ctx: StoreContext, view: StoreView, username: string): string | undefined {
  const s = new StoreSession(ctx, view);
  try {
    for (const g of view.allGrants()) {
      if (g.grantee !== username) continue;
      try {
        if (g.target.kind === 'namespace') return s.resolver.namespacePath(g.target.id).path;
        const entry = view.entry(g.target.id);
        if (!entry) continue;
        const opened = s.resolver.entryKey(entry);
        sodium().memzero(opened.key);
        return opened.path;
      } catch (error) {
        if (!isBackboneError(error)) throw error;
      }
    }
    return undefined;
  } finally {
    s.resolver.wipe();
  }
}

export async function cleanupAfterRemoval(
  runner: StoreRunner,
  username: string,
  options: StoreOptions,
): Promise<StoreCleanup> {
  const moved = await runner.run(
    options,
    () => ({ all: true }),
    (ctx, { view }) => prepareRetokenizing(ctx, view),
    false,
  );
  const revoked: string[] = [];
  for (let i = 0; i < MAX_REVOCATIONS; i++) {
    const path = await runner.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => ({ result: grantPathOf(ctx, view, username), commit: null }),
      false,
    );
    if (path === undefined || revoked.includes(path)) break;
    try {
      await revoke(runner, path, username, options, 'all', false);
    } catch (error) {
      // An administrator's client finishing the removal (PendingRevocations) revoked it first.
      if (!isBackboneError(error, 'STORE_NOT_FOUND')) throw error;
    }
    revoked.push(path);
  }
  return { retokenized: moved.count, revoked, unreachable: moved.unreachable };
}
