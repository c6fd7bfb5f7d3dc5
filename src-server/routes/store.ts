/**
 * The encrypted store (`/v1/workspaces/:workspaceId/store/…`; schemas and request list in
 * src-shared/api/store.ts, checks in ../store/commit-check.ts, storage in
 * ../storage/store-storage.ts).
 *
 * - `POST …/store/records`: STORE_USE. The records a client needs to run a model operation.
 * - `POST …/store/commit`: STORE_USE (+ the STORE_SHARE scope when the change signs or removes
 *   grants). One change set or rotation bundle, applied atomically or not at all; its
 *   `store.changed` event is recorded in the same transaction and published after it.
 * - The scheduler's `store-expiry` job deletes expired entries every `STORE_SWEEP_INTERVAL_MS`
 *   (and they are never served once expired).
 * - Every route needs a valid token (the `authentication` plugin), then the workspace guard.
 */
import { API_PREFIX, API_VERSION, emptyQuerySchema } from '../../src-shared/api/common.js';
import { workspaceParamsSchema } from '../../src-shared/api/workspaces.js';
import {
  STORE_COMMIT_BODY_LIMIT,
  STORE_PAGE_DEFAULT,
  storeCommitRequestSchema,
  storeCommitResponseSchema,
  storeRecordsRequestSchema,
  storeRecordsResponseSchema,
} from '../../src-shared/api/store.js';
import { BackboneError } from '../../src-shared/errors.js';
import { authentication } from '../auth/authenticate.js';
import { requireWorkspacePermission, scopesAllow } from '../auth/workspace-guard.js';
import type { RouteOptions, RoutePlugin, ServerContext } from '../context.js';
import { publishEvents } from '../events/hub.js';
import type { Scheduler } from '../scheduler.js';
import { checkCommit, commitLoad, parseCommit, storeChangedEvent } from '../store/commit-check.js';

export const STORE_SWEEP_INTERVAL_MS = 30_000;
const SWEEP_BATCH = 1000;

/** Deletes expired entries now (the sweeper's work; tests call it directly). */
export async function sweepExpiredStore(ctx: ServerContext): Promise<number> {
  let total = 0;
  for (;;) {
    const { removed, events } = await ctx.storage.sweepExpiredStoreEntries(
      ctx.clock.now(),
      SWEEP_BATCH,
      (workspaceId, revision, ids) => [storeChangedEvent(workspaceId, revision, ids)],
    );
    publishEvents(ctx, events);
    total += removed;
    if (removed < SWEEP_BATCH) return total;
  }
}

export interface StoreRouteOptions extends RouteOptions {
  /** Runs the expired-entry sweep (`store-expiry`). */
  scheduler: Scheduler;
}

export const storeRoutes: RoutePlugin<StoreRouteOptions> = async (app, { ctx, scheduler }) => {
  const base = `${API_PREFIX}/workspaces/:workspaceId/store`;
  await app.register(authentication, { ctx });
  scheduler.add({
    name: 'store-expiry',
    intervalMs: STORE_SWEEP_INTERVAL_MS,
    run: async () => ({ removed: await sweepExpiredStore(ctx) }),
  });

  app.post(
    `${base}/records`,
    {
      schema: {
        params: workspaceParamsSchema,
        querystring: emptyQuerySchema,
        body: storeRecordsRequestSchema,
        response: { 200: storeRecordsResponseSchema },
      },
    },
    async (request) => {
      const { workspace } = await requireWorkspacePermission(
        ctx,
        request,
        request.params.workspaceId,
        'STORE_USE',
      );
      const page = await ctx.storage.getStoreRecords(workspace.id, {
        entries: request.body.entries,
        ...(request.body.after !== undefined ? { after: request.body.after } : {}),
        limit: request.body.limit ?? STORE_PAGE_DEFAULT,
        now: ctx.clock.now(),
      });
      const json = (r: { record: string }) => JSON.parse(r.record) as Record<string, unknown>;
      return {
        v: API_VERSION,
        workspace: workspace.id,
        namespaces: page.namespaces.map(json),
        grants: page.grants.map(json),
        entries: page.entries.map(json),
        tombstones: Object.fromEntries(page.tombstones),
        next: page.next,
      };
    },
  );

  app.post(
    `${base}/commit`,
    {
      bodyLimit: Math.max(ctx.config.bodyLimit, STORE_COMMIT_BODY_LIMIT),
      schema: {
        params: workspaceParamsSchema,
        querystring: emptyQuerySchema,
        body: storeCommitRequestSchema,
        response: { 200: storeCommitResponseSchema },
      },
    },
    async (request) => {
      const { auth, workspace, state, member } = await requireWorkspacePermission(
        ctx,
        request,
        request.params.workspaceId,
        'STORE_USE',
      );
      const parsed = parseCommit(request.body, state, member);
      const { change } = parsed;
      const sharing =
        change.remove.grants.length > 0 || change.put.grants.some((g) => g.granter === member.name);
      if (sharing && !scopesAllow(auth.scopes, 'STORE_SHARE')) {
        throw new BackboneError(
          'FORBIDDEN',
          'This token lacks the scope STORE_SHARE needed to share or revoke.',
        );
      }
      const now = ctx.clock.now();
      const { revision, events } = await ctx.storage.commitStore(
        workspace.id,
        { seq: workspace.headSeq, hash: workspace.headHash },
        commitLoad(change),
        (db) => checkCommit({ parsed, state, actor: member, db, now }),
        now,
      );
      publishEvents(ctx, events);
      const put =
        change.put.namespaces.length + change.put.grants.length + change.put.entries.length;
      const removed =
        change.remove.namespaces.length +
        change.remove.grants.length +
        change.remove.entries.length;
      request.log.info({ workspace: workspace.id, revision, put, removed }, 'store commit');
      return { v: API_VERSION, workspace: workspace.id, put, removed, revision };
    },
  );
};
