/**
 * `GET /v1/server[?nonce=…]`: who this server is (id = login audience, static public keys) and,
 * for a client nonce, the `server.proof` that its signing key vouches for its box key.
 */
import { API_PREFIX, API_VERSION } from '../../src-shared/api/common.js';
import { serverInfoQuerySchema, serverInfoResponseSchema } from '../../src-shared/api/server.js';
import { toBase64Url } from '../../src-shared/crypto/index.js';
import type { RoutePlugin } from '../context.js';
import { serverProof } from '../server-keys.js';

export const serverInfoRoutes: RoutePlugin = async (app, { ctx }) => {
  app.get(
    `${API_PREFIX}/server`,
    { schema: { querystring: serverInfoQuerySchema, response: { 200: serverInfoResponseSchema } } },
    async (request, reply) => {
      const keys = ctx.keys();
      const nonce = request.query.nonce;
      if (nonce !== undefined) reply.header('cache-control', 'no-store');
      return {
        v: API_VERSION,
        id: keys.id,
        version: ctx.version,
        api: API_VERSION,
        boxPublicKey: toBase64Url(keys.boxKeyPair.publicKey),
        signPublicKey: toBase64Url(keys.signKeyPair.publicKey),
        ...(nonce === undefined ? {} : { proof: serverProof(keys, nonce) }),
      };
    },
  );
};
