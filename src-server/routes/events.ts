/**
 * The push event channel: WebSocket upgrades at `GET /v1/events` (protocol:
 * src-shared/api/events.ts; delivery: events/hub.ts and events/connection.ts).
 *
 * The upgrade request goes through Fastify like any request (`http/upgrade-router.ts`), so the per-IP limits, the shutdown 503 and the JSON errors apply
 * before anything is upgraded. A plain (non-upgrade) request gets 426. The token comes in the
 * first message, never in the URL.
 */
import { WebSocketServer } from 'ws';
import { emptyQuerySchema } from '../../src-shared/api/common.js';
import { EVENTS_PATH } from '../../src-shared/api/events.js';
import { BackboneError } from '../../src-shared/errors.js';
import type { RouteOptions, RoutePlugin } from '../context.js';
import { EventConnection } from '../events/connection.js';
import {
  DEFAULT_EVENT_CHANNEL_OPTIONS,
  EventHub,
  setEventHub,
  type EventChannelOptions,
} from '../events/hub.js';
import { sendError } from '../http/errors.js';
import { installUpgradeRouter, pendingUpgrade } from '../http/upgrade-router.js';
import { refuseBadHandshake } from '../http/websocket-handshake.js';

/** Largest client frame (only `hello` is ever sent). */
const MAX_CLIENT_FRAME = 16 * 1024;

export interface EventRouteOptions extends RouteOptions {
  /** Push channel tuning (heartbeat, queue bounds); defaults in events/hub.ts. */
  channel?: Partial<EventChannelOptions> | undefined;
}

/** Also starts the event hub when the server is ready and stops it before it closes. */
export const eventRoutes: RoutePlugin<EventRouteOptions> = async (app, { ctx, channel = {} }) => {
  const hub = new EventHub(ctx, app.log, { ...DEFAULT_EVENT_CHANNEL_OPTIONS, ...channel });
  setEventHub(ctx, hub);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME,
    perMessageDeflate: false,
    clientTracking: false,
  });
  let accepting = false;

  installUpgradeRouter(app);

  app.get(EVENTS_PATH, { schema: { querystring: emptyQuerySchema } }, async (request, reply) => {
    const upgradeHeader = String(request.headers.upgrade ?? '').toLowerCase();
    const upgrade = pendingUpgrade(request.raw);
    if (upgrade === undefined || upgradeHeader !== 'websocket') {
      sendError(
        reply,
        426,
        'INVALID_REQUEST',
        'This is the WebSocket event channel: connect with ws:// or wss:// to this path.',
        { upgrade: 'websocket', connection: 'Upgrade, close' },
      );
      return reply;
    }
    if (refuseBadHandshake(request, reply)) return reply;
    if (!accepting || hub.isStopped) {
      throw new BackboneError('UNAVAILABLE', 'The server is shutting down. Try again later.');
    }
    reply.hijack();
    wss.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (ws) => {
      const connection = new EventConnection(ws, ctx, hub, request.log);
      if (hub.isStopped) connection.shutdown();
    });
    return reply;
  });

  app.addHook('onReady', async () => {
    await hub.start();
    accepting = true;
  });
  app.addHook('preClose', async () => {
    accepting = false;
    await hub.stop();
  });
  app.addHook('onClose', async () => {
    wss.close();
  });
};
