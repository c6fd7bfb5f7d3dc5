/** Onboarding: the embedded local server (default) or a remote one. */
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, SessionState } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';

export function chooseServer(
  core: Pick<CoreServices, 'ctx' | 'session' | 'servers'>,
  request: IpcRequest<'onboarding.chooseServer'>,
): Promise<SessionState> {
  const { session, servers, ctx } = core;
  return session.transition(async () => {
    if (!session.unlocked) {
      throw new BackboneError(
        'SESSION_LOCKED',
        'Backbone is locked. Unlock it with your password.',
      );
    }
    const data = await ctx.profile.read();
    if (data.workspace !== undefined) {
      throw new BackboneError(
        'SESSION_WRONG_STATE',
        'This device already uses a workspace; its server cannot be switched here. See Settings → Server.',
      );
    }
    if (request.mode === 'embedded') await servers.chooseEmbedded();
    else await servers.chooseRemote(request.url);
    await session.rebuildClient();
  });
}
