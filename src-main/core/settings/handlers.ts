/** IPC handlers of Settings. */
import type { IpcHandlerMap } from '../handler-map.js';
import { registerPasswordAccess } from '../security/password-access.js';
import type { CoreServices } from '../services.js';
import { setQuickUnlock } from './quick-unlock.js';
import { revealEmergencyKit } from './reveal-kit.js';
import { changeKdf, changePassword } from './rewrap-keyfile.js';
import { emitSettings, settingsView } from './settings-view.js';

type SettingsChannels =
  | 'settings.get'
  | 'settings.update'
  | 'settings.changePassword'
  | 'settings.changeKdf'
  | 'settings.revealEmergencyKit'
  | 'settings.setQuickUnlock'
  | 'settings.enablePasswordAccess'
  | 'settings.changeServerUrl';

export function settingsHandlers(core: CoreServices): IpcHandlerMap<SettingsChannels> {
  const { ctx, session } = core;
  return {
    'settings.get': () => settingsView(core),
    'settings.update': async (request) => {
      const next = await ctx.settings.update((s) => ({
        ...s,
        ...(request.autoLockMinutes !== undefined
          ? { autoLockMinutes: request.autoLockMinutes }
          : {}),
        ...(request.clipboardSeconds !== undefined
          ? { clipboardSeconds: request.clipboardSeconds }
          : {}),
        ...(request.theme !== undefined ? { theme: request.theme } : {}),
      }));
      session.autoLock.setMinutes(next.autoLockMinutes);
      await session.emitChanged();
      return emitSettings(core);
    },
    'settings.changePassword': async (request) => {
      await changePassword(core, request);
      return emitSettings(core);
    },
    'settings.changeKdf': async (request) => {
      await changeKdf(core, request);
      return emitSettings(core);
    },
    'settings.revealEmergencyKit': ({ password }) => revealEmergencyKit(core, password),
    'settings.setQuickUnlock': async (request) => {
      await setQuickUnlock(core, request);
      await session.emitChanged();
      return emitSettings(core);
    },
    'settings.enablePasswordAccess': async ({ password }) => {
      await registerPasswordAccess(core, password);
      return emitSettings(core);
    },
    'settings.changeServerUrl': async ({ url }) => {
      await session.transition(async () => {
        session.client();
        await core.servers.changeRemoteUrl(url);
        await session.rebuildClient();
      });
      return emitSettings(core);
    },
  };
}
