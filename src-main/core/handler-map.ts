/** A map of IPC handlers for some channels (each area of the core provides one). */
import type { IpcChannel, IpcRequest, IpcResponse } from '../../src-shared/ipc/contract.js';

export type IpcHandlerMap<C extends IpcChannel> = {
  [K in C]: (request: IpcRequest<K>) => Promise<IpcResponse<K>> | IpcResponse<K>;
};
