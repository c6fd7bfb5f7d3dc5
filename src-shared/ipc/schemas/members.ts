/** Members of the current workspace, from its verified membership log. */
import { z } from 'zod';
import { fingerprintSchema, memberNameSchema, permissionSchema } from './common.js';

export const memberSchema = z.strictObject({
  name: z.string(),
  /** Identity address (`bb1…`). */
  address: z.string(),
  /** Safety number to compare out of band. */
  safetyNumber: fingerprintSchema,
  permissions: z.array(permissionSchema),
  /** Sequence number of the log entry that added the member. */
  addedAt: z.number().int().min(0),
  you: z.boolean(),
});
export type MemberInfo = z.infer<typeof memberSchema>;

export const logHeadSchema = z.strictObject({ seq: z.number().int().min(0), hash: z.string() });

export const workspaceViewSchema = z.strictObject({
  id: z.string(),
  displayName: z.string(),
  created: z.string(),
  fingerprint: fingerprintSchema,
  genesisHash: z.string(),
  head: logHeadSchema,
  namingKeyGeneration: z.number().int().min(1),
  members: z.array(memberSchema),
  you: memberSchema.nullable(),
  /** You hold ROOT or USER_MANAGE. */
  canManage: z.boolean(),
  verifiedAt: z.iso.datetime(),
});
export type WorkspaceView = z.infer<typeof workspaceViewSchema>;

export const logEntryViewSchema = z.strictObject({
  seq: z.number().int().min(0),
  type: z.enum(['genesis', 'user.add', 'user.permissions', 'user.remove', 'naming.rotate']),
  author: z.string(),
  /** One line for people. */
  summary: z.string(),
  hash: z.string(),
});
export type LogEntryView = z.infer<typeof logEntryViewSchema>;

export const membershipLogViewSchema = z.strictObject({
  workspaceId: z.string(),
  displayName: z.string(),
  fingerprint: fingerprintSchema,
  genesisHash: z.string(),
  head: logHeadSchema,
  entries: z.array(logEntryViewSchema),
  /** Every entry's signature, chain link and rule was checked against the pinned head. */
  verified: z.literal(true),
  verifiedAt: z.iso.datetime(),
});
export type MembershipLogView = z.infer<typeof membershipLogViewSchema>;

export const invitationPayloadSchema = z.string().trim().min(1).max(4096);

export const inspectInvitationRequestSchema = z.strictObject({ payload: invitationPayloadSchema });
export const invitationSummarySchema = z.strictObject({
  name: z.string(),
  fingerprint: fingerprintSchema,
  address: z.string(),
  /** A current member already has this name. */
  nameTaken: z.boolean(),
});

export const importMemberRequestSchema = z.strictObject({
  payload: invitationPayloadSchema,
  permissions: z.array(permissionSchema).max(4),
  /** The user confirmed they compared the fingerprint with the invitee. */
  fingerprintConfirmed: z.literal(true),
});

export const setPermissionsRequestSchema = z.strictObject({
  name: memberNameSchema,
  permissions: z.array(permissionSchema).max(4),
});

export const removeMemberRequestSchema = z.strictObject({ name: memberNameSchema });
export const removeMemberResponseSchema = z.strictObject({
  removed: z.string(),
  namingKeyGeneration: z.number().int().min(1),
});
