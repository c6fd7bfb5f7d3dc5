/**
 * Password access (sign-in on a new device with only the password, docs/password-access.md):
 * registered for the current workspace and member name with this device's password. The
 * password is checked against the keyfile first, so a typo cannot lock the user out of new
 * devices. SPAKE2+EE's own Argon2id and the keyfile blob's run in the core's Argon2id worker
 * (the SDK client's `argon2id` runner, set in `session-manager.ts`).
 */
import { PWHASH_FLOORS, sodium } from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { CoreServices } from '../services.js';
import { keyfileParams, unlockKeyfileOffThread, wipeSecrets } from '../session/keyfile-crypto.js';

/** Checks that `password` opens this device's keyfile (Argon2id in a worker). */
export async function checkDevicePassword(core: CoreServices, password: string): Promise<void> {
  const { ctx, session } = core;
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

export async function registerPasswordAccess(
  core: CoreServices,
  password: string,
  op: 'register' | 'change' = 'register',
  options: { announce?: boolean; passwordChecked?: boolean } = {},
): Promise<void> {
  const { ctx, session } = core;
  const data = await ctx.profile.read();
  if (!data.workspace || !data.username) {
    throw new BackboneError('SESSION_WRONG_STATE', 'Join or create a workspace first.');
  }
  if (op === 'register' && !options.passwordChecked) await checkDevicePassword(core, password);
  const client = session.client();
  const floor = PWHASH_FLOORS.passwordAccess;
  await session.progress.run(
    'passwordAccess',
    'Setting up sign-in with your password on new devices…',
    [floor, floor],
    () =>
      op === 'register'
        ? client.passwordAccess.register(password)
        : client.passwordAccess.change(password),
  );
  const pin = await client.server();
  await ctx.appState.update((s) => ({
    ...s,
    passwordAccess: [
      ...s.passwordAccess.filter(
        (p) =>
          !(
            p.serverId === pin.serverId &&
            p.workspace === data.workspace &&
            p.username === data.username
          ),
      ),
      { serverId: pin.serverId, workspace: data.workspace!, username: data.username! },
    ],
  }));
  if (options.announce !== false) await session.emitChanged();
}
