/**
 * What the About/Status screen shows: the core's status, fetched over IPC and kept current by
 * the `app.statusChanged` event, and the state of the connection to the core.
 */
import { create } from 'zustand';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import type { IpcClient } from '../../src-shared/ipc/client.js';
import { isBackboneError } from '../../src-shared/errors.js';

export interface StatusState {
  status: AppStatus | null;
  loading: boolean;
  error: string | null;
  connection: 'connecting' | 'open' | 'closed';
  load(client: IpcClient): Promise<void>;
  setStatus(status: AppStatus): void;
  setConnection(state: StatusState['connection']): void;
}

export const useStatusStore = create<StatusState>((set) => ({
  status: null,
  loading: false,
  error: null,
  connection: 'connecting',
  async load(client) {
    set({ loading: true, error: null });
    try {
      const status = await client.invoke('app.status', {});
      set({ status, loading: false });
    } catch (error) {
      set({
        loading: false,
        error: isBackboneError(error)
          ? error.message
          : 'The app core could not be reached. Restart Backbone and try again.',
      });
    }
  },
  setStatus(status) {
    set({ status, error: null });
  },
  setConnection(connection) {
    set({ connection });
  },
}));
