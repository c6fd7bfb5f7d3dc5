/**
 * `client.device`: the devices of this identity (docs/design.md §2, `src-shared/api/identities.ts`).
 *
 * - `list()`: every device the server knows for this identity, revoked ones included, with
 *   `current` set on the device this client uses (the one its token belongs to).
 * - `revoke(deviceId)`: signs a `device.revoke` statement with the identity key and posts it.
 *   The device's tokens stop working at once and it can never log in again. Revoking the device
 *   this client uses is refused unless `{ allowCurrent: true }`.
 *
 * The server is untrusted: every listed device must carry a certificate signed by this
 * identity for that device key, and a revoked one an identity-signed revocation; names and
 * platforms shown are the signed ones. Anything else is a `VerificationError`.
 */
import { currentTokenResponseSchema } from '../api/auth.js';
import { API_VERSION, deviceIdSchema } from '../api/common.js';
import {
  createDeviceRevocation,
  deviceListResponseSchema,
  deviceResponseSchema,
  verifyDeviceRevocation,
  type DeviceView,
} from '../api/identities.js';
import {
  DeviceCertificateBodySchema,
  fromBase64Url,
  identityAddressMatches,
  signPublicKey,
  toBase64Url,
  verifyDeviceCertificate,
  type SignPublicKey,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import type { ClientContext } from './client-context.js';
import { VerificationError } from './workspaces.js';

/** A device of this identity, checked against the identity's signatures. */
export interface DeviceSummary {
  /** The device's public key (base64url), as used in `revoke`. */
  id: string;
  /** Name and platform from the identity-signed certificate. */
  name: string;
  platform: string;
  /** When the certificate was signed (the device was made). */
  certifiedAt: string;
  /** When the server first saw the device. */
  addedAt: string;
  /** When it was revoked, or null while it is active. */
  revokedAt: string | null;
  /** True for the device this client is using. */
  current: boolean;
}

export interface RevokeDeviceOptions {
  /** Allow revoking the device this client uses (it is signed out for good). */
  allowCurrent?: boolean;
}

function refuse(message: string, cause?: unknown): VerificationError {
  return new VerificationError(
    'SERVER_INVALID_RESPONSE',
    `${message} This server's answer cannot be trusted.`,
    cause === undefined ? undefined : { cause },
  );
}

/** The identity key a device view claims, checked against the address we expect. */
function claimedIdentityKey(view: DeviceView, address: string): SignPublicKey {
  const body = DeviceCertificateBodySchema.safeParse(view.certificate.body);
  if (!body.success) throw refuse(`Device ${view.id} has a malformed certificate.`);
  let key: SignPublicKey;
  try {
    key = signPublicKey(fromBase64Url(body.data.identity));
  } catch (cause) {
    throw refuse(`Device ${view.id} names an invalid identity key.`, cause);
  }
  if (!identityAddressMatches(address, key)) {
    throw refuse(`Device ${view.id} is certified by another identity.`);
  }
  return key;
}

/** Checks a device view against the identity's signatures and returns what it shows. */
export function verifiedDevice(
  view: DeviceView,
  address: string,
  currentDeviceId: string | undefined,
): DeviceSummary {
  if (view.identityId !== address) throw refuse(`Device ${view.id} belongs to another identity.`);
  const identityKey = claimedIdentityKey(view, address);
  let certified;
  try {
    certified = verifyDeviceCertificate(view.certificate, identityKey);
  } catch (cause) {
    throw refuse(`The certificate of device ${view.id} does not verify.`, cause);
  }
  if (toBase64Url(certified.devicePublicKey) !== view.id) {
    throw refuse(`The certificate of device ${view.id} is for another device key.`);
  }
  if ((view.revokedAt === null) !== (view.revocation === null)) {
    throw refuse(`Device ${view.id} has a revocation time without a revocation, or the reverse.`);
  }
  if (view.revocation !== null) {
    let revoked;
    try {
      revoked = verifyDeviceRevocation(view.revocation, identityKey);
    } catch (cause) {
      throw refuse(`The revocation of device ${view.id} does not verify.`, cause);
    }
    if (revoked.device !== view.id) {
      throw refuse(`The revocation shown for device ${view.id} names another device.`);
    }
  }
  return {
    id: view.id,
    name: certified.name,
    platform: certified.platform,
    certifiedAt: certified.created,
    addedAt: view.createdAt,
    revokedAt: view.revokedAt,
    current: view.id === currentDeviceId,
  };
}

export class DeviceApi {
  constructor(private readonly ctx: ClientContext) {}

  /** This identity's devices, oldest first as the server lists them. */
  async list(): Promise<DeviceSummary[]> {
    return this.ctx.authorized(async (token) => {
      // The token's own record says which device this client is (works without opening keys).
      const { info } = await this.ctx.http.request('GET', '/v1/auth/tokens/current', {
        schema: currentTokenResponseSchema,
        token,
        expect: 200,
      });
      const known = this.ctx.identityAddress();
      if (known !== undefined && info.identityId !== known) {
        throw refuse('The token in use is described as belonging to another identity.');
      }
      const address = known ?? info.identityId;
      const answer = await this.ctx.http.request('GET', `/v1/identities/${address}/devices`, {
        schema: deviceListResponseSchema,
        token,
        expect: 200,
      });
      const devices = answer.devices.map((view) => verifiedDevice(view, address, info.deviceId));
      if (new Set(devices.map((d) => d.id)).size !== devices.length) {
        throw refuse('The same device is listed twice.');
      }
      return devices;
    });
  }

  /**
   * Revokes one of this identity's devices for good (needs the identity key, not a token).
   * Returns the device as revoked. An unknown device is the server's `NOT_FOUND`.
   */
  async revoke(deviceId: string, options: RevokeDeviceOptions = {}): Promise<DeviceSummary> {
    if (!deviceIdSchema.safeParse(deviceId).success) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        'A device id is 43 base64url characters (see the device list).',
      );
    }
    const keys = await this.ctx.keys();
    const isCurrent = deviceId === keys.deviceId;
    if (isCurrent && options.allowCurrent !== true) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        `This is the device you are using: ${deviceId}. Revoking it signs this client out for good and its key can never log in again; allow it explicitly to go ahead.`,
      );
    }
    const revocation = createDeviceRevocation(keys.identity.signKeyPair, {
      devicePublicKey: signPublicKey(fromBase64Url(deviceId)),
      revoked: new Date(),
    });
    const answer = await this.ctx.http.request(
      'POST',
      `/v1/identities/${keys.address}/devices/${deviceId}/revoke`,
      { schema: deviceResponseSchema, body: { v: API_VERSION, revocation }, expect: 200 },
    );
    if (answer.device.id !== deviceId || answer.device.revokedAt === null) {
      throw refuse('The server did not confirm this revocation.');
    }
    const device = verifiedDevice(answer.device, keys.address, keys.deviceId);
    // Our own token died with the device: do not keep offering it.
    if (isCurrent) await this.ctx.forgetToken();
    return device;
  }
}
