/**
 * What a binding gives the renderer: exactly the two functions the preload exposes.
 * Implemented by the Electron preload (contextBridge) and by the browser bridge client.
 */
import type { IpcResult } from './result.js';

export type Unsubscribe = () => void;

export interface IpcTransport {
  invoke(channel: string, request: unknown): Promise<IpcResult>;
  subscribe(event: string, listener: (payload: unknown) => void): Unsubscribe;
}
