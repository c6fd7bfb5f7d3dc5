import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeviceCertificate,
  generateSignKeyPair,
  signStatement,
  toBase64Url,
  verifyDeviceCertificate,
} from '../../src-shared/crypto/index.js';
import {
  createDeviceRevocation,
  createIdentityProfile,
  deviceListResponseSchema,
  deviceResponseSchema,
  identityResponseSchema,
  registerIdentityResponseSchema,
  verifyIdentityProfile,
} from '../../src-shared/api/identities.js';
import { useTestBackends } from '../test/backends.js';
import {
  errorCode,
  login,
  newTestDevice,
  newTestIdentity,
  register,
  registeredUser,
  registrationBody,
  revocationBody,
  type ApiClient,
} from '../test/client.js';
import { startTestServer, type TestServer } from '../test/harness.js';

const backends = useTestBackends();

describe.each(backends)('identity routes ($name)', (backend) => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(backend);
    api = server.api;
  });
  afterAll(() => server.close());

  describe('registration', () => {
    it('registers an identity with its first device', async () => {
      const user = newTestIdentity('Alice Example');
      const response = await api.post('/v1/identities', registrationBody(user));
      expect(response.status).toBe(201);
      const body = registerIdentityResponseSchema.parse(response.body);
      expect(body.identity).toMatchObject({
        id: user.id,
        signPublicKey: toBase64Url(user.identity.signKeyPair.publicKey),
        boxPublicKey: toBase64Url(user.identity.boxKeyPair.publicKey),
        displayName: 'Alice Example',
      });
      expect(body.device).toMatchObject({
        id: user.devices[0]!.id,
        identityId: user.id,
        name: 'laptop',
        platform: 'linux',
        revokedAt: null,
        revocation: null,
      });
      // what the server hands back is what the identity signed: clients can check it
      expect(verifyIdentityProfile(body.identity.profile).displayName).toBe('Alice Example');
      verifyDeviceCertificate(body.device.certificate, user.identity.signKeyPair.publicKey);
    });

    it('refuses the same identity twice and a device key already taken', async () => {
      const user = newTestIdentity();
      await register(api, user);
      const again = await api.post('/v1/identities', registrationBody(user));
      expect(again.status).toBe(409);
      expect(errorCode(again)).toBe('IDENTITY_EXISTS');

      const other = newTestIdentity('Bob');
      // Bob certifies Alice's device key as his first device
      const stolen = createDeviceCertificate(other.identity.signKeyPair, {
        devicePublicKey: user.devices[0]!.keyPair.publicKey,
        name: 'x',
        platform: 'linux',
        created: new Date(),
      });
      const taken = await api.post('/v1/identities', {
        v: 1,
        profile: other.profile,
        deviceCertificate: stolen,
      });
      expect(taken.status).toBe(409);
      expect(errorCode(taken)).toBe('DEVICE_EXISTS');
    });

    it('refuses a profile not signed by the key it names', async () => {
      const user = newTestIdentity();
      const mallory = generateSignKeyPair();
      const forged = signStatement('identity.profile', 1, user.profile.body, mallory);
      const response = await api.post('/v1/identities', {
        ...registrationBody(user),
        profile: forged,
      });
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('SIGNATURE_INVALID');
      const tampered = {
        ...user.profile,
        body: { ...user.profile.body, displayName: 'Mallory' },
      };
      const changed = await api.post('/v1/identities', {
        ...registrationBody(user),
        profile: tampered,
      });
      expect(errorCode(changed)).toBe('SIGNATURE_INVALID');
    });

    it('refuses a first-device certificate not signed by the identity', async () => {
      const user = newTestIdentity();
      const mallory = newTestIdentity('Mallory');
      const rogue = newTestDevice(user, 'rogue', mallory.identity.signKeyPair);
      const response = await api.post('/v1/identities', registrationBody(user, rogue));
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('SIGNATURE_INVALID');
      // a certificate by Mallory for Mallory does not fit Alice's profile either
      const mismatch = await api.post('/v1/identities', registrationBody(user, mallory.devices[0]));
      expect(mismatch.status).toBe(403);
    });

    it('refuses malformed and unsupported statements', async () => {
      const user = newTestIdentity();
      const wrongKind = { ...registrationBody(user), profile: user.devices[0]!.certificate };
      expect((await api.post('/v1/identities', wrongKind)).status).toBe(400);
      const v2 = signStatement('identity.profile', 2, user.profile.body, user.identity.signKeyPair);
      const unsupported = await api.post('/v1/identities', {
        ...registrationBody(user),
        profile: v2,
      });
      expect(errorCode(unsupported)).toBe('UNSUPPORTED_VERSION');
      const badBody = signStatement(
        'identity.profile',
        1,
        { ...user.profile.body, extra: true },
        user.identity.signKeyPair,
      );
      const extra = await api.post('/v1/identities', {
        ...registrationBody(user),
        profile: badBody,
      });
      expect(extra.status).toBe(400);
      const missing = await api.post('/v1/identities', { v: 1, profile: user.profile });
      expect(errorCode(missing)).toBe('INVALID_REQUEST');
      // nothing was stored
      expect(await server.storage.getIdentity(user.id)).toBeUndefined();
    });
  });

  describe('reading', () => {
    it('shows an identity to any logged-in user, not to strangers', async () => {
      const alice = await registeredUser(api, 'Alice');
      const bob = await registeredUser(api, 'Bob', { scopes: ['STORE_USE'] });
      const response = await api.get(`/v1/identities/${alice.user.id}`, { token: bob.token });
      expect(response.status).toBe(200);
      const { identity } = identityResponseSchema.parse(response.body);
      expect(identity.displayName).toBe('Alice');
      expect(verifyIdentityProfile(identity.profile).signPublicKey).toEqual(
        alice.user.identity.signKeyPair.publicKey,
      );
      const anonymous = await api.get(`/v1/identities/${alice.user.id}`);
      expect(anonymous.status).toBe(401);
      const unknown = await api.get(`/v1/identities/${newTestIdentity().id}`, {
        token: bob.token,
      });
      expect(unknown.status).toBe(404);
      expect(errorCode(unknown)).toBe('NOT_FOUND');
    });

    it('lists devices only to the identity itself, with IDENTITY_READ', async () => {
      const alice = await registeredUser(api, 'Alice');
      const bob = await registeredUser(api, 'Bob');
      const own = await api.get(`/v1/identities/${alice.user.id}/devices`, {
        token: alice.token,
      });
      expect(own.status).toBe(200);
      const { devices } = deviceListResponseSchema.parse(own.body);
      expect(devices.map((d) => d.id)).toEqual([alice.user.devices[0]!.id]);

      const other = await api.get(`/v1/identities/${alice.user.id}/devices`, {
        token: bob.token,
      });
      expect(other.status).toBe(403);
      expect(errorCode(other)).toBe('FORBIDDEN');

      const narrow = await login(api, alice.user, { scopes: ['STORE_USE'] });
      const noScope = await api.get(`/v1/identities/${alice.user.id}/devices`, {
        token: narrow.token,
      });
      expect(noScope.status).toBe(403);
      expect(errorCode(noScope)).toBe('FORBIDDEN');
    });
  });

  describe('devices', () => {
    it('adds a device certified by the identity; it can then log in', async () => {
      const { user, token } = await registeredUser(api);
      const phone = newTestDevice(user, 'phone');
      const response = await api.post(`/v1/identities/${user.id}/devices`, {
        v: 1,
        certificate: phone.certificate,
      });
      expect(response.status).toBe(201);
      expect(deviceResponseSchema.parse(response.body).device).toMatchObject({
        id: phone.id,
        name: 'phone',
        revokedAt: null,
      });
      const again = await api.post(`/v1/identities/${user.id}/devices`, {
        v: 1,
        certificate: phone.certificate,
      });
      expect(again.status).toBe(409);
      expect(errorCode(again)).toBe('DEVICE_EXISTS');
      const phoneLogin = await login(api, user, { device: phone });
      expect(phoneLogin.info.deviceId).toBe(phone.id);
      const list = deviceListResponseSchema.parse(
        (await api.get(`/v1/identities/${user.id}/devices`, { token })).body,
      );
      expect(list.devices).toHaveLength(2);
    });

    it('refuses a certificate not signed by the identity', async () => {
      const { user } = await registeredUser(api);
      const mallory = newTestIdentity('Mallory');
      const rogue = newTestDevice(user, 'rogue', mallory.identity.signKeyPair);
      const response = await api.post(`/v1/identities/${user.id}/devices`, {
        v: 1,
        certificate: rogue.certificate,
      });
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('SIGNATURE_INVALID');
      expect(await server.storage.getDevice(rogue.id)).toBeUndefined();
      // Mallory's own (valid) certificate posted to Alice's identity: names another identity
      const foreign = await api.post(`/v1/identities/${user.id}/devices`, {
        v: 1,
        certificate: mallory.devices[0]!.certificate,
      });
      expect(foreign.status).toBe(403);
    });

    it('answers 404 for an unknown identity', async () => {
      const stranger = newTestIdentity();
      const response = await api.post(`/v1/identities/${stranger.id}/devices`, {
        v: 1,
        certificate: stranger.devices[0]!.certificate,
      });
      expect(response.status).toBe(404);
    });

    it('revokes a device with an identity-signed revocation, for good', async () => {
      const { user, token } = await registeredUser(api);
      const phone = newTestDevice(user, 'phone');
      const phoneToken = (await login(api, user, { device: phone })).token;

      const response = await api.post(
        `/v1/identities/${user.id}/devices/${phone.id}/revoke`,
        revocationBody(user, phone),
      );
      expect(response.status).toBe(200);
      const { device } = deviceResponseSchema.parse(response.body);
      expect(device.revokedAt).toBe(new Date(server.clock.now()).toISOString());
      expect(device.revocation?.kind).toBe('device.revoke');

      expect((await api.get('/v1/auth/tokens/current', { token: phoneToken })).status).toBe(401);
      // revoking again is harmless; adding it back is refused
      const again = await api.post(
        `/v1/identities/${user.id}/devices/${phone.id}/revoke`,
        revocationBody(user, phone),
      );
      expect(again.status).toBe(200);
      const readd = await api.post(`/v1/identities/${user.id}/devices`, {
        v: 1,
        certificate: phone.certificate,
      });
      expect(readd.status).toBe(409);
      expect(errorCode(readd)).toBe('DEVICE_REVOKED');
      // the list shows it revoked
      const list = deviceListResponseSchema.parse(
        (await api.get(`/v1/identities/${user.id}/devices`, { token })).body,
      );
      expect(list.devices.find((d) => d.id === phone.id)?.revokedAt).not.toBeNull();
    });

    it('refuses revocations not signed by the identity or naming another device', async () => {
      const { user } = await registeredUser(api);
      const laptop = user.devices[0]!;
      const mallory = newTestIdentity('Mallory');
      const forged = {
        v: 1,
        revocation: createDeviceRevocation(mallory.identity.signKeyPair, {
          devicePublicKey: laptop.keyPair.publicKey,
          revoked: new Date(),
        }),
      };
      // Mallory's statement names Mallory as identity: refused before any signature passes
      const byMallory = await api.post(
        `/v1/identities/${user.id}/devices/${laptop.id}/revoke`,
        forged,
      );
      expect([400, 403]).toContain(byMallory.status);
      // a statement naming Alice, signed by Mallory
      const impersonated = {
        v: 1,
        revocation: signStatement(
          'device.revoke',
          1,
          { ...revocationBody(user, laptop).revocation.body },
          mallory.identity.signKeyPair,
        ),
      };
      const bad = await api.post(
        `/v1/identities/${user.id}/devices/${laptop.id}/revoke`,
        impersonated,
      );
      expect(bad.status).toBe(403);
      expect(errorCode(bad)).toBe('SIGNATURE_INVALID');

      const phone = newTestDevice(user, 'phone');
      await api.post(`/v1/identities/${user.id}/devices`, { v: 1, certificate: phone.certificate });
      const wrongDevice = await api.post(
        `/v1/identities/${user.id}/devices/${phone.id}/revoke`,
        revocationBody(user, laptop),
      );
      expect(wrongDevice.status).toBe(400);
      expect((await server.storage.getDevice(laptop.id))?.revokedAt).toBeNull();
      expect((await server.storage.getDevice(phone.id))?.revokedAt).toBeNull();

      const unknownDevice = newTestDevice(user, 'never-added');
      const missing = await api.post(
        `/v1/identities/${user.id}/devices/${unknownDevice.id}/revoke`,
        revocationBody(user, unknownDevice),
      );
      expect(missing.status).toBe(404);
    });

    it("cannot revoke another identity's device", async () => {
      const alice = await registeredUser(api, 'Alice');
      const bob = await registeredUser(api, 'Bob');
      const bobDevice = bob.user.devices[0]!;
      // Alice signs a revocation of Bob's device and posts it under her own identity
      const response = await api.post(
        `/v1/identities/${alice.user.id}/devices/${bobDevice.id}/revoke`,
        revocationBody(alice.user, bobDevice),
      );
      expect(response.status).toBe(404);
      expect((await api.get('/v1/auth/tokens/current', { token: bob.token })).status).toBe(200);
    });
  });

  it('the shared helper refuses to sign a malformed profile', () => {
    const user = newTestIdentity();
    expect(() =>
      createIdentityProfile(user.identity.signKeyPair, {
        boxPublicKey: user.identity.boxKeyPair.publicKey,
        displayName: '',
        created: new Date(),
      }),
    ).toThrow();
  });
});
