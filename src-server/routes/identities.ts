/**
 * Identities and devices (`/v1/identities/…`). Registration, adding and revoking devices are
 * authorized by identity-signed statements (see `src-shared/api/identities.ts`); reading needs
 * a token.
 */
import {
  fromBase64Url,
  signPublicKey,
  toBase64Url,
  verifyDeviceCertificate,
  identityAddress,
  type SignPublicKey,
  type SignedStatement,
  type VerifiedDevice,
} from '../../src-shared/crypto/index.js';
import { API_PREFIX, API_VERSION, emptyQuerySchema } from '../../src-shared/api/common.js';
import {
  addDeviceRequestSchema,
  deviceListResponseSchema,
  deviceParamsSchema,
  deviceResponseSchema,
  identityParamsSchema,
  identityResponseSchema,
  registerIdentityRequestSchema,
  registerIdentityResponseSchema,
  revokeDeviceRequestSchema,
  verifyDeviceRevocation,
  verifyIdentityProfile,
  type DeviceView,
  type IdentityView,
} from '../../src-shared/api/identities.js';
import { BackboneError, isBackboneError } from '../../src-shared/errors.js';
import { authOf, authentication, requireScopes } from '../auth/authenticate.js';
import { deviceRecordOf } from '../auth/login.js';
import { iso, type App, type RoutePlugin, type ServerContext } from '../context.js';
import { authRouteRateLimit, enforce } from '../plugins/rate-limit.js';
import type { DeviceRecord, IdentityRecord } from '../storage/storage.js';

/** Runs a signature check; a bad signature becomes 403 `SIGNATURE_INVALID`. */
function checked<T>(what: string, verify: () => T): T {
  try {
    return verify();
  } catch (error) {
    if (isBackboneError(error, 'CRYPTO_BAD_SIGNATURE')) {
      throw new BackboneError(
        'SIGNATURE_INVALID',
        `The ${what} is not signed by this identity's key.`,
        { cause: error },
      );
    }
    throw error; // STATEMENT_INVALID, UNSUPPORTED_VERSION, CRYPTO_INVALID_KEY: 400
  }
}

function identityView(record: IdentityRecord): IdentityView {
  return {
    id: record.id,
    signPublicKey: record.signPublicKey,
    boxPublicKey: record.boxPublicKey,
    displayName: record.displayName,
    profile: JSON.parse(record.profile) as SignedStatement,
    createdAt: iso(record.createdAt),
  };
}

function deviceView(record: DeviceRecord): DeviceView {
  return {
    id: record.id,
    identityId: record.identityId,
    name: record.name,
    platform: record.platform,
    certificate: JSON.parse(record.certificate) as SignedStatement,
    createdAt: iso(record.createdAt),
    revokedAt: record.revokedAt === null ? null : iso(record.revokedAt),
    revocation:
      record.revocation === null ? null : (JSON.parse(record.revocation) as SignedStatement),
  };
}

function identityKey(record: IdentityRecord): SignPublicKey {
  return signPublicKey(fromBase64Url(record.signPublicKey));
}

async function requireIdentity(ctx: ServerContext, id: string): Promise<IdentityRecord> {
  const identity = await ctx.storage.getIdentity(id);
  if (!identity) throw new BackboneError('NOT_FOUND', 'There is no such identity on this server.');
  return identity;
}

