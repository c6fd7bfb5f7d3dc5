/**
 * The Electron binding's sender check, with `electron` replaced by a fake ipcMain (no Electron
 * binary runs here). Only our window's main frame on app://backbone may invoke the core.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { IpcResult } from '../../src-shared/ipc/result.js';

type Handler = (event: unknown, channel: unknown, request: unknown) => Promise<IpcResult>;
const handlers = new Map<string, Handler>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
  },
}));

const { bindIpc, sendEvent } = await import('./ipc-binding.js');
const { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } = await import('./ipc-channels.js');

function fakeWindow(url = 'app://backbone/index.html') {
  const mainFrame = { url };
  const sent: unknown[][] = [];
  return {
    mainFrame,
    sent,
    window: {
      isDestroyed: () => false,
      webContents: { id: 7, mainFrame, send: (...args: unknown[]) => sent.push(args) },
    },
  };
}

describe('Electron IPC binding', () => {
  let dispatched: unknown[][];
  beforeEach(() => {
    handlers.clear();
    dispatched = [];
  });

  function bind(window: unknown) {
    bindIpc(
      async (channel, request) => {
        dispatched.push([channel, request]);
        return { ok: true, response: 'fine' };
      },
      () => window as never,
    );
    return handlers.get(IPC_INVOKE_CHANNEL)!;
  }

  it('passes requests from our window’s main frame to the dispatcher', async () => {
    const { window, mainFrame } = fakeWindow();
    const handler = bind(window);
    const result = await handler({ sender: { id: 7 }, senderFrame: mainFrame }, 'app.status', {});
    expect(result).toEqual({ ok: true, response: 'fine' });
    expect(dispatched).toEqual([['app.status', {}]]);
  });

  it.each([
    ['another webContents', { sender: { id: 8 } }],
    ['a subframe', { sender: { id: 7 }, senderFrame: { url: 'app://backbone/index.html' } }],
    ['no frame', { sender: { id: 7 }, senderFrame: null }],
  ])('refuses %s with IPC_FORBIDDEN_SENDER', async (_name, event) => {
    const { window, mainFrame } = fakeWindow();
    const handler = bind(window);
    const e = { ...event } as Record<string, unknown>;
    if (!('senderFrame' in e)) e.senderFrame = mainFrame;
    const result = await handler(e, 'app.status', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } });
    expect(dispatched).toEqual([]);
  });

  it('refuses our main frame once it has navigated away from app://backbone', async () => {
    const { window, mainFrame } = fakeWindow('https://evil.example/');
    const handler = bind(window);
    const result = await handler({ sender: { id: 7 }, senderFrame: mainFrame }, 'app.status', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } });
  });

  it('refuses everything when there is no window', async () => {
    const handler = bind(null);
    const result = await handler({ sender: { id: 7 }, senderFrame: {} }, 'app.status', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN_SENDER' } });
  });

  it('sends events to the window on the event channel', () => {
    const { window, sent } = fakeWindow();
    sendEvent(window as never, 'app.statusChanged', { x: 1 });
    expect(sent).toEqual([[IPC_EVENT_CHANNEL, 'app.statusChanged', { x: 1 }]]);
  });
});
