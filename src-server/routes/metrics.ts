/**
 * `GET /metrics`: Prometheus text format (when metrics are enabled). With a metrics token set
 * (`--metrics-token`, `BACKBONE_METRICS_TOKEN`), only requests that carry it as a bearer token
 * are answered; the comparison is on hashes, in constant time.
 */
import { blake2b, constantTimeEqual, utf8 } from '../../src-shared/crypto/index.js';
import { BackboneError } from '../../src-shared/errors.js';
import type { RoutePlugin } from '../context.js';

/** Registers nothing when metrics are off (`GET /metrics` is then 404 like any unknown path). */
export const metricsRoutes: RoutePlugin = async (app, { ctx }) => {
  const metrics = ctx.metrics;
  if (!metrics) return;
  const expected = ctx.config.metricsToken === null ? null : blake2b(utf8(ctx.config.metricsToken));
  app.get('/metrics', async (request, reply) => {
    if (expected !== null) {
      const given = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (given === undefined || !constantTimeEqual(blake2b(utf8(given)), expected)) {
        throw new BackboneError(
          'AUTH_REQUIRED',
          'The metrics need the metrics token: send "Authorization: Bearer <token>".',
        );
      }
    }
    reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store');
    return metrics.registry.metrics();
  });
};
