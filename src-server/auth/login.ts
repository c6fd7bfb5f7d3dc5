/**
 * Challenges and the login check (docs/design.md §2).
 *
 * Order of checks in `verifyLogin` (each failure is 401 with its own code):
 *  1. the challenge is consumed (deleted) first, so a failed attempt burns it: unknown or
 *     already used → `AUTH_CHALLENGE_INVALID`, past its 5 minutes → `AUTH_CHALLENGE_EXPIRED`;
 *  2. the signed nonce (constant-time) and audience (this server's id) must match, and the signed
 *     origin must be one of this server's own (`origins.ts`) → `AUTH_ORIGIN_MISMATCH`: a
 *     challenge relayed through another host was signed for that host;
 *  3. the identity must be registered (`AUTH_IDENTITY_UNKNOWN`);
 *  4. the device certificate must be signed by that identity (`AUTH_CERTIFICATE_INVALID`) and
 *     name the device that signed the response;
 *  5. the response must be signed by that device key (`AUTH_SIGNATURE_INVALID`);
 *  6. the device must not be revoked (`AUTH_DEVICE_REVOKED`) — told only to the key's holder.
 * A valid certificate of a device the server has not seen registers that device: the identity's
 * signature is the authority, so a recovered identity can always bring a new device.
 */
import {
  constantTimeEqual,
  fromBase64Url,
  randomBytes,
  toBase64Url,
  utf8,
  verifyDeviceCertificate,
  verifyStatement,
  signPublicKey,
  type VerifiedDevice,
} from '../../src-shared/crypto/index.js';
import {
  AUTH_CHALLENGE_TTL_SECONDS,
  AUTH_RESPONSE_KIND,
  AUTH_RESPONSE_VERSION,
  AuthResponseBodySchema,
  type ChallengeResponse,
  type LoginRequest,
} from '../../src-shared/api/auth.js';
import { API_VERSION } from '../../src-shared/api/common.js';
import { BackboneError, isBackboneError, type ErrorCode } from '../../src-shared/errors.js';
import { iso, type ServerContext } from '../context.js';
import { serverProof } from '../server-keys.js';
import type { DeviceRecord, IdentityRecord } from '../storage/storage.js';
import { newPublicId } from './tokens.js';

/** Makes and stores a challenge; signs the server proof over `clientNonce` when given. */
export async function createChallenge(
  ctx: ServerContext,
  clientNonce?: string,
): Promise<ChallengeResponse> {
  const now = ctx.clock.now();
  const challenge = {
    id: newPublicId(),
    nonce: toBase64Url(randomBytes(32)),
    createdAt: now,
    expiresAt: now + AUTH_CHALLENGE_TTL_SECONDS * 1000,
  };
  await ctx.storage.createChallenge(challenge);
  return {
    v: API_VERSION,
    id: challenge.id,
    nonce: challenge.nonce,
    audience: ctx.keys().id,
    expiresAt: iso(challenge.expiresAt),
    ...(clientNonce === undefined ? {} : { proof: serverProof(ctx.keys(), clientNonce) }),
  };
}

function fail(code: ErrorCode, message: string, cause?: unknown): BackboneError {
  return new BackboneError(code, message, cause === undefined ? undefined : { cause });
}

/** A device record from a verified certificate. */
export function deviceRecordOf(
  identityId: string,
  device: VerifiedDevice,
  certificate: unknown,
  now: number,
): DeviceRecord {
  return {
    id: toBase64Url(device.devicePublicKey),
    identityId,
    name: device.name,
    platform: device.platform,
    certificate: JSON.stringify(certificate),
    createdAt: now,
    revokedAt: null,
    revocation: null,
  };
}

export interface VerifiedLogin {
  identity: IdentityRecord;
  device: DeviceRecord;
}

/**
 * `ownOrigins`: the origins this request may have been signed for (`acceptedOrigins` of its
 * connection).
 */
