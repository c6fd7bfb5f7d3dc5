/**
 * The session as the core reports it (no identity / locked / unlocked, onboarding progress),
 * the progress of slow operations, and the actions that change it. The renderer never holds a
 * key: passwords go to the core and are not kept here.
 */
import { create } from 'zustand';
import type { IpcRequest, ProgressEvent, SessionState } from '../../src-shared/ipc/contract.js';
import { ipc } from './ipc-client.js';
import { operations, type OperationState } from './operation.js';

/** Channels whose answer is the new session state. */
export type SessionChannel =
  | 'session.unlock'
  | 'session.quickUnlock'
  | 'session.lock'
  | 'onboarding.createIdentity'
  | 'onboarding.confirmEmergencyKit'
  | 'onboarding.chooseServer'
  | 'onboarding.createWorkspace'
  | 'onboarding.openWorkspace'
  | 'onboarding.startJoin'
  | 'onboarding.cancelJoin'
  | 'onboarding.signInWithPassword'
  | 'onboarding.restoreFromKit'
  | 'members.dismissVerificationWarning';

export interface SessionStore extends OperationState {
  session: SessionState | null;
  loading: boolean;
  progress: (ProgressEvent & { receivedAt: number }) | null;
  load(): Promise<void>;
  setSession(session: SessionState): void;
  setProgress(event: ProgressEvent): void;
  clearError(): void;
  /** Runs a channel whose answer is the new session state. Returns true on success. */
  run<C extends SessionChannel>(channel: C, request: IpcRequest<C>): Promise<boolean>;
  unlock(password: string): Promise<boolean>;
  lock(): Promise<void>;
}

export const useSessionStore = create<SessionStore>((set, get) => {
  const { run } = operations(set, get);
  return {
    session: null,
    loading: false,
    error: null,
    busy: false,
    progress: null,
    async load() {
      await run(async () => set({ session: await ipc().invoke('session.state', {}) }), {
        flag: 'loading',
      });
    },
    setSession(session) {
      set({ session });
    },
    setProgress(event) {
      set({ progress: event.done ? null : { ...event, receivedAt: Date.now() } });
    },
    clearError() {
      set({ error: null });
    },
    async run(channel, request) {
      const result = await run(
        async () => {
          try {
            set({ session: (await ipc().invoke(channel, request as never)) as SessionState });
          } finally {
            set({ progress: null });
          }
        },
        { exclusive: true },
      );
      return result.ok;
    },
    unlock(password) {
      return get().run('session.unlock', { password });
    },
    async lock() {
      await get().run('session.lock', {});
    },
  };
});
