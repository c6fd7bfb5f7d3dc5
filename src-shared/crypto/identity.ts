/**
 * Identity (docs/design.md §1): keys derived from the root secret RS, the identity address, the safety
 * number, and device certificates.
 *
 * Derivation: `crypto_kdf_derive_from_key(32, id, "bbident1", RS)`
 *   1 → identity signing seed (Ed25519)   2 → identity box seed (X25519)
 *   3 → sync master key (KdfKey)           4 → backup recovery key (SymmetricKey)
 *   5 → peer-storage key (KdfKey)
 *
 * Address: `"bb1" ‖ base32(BLAKE2b-160(identity sign pk))`, base32 = RFC 4648 alphabet in lower
 * case without padding (160 bits = exactly 32 characters), 35 characters in all.
 *
 * Safety number: `H = BLAKE2b-512("backbone/safety-number/v1\n" ‖ sign pk ‖ box pk)`; for
 * i = 0..11 take bytes H[5i .. 5i+5) as a 40-bit big-endian integer, reduce it mod 100000 and
 * write it as 5 decimal digits (zero padded). 12 groups of 5 digits joined by single spaces.
 * (The bias of 2^40 mod 10^5 is below 10^-7 per group.)
 */
import { z } from 'zod';
import { BackboneError } from '../errors.js';
import { symmetricKey } from './aead.js';
import { boxKeyPairFromSeed } from './box.js';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.js';
import { blake2b } from './hash.js';
import { deriveSubkey, kdfKey } from './kdf.js';
import { signKeyPairFromSeed, signPublicKey } from './sign.js';
import { sodium } from './sodium.js';
import { signStatement, verifyStatement, type SignedStatement } from './statement.js';
import type {
  BoxKeyPair,
  BoxPublicKey,
  KdfKey,
  SignKeyPair,
  SignPublicKey,
  SymmetricKey,
} from './types.js';

export const ROOT_SECRET_BYTES = 32;
export const IDENTITY_KDF_CONTEXT = 'bbident1';
export const IDENTITY_SUBKEY_IDS = Object.freeze({
  signSeed: 1,
  boxSeed: 2,
  syncMasterKey: 3,
  backupRecoveryKey: 4,
  peerStorageKey: 5,
} as const);

export interface Identity {
  signKeyPair: SignKeyPair;
  boxKeyPair: BoxKeyPair;
  /** Key for the datawallet (`crypto_kdf(sync master, index, "DataSync")`). */
  syncMasterKey: KdfKey;
  /** Wraps the backup key BK in backup headers. */
  backupRecoveryKey: SymmetricKey;
  /** Keys backups stored with peers. */
  peerStorageKey: KdfKey;
}

/** Brands 32 bytes as a root secret (a KDF master key). */
export function rootSecret(bytes: Uint8Array): KdfKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ROOT_SECRET_BYTES) {
    throw new BackboneError(
      'CRYPTO_INVALID_KEY',
      `A root secret must be ${ROOT_SECRET_BYTES} bytes long.`,
    );
  }
  return kdfKey(bytes);
}

/** Derives every identity key from the root secret (deterministic). */
export function deriveIdentity(rs: KdfKey): Identity {
  rootSecret(rs);
  const s = sodium();
  const signSeed = deriveSubkey(rs, IDENTITY_SUBKEY_IDS.signSeed, IDENTITY_KDF_CONTEXT);
  const boxSeed = deriveSubkey(rs, IDENTITY_SUBKEY_IDS.boxSeed, IDENTITY_KDF_CONTEXT);
  try {
    return {
      signKeyPair: signKeyPairFromSeed(signSeed),
      boxKeyPair: boxKeyPairFromSeed(boxSeed),
      syncMasterKey: kdfKey(
        deriveSubkey(rs, IDENTITY_SUBKEY_IDS.syncMasterKey, IDENTITY_KDF_CONTEXT),
      ),
      backupRecoveryKey: symmetricKey(
        deriveSubkey(rs, IDENTITY_SUBKEY_IDS.backupRecoveryKey, IDENTITY_KDF_CONTEXT),
      ),
      peerStorageKey: kdfKey(
        deriveSubkey(rs, IDENTITY_SUBKEY_IDS.peerStorageKey, IDENTITY_KDF_CONTEXT),
      ),
    };
  } finally {
    s.memzero(signSeed);
    s.memzero(boxSeed);
  }
}

/** Wipes every secret of a derived identity (public keys are kept). */
export function wipeIdentity(identity: Identity): void {
  const s = sodium();
  s.memzero(identity.signKeyPair.secretKey);
  s.memzero(identity.boxKeyPair.secretKey);
  s.memzero(identity.syncMasterKey);
  s.memzero(identity.backupRecoveryKey);
  s.memzero(identity.peerStorageKey);
}

// ---------------------------------------------------------------------------------------------
// Address

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const IDENTITY_ADDRESS_PREFIX = 'bb1';
const ADDRESS_HASH_BYTES = 20;
const ADDRESS_PATTERN = /^bb1[a-z2-7]{32}$/;

/** RFC 4648 base32, lower case, no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31]!;
  return out;
}

/** Inverse of `base32Encode`; refuses other characters and non-canonical trailing bits. */
export function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new BackboneError('INVALID_ARGUMENT', 'Not valid base32 text.');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits >= 5 || buffer !== 0) {
    throw new BackboneError('INVALID_ARGUMENT', 'Not canonical base32 text.');
  }
  return Uint8Array.from(out);
}

