/** Settings of this device. */
import { z } from 'zod';
import { kdfParamsSchema, passwordSchema, serverUrlSchema } from './common.js';
import { serverChoiceSchema } from './session.js';

export const themeSchema = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof themeSchema>;

export const AUTO_LOCK_MAX_MINUTES = 24 * 60;
export const CLIPBOARD_MIN_SECONDS = 5;
export const CLIPBOARD_MAX_SECONDS = 600;

export const settingsSchema = z.strictObject({
  /** Lock after this many idle minutes; 0 = never. */
  autoLockMinutes: z.number().int().min(0).max(AUTO_LOCK_MAX_MINUTES),
  /** Clear a copied secret from the clipboard after this many seconds. */
  clipboardSeconds: z.number().int().min(CLIPBOARD_MIN_SECONDS).max(CLIPBOARD_MAX_SECONDS),
  theme: themeSchema,
  /** Argon2id parameters of this device's keyfile, and the allowed range. */
  kdf: z.strictObject({
    current: kdfParamsSchema.nullable(),
    floor: kdfParamsSchema,
    limit: kdfParamsSchema,
  }),
  /** Present only where the OS keychain can be used (the desktop app with safeStorage). */
  quickUnlock: z.strictObject({ enabled: z.boolean() }).optional(),
  server: serverChoiceSchema.nullable(),
  /** Folder of the embedded server's data, when it is used. */
  embeddedServerDir: z.string().nullable(),
  passwordAccess: z.strictObject({ enabled: z.boolean(), possible: z.boolean() }),
});
export type Settings = z.infer<typeof settingsSchema>;

export const updateSettingsRequestSchema = z.strictObject({
  autoLockMinutes: z.number().int().min(0).max(AUTO_LOCK_MAX_MINUTES).optional(),
  clipboardSeconds: z
    .number()
    .int()
    .min(CLIPBOARD_MIN_SECONDS)
    .max(CLIPBOARD_MAX_SECONDS)
    .optional(),
  theme: themeSchema.optional(),
});

export const changePasswordRequestSchema = z.strictObject({
  currentPassword: passwordSchema,
  newPassword: passwordSchema,
  acceptWeak: z.boolean(),
});

export const changeKdfRequestSchema = z.strictObject({
  password: passwordSchema,
  params: kdfParamsSchema,
});

export const revealKitRequestSchema = z.strictObject({ password: passwordSchema });
export const revealKitResponseSchema = z.strictObject({
  title: z.string(),
  words: z.array(z.string()).length(24),
});

export const setQuickUnlockRequestSchema = z.discriminatedUnion('enabled', [
  z.strictObject({ enabled: z.literal(true), password: passwordSchema }),
  z.strictObject({ enabled: z.literal(false) }),
]);

export const enablePasswordAccessRequestSchema = z.strictObject({ password: passwordSchema });

export const changeServerUrlRequestSchema = z.strictObject({ url: serverUrlSchema });
