/** Small schemas shared by several IPC areas. */
import { z } from 'zod';

export const emptyRequest = z.object({}).strict();
export const emptyResponse = z.object({}).strict();

/** A password typed by the user. It travels renderer → core only, never back. */
export const passwordSchema = z.string().min(1).max(1024);

/** Workspace permissions (same names as src-shared/workspace/permissions.ts). */
export const permissionSchema = z.enum(['ROOT', 'USER_MANAGE', 'STORE_USE', 'STORE_SHARE']);
export type IpcPermission = z.infer<typeof permissionSchema>;

/** A member name: what the membership log accepts. */
export const memberNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'use 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** A workspace id: what the membership log accepts. */
export const workspaceIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/,
    'use 3 to 64 letters, digits, "-" or "_", starting with a letter or digit',
  );

/** 12 groups of 5 digits (safety number or workspace fingerprint). */
export const fingerprintSchema = z.string().regex(/^\d{5}( \d{5}){11}$/);

export const serverUrlSchema = z.string().min(1).max(2048);

/** Argon2id parameters. */
export const kdfParamsSchema = z.strictObject({
  opslimit: z.number().int().min(1).max(32),
  memlimit: z
    .number()
    .int()
    .min(8192)
    .max(1024 * 1024 * 1024),
});
export type KdfParams = z.infer<typeof kdfParamsSchema>;
