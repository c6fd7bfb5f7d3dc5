/** `GET /metrics`: Prometheus text format (when metrics are enabled). */
import type { App, ServerContext } from '../context.js';

export function metricsRoutes(app: App, ctx: ServerContext): void {
  const metrics = ctx.metrics;
  if (!metrics) return;
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store');
    return metrics.registry.metrics();
  });
}
