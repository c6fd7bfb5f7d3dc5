/**
 * Identities and devices on the server.
 *
 * Everything here is authorized by the identity's own signature, not by a token, so a user who
 * recovered their root secret (Emergency Kit) can always certify a new device and log in:
 *  - `identity.profile` v1 (self-signed by the identity key): `{identity, box, displayName,
 *    created}` — registers the identity and binds its box key and display name; clients that
 *    fetch an identity check this signature themselves.
 *  - `device.cert` v1 (crypto/identity.ts): certifies a device key.
 *  - `device.revoke` v1: `{identity, device, revoked}` — revokes a device for good; its tokens
 *    stop working at once and it can never log in again.
 * Signed bytes: `"backbone/<kind>/v1\n" ‖ JCS(body)` (docs/design.md §0).
 */
import { z } from 'zod';
import {
  SignedStatementSchema,
  boxPublicKey,
  fromBase64Url,
  signPublicKey,
  signStatement,
  toBase64Url,
  verifyStatement,
  type BoxPublicKey,
  type SignKeyPair,
  type SignPublicKey,
  type SignedStatement,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import {
  apiVersionSchema,
  deviceIdSchema,
  identityIdSchema,
  publicKeySchema,
  timestampSchema,
} from './common.js';

export const IDENTITY_PROFILE_KIND = 'identity.profile';
export const IDENTITY_PROFILE_VERSION = 1;
export const DEVICE_REVOKE_KIND = 'device.revoke';
export const DEVICE_REVOKE_VERSION = 1;

export const displayNameSchema = z.string().min(1).max(100);

export const IdentityProfileBodySchema = z.strictObject({
  identity: publicKeySchema,
  box: publicKeySchema,
  displayName: displayNameSchema,
  created: timestampSchema,
});
export type IdentityProfileBody = z.infer<typeof IdentityProfileBodySchema>;
export type IdentityProfile = SignedStatement<IdentityProfileBody>;

export const DeviceRevocationBodySchema = z.strictObject({
  identity: publicKeySchema,
  device: deviceIdSchema,
  revoked: timestampSchema,
});
export type DeviceRevocationBody = z.infer<typeof DeviceRevocationBodySchema>;
export type DeviceRevocation = SignedStatement<DeviceRevocationBody>;

/** The identity signs its profile (client side). */
export function createIdentityProfile(
  identitySignKeyPair: SignKeyPair,
  input: { boxPublicKey: BoxPublicKey; displayName: string; created: Date | string },
): IdentityProfile {
  const body = IdentityProfileBodySchema.parse({
    identity: toBase64Url(identitySignKeyPair.publicKey),
    box: toBase64Url(boxPublicKey(input.boxPublicKey)),
    displayName: input.displayName,
    created: input.created instanceof Date ? input.created.toISOString() : input.created,
  });
  return signStatement(IDENTITY_PROFILE_KIND, IDENTITY_PROFILE_VERSION, body, identitySignKeyPair);
}

export interface VerifiedIdentityProfile {
  signPublicKey: SignPublicKey;
  boxPublicKey: BoxPublicKey;
  displayName: string;
  created: string;
}

/**
 * Verifies a self-signed profile: the key named in the body must have signed it. Throws
 * `STATEMENT_INVALID`, `UNSUPPORTED_VERSION` or `CRYPTO_BAD_SIGNATURE`. With `expected`, the
 * profile must also belong to that identity key.
 */
export function verifyIdentityProfile(
  statement: unknown,
  expected?: SignPublicKey,
): VerifiedIdentityProfile {
  const claimed = IdentityProfileBodySchema.shape.identity.safeParse(
    (statement as { body?: { identity?: unknown } } | null)?.body?.identity,
  );
  if (!claimed.success) {
    throw new BackboneError('STATEMENT_INVALID', 'This identity profile names no valid key.');
  }
  const signPk = signPublicKey(fromBase64Url(claimed.data));
  if (expected && toBase64Url(expected) !== claimed.data) {
    throw new BackboneError('STATEMENT_INVALID', 'This identity profile is for another identity.');
  }
  const body = verifyStatement(
    statement,
    IDENTITY_PROFILE_KIND,
    IDENTITY_PROFILE_VERSION,
    signPk,
    IdentityProfileBodySchema,
  );
  return {
    signPublicKey: signPk,
    boxPublicKey: boxPublicKey(fromBase64Url(body.box)),
    displayName: body.displayName,
    created: body.created,
  };
}

/** The identity revokes one of its devices (client side). */
export function createDeviceRevocation(
  identitySignKeyPair: SignKeyPair,
  input: { devicePublicKey: SignPublicKey; revoked: Date | string },
): DeviceRevocation {
  const body = DeviceRevocationBodySchema.parse({
    identity: toBase64Url(identitySignKeyPair.publicKey),
    device: toBase64Url(signPublicKey(input.devicePublicKey)),
    revoked: input.revoked instanceof Date ? input.revoked.toISOString() : input.revoked,
  });
  return signStatement(DEVICE_REVOKE_KIND, DEVICE_REVOKE_VERSION, body, identitySignKeyPair);
}

/** Verifies a revocation by `identitySignPk`. Throws like `verifyStatement`. */
export function verifyDeviceRevocation(
  statement: unknown,
  identitySignPk: SignPublicKey,
): DeviceRevocationBody {
  const body = verifyStatement(
    statement,
    DEVICE_REVOKE_KIND,
    DEVICE_REVOKE_VERSION,
    identitySignPk,
    DeviceRevocationBodySchema,
  );
  if (body.identity !== toBase64Url(identitySignPk)) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      'This revocation names a different identity than the one that signed it.',
    );
  }
  return body;
}

