/**
 * Picks the binding this renderer runs under and gives the app one typed IPC client:
 * the Electron preload's `window.backbone` when present, otherwise the browser bridge.
 */
import { createIpcClient, type IpcClient } from '../../src-shared/ipc/client.js';
import type { ConnectionState, WebSocketTransport } from './websocket-transport.js';
import { createWebSocketTransport } from './websocket-transport.js';

export interface RendererBinding {
  client: IpcClient;
  kind: 'electron' | 'browser';
  /** Connection state changes (browser mode only; Electron IPC is always connected). */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
}

export function bridgeUrlFromLocation(location: Location): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/bridge?token=${encodeURIComponent(token)}`;
}

export function createRendererBinding(): RendererBinding {
  if (window.backbone) {
    return {
      client: createIpcClient(window.backbone),
      kind: 'electron',
      onConnectionChange: () => () => undefined,
    };
  }
  const transport: WebSocketTransport = createWebSocketTransport(
    bridgeUrlFromLocation(window.location),
  );
  return {
    client: createIpcClient(transport),
    kind: 'browser',
    onConnectionChange: (listener) => transport.onConnectionChange(listener),
  };
}
