/**
 * The push event channel: WebSocket upgrades at `GET /v1/events` (protocol:
 * src-shared/api/events.ts; delivery: events/hub.ts and events/connection.ts).
 *
 * The upgrade request goes through Fastify like any request (the HTTP server's `upgrade` event
 * is routed into the normal request path, as password-access.ts does; if no other module set
 * that up, this one does), so the per-IP limits, the shutdown 503 and the JSON errors apply
 * before anything is upgraded. A plain (non-upgrade) request gets 426. The token comes in the
 * first message, never in the URL.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { emptyQuerySchema } from '../../src-shared/api/common.js';
import { EVENTS_PATH } from '../../src-shared/api/events.js';
import { BackboneError } from '../../src-shared/errors.js';
import type { App, ServerContext } from '../context.js';
import { EventConnection } from '../events/connection.js';
import {
  DEFAULT_EVENT_CHANNEL_OPTIONS,
  EventHub,
  setEventHub,
  type EventChannelOptions,
} from '../events/hub.js';
import { sendError } from '../http/errors.js';

/** Largest client frame (only `hello` is ever sent). */
const MAX_CLIENT_FRAME = 16 * 1024;
const NO_HEAD = Buffer.alloc(0);

export function eventRoutes(
  app: App,
  ctx: ServerContext,
  options: Partial<EventChannelOptions> = {},
): EventHub {
  const hub = new EventHub(ctx, app.log, { ...DEFAULT_EVENT_CHANNEL_OPTIONS, ...options });
  setEventHub(ctx, hub);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME,
    perMessageDeflate: false,
    clientTracking: false,
  });
  let accepting = false;

  // Routes upgrade requests into Fastify — only if no other module does it already.
  let routeUpgrades: ((req: IncomingMessage, socket: Duplex) => void) | undefined;

  app.get(EVENTS_PATH, { schema: { querystring: emptyQuerySchema } }, async (request, reply) => {
    const upgradeHeader = String(request.headers.upgrade ?? '').toLowerCase();
    const upgrading = (request.raw as IncomingMessage & { upgrade?: boolean }).upgrade === true;
    if (!upgrading || upgradeHeader !== 'websocket') {
      sendError(
        reply,
        426,
        'INVALID_REQUEST',
        'This is the WebSocket event channel: connect with ws:// or wss:// to this path.',
        { upgrade: 'websocket', connection: 'Upgrade' },
      );
      return reply;
    }
    if (!accepting || hub.isStopped) {
      throw new BackboneError('UNAVAILABLE', 'The server is shutting down. Try again later.');
    }
    reply.hijack();
    wss.handleUpgrade(request.raw, request.raw.socket, NO_HEAD, (ws) => {
      const connection = new EventConnection(ws, ctx, hub, request.log);
      if (hub.isStopped) connection.shutdown();
    });
    return reply;
  });

  app.addHook('onReady', async () => {
    await hub.start();
    accepting = true;
    if (app.server.listenerCount('upgrade') === 0) {
      routeUpgrades = (req, socket) => {
        socket.on('error', () => socket.destroy());
        const res = new ServerResponse(req);
        res.shouldKeepAlive = false;
        res.assignSocket(socket as Socket);
        res.on('finish', () => {
          socket.end();
          setTimeout(() => socket.destroy(), 1000).unref();
        });
        try {
          app.routing(req, res);
        } catch (error) {
          app.log.warn({ err: error }, 'upgrade request failed');
          socket.destroy();
        }
      };
      app.server.on('upgrade', routeUpgrades);
    }
  });
  app.addHook('preClose', async () => {
    accepting = false;
    if (routeUpgrades) app.server.off('upgrade', routeUpgrades);
    await hub.stop();
  });
  app.addHook('onClose', async () => {
    wss.close();
  });
  return hub;
}
