/**
 * The Backbone server as a Fastify instance: `buildServer({config, storage})`. Listening,
 * signals and storage opening are `main.ts`'s job; tests call `buildServer(...).listen()`.
 *
 * Request path: per-IP rate limit (before the body is read) → JSON body parsing (only
 * `application/json`, at most `config.bodyLimit` bytes, prototype poisoning refused) → zod
 * validation of params, query and body → route guards (token, scopes, per-identity limit) →
 * handler → the answer is checked against its zod schema. Every error leaves as
 * `{error: {code, message}}` (http/errors.ts).
 *
 * Layout: the root holds what applies to every request (the hooks below, the error and 404
 * handlers, the `ipRateLimit` and `requestMetrics` plugins); each route module is an
 * encapsulated Fastify plugin (`routes/*.ts`) holding its own guards; background sweeps are
 * named jobs of one `Scheduler`, started on listen and stopped before close.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { cryptoReady, randomBytes, toBase64Url } from '../src-shared/crypto/index.js';
import { APP_VERSION } from '../src-shared/app-info.js';
import type { ServerConfig } from './config.js';
import { keysHolder, systemClock, type App, type Clock, type ServerContext } from './context.js';
import { handleClientError, handleError, handleFrameworkError, sendError } from './http/errors.js';
import { RouteTable } from './http/route-table.js';
import {
  zodSerializerCompiler,
  zodValidatorCompiler,
  type ZodTypeProvider,
} from './http/validation.js';
import { createLogger } from './logger.js';
import { createMetrics, requestMetrics } from './plugins/metrics.js';
import { createRateLimits, ipRateLimit } from './plugins/rate-limit.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identities.js';
import { metricsRoutes } from './routes/metrics.js';
import {
  passwordAccessRoutes,
  passwordAccessSetup,
  type TestOnlyPasswordAccess,
} from './routes/password-access.js';
import { serverInfoRoutes } from './routes/server-info.js';
import { storeRoutes } from './routes/store.js';
import { workspaceRoutes } from './routes/workspaces.js';
import type { EventChannelOptions } from './events/hub.js';
import { Scheduler } from './scheduler.js';
import {
  loadOrCreateServerKeysFile,
  loadOrCreateServerKeysInStorage,
  type ServerKeys,
} from './server-keys.js';
import type { Storage } from './storage/storage.js';

/** How often expired challenges, old tokens and old push events are swept (scheduler.ts). */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Expired or revoked tokens are kept this long (so clients get a precise 401 meanwhile). */
const TOKEN_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface BuildServerOptions {
  config: ServerConfig;
  storage: Storage;
  /** Use these keys; otherwise they are loaded (or made) when the server starts. */
  serverKeys?: ServerKeys;
  /**
   * Where the keys live when not given: `file` = `server-keys.json` in `config.dataDir`
   * (SQLite mode), `storage` = the database (PostgreSQL mode). Default: by storage backend.
   */
  keyStore?: 'file' | 'storage';
  /** A pino logger; default: one at `config.logLevel` writing to stdout. */
  logger?: Logger;
  clock?: Clock;
  /** Close the storage when the server closes (default false: the caller owns it). */
  closeStorage?: boolean;
  /** Server version reported by `GET /v1/server` (default: the app version). */
  version?: string;
  /** Push channel tuning (heartbeat, queue bounds); defaults in events/hub.ts. */
  events?: Partial<EventChannelOptions>;
  /**
   * TESTS ONLY — never set by `main.ts`, no flag or environment variable reaches it: password
   * access with an injected random source and weak Argon2id parameters (routes/password-access.ts).
   */
  testOnlyPasswordAccess?: TestOnlyPasswordAccess;
}

