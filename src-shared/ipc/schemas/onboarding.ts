/** First run: identity, Emergency Kit, server, workspace; new device; restore. */
import { z } from 'zod';
import {
  fingerprintSchema,
  memberNameSchema,
  passwordSchema,
  permissionSchema,
  serverUrlSchema,
  workspaceIdSchema,
} from './common.js';

export const displayNameSchema = z.string().trim().min(1).max(100);

export const createIdentityRequestSchema = z.strictObject({
  displayName: displayNameSchema,
  password: passwordSchema,
  /** The user insists on a password the strength check calls weak. */
  acceptWeak: z.boolean(),
});

/** The 24 words: shown only because the user is writing down or revealing the kit. */
export const emergencyKitResponseSchema = z.strictObject({
  title: z.string(),
  words: z.array(z.string()).length(24),
  /** Positions (1-based) the user is asked to type back. */
  confirm: z.array(z.number().int().min(1).max(24)).length(3),
});

export const confirmEmergencyKitRequestSchema = z.strictObject({
  answers: z
    .array(z.strictObject({ position: z.number().int().min(1).max(24), word: z.string().max(32) }))
    .length(3),
});

export const chooseServerRequestSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('embedded') }),
  z.strictObject({ mode: z.literal('remote'), url: serverUrlSchema }),
]);

export const existingWorkspacesResponseSchema = z.strictObject({
  workspaces: z.array(
    z.strictObject({
      id: workspaceIdSchema,
      displayName: z.string(),
      fingerprint: fingerprintSchema,
      you: z.strictObject({ name: z.string(), permissions: z.array(permissionSchema) }),
    }),
  ),
});

export const createWorkspaceRequestSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(100),
  /** A short id people can type; random when absent. */
  workspaceId: workspaceIdSchema.optional(),
  username: memberNameSchema,
  /** When given: also set up password access (must be this device's password). */
  password: passwordSchema.optional(),
});

export const openWorkspaceRequestSchema = z.strictObject({
  workspaceId: workspaceIdSchema,
  /** The fingerprint an administrator gave you (refused if it differs). */
  expectFingerprint: z.string().max(100).optional(),
});

export const startJoinRequestSchema = z.strictObject({
  username: memberNameSchema,
  workspaceId: workspaceIdSchema.optional(),
  expectFingerprint: z.string().max(100).optional(),
});

export const signInWithPasswordRequestSchema = z.strictObject({
  serverUrl: serverUrlSchema,
  workspaceId: workspaceIdSchema,
  username: z.string().trim().min(1).max(64),
  password: passwordSchema,
  expectFingerprint: z.string().max(100).optional(),
});

export const restoreFromKitRequestSchema = z.strictObject({
  words: z.string().min(1).max(2000),
  displayName: displayNameSchema.optional(),
  password: passwordSchema,
  acceptWeak: z.boolean(),
});
