/**
 * Which onboarding path the user picked before the core has an identity (new identity, sign in
 * on a new device with the password, restore from the Emergency Kit), and the Emergency Kit
 * words while they are being written down. Later steps follow the core's session state.
 */
import { create } from 'zustand';
import { ipc } from './ipc-client.js';
import { toUiError, type UiError } from './errors.js';

export type OnboardingPath = 'welcome' | 'create' | 'signin' | 'restore';

export interface OnboardingStore {
  path: OnboardingPath;
  kit: { title: string; words: string[]; confirm: number[] } | null;
  kitError: UiError | null;
  choose(path: OnboardingPath): void;
  loadKit(): Promise<void>;
  forgetKit(): void;
}

export const useOnboardingStore = create<OnboardingStore>((set) => ({
  path: 'welcome',
  kit: null,
  kitError: null,
  choose(path) {
    set({ path });
  },
  async loadKit() {
    try {
      set({ kit: await ipc().invoke('onboarding.emergencyKit', {}), kitError: null });
    } catch (error) {
      set({ kitError: toUiError(error) });
    }
  },
  forgetKit() {
    set({ kit: null });
  },
}));
