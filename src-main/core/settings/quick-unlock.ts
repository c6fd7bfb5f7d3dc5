/** Settings → quick unlock with the OS keychain (desktop app only; off by default). */
import { sodium } from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';
import { unlockKeyfileOffThread, wipeSecrets, keyfileParams } from '../session/keyfile-crypto.js';

export async function setQuickUnlock(
  core: Pick<CoreServices, 'ctx' | 'session'>,
  request: IpcRequest<'settings.setQuickUnlock'>,
): Promise<void> {
  const { ctx, session } = core;
  if (!session.quickUnlockStore.available) {
    throw new BackboneError(
      'KEYCHAIN_UNAVAILABLE',
      'This system offers no keychain Backbone can use, so quick unlock is not available.',
    );
  }
  if (!request.enabled) {
    await session.quickUnlockStore.forget();
    await ctx.settings.update((s) => ({ ...s, quickUnlock: false }));
    return;
  }
  session.client();
  const keyfile = await ctx.profile.readKeyfile();
  const opened = await session.progress.run(
    'quickUnlock',
    'Checking your password…',
    [keyfileParams(keyfile)],
    () => unlockKeyfileOffThread(keyfile, request.password, { weakKdf: ctx.testMode.weakKdf }),
  );
  wipeSecrets(opened);
  try {
    await session.quickUnlockStore.enroll(keyfile, opened.key);
  } finally {
    sodium().memzero(opened.key);
  }
  await ctx.settings.update((s) => ({ ...s, quickUnlock: true }));
}
