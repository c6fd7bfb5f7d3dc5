/**
 * This device's current workspace: which one it is, the workspaces this identity is a member
 * of, and making one of them current — after onboarding (create, open), a join, a sign-in with
 * the password, or a switch in the store browser. Everything about a workspace comes from its
 * verified membership log (the SDK verifies and pins it); one becomes current only when its
 * fingerprint is confirmed on this device (pinned before, or compared by the user; see
 * docs/membership.md).
 */
import { BackboneError } from '../../../src-shared/errors.js';
import type { SessionState } from '../../../src-shared/ipc/contract.js';
import type { ListedWorkspace, VerifiedWorkspace } from '../../../src-shared/sdk/workspaces.js';
import type { CoreContext } from '../core-context.js';
import type { SessionManager } from '../session/session-manager.js';

export interface CurrentWorkspaceDeps {
  ctx: Pick<CoreContext, 'profile' | 'appState'>;
  session: Pick<
    SessionManager,
    'client' | 'verified' | 'rebuildClient' | 'setJoinView' | 'transition'
  >;
}

export class CurrentWorkspace {
  constructor(private readonly deps: CurrentWorkspaceDeps) {}

  /** The id of this device's workspace, if it has one. */
  async id(): Promise<string | undefined> {
    return (await this.deps.ctx.profile.read()).workspace;
  }

  /** Unlocked, with a server, and no workspace yet (onboarding, join); refused otherwise. */
  async requireNone(): Promise<void> {
    this.deps.session.client();
    if ((await this.id()) !== undefined) {
      throw new BackboneError('SESSION_WRONG_STATE', 'This device already uses a workspace.');
    }
  }

  /** The workspaces this identity is a member of, as the server lists them (verified). */
  list(): Promise<ListedWorkspace[]> {
    return this.deps.session.verified((client) => client.workspace.list());
  }

  /** Fetches and verifies one workspace, with the fingerprint the user compared if any. */
  fetch(workspaceId: string, expectFingerprint?: string): Promise<VerifiedWorkspace> {
    return this.deps.session.verified((client) =>
      client.workspace.get({
        workspaceId,
        ...(expectFingerprint !== undefined ? { expectFingerprint } : {}),
      }),
    );
  }

  /**
   * Makes `ws` this device's workspace (you must be a member per its verified log, and its
   * fingerprint must be confirmed here). Runs inside a session transition, which then restarts
   * the services and announces the change.
   */
  async use(ws: VerifiedWorkspace): Promise<void> {
    if (!ws.confirmed) {
      throw new BackboneError(
        'MEMBERSHIP_FINGERPRINT_REQUIRED',
        `This device has not opened "${ws.displayName}" before. Compare its fingerprint with one of its administrators, tick "I compared this fingerprint", then open it.`,
      );
    }
    const you = ws.you;
    if (!you) {
      throw new BackboneError(
        'MEMBERSHIP_UNKNOWN_MEMBER',
        `You are not a member of "${ws.displayName}" (per its verified membership log). Ask an administrator to add you.`,
      );
    }
    const { ctx, session } = this.deps;
    await ctx.profile.update((d) => ({ ...d, workspace: ws.id, username: you.name }));
    // The client for the workspace first, then the join view goes: whoever sees the join finished
    // (a poll of session.state) finds a client that already knows its workspace.
    await session.rebuildClient();
    await ctx.appState.update((s) => ({
      ...s,
      workspaceDisplayName: ws.displayName,
      join: null,
    }));
    session.setJoinView(null);
  }

  /**
   * Fetches, verifies and makes current one workspace, as one session transition. With
   * `firstOnly`, refused when this device already uses a workspace (onboarding).
   */
  open(
    workspaceId: string,
    expectFingerprint?: string,
    options: { firstOnly?: boolean } = {},
  ): Promise<SessionState> {
    return this.deps.session.transition(async () => {
      if (options.firstOnly) await this.requireNone();
      await this.use(await this.fetch(workspaceId, expectFingerprint));
    });
  }
}
