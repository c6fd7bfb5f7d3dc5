/**
 * `client.device` against a real in-process server: two devices of one identity (same root
 * secret, different device keys), listing with `current`, revoking the other device (its token
 * dies at once, it cannot log in again), refusing to revoke the device in use, unknown devices;
 * and the client's checks of what the server lists (certificates, revocations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceRevocation, type DeviceView } from '../api/identities.js';
import {
  createDeviceCertificate,
  cryptoReady,
  deriveIdentity,
  fromBase64Url,
  generateSignKeyPair,
  identityAddress,
  randomBytes,
  rootSecret,
  signPublicKey,
  signStatement,
  toBase64Url,
  type Identity,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { BackboneClient } from './client.js';
import { verifiedDevice } from './devices.js';
import { ServerError } from './http.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import { MaliciousProxy } from './test/malicious-proxy.js';
import { startSdkTestServer, type SdkTestServer } from './test/server.js';

const backends = useTestBackends();

let server: SdkTestServer;

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** Two clients of one identity: same root secret, each with its own device key. */
async function twoDevices(): Promise<{ laptop: BackboneClient; phone: BackboneClient }> {
  const secret = randomBytes(32);
  const laptop = new BackboneClient({
    server: server.url,
    privateKey: { rootSecret: secret, deviceSignKeyPair: generateSignKeyPair() },
    device: { name: 'laptop', platform: 'linux' },
  });
  const phone = new BackboneClient({
    server: server.url,
    privateKey: { rootSecret: secret, deviceSignKeyPair: generateSignKeyPair() },
    device: { name: 'phone', platform: 'ios' },
  });
  await laptop.authenticate(); // registers the identity with the laptop
  await phone.authenticate(); // adds the phone as a second device
  return { laptop, phone };
}

describe('client.device', () => {
  it('lists both devices, marking the one in use', async () => {
    const { laptop, phone } = await twoDevices();
    const laptopId = (await laptop.identity()).deviceId;
    const phoneId = (await phone.identity()).deviceId;

    const seen = await laptop.device.list();
    expect(seen).toHaveLength(2);
    expect(seen.find((d) => d.id === laptopId)).toMatchObject({
      name: 'laptop',
      platform: 'linux',
      revokedAt: null,
      current: true,
    });
    expect(seen.find((d) => d.id === phoneId)).toMatchObject({
      name: 'phone',
      platform: 'ios',
      revokedAt: null,
      current: false,
    });
    expect(Date.parse(seen[0]!.addedAt)).not.toBeNaN();
    // the phone sees the same devices, with itself as the current one
    const fromPhone = await phone.device.list();
    expect(fromPhone.filter((d) => d.current).map((d) => d.id)).toEqual([phoneId]);
    laptop.close();
    phone.close();
  });

  it('revokes the other device: its token stops at once and it cannot log in again', async () => {
    const { laptop, phone } = await twoDevices();
    const phoneId = (await phone.identity()).deviceId;
    await phone.token.current(); // works before

    const revoked = await laptop.device.revoke(phoneId);
    expect(revoked).toMatchObject({ id: phoneId, name: 'phone', current: false });
    expect(revoked.revokedAt).not.toBeNull();

    const afterwards = await failure(phone.token.current());
    expect(afterwards).toBeInstanceOf(ServerError);
    expect((afterwards as ServerError).code).toBe('AUTH_DEVICE_REVOKED');
    expect((afterwards as ServerError).status).toBe(401);
    expect(isBackboneError(await failure(phone.authenticate()), 'AUTH_DEVICE_REVOKED')).toBe(true);

    const listed = await laptop.device.list();
    expect(listed.find((d) => d.id === phoneId)?.revokedAt).toBe(revoked.revokedAt);
    expect(listed.find((d) => d.current)?.revokedAt).toBeNull();
    laptop.close();
    phone.close();
  });

  it('refuses to revoke the device in use unless allowed', async () => {
    const { laptop, phone } = await twoDevices();
    const laptopId = (await laptop.identity()).deviceId;
    const refused = await failure(laptop.device.revoke(laptopId));
    expect(isBackboneError(refused, 'INVALID_ARGUMENT')).toBe(true);
    expect((refused as Error).message).toContain('This is the device you are using');
    // nothing was sent: the laptop still works
    expect((await laptop.device.list()).every((d) => d.revokedAt === null)).toBe(true);

    const self = await laptop.device.revoke(laptopId, { allowCurrent: true });
    expect(self).toMatchObject({ id: laptopId, current: true });
    expect(self.revokedAt).not.toBeNull();
    expect(isBackboneError(await failure(laptop.device.list()), 'AUTH_DEVICE_REVOKED')).toBe(true);
    // the phone sees the laptop revoked
    const fromPhone = await phone.device.list();
    expect(fromPhone.find((d) => d.id === laptopId)?.revokedAt).toBe(self.revokedAt);
    laptop.close();
    phone.close();
  });

  it('an unknown device is NOT_FOUND; a malformed id is refused before sending', async () => {
    const { laptop, phone } = await twoDevices();
    const stranger = toBase64Url(generateSignKeyPair().publicKey);
    const missing = await failure(laptop.device.revoke(stranger));
    expect(missing).toBeInstanceOf(ServerError);
    expect((missing as ServerError).code).toBe('NOT_FOUND');
    expect((missing as ServerError).status).toBe(404);
    expect(isBackboneError(await failure(laptop.device.revoke('nope')), 'INVALID_ARGUMENT')).toBe(
      true,
    );
    laptop.close();
    phone.close();
  });
});

