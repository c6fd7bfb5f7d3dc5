/**
 * Workspaces and their membership logs (`/v1/workspaces/…`; schemas in
 * src-shared/api/workspaces.ts, rules in docs/membership.md).
 *
 * The server runs the same model as the clients: the genesis must verify and be signed by the
 * caller's identity; an append is checked with `applyEntries` on the verified state at the
 * stored head and stored with compare-and-swap on that head. Every change records its events
 * in the same transaction and then wakes the event hub.
 *
 * Decisions:
 *  - `user.add` may name an identity that is not registered here yet: the invitation is signed
 *    by the invitee's identity key, and membership is keyed by that key's address, so the
 *    invitee's tokens work as soon as it registers.
 *  - Entries may be authored by any current administrator (the signature says who); the caller
 *    needs USER_MANAGE itself, and the model decides whether the author may do what it signed.
 *  - Delete (ROOT): the log, members and events are removed and a tombstone keeps the id from
 *    being reused; every later request on it is 404. The members at that moment get a
 *    `workspace.deleted` event.
 */
import { identityAddress } from '../../src-shared/crypto/index.js';
import { API_PREFIX, API_VERSION, emptyQuerySchema } from '../../src-shared/api/common.js';
import type { ServerEvent } from '../../src-shared/api/events.js';
import {
  LOG_PAGE_DEFAULT,
  appendRequestSchema,
  appendResponseSchema,
  createWorkspaceRequestSchema,
  deleteWorkspaceResponseSchema,
  logQuerySchema,
  logResponseSchema,
  workspaceListResponseSchema,
  workspaceParamsSchema,
  workspaceResponseSchema,
  type WorkspaceView,
} from '../../src-shared/api/workspaces.js';
import { BackboneError, isBackboneError } from '../../src-shared/errors.js';
import {
  applyEntry,
  entryHash,
  parseMembershipEntry,
  verifyGenesis,
  type MembershipEntry,
  type MembershipState,
} from '../../src-shared/workspace/membership-log.js';
import type { Permission } from '../../src-shared/workspace/permissions.js';
import { authOf, authentication } from '../auth/authenticate.js';
import {
  checkTokenWorkspace,
  forgetWorkspaceState,
  indexMembers,
  rememberWorkspaceState,
  requireWorkspacePermission,
  scopesAllow,
} from '../auth/workspace-guard.js';
import { iso, type RoutePlugin } from '../context.js';
import { publishEvents } from '../events/hub.js';
import type { NewEvent, WorkspaceMemberRecord, WorkspaceRecord } from '../storage/storage.js';

function membersOf(state: MembershipState): WorkspaceMemberRecord[] {
  return [...state.members.values()].map((member) => ({
    identityId: identityAddress(member.signPk),
    name: member.name,
    permissions: [...member.permissions],
  }));
}

function view(workspace: WorkspaceRecord, you: { name: string; permissions: readonly string[] }) {
  return {
    id: workspace.id,
    displayName: workspace.displayName,
    genesisHash: workspace.genesisHash,
    head: { seq: workspace.headSeq, hash: workspace.headHash },
    createdAt: iso(workspace.createdAt),
    you: { name: you.name, permissions: [...you.permissions] as Permission[] },
  } satisfies WorkspaceView;
}

function appendedEvent(workspaceId: string, seq: number, hash: string): string {
  const event: ServerEvent = { type: 'membership.appended', workspace: workspaceId, seq, hash };
  return JSON.stringify(event);
}

