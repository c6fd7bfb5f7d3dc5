/** `GET /v1/server`: who this server is (id = login audience, static public keys). */
import { API_PREFIX, API_VERSION, emptyQuerySchema } from '../../src-shared/api/common.js';
import { serverInfoResponseSchema } from '../../src-shared/api/server.js';
import { toBase64Url } from '../../src-shared/crypto/index.js';
import type { App, ServerContext } from '../context.js';

export function serverInfoRoutes(app: App, ctx: ServerContext): void {
  app.get(
    `${API_PREFIX}/server`,
    { schema: { querystring: emptyQuerySchema, response: { 200: serverInfoResponseSchema } } },
    async () => {
      const keys = ctx.keys();
      return {
        v: API_VERSION,
        id: keys.id,
        version: ctx.version,
        api: API_VERSION,
        boxPublicKey: toBase64Url(keys.boxKeyPair.publicKey),
        signPublicKey: toBase64Url(keys.signKeyPair.publicKey),
      };
    },
  );
}
