import { describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { fromHex, toBase64Url, toHex, utf8 } from './encoding.js';
import {
  base32Decode,
  base32Encode,
  createDeviceCertificate,
  deriveIdentity,
  identityAddress,
  identityAddressMatches,
  isIdentityAddress,
  rootSecret,
  safetyNumber,
  safetyNumberGroups,
  verifyDeviceCertificate,
  wipeIdentity,
} from './identity.js';
import { generateSignKeyPair } from './sign.js';
import { cryptoReady, sodium } from './sodium.js';
import { signStatement } from './statement.js';

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

await cryptoReady();

const RS = rootSecret(Uint8Array.from({ length: 32 }, (_, i) => i));

describe('deriveIdentity', () => {
  it('follows crypto_kdf_derive_from_key(32, id, "bbident1", RS) for ids 1..5', () => {
    const s = sodium();
    const sub = (id: number) => s.crypto_kdf_derive_from_key(32, id, 'bbident1', RS);
    const id = deriveIdentity(RS);
    expect(toHex(id.signKeyPair.publicKey)).toBe(
      toHex(s.crypto_sign_seed_keypair(sub(1)).publicKey),
    );
    expect(toHex(id.signKeyPair.secretKey)).toBe(
      toHex(s.crypto_sign_seed_keypair(sub(1)).privateKey),
    );
    expect(toHex(id.boxKeyPair.publicKey)).toBe(toHex(s.crypto_box_seed_keypair(sub(2)).publicKey));
    expect(toHex(id.boxKeyPair.secretKey)).toBe(
      toHex(s.crypto_box_seed_keypair(sub(2)).privateKey),
    );
    expect(toHex(id.syncMasterKey)).toBe(toHex(sub(3)));
    expect(toHex(id.backupRecoveryKey)).toBe(toHex(sub(4)));
    expect(toHex(id.peerStorageKey)).toBe(toHex(sub(5)));
  });

  it('regression vector for RS = 00..1f (cross-checked with Python hashlib)', () => {
    const id = deriveIdentity(RS);
    expect(toHex(id.signKeyPair.publicKey)).toBe(
      'd606dc1be2488b6ddcdfdb7361bf1955632ab62fc5106306cc0cc61f7638a2c1',
    );
    expect(toHex(id.boxKeyPair.publicKey)).toBe(
      '7d46c5203eba0f57767eb7f2219172081b23d152edcac678edbbdd0d107d480d',
    );
    expect(identityAddress(id.signKeyPair.publicKey)).toBe('bb1esnw4osp4366uxnpg3txbyegkhyk6e6j');
    expect(safetyNumber(id.signKeyPair.publicKey, id.boxKeyPair.publicKey)).toBe(
      '35093 17489 74285 26596 40983 83832 80085 69906 51326 70508 94129 40168',
    );
  });

  it('is deterministic, and different root secrets give unrelated keys', () => {
    const a = deriveIdentity(RS);
    const b = deriveIdentity(rootSecret(Uint8Array.from(RS)));
    expect(toHex(a.signKeyPair.publicKey)).toBe(toHex(b.signKeyPair.publicKey));
    const other = Uint8Array.from(RS);
    other[31]! ^= 1;
    const c = deriveIdentity(rootSecret(other));
    expect(toHex(c.signKeyPair.publicKey)).not.toBe(toHex(a.signKeyPair.publicKey));
    expect(toHex(c.syncMasterKey)).not.toBe(toHex(a.syncMasterKey));
    // all five outputs differ from each other
    const outputs = [
      a.signKeyPair.secretKey.subarray(0, 32),
      a.boxKeyPair.secretKey,
      a.syncMasterKey,
      a.backupRecoveryKey,
      a.peerStorageKey,
    ].map(toHex);
    expect(new Set(outputs).size).toBe(5);
  });

  it('wipes secrets on request and checks the root secret length', () => {
    const id = deriveIdentity(rootSecret(Uint8Array.from(RS)));
    wipeIdentity(id);
    expect(sodium().is_zero(id.syncMasterKey)).toBe(true);
    expect(sodium().is_zero(id.signKeyPair.secretKey)).toBe(true);
    expect(sodium().is_zero(id.signKeyPair.publicKey)).toBe(false);
    expectCode(() => rootSecret(new Uint8Array(31)), 'CRYPTO_INVALID_KEY');
  });
});

describe('base32 (RFC 4648 §10 vectors, lower case, no padding)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ];
  for (const [plain, encoded] of vectors) {
    it(`"${plain}" ↔ "${encoded}"`, () => {
      expect(base32Encode(utf8(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base32Decode(encoded))).toBe(plain);
    });
  }
  it('refuses foreign characters and non-canonical endings', () => {
    expectCode(() => base32Decode('MZXW6'), 'INVALID_ARGUMENT');
    expectCode(() => base32Decode('mzxw1'), 'INVALID_ARGUMENT');
    expectCode(() => base32Decode('mz'), 'INVALID_ARGUMENT');
    expectCode(() => base32Decode('m'), 'INVALID_ARGUMENT');
  });
});

describe('identity address', () => {
  it('is "bb1" + 32 base32 characters of BLAKE2b-160(sign pk)', () => {
    const kp = generateSignKeyPair();
    const address = identityAddress(kp.publicKey);
    expect(address).toMatch(/^bb1[a-z2-7]{32}$/);
    expect(isIdentityAddress(address)).toBe(true);
    expect(toHex(base32Decode(address.slice(3)))).toBe(
      toHex(sodium().crypto_generichash(20, kp.publicKey, null)),
    );
    expect(identityAddressMatches(`  ${address.toUpperCase()} `, kp.publicKey)).toBe(true);
    expect(identityAddressMatches(address, generateSignKeyPair().publicKey)).toBe(false);
    expect(isIdentityAddress('bb2' + address.slice(3))).toBe(false);
    expect(isIdentityAddress(address + 'a')).toBe(false);
  });
});

describe('safety number', () => {
  it('is 12 groups of 5 digits that depend on both keys', () => {
    const id = deriveIdentity(RS);
    const groups = safetyNumberGroups(id.signKeyPair.publicKey, id.boxKeyPair.publicKey);
    expect(groups).toHaveLength(12);
    for (const g of groups) expect(g).toMatch(/^\d{5}$/);
    const other = deriveIdentity(rootSecret(fromHex('ff'.repeat(32))));
    expect(safetyNumber(id.signKeyPair.publicKey, other.boxKeyPair.publicKey)).not.toBe(
      safetyNumber(id.signKeyPair.publicKey, id.boxKeyPair.publicKey),
    );
    expect(safetyNumber(other.signKeyPair.publicKey, id.boxKeyPair.publicKey)).not.toBe(
      safetyNumber(id.signKeyPair.publicKey, id.boxKeyPair.publicKey),
    );
  });
});

describe('device certificates', () => {
  const identity = deriveIdentity(RS);
  const device = generateSignKeyPair();
  const info = {
    devicePublicKey: device.publicKey,
    name: 'Laptop',
    platform: 'linux',
    created: new Date('2025-01-02T03:04:05.000Z'),
  };

  it('round-trip through JSON and name the device', () => {
    const cert = createDeviceCertificate(identity.signKeyPair, info);
    expect(cert.kind).toBe('device.cert');
    expect(cert.v).toBe(1);
    expect(cert.body.created).toBe('2025-01-02T03:04:05.000Z');
    const verified = verifyDeviceCertificate(
      JSON.parse(JSON.stringify(cert)),
      identity.signKeyPair.publicKey,
    );
    expect(toHex(verified.devicePublicKey)).toBe(toHex(device.publicKey));
    expect(verified.name).toBe('Laptop');
    expect(verified.platform).toBe('linux');
  });

  it('are rejected when changed, signed by another identity, or of another kind', () => {
    const cert = createDeviceCertificate(identity.signKeyPair, info);
    const pk = identity.signKeyPair.publicKey;
    expectCode(
      () => verifyDeviceCertificate({ ...cert, body: { ...cert.body, name: 'Evil' } }, pk),
      'CRYPTO_BAD_SIGNATURE',
    );
    expectCode(
      () =>
        verifyDeviceCertificate(
          { ...cert, body: { ...cert.body, device: toBase64Url(generateSignKeyPair().publicKey) } },
          pk,
        ),
      'CRYPTO_BAD_SIGNATURE',
    );
    const stranger = generateSignKeyPair();
    expectCode(() => verifyDeviceCertificate(cert, stranger.publicKey), 'CRYPTO_BAD_SIGNATURE');
    // a certificate made by the stranger, claiming our identity, does not verify either way
    const forged = signStatement('device.cert', 1, { ...cert.body }, stranger);
    expectCode(() => verifyDeviceCertificate(forged, pk), 'CRYPTO_BAD_SIGNATURE');
    expectCode(() => verifyDeviceCertificate(forged, stranger.publicKey), 'STATEMENT_INVALID');
    // same body signed as another kind
    const other = signStatement('device.revoke', 1, { ...cert.body }, identity.signKeyPair);
    expectCode(() => verifyDeviceCertificate(other, pk), 'STATEMENT_INVALID');
    expectCode(
      () => verifyDeviceCertificate({ ...other, kind: 'device.cert' }, pk),
      'CRYPTO_BAD_SIGNATURE',
    );
    expectCode(() => verifyDeviceCertificate({ ...cert, v: 2 }, pk), 'UNSUPPORTED_VERSION');
  });

  it('refuse bad input', () => {
    expectCode(
      () => createDeviceCertificate(identity.signKeyPair, { ...info, name: '' }),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () => createDeviceCertificate(identity.signKeyPair, { ...info, created: 'yesterday' }),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () =>
        createDeviceCertificate(identity.signKeyPair, {
          ...info,
          devicePublicKey: new Uint8Array(5) as never,
        }),
      'CRYPTO_INVALID_KEY',
    );
    const cert = createDeviceCertificate(identity.signKeyPair, info);
    const noName = { ...cert, body: { ...cert.body } } as { body: Record<string, unknown> };
    delete noName.body.name;
    const resigned = signStatement('device.cert', 1, noName.body as never, identity.signKeyPair);
    expectCode(
      () => verifyDeviceCertificate(resigned, identity.signKeyPair.publicKey),
      'STATEMENT_INVALID',
    );
  });
});
