/**
 * Onboarding, last step: create a workspace, or open one this identity is already a member of
 * (after a restore, or on a device that joined before). Everything about the workspace comes
 * from its verified membership log (the SDK verifies and pins it).
 */
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, IpcResponse, SessionState } from '../../../src-shared/ipc/contract.js';
import type { VerifiedWorkspace } from '../../../src-shared/sdk/workspaces.js';
import type { CoreServices } from '../services.js';
import { checkDevicePassword, registerPasswordAccess } from '../settings/password-access.js';

async function requireNoWorkspace(core: CoreServices): Promise<void> {
  core.session.client();
  if ((await core.ctx.profile.read()).workspace !== undefined) {
    throw new BackboneError('SESSION_WRONG_STATE', 'This device already uses a workspace.');
  }
}

/**
 * Makes `ws` this device's workspace (you must be a member per its verified log, and its
 * fingerprint must be confirmed here: pinned by the SDK, see docs/membership.md).
 */
export async function useWorkspace(
  core: CoreServices,
  ws: VerifiedWorkspace,
  options: { announce?: boolean } = {},
): Promise<void> {
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
  await core.ctx.profile.update((d) => ({ ...d, workspace: ws.id, username: you.name }));
  // The client for the workspace first, then the join view goes: whoever sees the join finished
  // (a poll of session.state) finds a client that already knows its workspace.
  await core.session.rebuildClient();
  await core.ctx.appState.update((s) => ({
    ...s,
    workspaceDisplayName: ws.displayName,
    join: null,
  }));
  core.session.setJoinView(null);
  await core.session.restartServices();
  if (options.announce !== false) await core.session.emitChanged();
}

export function createWorkspace(
  core: CoreServices,
  request: IpcRequest<'onboarding.createWorkspace'>,
): Promise<SessionState> {
  const { session } = core;
  return session.exclusive(async () => {
    await requireNoWorkspace(core);
    // A wrong password is refused before anything is created (no workspace half set up).
    if (request.password !== undefined) await checkDevicePassword(core, request.password);
    const ws = await session.verified((client) =>
      client.workspace.create(request.displayName.trim(), {
        username: request.username,
        ...(request.workspaceId ? { workspaceId: request.workspaceId } : {}),
      }),
    );
    // The renderer moves on once everything (password access too) is set up.
    await useWorkspace(core, ws, { announce: false });
    if (request.password !== undefined) {
      try {
        await registerPasswordAccess(core, request.password, 'register', {
          announce: false,
          passwordChecked: true,
        });
      } catch (error) {
        await session.emitChanged();
        const detail = error instanceof Error ? error.message : '';
        throw new BackboneError(
          error instanceof BackboneError ? error.code : 'INTERNAL',
          `The workspace was created, but sign-in with your password could not be set up: ${detail} You can set it up later in Settings.`,
        );
      }
    }
    await session.emitChanged();
    return session.state();
  });
}

export async function existingWorkspaces(
  core: CoreServices,
): Promise<IpcResponse<'onboarding.existingWorkspaces'>> {
  const listed = await core.session.verified((client) => client.workspace.list());
  return {
    workspaces: listed
      .filter((w) => w.pin !== 'mismatch')
      .map((w) => ({
        id: w.id,
        displayName: w.displayName,
        fingerprint: w.fingerprint,
        you: { name: w.you.name, permissions: [...w.you.permissions] },
      })),
  };
}

export function openWorkspace(
  core: CoreServices,
  request: IpcRequest<'onboarding.openWorkspace'>,
): Promise<SessionState> {
  const { session } = core;
  return session.exclusive(async () => {
    await requireNoWorkspace(core);
    const ws = await session.verified((client) =>
      client.workspace.get({
        workspaceId: request.workspaceId,
        ...(request.expectFingerprint ? { expectFingerprint: request.expectFingerprint } : {}),
      }),
    );
    await useWorkspace(core, ws);
    return session.state();
  });
}
