/**
 * Server description and health (`GET /v1/server`, `GET /healthz`).
 *
 * The server id is derived from its static Ed25519 key, like an identity address:
 * `"bbs1" ‖ base32(BLAKE2b-160(server sign pk))`. It is the `audience` every device signs into
 * its login response (auth.ts), so a login made for one server is useless at another. Clients
 * pin it on first contact.
 *
 * Server proof: the id names the signing key, but a key that signs nothing proves nothing, and
 * the box key (password-access registrations are sealed to it) is not part of the id. So every
 * client asks with a fresh 32-byte nonce (`GET /v1/server?nonce=…`, and `clientNonce` in the
 * login challenge) and the server answers with a `server.proof` statement, version 1, signed with
 * its signing key:
 *
 *     signed bytes = UTF-8("backbone/server.proof/v1\n") ‖ UTF-8(JCS(body))
 *     body = {boxPublicKey, clientNonce, serverId, signPublicKey}
 *
 * The client checks it against the signing key whose hash is the (pinned) server id
 * (`verifiedServerKeys`) and uses a box key only once it is proven this way.
 */
import { z } from 'zod';
import {
  base32Encode,
  blake2b,
  fromBase64Url,
  randomBytes,
  signPublicKey,
  SignedStatementSchema,
  signStatement,
  toBase64Url,
  verifyStatement,
  type BoxPublicKey,
  type SignKeyPair,
  type SignPublicKey,
  type SignedStatement,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import { apiVersionSchema, base64UrlBytesSchema, publicKeySchema } from './common.js';

export const SERVER_ID_PREFIX = 'bbs1';
export const serverIdSchema = z.string().regex(/^bbs1[a-z2-7]{32}$/, 'must be a server id');

/** The server id of a server signing key. */
export function serverIdOf(signPk: SignPublicKey): string {
  signPublicKey(signPk);
  return SERVER_ID_PREFIX + base32Encode(blake2b(signPk, 20));
}

export const SERVER_PROOF_KIND = 'server.proof';
export const SERVER_PROOF_VERSION = 1;

/** The client's fresh nonce the server signs (32 random bytes, base64url). */
export const clientNonceSchema = base64UrlBytesSchema(32);

/** Body of the `server.proof` statement. */
export const ServerProofBodySchema = z.strictObject({
  boxPublicKey: publicKeySchema,
  clientNonce: clientNonceSchema,
  serverId: serverIdSchema,
  signPublicKey: publicKeySchema,
});
export type ServerProofBody = z.infer<typeof ServerProofBodySchema>;
export type ServerProof = SignedStatement<ServerProofBody>;

/** A fresh client nonce. */
export function newClientNonce(): string {
  return toBase64Url(randomBytes(32));
}

/** The server signs its box key and the client's nonce (server side). */
export function signServerProof(
  signKeyPair: SignKeyPair,
  boxPublicKey: BoxPublicKey | Uint8Array,
  clientNonce: string,
): ServerProof {
  const body: ServerProofBody = {
    boxPublicKey: toBase64Url(boxPublicKey),
    clientNonce,
    serverId: serverIdOf(signKeyPair.publicKey),
    signPublicKey: toBase64Url(signKeyPair.publicKey),
  };
  return signStatement(SERVER_PROOF_KIND, SERVER_PROOF_VERSION, body, signKeyPair);
}

/** `GET /v1/server` query: the client's nonce (without it the answer carries no proof). */
export const serverInfoQuerySchema = z.strictObject({ nonce: clientNonceSchema.optional() });
export type ServerInfoQuery = z.infer<typeof serverInfoQuerySchema>;

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
  /** `server.proof` over `nonce` (present when the request carried one). */
  proof: SignedStatementSchema.optional(),
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

function proofInvalid(message: string, cause?: unknown): BackboneError {
  return new BackboneError(
    'SERVER_PROOF_INVALID',
    `${message} Do not use this server: check the address and ask the server operator.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Checks a `server.proof` statement against the signing key `signPublicKeyText` (base64url, the
 * one whose hash is the server id), the nonce this client sent, and the box key it was shown.
 * Throws `SERVER_PROOF_INVALID` if anything differs; returns the proven body.
 */
export function verifyServerProof(
  proof: unknown,
  expected: { signPublicKey: string; clientNonce: string; boxPublicKey?: string },
): ServerProofBody {
  if (proof === undefined) {
    throw proofInvalid('The server did not prove that it holds its keys (no signed proof).');
  }
  let signPk: SignPublicKey;
  let serverId: string;
  try {
    signPk = signPublicKey(fromBase64Url(expected.signPublicKey));
    serverId = serverIdOf(signPk);
  } catch (cause) {
    throw proofInvalid('The server sent an invalid signing key.', cause);
  }
  let body: ServerProofBody;
  try {
    body = verifyStatement(
      proof,
      SERVER_PROOF_KIND,
      SERVER_PROOF_VERSION,
      signPk,
      ServerProofBodySchema,
    );
  } catch (cause) {
    if (!isBackboneError(cause)) throw cause;
    throw proofInvalid("The server's proof is not signed by its own key.", cause);
  }
  if (body.clientNonce !== expected.clientNonce) {
    throw proofInvalid("The server's proof answers another request (a replayed proof).");
  }
  if (body.serverId !== serverId || body.signPublicKey !== expected.signPublicKey) {
    throw proofInvalid("The server's proof names another server.");
  }
  if (expected.boxPublicKey !== undefined && body.boxPublicKey !== expected.boxPublicKey) {
    throw proofInvalid('The server presented a box key its own signing key does not vouch for.');
  }
  return body;
}

/** A server's keys, proven: the id names the signing key, which signed the box key. */
export interface ProvenServerKeys {
  serverId: string;
  boxPublicKey: string;
  signPublicKey: string;
}

/**
 * `verifiedServerId` plus the proof: the answer to `GET /v1/server?nonce=<clientNonce>` names
 * itself by its own key and that key signed the box key and this nonce. `SERVER_INVALID_RESPONSE`
 * for a mismatched id, `SERVER_PROOF_INVALID` for a missing or wrong proof.
 */
export function verifiedServerKeys(
  info: ServerInfoResponse,
  clientNonce: string,
): ProvenServerKeys {
  const serverId = verifiedServerId(info);
  verifyServerProof(info.proof, {
    signPublicKey: info.signPublicKey,
    clientNonce,
    boxPublicKey: info.boxPublicKey,
  });
  return { serverId, boxPublicKey: info.boxPublicKey, signPublicKey: info.signPublicKey };
}

/** `GET /healthz` (200; a failing check answers 503 with an error body). */
export const healthResponseSchema = z.strictObject({
  status: z.literal('ok'),
  database: z.literal('ok'),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;
