/**
 * Which onboarding path the user picked before the core has an identity (new identity, sign in
 * on a new device with the password, restore from the Emergency Kit), and the Emergency Kit
 * words while they are being written down. Later steps follow the core's session state.
 */
import { create } from 'zustand';
import { ipc } from './ipc-client.js';
import { operations, type OperationState } from './operation.js';

export type OnboardingPath = 'welcome' | 'create' | 'signin' | 'restore';

/** `error`: loading the Emergency Kit failed. */
export interface OnboardingStore extends OperationState {
  path: OnboardingPath;
  kit: { title: string; words: string[]; confirm: number[] } | null;
  choose(path: OnboardingPath): void;
  loadKit(): Promise<void>;
  forgetKit(): void;
}

export const useOnboardingStore = create<OnboardingStore>((set, get) => {
  const { run } = operations(set, get);
  return {
    path: 'welcome',
    kit: null,
    busy: false,
    error: null,
    choose(path) {
      set({ path });
    },
    async loadKit() {
      await run(async () => set({ kit: await ipc().invoke('onboarding.emergencyKit', {}) }));
    },
    forgetKit() {
      set({ kit: null });
    },
  };
});
