/**
 * Prometheus metrics (prom-client), one registry per server instance:
 *   backbone_http_requests_total{method, route, status}
 *   backbone_http_request_duration_seconds{method, route, status}
 * plus the process/Node defaults (`backbone_process_*`, `backbone_nodejs_*`). `route` is the
 * route pattern (`/v1/identities/:identityId`), or `unmatched` for unknown paths, so a scanner
 * cannot blow up the label set.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { unencapsulated } from './encapsulation.js';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'backbone_' });
  }
  const requests = new Counter({
    name: 'backbone_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'backbone_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, requests, duration };
}

/** Counts and times every answered request (registered at the root when metrics are on). */
export const requestMetrics = unencapsulated<{ metrics: Metrics | undefined }>(
  'request-metrics',
  async (app, { metrics }) => {
    if (!metrics) return;
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const pattern = request.routeOptions.url;
      const route = pattern && !request.is404 ? pattern : 'unmatched';
      const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
      const labels = { method, route, status: String(reply.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, reply.elapsedTime / 1000);
    });
  },
);
