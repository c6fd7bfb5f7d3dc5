/** First run: a new identity (root secret + device key) in a keyfile under the user's password. */
import {
  cryptoReady,
  generateSignKeyPair,
  randomBytes,
  rootSecret,
} from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, SessionState } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';
import { wipeSecrets } from '../session/keyfile-crypto.js';
import { enforcePasswordPolicy } from '../security/password-policy.js';
import { saveIdentity } from './save-identity.js';

export function createIdentity(
  core: Pick<CoreServices, 'ctx' | 'session'>,
  request: IpcRequest<'onboarding.createIdentity'>,
): Promise<SessionState> {
  const { ctx, session } = core;
  return session.transition(async () => {
    if (await session.hasIdentity()) {
      throw new BackboneError(
        'SESSION_WRONG_STATE',
        'This device already has an identity. Unlock it instead.',
      );
    }
    const displayName = request.displayName.trim();
    enforcePasswordPolicy(request.password, request.acceptWeak, [displayName]);
    await cryptoReady();
    const secrets = {
      rootSecret: rootSecret(randomBytes(32)),
      deviceSignKeyPair: generateSignKeyPair(),
    };
    try {
      await saveIdentity(
        ctx,
        session.progress,
        'createIdentity',
        secrets,
        request.password,
        displayName,
      );
      await ctx.appState.update((s) => ({ ...s, kitConfirmed: false }));
    } catch (error) {
      wipeSecrets(secrets);
      throw error;
    }
    await session.adopt(secrets);
  });
}
