/** The user's settings on this device (`<dataDir>/settings.json`). No secrets. */
import path from 'node:path';
import { z } from 'zod';
import { PWHASH_DEFAULT_PARAMS, PWHASH_LIMITS } from '../../../src-shared/crypto/index.js';
import {
  AUTO_LOCK_MAX_MINUTES,
  CLIPBOARD_MAX_SECONDS,
  CLIPBOARD_MIN_SECONDS,
} from '../../../src-shared/ipc/contract.js';
import { JsonFile } from '../profile/json-file.js';

export const SETTINGS_VERSION = 1;

const StoredSettingsSchema = z.strictObject({
  v: z.literal(SETTINGS_VERSION),
  autoLockMinutes: z.number().int().min(0).max(AUTO_LOCK_MAX_MINUTES),
  clipboardSeconds: z.number().int().min(CLIPBOARD_MIN_SECONDS).max(CLIPBOARD_MAX_SECONDS),
  theme: z.enum(['system', 'light', 'dark']),
  /** Argon2id parameters for this device's keyfile (at or above the floor). */
  kdf: z.strictObject({
    opslimit: z.number().int().min(1).max(PWHASH_LIMITS.opslimit),
    memlimit: z.number().int().min(8192).max(PWHASH_LIMITS.memlimit),
  }),
  quickUnlock: z.boolean(),
});
export type StoredSettings = z.infer<typeof StoredSettingsSchema>;

export const DEFAULT_AUTO_LOCK_MINUTES = 10;
export const DEFAULT_CLIPBOARD_SECONDS = 30;

export function defaultSettings(): StoredSettings {
  return {
    v: SETTINGS_VERSION,
    autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES,
    clipboardSeconds: DEFAULT_CLIPBOARD_SECONDS,
    theme: 'system',
    kdf: { ...PWHASH_DEFAULT_PARAMS },
    quickUnlock: false,
  };
}

export function settingsFile(dataDir: string): JsonFile<StoredSettings> {
  return new JsonFile(path.join(dataDir, 'settings.json'), StoredSettingsSchema, defaultSettings);
}
