/** Session: the app core's state (no identity, locked, unlocked) and unlocking. */
import { z } from 'zod';
import { fingerprintSchema, passwordSchema, workspaceIdSchema } from './common.js';

export const serverChoiceSchema = z.strictObject({
  mode: z.enum(['embedded', 'remote']),
  /** Base URL the app talks to. */
  url: z.string(),
  /** The server's id (`bbs1…`), pinned on first contact. */
  serverId: z.string(),
});
export type ServerChoice = z.infer<typeof serverChoiceSchema>;

/** While waiting to be added to a workspace: the invitation to hand to an administrator. */
export const joinRequestSchema = z.strictObject({
  username: z.string(),
  workspaceId: workspaceIdSchema.nullable(),
  /** The invitation text (`bbinvite1.…`); public. */
  invitation: z.string(),
  /** The invitation as a QR code (an SVG `data:` URL); public. */
  qrDataUrl: z.string().startsWith('data:image/svg+xml;base64,'),
  /** Your safety number: read it to the administrator. */
  fingerprint: fingerprintSchema,
  since: z.iso.datetime(),
});
export type JoinRequest = z.infer<typeof joinRequestSchema>;

/** The result of the last verification of the workspace's membership log. */
export const verificationStatusSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), at: z.iso.datetime().nullable() }),
  z.strictObject({
    ok: z.literal(false),
    /** MEMBERSHIP_FORK, MEMBERSHIP_ROLLBACK, MEMBERSHIP_BAD_SIGNATURE, SERVER_KEY_CHANGED, … */
    code: z.string(),
    message: z.string(),
    at: z.iso.datetime(),
  }),
]);
export type VerificationStatus = z.infer<typeof verificationStatusSchema>;

export const sessionStateSchema = z.strictObject({
  /** none: no identity on this device; locked: keys not in memory; unlocked: keys in memory. */
  state: z.enum(['none', 'locked', 'unlocked']),
  identity: z
    .strictObject({
      address: z.string(),
      safetyNumber: fingerprintSchema,
      displayName: z.string(),
      deviceName: z.string(),
    })
    .nullable(),
  setup: z.strictObject({
    /** The user confirmed words of the Emergency Kit (or restored from it). */
    kitConfirmed: z.boolean(),
    server: serverChoiceSchema.nullable(),
    workspace: z
      .strictObject({
        id: workspaceIdSchema,
        displayName: z.string(),
        username: z.string(),
        fingerprint: fingerprintSchema,
      })
      .nullable(),
    join: joinRequestSchema.nullable(),
  }),
  /** Password access (sign-in on a new device with the password) is set up for this workspace. */
  passwordAccess: z.boolean(),
  /** Quick unlock with the OS keychain is on (desktop app only). */
  quickUnlock: z.boolean(),
  autoLockMinutes: z.number().int().min(0),
  verification: verificationStatusSchema,
});
export type SessionState = z.infer<typeof sessionStateSchema>;

export const unlockRequestSchema = z.strictObject({ password: passwordSchema });

/** Progress of a slow operation (Argon2id takes about a second per run). */
export const progressEventSchema = z.strictObject({
  operation: z.enum([
    'unlock',
    'createIdentity',
    'restore',
    'signIn',
    'changePassword',
    'changeKdf',
    'revealKit',
    'passwordAccess',
    'quickUnlock',
  ]),
  /** What is happening, for people. */
  label: z.string(),
  elapsedMs: z.number().min(0),
  /** Best estimate of the total (from earlier runs on this device). */
  estimatedMs: z.number().min(0),
  done: z.boolean(),
});
export type ProgressEvent = z.infer<typeof progressEventSchema>;