export const identityRoutes: RoutePlugin = async (app, { ctx }) => {
  const base = `${API_PREFIX}/identities`;

  // Registration and device changes: authorized by identity-signed statements, no token; the
  // tighter per-IP limit of the auth routes (the identity's own limit once the signature holds).
  await app.register(async (open: App) => {
    await open.register(authRouteRateLimit, { limits: ctx.limits });

    open.post(
      base,
      {
        schema: {
          querystring: emptyQuerySchema,
          body: registerIdentityRequestSchema,
          response: { 201: registerIdentityResponseSchema },
        },
      },
      async (request, reply) => {
        const { profile, deviceCertificate } = request.body;
        const verified = checked('identity profile', () => verifyIdentityProfile(profile));
        const id = identityAddress(verified.signPublicKey);
        const device: VerifiedDevice = checked('device certificate', () =>
          verifyDeviceCertificate(deviceCertificate, verified.signPublicKey),
        );
        const now = ctx.clock.now();
        const identity: IdentityRecord = {
          id,
          signPublicKey: toBase64Url(verified.signPublicKey),
          boxPublicKey: toBase64Url(verified.boxPublicKey),
          displayName: verified.displayName,
          profile: JSON.stringify(profile),
          createdAt: now,
        };
        const deviceRecord = deviceRecordOf(id, device, deviceCertificate, now);
        await ctx.storage.createIdentity(identity, deviceRecord);
        request.log.info({ identity: id }, 'identity registered');
        reply.code(201);
        return {
          v: API_VERSION,
          identity: identityView(identity),
          device: deviceView(deviceRecord),
        };
      },
    );

    open.post(
      `${base}/:identityId/devices`,
      {
        schema: {
          params: identityParamsSchema,
          querystring: emptyQuerySchema,
          body: addDeviceRequestSchema,
          response: { 201: deviceResponseSchema },
        },
      },
      async (request, reply) => {
        const identity = await requireIdentity(ctx, request.params.identityId);
        const device = checked('device certificate', () =>
          verifyDeviceCertificate(request.body.certificate, identityKey(identity)),
        );
        enforce(ctx.limits.account, identity.id);
        const existing = await ctx.storage.getDevice(toBase64Url(device.devicePublicKey));
        if (existing?.revokedAt !== null && existing?.revokedAt !== undefined) {
          throw new BackboneError(
            'DEVICE_REVOKED',
            'This device key was revoked and cannot be added again. Make a new device key.',
          );
        }
        const record = deviceRecordOf(
          identity.id,
          device,
          request.body.certificate,
          ctx.clock.now(),
        );
        await ctx.storage.addDevice(record);
        request.log.info({ identity: identity.id, device: record.id }, 'device added');
        reply.code(201);
        return { v: API_VERSION, device: deviceView(record) };
      },
    );

    open.post(
      `${base}/:identityId/devices/:deviceId/revoke`,
      {
        schema: {
          params: deviceParamsSchema,
          querystring: emptyQuerySchema,
          body: revokeDeviceRequestSchema,
          response: { 200: deviceResponseSchema },
        },
      },
      async (request) => {
        const { identityId, deviceId } = request.params;
        const identity = await requireIdentity(ctx, identityId);
        const revocation = checked('device revocation', () =>
          verifyDeviceRevocation(request.body.revocation, identityKey(identity)),
        );
        enforce(ctx.limits.account, identity.id);
        if (revocation.device !== deviceId) {
          throw new BackboneError('INVALID_REQUEST', 'The revocation names another device.');
        }
        const device = await ctx.storage.getDevice(deviceId);
        if (!device || device.identityId !== identity.id) {
          throw new BackboneError('NOT_FOUND', 'This identity has no such device.');
        }
        const revoked = await ctx.storage.revokeDevice(
          deviceId,
          ctx.clock.now(),
          JSON.stringify(request.body.revocation),
        );
        if (!revoked) throw new BackboneError('NOT_FOUND', 'This identity has no such device.');
        request.log.info({ identity: identity.id, device: deviceId }, 'device revoked');
        return { v: API_VERSION, device: deviceView(revoked) };
      },
    );
  });

  // Reading identities and devices: a valid token (401 otherwise).
  await app.register(async (guarded: App) => {
    await guarded.register(authentication, { ctx });

    guarded.get(
      `${base}/:identityId`,
      {
        schema: {
          params: identityParamsSchema,
          querystring: emptyQuerySchema,
          response: { 200: identityResponseSchema },
        },
      },
      async (request) => {
        const identity = await requireIdentity(ctx, request.params.identityId);
        return { v: API_VERSION, identity: identityView(identity) };
      },
    );

    guarded.get(
      `${base}/:identityId/devices`,
      {
        preHandler: requireScopes('IDENTITY_READ'),
        schema: {
          params: identityParamsSchema,
          querystring: emptyQuerySchema,
          response: { 200: deviceListResponseSchema },
        },
      },
      async (request) => {
        if (authOf(request).identityId !== request.params.identityId) {
          throw new BackboneError('FORBIDDEN', 'Only the identity itself may list its devices.');
        }
        const devices = await ctx.storage.listDevices(request.params.identityId);
        return { v: API_VERSION, devices: devices.map(deviceView) };
      },
    );
  });
};
