/**
 * The browser bridge: the IPC contract bound to a WebSocket on 127.0.0.1.
 *
 * - Listens on 127.0.0.1 only (random port by default); nothing is served to other addresses.
 * - A secret token (32 random bytes) is part of the URL printed at start; the page and the
 *   WebSocket are refused without it. Static assets (the built renderer bundles, which hold no
 *   secrets) need no token.
 * - Every request's Host header must name this listener (defeats DNS rebinding); the WebSocket's
 *   Origin must be this listener's own origin (defeats other web pages connecting to it).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  BRIDGE_MAX_FRAME_BYTES,
  bridgeClientFrameSchema,
  type BridgeServerFrame,
} from '../../src-shared/ipc/bridge-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../core/content-security-policy.js';
import type { IpcDispatcher } from '../core/ipc-dispatcher.js';

export const BRIDGE_PATH = '/bridge';
const LOOPBACK = '127.0.0.1';

export interface BridgeServerOptions {
  dispatch: IpcDispatcher;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** For tests; a random one otherwise. */
  token?: string;
  /**
   * TESTS ONLY: sees every frame as text, in both directions (`in` from the renderer, `out` to
   * it), so a test can check what crossed the boundary. Never set outside NODE_ENV=test
   * (browser-mode.ts sets it only from BACKBONE_TEST_IPC_RECORD there).
   */
  testOnlyRecordTraffic?: (direction: 'in' | 'out', frame: string) => void;
}

export interface BridgeServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Sends an event to every connected renderer. */
  broadcast(event: string, payload: unknown): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  const rendererRoot = path.resolve(options.rendererDir);
  let port = 0;

  const tokenMatches = (candidate: string | null): boolean =>
    candidate !== null && timingSafeEqual(digest(candidate), tokenDigest);
  const allowedHosts = (): string[] => [`${LOOPBACK}:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((host) => `http://${host}`);

  const sendJson = (res: http.ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { code, message } }));
  };

  const serveFile = async (res: http.ServerResponse, relative: string): Promise<void> => {
    const filePath = path.resolve(rendererRoot, '.' + path.posix.normalize('/' + relative));
    if (filePath !== rendererRoot && !filePath.startsWith(rendererRoot + path.sep)) {
      sendJson(res, 404, 'NOT_FOUND', 'Not found.');
      return;
    }
    let body: Buffer;
    try {
      body = await fs.readFile(filePath);
    } catch {
      sendJson(res, 404, 'NOT_FOUND', 'Not found.');
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(filePath)] ?? 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      sendJson(res, 403, 'BRIDGE_UNAUTHORIZED', 'Wrong Host header.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, 'METHOD_NOT_ALLOWED', 'Only GET is served here.');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      decodeURIComponent(url.pathname);
    } catch {
      sendJson(res, 400, 'BAD_REQUEST', 'Malformed URL.');
      return;
    }
    const pathname = decodeURIComponent(url.pathname);
    if (pathname === '/' || pathname === '/index.html') {
      if (!tokenMatches(url.searchParams.get('token'))) {
        sendJson(
          res,
          401,
          'BRIDGE_UNAUTHORIZED',
          'Missing or wrong bridge token. Open the full URL printed when Backbone started.',
        );
        return;
      }
      void serveFile(res, 'index.html');
      return;
    }
    if (pathname === BRIDGE_PATH) {
      sendJson(res, 426, 'UPGRADE_REQUIRED', 'This endpoint speaks WebSocket only.');
      return;
    }
    void serveFile(res, pathname);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: BRIDGE_MAX_FRAME_BYTES });
  const sockets = new Set<WebSocket>();

  const refuseUpgrade = (socket: Duplex, status: number, text: string) => {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${text}\n`,
    );
  };

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    } catch {
      refuseUpgrade(socket, 400, 'Bad Request');
      return;
    }
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    if (!allowedOrigins().includes(req.headers.origin ?? '')) {
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    if (url.pathname !== BRIDGE_PATH || !tokenMatches(url.searchParams.get('token'))) {
      refuseUpgrade(socket, 401, 'Unauthorized');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data, isBinary) => {
        void handleFrame(ws, data, isBinary);
      });
    });
  });

  const record = options.testOnlyRecordTraffic;
  const send = (ws: WebSocket, frame: BridgeServerFrame): void => {
    if (ws.readyState !== ws.OPEN) return;
    const text = JSON.stringify(frame);
    record?.('out', text);
    ws.send(text);
  };

  const handleFrame = async (ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> => {
    if (isBinary) {
      send(ws, { type: 'protocolError', message: 'Binary frames are not accepted.' });
      return;
    }
    let json: unknown;
    record?.('in', data.toString());
    try {
      json = JSON.parse(data.toString());
    } catch {
      send(ws, { type: 'protocolError', message: 'A frame was not valid JSON.' });
      return;
    }
    const frame = bridgeClientFrameSchema.safeParse(json);
    if (!frame.success) {
      send(ws, { type: 'protocolError', message: 'A frame did not match the bridge protocol.' });
      return;
    }
    const result = await options.dispatch(frame.data.channel, frame.data.request);
    send(ws, { type: 'result', id: frame.data.id, result });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK}:${port}/?token=${encodeURIComponent(token)}`;

  return {
    url,
    port,
    token,
    broadcast(event, payload) {
      for (const ws of sockets) send(ws, { type: 'event', event, payload });
    },
    async close() {
      for (const ws of sockets) ws.close(1001, 'Backbone is shutting down');
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
