/**
 * Onboarding, last step: create a workspace, or open one this identity is already a member of
 * (after a restore, or on a device that joined before). Everything about the workspace comes
 * from its verified membership log (the SDK verifies and pins it); making it current is the
 * current workspace's job (workspace/current-workspace.ts).
 */
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, IpcResponse, SessionState } from '../../../src-shared/ipc/contract.js';
import { checkDevicePassword } from '../security/device-password.js';
import { registerPasswordAccess } from '../security/password-access.js';
import type { CoreServices } from '../services.js';

export function createWorkspace(
  core: Pick<CoreServices, 'ctx' | 'session' | 'workspace'>,
  request: IpcRequest<'onboarding.createWorkspace'>,
): Promise<SessionState> {
  const { session, workspace } = core;
  // The renderer moves on once everything (password access too) is set up: one announcement.
  return session.transition(async (scope) => {
    await workspace.requireNone();
    // A wrong password is refused before anything is created (no workspace half set up).
    if (request.password !== undefined) await checkDevicePassword(core, request.password);
    const ws = await session.verified((client) =>
      client.workspace.create(request.displayName.trim(), {
        username: request.username,
        ...(request.workspaceId ? { workspaceId: request.workspaceId } : {}),
      }),
    );
    await workspace.use(ws);
    scope.committed();
    if (request.password === undefined) return;
    try {
      await registerPasswordAccess(core, request.password, 'register', {
        announce: false,
        passwordChecked: true,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : '';
      throw new BackboneError(
        error instanceof BackboneError ? error.code : 'INTERNAL',
        `The workspace was created, but sign-in with your password could not be set up: ${detail} You can set it up later in Settings.`,
      );
    }
  });
}

export async function existingWorkspaces(
  core: Pick<CoreServices, 'workspace'>,
): Promise<IpcResponse<'onboarding.existingWorkspaces'>> {
  const listed = await core.workspace.list();
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
  core: Pick<CoreServices, 'workspace'>,
  request: IpcRequest<'onboarding.openWorkspace'>,
): Promise<SessionState> {
  return core.workspace.open(request.workspaceId, request.expectFingerprint || undefined, {
    firstOnly: true,
  });
}
