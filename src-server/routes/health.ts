/** `GET /healthz`: 200 when the server can reach its database, else 503 `UNAVAILABLE`. */
import { healthResponseSchema } from '../../src-shared/api/server.js';
import { BackboneError } from '../../src-shared/errors.js';
import type { RoutePlugin, ServerContext } from '../context.js';

const PING_TIMEOUT_MS = 3000;

async function pingWithTimeout(ctx: ServerContext): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.storage.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    '/healthz',
    { schema: { response: { 200: healthResponseSchema } } },
    async (request, reply) => {
      try {
        await pingWithTimeout(ctx);
      } catch (error) {
        request.log.warn({ err: error }, 'health check: database unreachable');
        throw new BackboneError('UNAVAILABLE', 'The database is not reachable.');
      }
      reply.header('cache-control', 'no-store');
      return { status: 'ok' as const, database: 'ok' as const };
    },
  );
};
