/**
 * The key material a client works with: the root secret (from the keyfile, password access or
 * the Emergency Kit), the identity keys derived from it, and this device's Ed25519 key with its
 * identity-signed certificate.
 */
import {
  createDeviceCertificate,
  createKeyfile,
  deriveIdentity,
  deriveKeyFromPasswordWith,
  generateSignKeyPair,
  identityAddress,
  newKeyfileHeader,
  parseKeyfile,
  PWHASH_DEFAULT_PARAMS,
  rootSecret as brandRootSecret,
  safetyNumber,
  sealKeyfileWithKey,
  signKeyPairFromSeed,
  sodium,
  toBase64Url,
  unlockKeyfile,
  verifyDeviceCertificate,
  wipeIdentity,
  type Argon2idRunner,
  type DeviceCertificate,
  type Identity,
  type KdfKey,
  type Keyfile,
  type PwhashParams,
  type SignKeyPair,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';

/** An unlocked keyfile: the root secret and this device's signing key pair. */
export interface ClientPrivateKey {
  rootSecret: Uint8Array;
  deviceSignKeyPair: SignKeyPair;
}

/** A passphrase, or a function asked for it when the keyfile must be opened (a prompt). */
export type PassphraseSource =
  string | Uint8Array | (() => string | Uint8Array | Promise<string | Uint8Array>);

export interface DeviceDescription {
  /** Human name, 1..100 characters (default "Backbone SDK"). */
  name?: string;
  /** Platform label, 1..50 characters (default "node" or "browser"). */
  platform?: string;
}

export interface KeyOptions {
  /**
   * TESTS ONLY: allow Argon2id parameters below the floors for the keyfile (and the password-
   * access blob). Never set in application code.
   */
  testOnlyAllowWeakParams?: boolean;
}

/** Unlocked keys of a client. */
export class ClientKeys {
  readonly rootSecret: KdfKey;
  readonly identity: Identity;
  readonly device: SignKeyPair;
  /** Identity address (`bb1…`). */
  readonly address: string;
  private certificate: DeviceCertificate | undefined;

  constructor(privateKey: ClientPrivateKey, certificate?: DeviceCertificate) {
    this.rootSecret = brandRootSecret(Uint8Array.from(privateKey.rootSecret));
    this.identity = deriveIdentity(this.rootSecret);
    this.device = signKeyPairFromSeed(privateKey.deviceSignKeyPair.secretKey.subarray(0, 32));
    if (!sodium().memcmp(this.device.publicKey, privateKey.deviceSignKeyPair.publicKey)) {
      throw new BackboneError('CRYPTO_INVALID_KEY', 'The device key pair is inconsistent.');
    }
    this.address = identityAddress(this.identity.signKeyPair.publicKey);
    if (certificate !== undefined) {
      const verified = verifyDeviceCertificate(certificate, this.identity.signKeyPair.publicKey);
      if (!sodium().memcmp(verified.devicePublicKey, this.device.publicKey)) {
        throw new BackboneError(
          'STATEMENT_INVALID',
          'The saved device certificate is for another device key.',
        );
      }
      this.certificate = certificate;
    }
  }

  /** The identity's safety number (12 groups of 5 digits) to compare out of band. */
  get safetyNumber(): string {
    return safetyNumber(this.identity.signKeyPair.publicKey, this.identity.boxKeyPair.publicKey);
  }

  get deviceId(): string {
    return toBase64Url(this.device.publicKey);
  }

  /** This device's certificate, made (and kept) on first use. */
  deviceCertificate(device: DeviceDescription = {}): DeviceCertificate {
    this.certificate ??= createDeviceCertificate(this.identity.signKeyPair, {
      devicePublicKey: this.device.publicKey,
      name: device.name ?? 'Backbone SDK',
      platform: device.platform ?? defaultPlatform(),
      created: new Date(),
    });
    return this.certificate;
  }

  /** A keyfile wrapping these keys under `passphrase`. */
  toKeyfile(
    passphrase: string | Uint8Array,
    options: KeyOptions & { params?: PwhashParams; freshDeviceKey?: boolean } = {},
  ): Keyfile {
    const { keyfile, unlocked } = createKeyfile(passphrase, {
      rootSecret: this.rootSecret,
      deviceSignKeyPair: options.freshDeviceKey === true ? generateSignKeyPair() : this.device,
      ...(options.params ? { params: options.params } : {}),
      testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
    });
    sodium().memzero(unlocked.rootSecret);
    sodium().memzero(unlocked.deviceSignKeyPair.secretKey);
    return keyfile;
  }

  /** `toKeyfile` with Argon2id run by `argon2id` (e.g. the app core's worker). */
  async toKeyfileWith(
    argon2id: Argon2idRunner,
    passphrase: string | Uint8Array,
    options: KeyOptions & { params?: PwhashParams; freshDeviceKey?: boolean } = {},
  ): Promise<Keyfile> {
    const params = options.params ?? PWHASH_DEFAULT_PARAMS;
    const weak = { testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true };
    const { header, salt } = newKeyfileHeader(params, weak);
    const key = await deriveKeyFromPasswordWith(argon2id, passphrase, salt, params, {
      purpose: 'localUnlock',
      ...weak,
    });
    const device = options.freshDeviceKey === true ? generateSignKeyPair() : undefined;
    try {
      return sealKeyfileWithKey(
        header,
        key,
        this.rootSecret,
        (device ?? this.device).secretKey.subarray(0, 32),
      );
    } finally {
      sodium().memzero(key);
      if (device) sodium().memzero(device.secretKey);
    }
  }

  /** Wipes every secret held here. The object is unusable afterwards. */
  wipe(): void {
    wipeIdentity(this.identity);
    sodium().memzero(this.rootSecret);
    sodium().memzero(this.device.secretKey);
  }
}

function defaultPlatform(): string {
  const proc = (globalThis as { process?: { platform?: unknown } }).process;
  return typeof proc?.platform === 'string' ? proc.platform : 'browser';
}

/** Opens a keyfile (object or its JSON text) with the passphrase. */
export async function unlockClientKeyfile(
  keyfile: Keyfile | string,
  passphrase: PassphraseSource | undefined,
  options: KeyOptions = {},
): Promise<ClientPrivateKey> {
  const parsed = typeof keyfile === 'string' ? parseKeyfile(keyfile) : keyfile;
  if (passphrase === undefined) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'The keyfile is locked: give its passphrase (BACKBONE_PASSPHRASE for the command line).',
    );
  }
  const value = typeof passphrase === 'function' ? await passphrase() : passphrase;
  const unlocked = unlockKeyfile(parsed, value, {
    testOnlyAllowWeakParams: options.testOnlyAllowWeakParams === true,
  });
  return { rootSecret: unlocked.rootSecret, deviceSignKeyPair: unlocked.deviceSignKeyPair };
}
