/** Settings of this device, as the core reports them. */
import { create } from 'zustand';
import type { IpcRequest, Settings } from '../../src-shared/ipc/contract.js';
import { ipc } from './ipc-client.js';
import { operations, type OperationState } from './operation.js';

type SettingsChannel =
  | 'settings.update'
  | 'settings.changePassword'
  | 'settings.changeKdf'
  | 'settings.setQuickUnlock'
  | 'settings.enablePasswordAccess'
  | 'settings.changeServerUrl';

export interface SettingsStore extends OperationState {
  settings: Settings | null;
  /** Words shown after the user asked for them (cleared when hidden or locked). */
  kit: { title: string; words: string[] } | null;
  /** The settings are being fetched. */
  loading: boolean;
  load(): Promise<void>;
  setSettings(settings: Settings): void;
  run<C extends SettingsChannel>(channel: C, request: IpcRequest<C>): Promise<boolean>;
  revealKit(password: string): Promise<boolean>;
  hideKit(): void;
  clearError(): void;
}

export const useSettingsStore = create<SettingsStore>((set, get) => {
  const { run } = operations(set, get);
  return {
    settings: null,
    error: null,
    busy: false,
    loading: false,
    kit: null,
    async load() {
      await run(async () => set({ settings: await ipc().invoke('settings.get', {}) }), {
        flag: 'loading',
      });
    },
    setSettings(settings) {
      set({ settings });
    },
    async run(channel, request) {
      const result = await run(
        async () => set({ settings: (await ipc().invoke(channel, request as never)) as Settings }),
        { exclusive: true },
      );
      return result.ok;
    },
    async revealKit(password) {
      const result = await run(async () =>
        set({ kit: await ipc().invoke('settings.revealEmergencyKit', { password }) }),
      );
      return result.ok;
    },
    hideKit() {
      set({ kit: null });
    },
    clearError() {
      set({ error: null });
    },
  };
});
