/** Checks the user's password against this device's keyfile (Argon2id in a worker, with progress). */
import { sodium } from '../../../src-shared/crypto/index.js';
import type { CoreContext } from '../core-context.js';
import { keyfileParams, unlockKeyfileOffThread, wipeSecrets } from '../session/keyfile-crypto.js';
import type { SessionManager } from '../session/session-manager.js';

export interface DevicePasswordDeps {
  ctx: Pick<CoreContext, 'profile' | 'testMode'>;
  session: Pick<SessionManager, 'progress'>;
}

/** Checks that `password` opens this device's keyfile; `KEYFILE_WRONG_PASSWORD` if not. */
export async function checkDevicePassword(
  { ctx, session }: DevicePasswordDeps,
  password: string,
): Promise<void> {
  const keyfile = await ctx.profile.readKeyfile();
  const opened = await session.progress.run(
    'passwordAccess',
    'Checking your password…',
    [keyfileParams(keyfile)],
    () => unlockKeyfileOffThread(keyfile, password, { weakKdf: ctx.testMode.weakKdf }),
  );
  sodium().memzero(opened.key);
  wipeSecrets(opened);
}
