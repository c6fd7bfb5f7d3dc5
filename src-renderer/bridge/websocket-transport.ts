/**
 * The browser-mode binding: the IPC contract over the bridge's loopback WebSocket.
 * Reconnects with backoff; while disconnected, invokes fail fast with IPC_DISCONNECTED.
 */
import {
  bridgeServerFrameSchema,
  type BridgeClientFrame,
} from '../../src-shared/ipc/bridge-protocol.js';
import type { IpcResult } from '../../src-shared/ipc/result.js';
import type { IpcTransport, Unsubscribe } from '../../src-shared/ipc/transport.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WebSocketTransport extends IpcTransport {
  connection(): ConnectionState;
  /** Calls `listener` with the current state at once, then on every change. */
  onConnectionChange(listener: (state: ConnectionState) => void): Unsubscribe;
  close(): void;
}

const INVOKE_TIMEOUT_MS = 60_000;

function disconnected(): IpcResult {
  return {
    ok: false,
    error: {
      code: 'IPC_DISCONNECTED',
      message: 'The connection to the Backbone app core was lost. Is Backbone still running?',
    },
  };
}

export function createWebSocketTransport(url: string): WebSocketTransport {
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let retryDelay = 250;
  let closedByUs = false;
  const pending = new Map<number, (result: IpcResult) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const waiting: Array<() => void> = [];

  const setState = (next: ConnectionState): void => {
    state = next;
    for (const listener of stateListeners) listener(next);
    if (next === 'open') waiting.splice(0).forEach((resume) => resume());
  };

  const connect = (): void => {
    setState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryDelay = 250;
      setState('open');
    };
    ws.onmessage = (message) => {
      let json: unknown;
      try {
        json = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const frame = bridgeServerFrameSchema.safeParse(json);
      if (!frame.success) return;
      const data = frame.data;
      if (data.type === 'result') {
        pending.get(data.id)?.(data.result);
        pending.delete(data.id);
      } else if (data.type === 'event') {
        listeners.get(data.event)?.forEach((listener) => listener(data.payload));
      }
    };
    ws.onclose = () => {
      for (const resolve of pending.values()) resolve(disconnected());
      pending.clear();
      setState('closed');
      if (!closedByUs) {
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 5_000);
      }
    };
  };
  connect();

  const whenOpen = (): Promise<boolean> =>
    state === 'open'
      ? Promise.resolve(true)
      : state === 'connecting'
        ? new Promise((resolve) => waiting.push(() => resolve(true)))
        : Promise.resolve(false);

  return {
    async invoke(channel, request) {
      if (!(await whenOpen()) || !socket) return disconnected();
      const id = nextId++;
      const frame: BridgeClientFrame = { type: 'invoke', id, channel, request };
      return new Promise<IpcResult>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({
            ok: false,
            error: { code: 'IPC_DISCONNECTED', message: 'The app core did not answer in time.' },
          });
        }, INVOKE_TIMEOUT_MS);
        pending.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        socket!.send(JSON.stringify(frame));
      });
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    connection: () => state,
    onConnectionChange(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => stateListeners.delete(listener);
    },
    close() {
      closedByUs = true;
      socket?.close();
    },
  };
}
