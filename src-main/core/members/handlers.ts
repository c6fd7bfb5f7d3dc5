/** IPC handlers of the Members screen (ROOT / USER_MANAGE manage; every member can look). */
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcHandlerMap } from '../handler-map.js';
import type { CoreServices } from '../services.js';
import { membershipLogView } from './membership-log.js';
import { memberInfo, toWorkspaceView } from './workspace-view.js';

type MemberChannels =
  | 'members.workspace'
  | 'members.log'
  | 'members.inspectInvitation'
  | 'members.import'
  | 'members.setPermissions'
  | 'members.remove'
  | 'members.dismissVerificationWarning';

/** After a change: refetch, verify, tell every renderer. */
async function changed(core: Pick<CoreServices, 'watcher'>): Promise<void> {
  await core.watcher.refresh();
}

export function memberHandlers(core: CoreServices): IpcHandlerMap<MemberChannels> {
  const { session } = core;
  return {
    'members.workspace': async () =>
      toWorkspaceView(await session.verified((client) => client.workspace.get())),
    'members.log': () => membershipLogView(core),
    'members.inspectInvitation': async ({ payload }) => {
      const client = session.client();
      const summary = client.user.inspect(payload);
      const ws = await session.verified((c) => c.workspace.get());
      return { ...summary, nameTaken: ws.members.some((m) => m.name === summary.name) };
    },
    'members.import': async ({ payload, permissions }) => {
      const member = await session.verified((client) => client.user.import(payload, permissions));
      await changed(core);
      const ws = await session.verified((client) => client.workspace.get());
      return memberInfo(member, ws.you);
    },
    'members.setPermissions': async ({ name, permissions }) => {
      const member = await session.verified((client) => client.user.modify(name, permissions));
      await changed(core);
      const ws = await session.verified((client) => client.workspace.get());
      return memberInfo(member, ws.you);
    },
    'members.remove': async ({ name }) => {
      const ws = await session.verified((client) => client.workspace.get());
      if (ws.you?.name === name) {
        throw new BackboneError(
          'INVALID_ARGUMENT',
          'You cannot remove yourself here. Ask another administrator.',
        );
      }
      const result = await session.verified((client) => client.user.delete(name));
      await changed(core);
      // Only these fields: SDK results may carry more (never forward them unchecked).
      return { removed: result.removed, namingKeyGeneration: result.namingKeyGeneration };
    },
    'members.dismissVerificationWarning': () => session.dismissVerificationWarning(),
  };
}
