/**
 * Password access (sign-in on a new device with only the password, docs/password-access.md):
 * registered for the current workspace and member name with this device's password. The
 * password is checked against the keyfile first, so a typo cannot lock the user out of new
 * devices. SPAKE2+EE's own Argon2id and the keyfile blob's run in the core's Argon2id worker
 * (the SDK client's `argon2id` runner, set in `session-manager.ts`). Used by onboarding (a new
 * workspace) and by Settings (turn it on, change the password).
 */
import { PWHASH_FLOORS } from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { CoreContext } from '../core-context.js';
import type { SessionManager } from '../session/session-manager.js';
import { checkDevicePassword } from './device-password.js';

export interface PasswordAccessDeps {
  ctx: Pick<CoreContext, 'profile' | 'appState' | 'testMode'>;
  session: Pick<SessionManager, 'progress' | 'client' | 'emitChanged'>;
}

export async function registerPasswordAccess(
  deps: PasswordAccessDeps,
  password: string,
  op: 'register' | 'change' = 'register',
  options: { announce?: boolean; passwordChecked?: boolean } = {},
): Promise<void> {
  const { ctx, session } = deps;
  const data = await ctx.profile.read();
  if (!data.workspace || !data.username) {
    throw new BackboneError('SESSION_WRONG_STATE', 'Join or create a workspace first.');
  }
  if (op === 'register' && !options.passwordChecked) await checkDevicePassword(deps, password);
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
