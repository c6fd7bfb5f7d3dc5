/** The Members screen and the membership-log view: what the core verified, nothing more. */
import { create } from 'zustand';
import type {
  IpcPermission,
  MembershipLogView,
  WorkspaceView,
} from '../../src-shared/ipc/contract.js';
import { ipc } from './ipc-client.js';
import { operations, type OperationState } from './operation.js';

export interface InvitationPreview {
  payload: string;
  name: string;
  fingerprint: string;
  address: string;
  nameTaken: boolean;
}

export interface MembersStore extends OperationState {
  workspace: WorkspaceView | null;
  log: MembershipLogView | null;
  loading: boolean;
  preview: InvitationPreview | null;
  load(): Promise<void>;
  loadLog(): Promise<void>;
  setWorkspace(view: WorkspaceView): void;
  inspect(payload: string): Promise<boolean>;
  clearPreview(): void;
  importMember(permissions: IpcPermission[]): Promise<boolean>;
  setPermissions(name: string, permissions: IpcPermission[]): Promise<boolean>;
  remove(name: string): Promise<boolean>;
  clearError(): void;
  reset(): void;
}

const empty = {
  workspace: null,
  log: null,
  loading: false,
  error: null,
  busy: false,
  preview: null,
};

export const useMembersStore = create<MembersStore>((set, get) => {
  const { run } = operations(set, get);
  const act = async (task: () => Promise<void>): Promise<boolean> => (await run(task)).ok;
  return {
    ...empty,
    async load() {
      await run(async () => set({ workspace: await ipc().invoke('members.workspace', {}) }), {
        flag: 'loading',
      });
    },
    async loadLog() {
      await run(async () => set({ log: await ipc().invoke('members.log', {}) }), {
        flag: 'loading',
      });
    },
    setWorkspace(workspace) {
      set({ workspace });
    },
    inspect(payload) {
      return act(async () => {
        const summary = await ipc().invoke('members.inspectInvitation', { payload });
        set({ preview: { payload: payload.trim(), ...summary } });
      });
    },
    clearPreview() {
      set({ preview: null, error: null });
    },
    importMember(permissions) {
      const preview = get().preview;
      if (!preview) return Promise.resolve(false);
      return act(async () => {
        await ipc().invoke('members.import', {
          payload: preview.payload,
          permissions,
          fingerprintConfirmed: true,
        });
        set({ preview: null });
        await get().load();
      });
    },
    setPermissions(name, permissions) {
      return act(async () => {
        await ipc().invoke('members.setPermissions', { name, permissions });
        await get().load();
      });
    },
    remove(name) {
      return act(async () => {
        await ipc().invoke('members.remove', { name });
        await get().load();
      });
    },
    clearError() {
      set({ error: null });
    },
    reset() {
      set({ ...empty });
    },
  };
});
