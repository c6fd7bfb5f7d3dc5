/**
 * What the About/Status screen shows: the core's status, fetched over IPC and kept current by
 * the `app.statusChanged` event, and the state of the connection to the core.
 */
import { create } from 'zustand';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import type { IpcClient } from '../../src-shared/ipc/client.js';
import { operations, type OperationState } from './operation.js';

export interface StatusState extends OperationState {
  status: AppStatus | null;
  loading: boolean;
  connection: 'connecting' | 'open' | 'closed';
  load(client: IpcClient): Promise<void>;
  setStatus(status: AppStatus): void;
  setConnection(state: StatusState['connection']): void;
}

export const useStatusStore = create<StatusState>((set, get) => {
  const { run } = operations(set, get);
  return {
    status: null,
    loading: false,
    busy: false,
    error: null,
    connection: 'connecting',
    async load(client) {
      await run(async () => set({ status: await client.invoke('app.status', {}) }), {
        flag: 'loading',
        unexpected: 'The app core could not be reached. Restart Backbone and try again.',
      });
    },
    setStatus(status) {
      set({ status, error: null });
    },
    setConnection(connection) {
      set({ connection });
    },
  };
});
