import type { IpcTransport } from '../src-shared/ipc/transport.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge; absent in browser mode. */
    readonly backbone?: IpcTransport;
  }
}