// --- wire messages ------------------------------------------------------------------------------

export const identityParamsSchema = z.strictObject({ identityId: identityIdSchema });
export const deviceParamsSchema = z.strictObject({
  identityId: identityIdSchema,
  deviceId: deviceIdSchema,
});

/** An identity as the server describes it. Check `profile` yourself: the server is untrusted. */
export const identitySchema = z.strictObject({
  id: identityIdSchema,
  signPublicKey: publicKeySchema,
  boxPublicKey: publicKeySchema,
  displayName: displayNameSchema,
  /** The self-signed `identity.profile` statement the fields above come from. */
  profile: SignedStatementSchema,
  /** When the server registered it. */
  createdAt: timestampSchema,
});
export type IdentityView = z.infer<typeof identitySchema>;

export const deviceSchema = z.strictObject({
  id: deviceIdSchema,
  identityId: identityIdSchema,
  name: z.string().min(1).max(100),
  platform: z.string().min(1).max(50),
  /** The identity-signed `device.cert` statement. */
  certificate: SignedStatementSchema,
  /** When the server registered it. */
  createdAt: timestampSchema,
  revokedAt: timestampSchema.nullable(),
  /** The identity-signed `device.revoke` statement, once revoked. */
  revocation: SignedStatementSchema.nullable(),
});
export type DeviceView = z.infer<typeof deviceSchema>;

/** `POST /v1/identities` */
export const registerIdentityRequestSchema = z.strictObject({
  v: apiVersionSchema,
  profile: SignedStatementSchema,
  /** Certificate of the first device. */
  deviceCertificate: SignedStatementSchema,
});
export type RegisterIdentityRequest = z.infer<typeof registerIdentityRequestSchema>;

export const registerIdentityResponseSchema = z.strictObject({
  v: apiVersionSchema,
  identity: identitySchema,
  device: deviceSchema,
});
export type RegisterIdentityResponse = z.infer<typeof registerIdentityResponseSchema>;

/** `GET /v1/identities/:identityId` */
export const identityResponseSchema = z.strictObject({
  v: apiVersionSchema,
  identity: identitySchema,
});
export type IdentityResponse = z.infer<typeof identityResponseSchema>;

/** `POST /v1/identities/:identityId/devices` */
export const addDeviceRequestSchema = z.strictObject({
  v: apiVersionSchema,
  certificate: SignedStatementSchema,
});
export type AddDeviceRequest = z.infer<typeof addDeviceRequestSchema>;

/** Answer of add and revoke. */
export const deviceResponseSchema = z.strictObject({
  v: apiVersionSchema,
  device: deviceSchema,
});
export type DeviceResponse = z.infer<typeof deviceResponseSchema>;

/** `GET /v1/identities/:identityId/devices` (own identity only) */
export const deviceListResponseSchema = z.strictObject({
  v: apiVersionSchema,
  devices: z.array(deviceSchema),
});
export type DeviceListResponse = z.infer<typeof deviceListResponseSchema>;

/** `POST /v1/identities/:identityId/devices/:deviceId/revoke` */
export const revokeDeviceRequestSchema = z.strictObject({
  v: apiVersionSchema,
  revocation: SignedStatementSchema,
});
export type RevokeDeviceRequest = z.infer<typeof revokeDeviceRequestSchema>;