export function buildServer(options: BuildServerOptions): App {
  const { config, storage } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const routes = new RouteTable();
  const keys = keysHolder();
  if (options.serverKeys) keys.set(options.serverKeys);
  const metrics = config.metrics ? createMetrics() : undefined;

  const ctx: ServerContext = {
    config,
    storage,
    clock,
    limits: createRateLimits(config.rateLimit, clock),
    metrics,
    version: options.version ?? APP_VERSION,
    keys: () => keys.get(),
  };
  // Checked now, so a bad password-access configuration refuses to build the server.
  const passwordAccess = passwordAccessSetup(ctx, options.testOnlyPasswordAccess);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(config.requestTimeoutMs, 20_000),
      // Answer a request without Host ourselves (JSON) instead of Node's bare 400.
      requireHostHeader: false,
      // How often Node looks for requests past their timeout (its default is 30 s).
      connectionsCheckingInterval: Math.max(
        250,
        Math.min(5_000, Math.floor(config.requestTimeoutMs / 4)),
      ),
    },
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    handlerTimeout: config.handlerTimeoutMs,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    trustProxy: config.trustProxy,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    genReqId: () => toBase64Url(randomBytes(9)),
    routerOptions: {
      maxParamLength: 200,
      caseSensitive: true,
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
    },
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
  }).withTypeProvider<ZodTypeProvider>();

  const scheduler = new Scheduler({ clock, log: app.log });

  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(zodSerializerCompiler);
  // Only JSON bodies: text/plain (Fastify's other default) is 415 like everything else.
  app.removeContentTypeParser('text/plain');

  routes.attachTo(app);
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = routes.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      sendError(
        reply,
        405,
        'METHOD_NOT_ALLOWED',
        `This path accepts ${allowed.join(', ')}, not ${request.method.slice(0, 20)}.`,
        { allow: allowed.join(', ') },
      );
      return;
    }
    sendError(reply, 404, 'NOT_FOUND', 'There is nothing at this path. Check the URL.');
  });

  // Route plugins, each encapsulated (docs/server.md, "Routes and plugins"). They load in this
  // order, after the root hooks above and the two root plugins, so all of those apply to them.
  app.register(ipRateLimit, { limits: ctx.limits });
  app.register(requestMetrics, { metrics });
  app.register(healthRoutes, { ctx });
  app.register(metricsRoutes, { ctx });
  app.register(serverInfoRoutes, { ctx });
  app.register(authRoutes, { ctx });
  app.register(identityRoutes, { ctx });
  app.register(workspaceRoutes, { ctx });
  app.register(storeRoutes, { ctx, scheduler });
  app.register(eventRoutes, { ctx, channel: options.events });
  app.register(passwordAccessRoutes, { ctx, scheduler, setup: passwordAccess });

  // Server-wide sweeps; the route plugins add their own jobs (store, failed logins).
  scheduler.add({
    name: 'auth-expiry',
    intervalMs: SWEEP_INTERVAL_MS,
    run: (now) => storage.deleteExpired(now, now - TOKEN_RETENTION_MS),
  });
  scheduler.add({
    // Push-channel events past the retention; a client resuming from before them gets `reset`.
    name: 'event-retention',
    intervalMs: SWEEP_INTERVAL_MS,
    run: async (now) => ({
      events: await storage.pruneEvents(now - config.eventRetentionDays * DAY_MS),
    }),
  });

  app.addHook('onReady', async () => {
    await cryptoReady();
    if (!options.serverKeys) {
      const store = options.keyStore ?? (storage.backend === 'sqlite' ? 'file' : 'storage');
      keys.set(
        store === 'file'
          ? await loadOrCreateServerKeysFile(config.dataDir, new Date(clock.now()))
          : await loadOrCreateServerKeysInStorage(storage, new Date(clock.now())),
      );
    }
  });
  app.addHook('onListen', async () => {
    scheduler.start();
  });
  // Before the storage can close: no new sweep, and the ones running finish.
  app.addHook('preClose', async () => {
    await scheduler.stop();
  });
  app.addHook('onClose', async () => {
    if (options.closeStorage) await storage.close();
  });

  return app;
}
