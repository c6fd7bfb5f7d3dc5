/** Settings → Emergency Kit: the 24 words again, after the password is checked. */
import {
  EMERGENCY_KIT_TITLE,
  emergencyKitWords,
  sodium,
} from '../../../src-shared/crypto/index.js';
import type { IpcResponse } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';
import { keyfileParams, unlockKeyfileOffThread, wipeSecrets } from '../session/keyfile-crypto.js';

export async function revealEmergencyKit(
  core: Pick<CoreServices, 'ctx' | 'session'>,
  password: string,
): Promise<IpcResponse<'settings.revealEmergencyKit'>> {
  const { ctx, session } = core;
  session.client();
  const keyfile = await ctx.profile.readKeyfile();
  const opened = await session.progress.run(
    'revealKit',
    'Checking your password…',
    [keyfileParams(keyfile)],
    () => unlockKeyfileOffThread(keyfile, password, { weakKdf: ctx.testMode.weakKdf }),
  );
  sodium().memzero(opened.key);
  try {
    return { title: EMERGENCY_KIT_TITLE, words: emergencyKitWords(opened.rootSecret) };
  } finally {
    wipeSecrets(opened);
  }
}