// The real server lists the devices honestly (it accepted both); a proxy playing the server
// rewrites the list, and the refusal is the client's own.
describe.each(backends)('a server rewriting the device list ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  it('a certificate shown under another device, or a revocation without one, is refused', async () => {
    const proxy = await MaliciousProxy.start(server.url);
    server.trustPublicUrl(proxy.url); // the proxy plays the server itself, not a relay
    try {
      const secret = randomBytes(32);
      const laptop = new BackboneClient({
        server: proxy.url,
        privateKey: { rootSecret: secret, deviceSignKeyPair: generateSignKeyPair() },
        device: { name: 'laptop', platform: 'linux' },
      });
      const phone = new BackboneClient({
        server: server.url,
        privateKey: { rootSecret: secret, deviceSignKeyPair: generateSignKeyPair() },
        device: { name: 'phone', platform: 'ios' },
      });
      await laptop.authenticate();
      await phone.authenticate();
      const laptopId = (await laptop.identity()).deviceId;
      const phoneId = (await phone.identity()).deviceId;
      expect((await laptop.device.list()).map((d) => d.id).sort()).toEqual(
        [laptopId, phoneId].sort(),
      );
      const rewritePhone = (change: (phone: DeviceView, laptop: DeviceView) => DeviceView) => {
        proxy.rewrite = (request, status, body) => {
          if (status !== 200 || !/\/v1\/identities\/[^/]+\/devices$/.test(request.pathname)) {
            return undefined;
          }
          const { devices } = body as { devices: DeviceView[] };
          const mine = devices.find((d) => d.id === laptopId)!;
          return {
            ...(body as object),
            devices: devices.map((d) => (d.id === phoneId ? change(d, mine) : d)),
          };
        };
      };
      // the laptop's certificate under the phone's id
      rewritePhone((d, mine) => ({ ...d, certificate: mine.certificate }));
      expect(codeOf(await failure(laptop.device.list()))).toBe('SERVER_INVALID_RESPONSE');
      // the phone shown revoked, with no revocation signed by the identity
      rewritePhone((d) => ({ ...d, revokedAt: '2026-02-01T00:00:00.000Z' }));
      expect(codeOf(await failure(laptop.device.list()))).toBe('SERVER_INVALID_RESPONSE');
      proxy.rewrite = undefined;
      expect(await laptop.device.list()).toHaveLength(2);
      laptop.close();
      phone.close();
    } finally {
      await proxy.close();
    }
  });
});

function codeOf(error: unknown): string {
  return isBackboneError(error) ? error.code : String(error);
}

describe('checking what the server lists', () => {
  const REFUSED = 'VerificationError:SERVER_INVALID_RESPONSE';
  const REVOKED_AT = '2026-02-01T00:00:00.000Z';

  function identity(): Identity {
    return deriveIdentity(rootSecret(randomBytes(32)));
  }

  function view(owner: Identity, change: Partial<DeviceView> = {}): DeviceView {
    const device = generateSignKeyPair();
    return {
      id: toBase64Url(device.publicKey),
      identityId: identityAddress(owner.signKeyPair.publicKey),
      name: 'laptop',
      platform: 'linux',
      certificate: createDeviceCertificate(owner.signKeyPair, {
        devicePublicKey: device.publicKey,
        name: 'laptop',
        platform: 'linux',
        created: new Date('2026-01-02T03:04:05.000Z'),
      }),
      createdAt: '2026-01-02T03:04:06.000Z',
      revokedAt: null,
      revocation: null,
      ...change,
    };
  }

  function outcome(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      return isBackboneError(error) ? `${error.name}:${error.code}` : String(error);
    }
    return 'accepted';
  }

  it('takes name and platform from the signed certificate', () => {
    const alice = identity();
    const address = identityAddress(alice.signKeyPair.publicKey);
    const listed = view(alice, { name: 'renamed by the server' });
    expect(verifiedDevice(listed, address, listed.id)).toEqual({
      id: listed.id,
      name: 'laptop',
      platform: 'linux',
      certifiedAt: '2026-01-02T03:04:05.000Z',
      addedAt: '2026-01-02T03:04:06.000Z',
      revokedAt: null,
      current: true,
    });
  });

  it('refuses forged certificates and revocations', () => {
    const alice = identity();
    const mallory = identity();
    const address = identityAddress(alice.signKeyPair.publicKey);
    // a device certified by another identity, listed under Alice
    const foreign = view(mallory, { identityId: address });
    expect(outcome(() => verifiedDevice(foreign, address, undefined))).toBe(REFUSED);
    // a certificate whose body was changed after signing
    const good = view(alice);
    const tampered = {
      ...good,
      certificate: {
        ...good.certificate,
        body: { ...(good.certificate.body as Record<string, string>), name: 'evil' },
      },
    } as DeviceView;
    expect(outcome(() => verifiedDevice(tampered, address, undefined))).toBe(REFUSED);
    // Alice's certificate of one device shown under another device's id
    const swapped = { ...good, id: view(alice).id };
    expect(outcome(() => verifiedDevice(swapped, address, undefined))).toBe(REFUSED);
    // revoked without a revocation
    const bare = { ...good, revokedAt: REVOKED_AT };
    expect(outcome(() => verifiedDevice(bare, address, undefined))).toBe(REFUSED);
    // a genuine revocation is accepted; the same body signed by Mallory is not
    const genuine = createDeviceRevocation(alice.signKeyPair, {
      devicePublicKey: signPublicKey(fromBase64Url(good.id)),
      revoked: REVOKED_AT,
    });
    const revoked = { ...good, revokedAt: REVOKED_AT, revocation: genuine };
    expect(verifiedDevice(revoked, address, undefined).revokedAt).toBe(REVOKED_AT);
    const forged = signStatement('device.revoke', 1, genuine.body, mallory.signKeyPair);
    expect(
      outcome(() => verifiedDevice({ ...revoked, revocation: forged }, address, undefined)),
    ).toBe(REFUSED);
  });
});
