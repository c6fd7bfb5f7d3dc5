/**
 * The Electron binding of the IPC contract: one `ipcMain.handle` channel for every request and
 * one renderer channel for events. Requests from any frame other than our window's main frame
 * on app://backbone are refused with IPC_FORBIDDEN_SENDER.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { IpcDispatcher } from '../core/ipc-dispatcher.js';
import type { IpcResult } from '../../src-shared/ipc/result.js';
import { isAppUrl } from './app-url.js';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from './ipc-channels.js';

function senderIsTrusted(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!window || window.isDestroyed() || !frame) return false;
  return (
    event.sender.id === window.webContents.id &&
    frame === window.webContents.mainFrame &&
    isAppUrl(frame.url)
  );
}

export function bindIpc(dispatch: IpcDispatcher, getWindow: () => BrowserWindow | null): void {
  ipcMain.handle(
    IPC_INVOKE_CHANNEL,
    async (event, channel: unknown, request: unknown): Promise<IpcResult> => {
      if (!senderIsTrusted(event, getWindow())) {
        return {
          ok: false,
          error: { code: 'IPC_FORBIDDEN_SENDER', message: 'This frame may not talk to Backbone.' },
        };
      }
      return dispatch(channel, request);
    },
  );
}

export function sendEvent(window: BrowserWindow | null, event: string, payload: unknown): void {
  if (window && !window.isDestroyed()) {
    window.webContents.send(IPC_EVENT_CHANNEL, event, payload);
  }
}