/** The identity address of an identity signing key: `bb1` + 32 base32 characters. */
export function identityAddress(signPk: SignPublicKey): string {
  signPublicKey(signPk);
  return IDENTITY_ADDRESS_PREFIX + base32Encode(blake2b(signPk, ADDRESS_HASH_BYTES));
}

/** True if `text` has the form of an identity address (does not say whose). */
export function isIdentityAddress(text: unknown): text is string {
  return typeof text === 'string' && ADDRESS_PATTERN.test(text);
}

/** True if `address` is the address of `signPk` (surrounding spaces and case are ignored). */
export function identityAddressMatches(address: string, signPk: SignPublicKey): boolean {
  if (typeof address !== 'string') return false;
  return address.trim().toLowerCase() === identityAddress(signPk);
}

// ---------------------------------------------------------------------------------------------
// Safety number

const SAFETY_NUMBER_DOMAIN = 'backbone/safety-number/v1\n';
export const SAFETY_NUMBER_GROUPS = 12;

/** The 12 five-digit groups of the safety number of an identity (its two public keys). */
export function safetyNumberGroups(signPk: SignPublicKey, boxPk: BoxPublicKey): string[] {
  signPublicKey(signPk);
  if (!(boxPk instanceof Uint8Array) || boxPk.length !== 32) {
    throw new BackboneError('CRYPTO_INVALID_KEY', 'An X25519 public key must be 32 bytes long.');
  }
  const digest = blake2b(concatBytes(utf8(SAFETY_NUMBER_DOMAIN), signPk, boxPk), 64);
  const groups: string[] = [];
  for (let i = 0; i < SAFETY_NUMBER_GROUPS; i++) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + digest[5 * i + j]!; // < 2^40: exact
    groups.push(String(value % 100000).padStart(5, '0'));
  }
  return groups;
}

/** The safety number as text: 12 groups of 5 digits separated by single spaces. */
export function safetyNumber(signPk: SignPublicKey, boxPk: BoxPublicKey): string {
  return safetyNumberGroups(signPk, boxPk).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Device certificates

export const DEVICE_CERT_KIND = 'device.cert';
export const DEVICE_CERT_VERSION = 1;

const base64Key = z
  .string()
  .length(43)
  .regex(/^[A-Za-z0-9_-]+$/);

/** Body of a `device.cert` statement (binary as base64url). */
export const DeviceCertificateBodySchema = z.strictObject({
  identity: base64Key,
  device: base64Key,
  name: z.string().min(1).max(100),
  platform: z.string().min(1).max(50),
  created: z.iso.datetime(),
});
export type DeviceCertificateBody = z.infer<typeof DeviceCertificateBodySchema>;
export type DeviceCertificate = SignedStatement<DeviceCertificateBody>;

export interface DeviceInfo {
  devicePublicKey: SignPublicKey;
  /** Human name of the device, 1..100 characters. */
  name: string;
  /** Platform label (e.g. "linux", "darwin", "win32", "browser"), 1..50 characters. */
  platform: string;
  /** Creation time (a Date or an ISO 8601 UTC string). */
  created: Date | string;
}

export interface VerifiedDevice {
  identityPublicKey: SignPublicKey;
  devicePublicKey: SignPublicKey;
  name: string;
  platform: string;
  created: string;
}

/** The identity signs a certificate for one of its devices (statement kind `device.cert`, v1). */
export function createDeviceCertificate(
  identitySignKeyPair: SignKeyPair,
  device: DeviceInfo,
): DeviceCertificate {
  signPublicKey(device.devicePublicKey);
  const created =
    device.created instanceof Date ? device.created.toISOString() : String(device.created);
  const parsed = DeviceCertificateBodySchema.safeParse({
    identity: toBase64Url(identitySignKeyPair.publicKey),
    device: toBase64Url(device.devicePublicKey),
    name: device.name,
    platform: device.platform,
    created,
  });
  if (!parsed.success) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `This device certificate cannot be made: ${parsed.error.issues[0]?.path.join('.') ?? 'input'} is not valid.`,
    );
  }
  return signStatement(DEVICE_CERT_KIND, DEVICE_CERT_VERSION, parsed.data, identitySignKeyPair);
}

/**
 * Verifies a device certificate against the identity's signing key. Throws
 * `CRYPTO_BAD_SIGNATURE`, `STATEMENT_INVALID` or `UNSUPPORTED_VERSION`.
 */
export function verifyDeviceCertificate(
  cert: unknown,
  identitySignPk: SignPublicKey,
): VerifiedDevice {
  const body = verifyStatement(
    cert,
    DEVICE_CERT_KIND,
    DEVICE_CERT_VERSION,
    identitySignPk,
    DeviceCertificateBodySchema,
  );
  if (body.identity !== toBase64Url(identitySignPk)) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      'This device certificate names a different identity than the one that signed it.',
    );
  }
  let devicePublicKey: SignPublicKey;
  try {
    devicePublicKey = signPublicKey(fromBase64Url(body.device));
  } catch (cause) {
    throw new BackboneError('STATEMENT_INVALID', 'The device key in this certificate is invalid.', {
      cause,
    });
  }
  return {
    identityPublicKey: identitySignPk,
    devicePublicKey,
    name: body.name,
    platform: body.platform,
    created: body.created,
  };
}
