/** The settings as the renderer sees them. */
import { PWHASH_FLOORS, PWHASH_LIMITS } from '../../../src-shared/crypto/index.js';
import type { Settings } from '../../../src-shared/ipc/contract.js';
import type { CoreServices } from '../services.js';
import { keyfileParams } from '../session/keyfile-crypto.js';

type SettingsViewDeps = Pick<CoreServices, 'ctx' | 'session' | 'servers'>;

export async function settingsView(core: SettingsViewDeps): Promise<Settings> {
  const { ctx, session, servers } = core;
  const [stored, state] = await Promise.all([ctx.settings.read(), session.state()]);
  const current = (await ctx.profile.hasKeyfile())
    ? keyfileParams(await ctx.profile.readKeyfile())
    : null;
  const server = state.setup.server;
  return {
    autoLockMinutes: stored.autoLockMinutes,
    clipboardSeconds: stored.clipboardSeconds,
    theme: stored.theme,
    kdf: {
      current,
      floor: { ...PWHASH_FLOORS.localUnlock },
      limit: { ...PWHASH_LIMITS },
    },
    // Absent where there is no OS keychain (browser mode): not a disabled switch.
    ...(session.quickUnlockStore.available ? { quickUnlock: { enabled: state.quickUnlock } } : {}),
    server,
    embeddedServerDir: server?.mode === 'embedded' ? servers.embeddedDir : null,
    passwordAccess: {
      enabled: state.passwordAccess,
      possible: state.setup.workspace !== null,
    },
  };
}

export async function emitSettings(core: SettingsViewDeps): Promise<Settings> {
  const view = await settingsView(core);
  core.ctx.emit('settings.changed', view);
  return view;
}
