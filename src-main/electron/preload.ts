/**
 * Preload (sandboxed, CommonJS bundle): exposes exactly `invoke(channel, request)` and
 * `subscribe(event, listener)` to the renderer through contextBridge. No Node, no ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcTransport } from '../../src-shared/ipc/transport.js';
import type { IpcResult } from '../../src-shared/ipc/result.js';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from './ipc-channels.js';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  listeners.get(name)?.forEach((listener) => listener(payload));
});

const api: IpcTransport = {
  invoke: (channel, request) =>
    ipcRenderer.invoke(IPC_INVOKE_CHANNEL, channel, request) as Promise<IpcResult>,
  subscribe(event, listener) {
    if (typeof event !== 'string' || typeof listener !== 'function') {
      throw new TypeError('subscribe(event: string, listener: function)');
    }
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('backbone', api);
