/**
 * Restore from the Emergency Kit: the 24 words are the root secret, so they give back the
 * identity. The device gets a new device key and a new keyfile under a new password. On a device
 * that already has an identity (a forgotten password), the words must belong to that identity.
 */
import {
  cryptoReady,
  generateSignKeyPair,
  parseEmergencyKit,
} from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, SessionState } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';
import { wipeSecrets } from '../session/keyfile-crypto.js';
import { enforcePasswordPolicy } from '../security/password-policy.js';
import { addressOf, saveIdentity } from './save-identity.js';

export function restoreFromKit(
  core: Pick<CoreServices, 'ctx' | 'session'>,
  request: IpcRequest<'onboarding.restoreFromKit'>,
): Promise<SessionState> {
  const { ctx, session } = core;
  return session.transition(async () => {
    if (session.unlocked) {
      throw new BackboneError(
        'SESSION_WRONG_STATE',
        'Backbone is unlocked. To change the password, use Settings → Password.',
      );
    }
    await cryptoReady();
    const existing = (await ctx.profile.read()).identity;
    const displayName = request.displayName?.trim() || existing?.displayName || 'Backbone user';
    enforcePasswordPolicy(request.password, request.acceptWeak, [displayName]);
    const secrets = {
      rootSecret: parseEmergencyKit(request.words),
      deviceSignKeyPair: generateSignKeyPair(),
    };
    try {
      if (existing && (await session.hasIdentity()) && addressOf(secrets) !== existing.address) {
        throw new BackboneError(
          'KIT_INVALID',
          'These words belong to another identity than the one on this device. Check that this is your Emergency Kit.',
        );
      }
      await saveIdentity(ctx, session.progress, 'restore', secrets, request.password, displayName);
      await ctx.appState.update((s) => ({ ...s, kitConfirmed: true }));
      // A keyfile under a new password: any quick-unlock key is for the old one.
      await session.quickUnlockStore.forget();
    } catch (error) {
      wipeSecrets(secrets);
      throw error;
    }
    await session.adopt(secrets);
  });
}
