/**
 * How the server's pieces plug into Fastify (docs/server.md, "Routes and plugins"):
 *
 * - Every route module is a `RoutePlugin` (context.ts), registered by `buildServer` with
 *   `app.register(plugin, {ctx, …})`. Fastify encapsulates it: the hooks and decorators it adds
 *   apply to its own routes only.
 * - A plugin that exists to add hooks or decorators to the context that registers it (the
 *   per-IP limit and metrics at the root; authentication and the auth-route limit inside the
 *   route plugins that need them) is wrapped in `unencapsulated(...)`: Fastify's
 *   `skip-override` marker, what `fastify-plugin` sets, without the dependency.
 */
import type { FastifyPluginAsync, FastifyPluginOptions, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from '../http/validation.js';

/** A Fastify plugin over the zod-typed `App` (context.ts), with typed options. */
export type AppPlugin<Options extends FastifyPluginOptions> = FastifyPluginAsync<
  Options,
  RawServerDefault,
  ZodTypeProvider
>;

/** Marks `plugin` so its hooks and decorators land in the context that registers it. */
export function unencapsulated<Options extends FastifyPluginOptions>(
  name: string,
  plugin: AppPlugin<Options>,
): AppPlugin<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
}