export const workspaceRoutes: RoutePlugin = async (app, { ctx }) => {
  const base = `${API_PREFIX}/workspaces`;
  // Every route here needs a valid token (401 otherwise); the workspace guard then checks the
  // membership and permission per route.
  await app.register(authentication, { ctx });

  app.post(
    base,
    {
      schema: {
        querystring: emptyQuerySchema,
        body: createWorkspaceRequestSchema,
        response: { 201: workspaceResponseSchema },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      if (!scopesAllow(auth.scopes, 'ROOT')) {
        throw new BackboneError(
          'FORBIDDEN',
          'Creating a workspace needs a token with the ROOT scope (its creator becomes ROOT).',
        );
      }
      const genesis = parseMembershipEntry(request.body.genesis);
      const state = verifyGenesis(genesis);
      checkTokenWorkspace(auth, state.workspaceId);
      const creator = state.members.get(genesis.author);
      if (!creator || identityAddress(creator.signPk) !== auth.identityId) {
        throw new BackboneError(
          'FORBIDDEN',
          'The genesis entry must be signed by your own identity: you become its first ROOT.',
        );
      }
      const now = ctx.clock.now();
      const workspace: WorkspaceRecord = {
        id: state.workspaceId,
        displayName: state.displayName,
        genesisHash: state.genesisHash,
        headSeq: 0,
        headHash: state.head.hash,
        createdAt: now,
        deletedAt: null,
      };
      const events = await ctx.storage.createWorkspace(
        workspace,
        { seq: 0, entry: JSON.stringify(genesis), hash: state.head.hash },
        membersOf(state),
        [
          {
            workspaceId: workspace.id,
            type: 'membership.appended',
            payload: appendedEvent(workspace.id, 0, state.head.hash),
          },
        ],
      );
      rememberWorkspaceState(ctx, indexMembers(state));
      publishEvents(ctx, events);
      request.log.info({ workspace: workspace.id }, 'workspace created');
      reply.code(201);
      return { v: API_VERSION, workspace: view(workspace, creator) };
    },
  );

  app.get(
    base,
    {
      schema: { querystring: emptyQuerySchema, response: { 200: workspaceListResponseSchema } },
    },
    async (request) => {
      const auth = authOf(request);
      const rows = await ctx.storage.listMemberWorkspaces(auth.identityId);
      return {
        v: API_VERSION,
        workspaces: rows
          .filter((row) => auth.workspaceId === null || row.workspace.id === auth.workspaceId)
          .map((row) => view(row.workspace, row.member)),
      };
    },
  );

  app.get(
    `${base}/:workspaceId`,
    {
      schema: {
        params: workspaceParamsSchema,
        querystring: emptyQuerySchema,
        response: { 200: workspaceResponseSchema },
      },
    },
    async (request) => {
      const access = await requireWorkspacePermission(
        ctx,
        request,
        request.params.workspaceId,
        null,
      );
      return { v: API_VERSION, workspace: view(access.workspace, access.member) };
    },
  );

  app.get(
    `${base}/:workspaceId/log`,
    {
      schema: {
        params: workspaceParamsSchema,
        querystring: logQuerySchema,
        response: { 200: logResponseSchema },
      },
    },
    async (request) => {
      const { workspace } = await requireWorkspacePermission(
        ctx,
        request,
        request.params.workspaceId,
        null,
      );
      const from = request.query.from ?? 0;
      const limit = request.query.limit ?? LOG_PAGE_DEFAULT;
      const last = workspace.headSeq;
      const records =
        from > last
          ? []
          : await ctx.storage.getMembershipLog(
              workspace.id,
              from,
              Math.min(limit, last - from + 1),
            );
      const entries = records
        .filter((record) => record.seq <= last)
        .map((record) => JSON.parse(record.entry) as MembershipEntry);
      const end = from + entries.length;
      return {
        v: API_VERSION,
        workspaceId: workspace.id,
        entries,
        head: { seq: workspace.headSeq, hash: workspace.headHash },
        next: from <= last && end <= last ? end : null,
      };
    },
  );

  app.post(
    `${base}/:workspaceId/log`,
    {
      schema: {
        params: workspaceParamsSchema,
        querystring: emptyQuerySchema,
        body: appendRequestSchema,
        response: { 201: appendResponseSchema },
      },
    },
    async (request, reply) => {
      const workspaceId = request.params.workspaceId;
      const { state: before, workspace } = await requireWorkspacePermission(
        ctx,
        request,
        workspaceId,
        'USER_MANAGE',
      );
      let state = before;
      const records: { seq: number; entry: string; hash: string }[] = [];
      const events: NewEvent[] = [];
      for (const [index, value] of request.body.entries.entries()) {
        const entry = parseMembershipEntry(value);
        if (index === 0 && entry.workspace === workspaceId) {
          if (entry.seq !== state.head.seq + 1 || entry.prev !== state.head.hash) {
            throw new BackboneError(
              'MEMBERSHIP_CONFLICT',
              `The membership log is at entry ${state.head.seq}; this entry does not extend it. Fetch the new entries, check them and try again.`,
            );
          }
        }
        const removed =
          entry.type === 'user.remove' ? state.members.get(entry.body.name) : undefined;
        state = applyEntry(state, entry);
        const hash = entryHash(entry);
        records.push({ seq: entry.seq, entry: JSON.stringify(entry), hash });
        events.push({
          workspaceId,
          type: 'membership.appended',
          payload: appendedEvent(workspaceId, entry.seq, hash),
          // The removed member hears of its removal (and of nothing after it).
          ...(removed ? { recipients: [identityAddress(removed.signPk)] } : {}),
        });
      }
      let recorded;
      try {
        recorded = await ctx.storage.appendMembershipEntries(
          workspaceId,
          { seq: workspace.headSeq, hash: workspace.headHash },
          records,
          membersOf(state),
          events,
          ctx.clock.now(),
        );
      } catch (error) {
        if (isBackboneError(error, 'NOT_FOUND')) forgetWorkspaceState(ctx, workspaceId);
        throw error;
      }
      rememberWorkspaceState(ctx, indexMembers(state));
      publishEvents(ctx, recorded);
      request.log.info(
        { workspace: workspaceId, seq: state.head.seq, entries: records.length },
        'membership log appended',
      );
      reply.code(201);
      return {
        v: API_VERSION,
        workspaceId,
        head: { seq: state.head.seq, hash: state.head.hash },
        appended: records.map((record) => ({ seq: record.seq, hash: record.hash })),
      };
    },
  );

  app.delete(
    `${base}/:workspaceId`,
    {
      schema: {
        params: workspaceParamsSchema,
        querystring: emptyQuerySchema,
        response: { 200: deleteWorkspaceResponseSchema },
      },
    },
    async (request) => {
      const workspaceId = request.params.workspaceId;
      await requireWorkspacePermission(ctx, request, workspaceId, 'ROOT');
      const now = ctx.clock.now();
      const recorded = await ctx.storage.deleteWorkspace(workspaceId, now, (formerMembers) => [
        {
          workspaceId,
          type: 'workspace.deleted',
          payload: JSON.stringify({
            type: 'workspace.deleted',
            workspace: workspaceId,
          } satisfies ServerEvent),
          recipients: formerMembers,
        },
      ]);
      forgetWorkspaceState(ctx, workspaceId);
      if (!recorded) {
        throw new BackboneError('NOT_FOUND', 'There is no such workspace on this server.');
      }
      publishEvents(ctx, recorded);
      request.log.info({ workspace: workspaceId }, 'workspace deleted');
      return { v: API_VERSION, id: workspaceId, deletedAt: iso(now) };
    },
  );
};
