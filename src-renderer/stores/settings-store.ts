/** Settings of this device, as the core reports them. */
import { create } from 'zustand';
import type { IpcRequest, Settings } from '../../src-shared/ipc/contract.js';
import { ipc } from './ipc-client.js';
import { toUiError, type UiError } from './errors.js';

type SettingsChannel =
  | 'settings.update'
  | 'settings.changePassword'
  | 'settings.changeKdf'
  | 'settings.setQuickUnlock'
  | 'settings.enablePasswordAccess'
  | 'settings.changeServerUrl';

export interface SettingsStore {
  settings: Settings | null;
  error: UiError | null;
  busy: string | null;
  /** Words shown after the user asked for them (cleared when hidden or locked). */
  kit: { title: string; words: string[] } | null;
  load(): Promise<void>;
  setSettings(settings: Settings): void;
  run<C extends SettingsChannel>(channel: C, request: IpcRequest<C>): Promise<boolean>;
  revealKit(password: string): Promise<boolean>;
  hideKit(): void;
  clearError(): void;
}

export const useSettingsStore = create<SettingsStore>((set, get) => ({
  settings: null,
  error: null,
  busy: null,
  kit: null,
  async load() {
    try {
      set({ settings: await ipc().invoke('settings.get', {}) });
    } catch (error) {
      set({ error: toUiError(error) });
    }
  },
  setSettings(settings) {
    set({ settings });
  },
  async run(channel, request) {
    if (get().busy) return false;
    set({ busy: channel, error: null });
    try {
      const settings = (await ipc().invoke(channel, request as never)) as Settings;
      set({ settings, busy: null });
      return true;
    } catch (error) {
      set({ busy: null, error: toUiError(error) });
      return false;
    }
  },
  async revealKit(password) {
    set({ busy: 'settings.revealEmergencyKit', error: null });
    try {
      const kit = await ipc().invoke('settings.revealEmergencyKit', { password });
      set({ kit, busy: null });
      return true;
    } catch (error) {
      set({ busy: null, error: toUiError(error) });
      return false;
    }
  },
  hideKit() {
    set({ kit: null });
  },
  clearError() {
    set({ error: null });
  },
}));