export async function verifyLogin(
  ctx: ServerContext,
  body: LoginRequest,
  ownOrigins: readonly string[],
): Promise<VerifiedLogin> {
  const response = body.response;
  if (response.kind !== AUTH_RESPONSE_KIND) {
    throw fail(
      'INVALID_REQUEST',
      `The login response must be an "${AUTH_RESPONSE_KIND}" statement.`,
    );
  }
  if (response.v !== AUTH_RESPONSE_VERSION) {
    throw fail(
      'UNSUPPORTED_VERSION',
      `This login response has version ${response.v}; this server understands version ${AUTH_RESPONSE_VERSION}.`,
    );
  }
  const parsed = AuthResponseBodySchema.safeParse(response.body);
  if (!parsed.success) {
    throw fail(
      'INVALID_REQUEST',
      `Invalid body: response.body.${parsed.error.issues[0]?.path.join('.') ?? ''} is malformed.`,
    );
  }
  const signed = parsed.data;
  if (signed.identity !== body.identity) {
    throw fail('INVALID_REQUEST', 'The login response is signed for another identity.');
  }

  // 1. single use: the challenge is gone from here on, whatever happens next.
  const challenge = await ctx.storage.consumeChallenge(signed.challenge);
  if (!challenge) {
    throw fail(
      'AUTH_CHALLENGE_INVALID',
      'This challenge is unknown or was already used. Ask for a new one.',
    );
  }
  if (challenge.expiresAt <= ctx.clock.now()) {
    throw fail('AUTH_CHALLENGE_EXPIRED', 'This challenge has expired. Ask for a new one.');
  }
  // 2.
  if (!constantTimeEqual(utf8(challenge.nonce), utf8(signed.nonce))) {
    throw fail('AUTH_CHALLENGE_INVALID', 'The signed nonce does not match the challenge.');
  }
  if (signed.audience !== ctx.keys().id) {
    throw fail('AUTH_CHALLENGE_INVALID', 'This login response was made for another server.');
  }
  if (!ownOrigins.includes(signed.origin)) {
    throw fail(
      'AUTH_ORIGIN_MISMATCH',
      'This login was signed for another address than this server’s: it may have been relayed ' +
        'through another host. If clients reach this server through a reverse proxy, give its ' +
        'address with --public-url (BACKBONE_PUBLIC_URL).',
    );
  }
  // 3.
  const identity = await ctx.storage.getIdentity(body.identity);
  if (!identity) {
    throw fail('AUTH_IDENTITY_UNKNOWN', 'This identity is not registered on this server.');
  }
  // 4.
  let device: VerifiedDevice;
  try {
    device = verifyDeviceCertificate(
      body.certificate,
      signPublicKey(fromBase64Url(identity.signPublicKey)),
    );
  } catch (error) {
    if (!isBackboneError(error)) throw error;
    throw fail(
      'AUTH_CERTIFICATE_INVALID',
      'The device certificate is not valid for this identity.',
      error,
    );
  }
  const deviceId = toBase64Url(device.devicePublicKey);
  if (deviceId !== signed.device) {
    throw fail('AUTH_CERTIFICATE_INVALID', 'The device certificate is for another device.');
  }
  // 5.
  try {
    verifyStatement(
      response,
      AUTH_RESPONSE_KIND,
      AUTH_RESPONSE_VERSION,
      device.devicePublicKey,
      AuthResponseBodySchema,
    );
  } catch (error) {
    if (!isBackboneError(error)) throw error;
    throw fail(
      'AUTH_SIGNATURE_INVALID',
      'The login response is not signed by the certified device.',
      error,
    );
  }
  // 6.
  let stored = await ctx.storage.getDevice(deviceId);
  if (stored && stored.identityId !== identity.id) {
    throw fail('AUTH_CERTIFICATE_INVALID', 'This device belongs to another identity.');
  }
  if (stored?.revokedAt !== null && stored?.revokedAt !== undefined) {
    throw fail('AUTH_DEVICE_REVOKED', 'This device was revoked. It can no longer sign in.');
  }
  if (!stored) {
    const record = deviceRecordOf(identity.id, device, body.certificate, ctx.clock.now());
    try {
      await ctx.storage.addDevice(record);
      stored = record;
    } catch (error) {
      if (!isBackboneError(error, 'DEVICE_EXISTS')) throw error;
      stored = await ctx.storage.getDevice(deviceId);
      if (!stored || stored.identityId !== identity.id || stored.revokedAt !== null) {
        throw fail('AUTH_DEVICE_REVOKED', 'This device cannot sign in.');
      }
    }
  }
  return { identity, device: stored };
}
