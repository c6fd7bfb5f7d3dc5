/**
 * Routes the HTTP server's WebSocket upgrade requests into Fastify's normal request path (as
 * @fastify/websocket does), so rate limits, the shutdown 503, 404/405 answers and JSON errors
 * apply before anything is upgraded. One router per HTTP server, installed by the first
 * WebSocket route; each route takes its pending upgrade with `pendingUpgrade(request.raw)` and
 * either upgrades it (`ws.handleUpgrade`) or answers like any request (the socket then closes).
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { App } from '../context.js';
import { errorBody } from './errors.js';

export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

/** After an answered (not upgraded) upgrade request, the socket gets this long to flush. */
const CLOSE_GRACE_MS = 2000;

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();
const routed = new WeakSet<object>();

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function refuseWithBody(socket: Duplex): void {
  const body = JSON.stringify(
    errorBody('INVALID_REQUEST', 'An upgrade request cannot carry a body.'),
  );
  if (socket.writable) {
    socket.end(
      'HTTP/1.1 400 Bad Request\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' +
        body,
    );
  }
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/** Installs the router on `app`'s HTTP server (once; later calls do nothing). */
export function installUpgradeRouter(app: App): void {
  if (routed.has(app.server)) return;
  routed.add(app.server);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (hasBody(req)) {
      refuseWithBody(socket);
      return;
    }
    pending.set(req, { socket, head });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
    try {
      app.routing(req, res);
    } catch (error) {
      app.log.warn({ err: error }, 'upgrade request failed');
      socket.destroy();
    }
  };
  app.server.on('upgrade', onUpgrade);
  // Before the HTTP server closes: no new upgrades.
  app.addHook('preClose', async () => {
    app.server.off('upgrade', onUpgrade);
  });
}

/** The socket and head of an upgrade request being routed, once; undefined for plain requests. */
export function pendingUpgrade(req: IncomingMessage): PendingUpgrade | undefined {
  const upgrade = pending.get(req);
  pending.delete(req);
  return upgrade;
}
