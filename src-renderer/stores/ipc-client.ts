/**
 * The one typed IPC client the stores use. Set once at start (main.tsx / App); tests set a fake.
 */
import type { IpcClient } from '../../src-shared/ipc/client.js';

let current: IpcClient | undefined;

export function setIpcClient(client: IpcClient): void {
  current = client;
}

export function ipc(): IpcClient {
  if (!current) throw new Error('The IPC client is not set.');
  return current;
}
