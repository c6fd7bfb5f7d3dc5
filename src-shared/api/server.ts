/**
 * Server description and health (`GET /v1/server`, `GET /healthz`).
 *
 * The server id is derived from its static Ed25519 key, like an identity address:
 * `"bbs1" ‖ base32(BLAKE2b-160(server sign pk))`. It is the `audience` every device signs into
 * its login response (auth.ts), so a login made for one server is useless at another. Clients
 * pin it on first contact.
 */
import { z } from 'zod';
import {
  base32Encode,
  blake2b,
  fromBase64Url,
  signPublicKey,
  type SignPublicKey,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import { apiVersionSchema, publicKeySchema } from './common.js';

export const SERVER_ID_PREFIX = 'bbs1';
export const serverIdSchema = z.string().regex(/^bbs1[a-z2-7]{32}$/, 'must be a server id');

/** The server id of a server signing key. */
export function serverIdOf(signPk: SignPublicKey): string {
  signPublicKey(signPk);
  return SERVER_ID_PREFIX + base32Encode(blake2b(signPk, 20));
}

/** `GET /v1/server` */
export const serverInfoResponseSchema = z.strictObject({
  v: apiVersionSchema,
  /** Server id (the login audience). */
  id: serverIdSchema,
  /** Server software version. */
  version: z.string().min(1).max(64),
  /** Highest API version this server speaks. */
  api: z.number().int().min(1),
  /** Static X25519 public key (base64url). */
  boxPublicKey: publicKeySchema,
  /** Static Ed25519 public key (base64url). */
  signPublicKey: publicKeySchema,
});
export type ServerInfoResponse = z.infer<typeof serverInfoResponseSchema>;

/**
 * Checks that a server's answer to `GET /v1/server` names itself by its own key (the id is
 * derived from the signing key) and returns that id; `SERVER_INVALID_RESPONSE` otherwise.
 * Whoever pins the server pins this id.
 */
export function verifiedServerId(info: ServerInfoResponse): string {
  let id: string;
  try {
    id = serverIdOf(signPublicKey(fromBase64Url(info.signPublicKey)));
  } catch (cause) {
    throw new BackboneError('SERVER_INVALID_RESPONSE', 'The server sent an invalid key.', {
      cause,
    });
  }
  if (id !== info.id) {
    throw new BackboneError(
      'SERVER_INVALID_RESPONSE',
      'The server id does not match the server key it sent. This server cannot be trusted.',
    );
  }
  return id;
}

/** `GET /healthz` (200; a failing check answers 503 with an error body). */
export const healthResponseSchema = z.strictObject({
  status: z.literal('ok'),
  database: z.literal('ok'),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;
