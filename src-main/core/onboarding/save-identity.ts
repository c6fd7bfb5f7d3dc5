/**
 * Writes a new keyfile for an identity on this device (new identity, restore, new device):
 * a device certificate signed by the identity key, the keyfile wrapped under the password
 * (Argon2id in a worker, with progress), and the public facts in profile.json.
 */
import {
  createDeviceCertificate,
  deriveIdentity,
  identityAddress,
  safetyNumber,
  sodium,
  toBase64Url,
  wipeIdentity,
  type PwhashParams,
} from '../../../src-shared/crypto/index.js';
import type { CoreContext } from '../core-context.js';
import { WEAK_TEST_KDF } from '../test-mode.js';
import { wrapKeyfileOffThread, type KeyfileSecrets } from '../session/keyfile-crypto.js';
import type { Operation, ProgressReporter } from '../session/progress.js';

/** Argon2id parameters for a new keyfile: the settings (≥ floor), or tiny in test mode. */
export async function newKeyfileParams(ctx: CoreContext): Promise<PwhashParams> {
  if (ctx.testMode.weakKdf) return { ...WEAK_TEST_KDF };
  return (await ctx.settings.read()).kdf;
}

export function addressOf(secrets: KeyfileSecrets): string {
  const identity = deriveIdentity(secrets.rootSecret);
  try {
    return identityAddress(identity.signKeyPair.publicKey);
  } finally {
    wipeIdentity(identity);
  }
}

export async function saveIdentity(
  ctx: CoreContext,
  progress: ProgressReporter,
  operation: Operation,
  secrets: KeyfileSecrets,
  password: string,
  displayName: string,
): Promise<void> {
  const params = await newKeyfileParams(ctx);
  const { keyfile, key } = await progress.run(
    operation,
    'Protecting your keys with your password…',
    [params],
    () => wrapKeyfileOffThread(password, secrets, params, { weakKdf: ctx.testMode.weakKdf }),
  );
  sodium().memzero(key);
  const identity = deriveIdentity(secrets.rootSecret);
  try {
    const certificate = createDeviceCertificate(identity.signKeyPair, {
      devicePublicKey: secrets.deviceSignKeyPair.publicKey,
      name: ctx.deviceName,
      platform: process.platform,
      created: new Date(),
    });
    await ctx.profile.saveIdentity(keyfile, {
      address: identityAddress(identity.signKeyPair.publicKey),
      safetyNumber: safetyNumber(identity.signKeyPair.publicKey, identity.boxKeyPair.publicKey),
      signPublicKey: toBase64Url(identity.signKeyPair.publicKey),
      boxPublicKey: toBase64Url(identity.boxKeyPair.publicKey),
      displayName,
      deviceId: toBase64Url(secrets.deviceSignKeyPair.publicKey),
      deviceName: ctx.deviceName,
      deviceCertificate: certificate,
      createdAt: new Date().toISOString(),
    });
  } finally {
    wipeIdentity(identity);
  }
}
