/**
 * What every route of one server instance shares: configuration, storage, clock, keys, limits,
 * metrics. Built by `buildServer` (app.ts) and handed to each route plugin in its options.
 */
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BackboneError } from '../src-shared/errors.js';
import type { ServerConfig } from './config.js';
import type { ZodTypeProvider } from './http/validation.js';
import type { AppPlugin } from './plugins/encapsulation.js';
import type { Metrics } from './plugins/metrics.js';
import type { RateLimits } from './plugins/rate-limit.js';
import type { ServerKeys } from './server-keys.js';
import type { Storage } from './storage/storage.js';

import type { Clock } from './clock.js';

export { systemClock, type Clock } from './clock.js';

/** The Fastify instance with zod schemas as its type provider. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The options every route plugin gets (plus its own, typed per plugin). */
export interface RouteOptions {
  ctx: ServerContext;
}

/** A route module: a Fastify plugin registered with `app.register(plugin, {ctx, …})`. */
export type RoutePlugin<Options extends RouteOptions = RouteOptions> = AppPlugin<Options>;

export interface ServerContext {
  readonly config: ServerConfig;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly limits: RateLimits;
  readonly metrics: Metrics | undefined;
  readonly version: string;
  /** The server keys (loaded when the server becomes ready). */
  keys(): ServerKeys;
}

export function keysHolder(): { get(): ServerKeys; set(keys: ServerKeys): void } {
  let current: ServerKeys | undefined;
  return {
    get() {
      if (!current) throw new BackboneError('UNAVAILABLE', 'The server is still starting.');
      return current;
    },
    set(keys) {
      current = keys;
    },
  };
}

/** ISO 8601 text of a time in milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
