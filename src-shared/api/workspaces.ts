/**
 * Workspaces on the server (`/v1/workspaces/…`): the signed membership log (docs/design.md §3,
 * docs/membership.md) and what the server says about it.
 *
 * The server is untrusted: it checks every rule before it appends (so a bad entry is refused
 * early), but a client verifies the log itself (`verifyLog` with its pins) and takes display
 * names, members, permissions and keys only from the verified state, never from the
 * descriptive fields below (`displayName`, `you`), which are for listing and routing.
 *
 * Membership entries travel as the exact JSON objects the authors signed. The schemas here only
 * say "a JSON object" for them (typed as `MembershipEntry`): the server checks each one with
 * `parseMembershipEntry` / `applyEntry`, and a client must pass the entries it received,
 * untouched, to `verifyLog` / `applyEntries` (which also refuse anything a schema would silently
 * drop).
 *
 * Requests (each needs the member permission AND the token scope; ROOT implies all):
 *  - `POST /v1/workspaces` `{v, genesis}`: scope ROOT; the genesis creator is the caller.
 *  - `GET /v1/workspaces`: any token; the caller's workspaces.
 *  - `GET /v1/workspaces/:workspaceId`: membership.
 *  - `GET /v1/workspaces/:workspaceId/log?from=&limit=`: membership.
 *  - `POST /v1/workspaces/:workspaceId/log` `{v, entries}`: USER_MANAGE (the model checks the
 *    rest: the author's own rights, escalation, last ROOT…).
 *  - `DELETE /v1/workspaces/:workspaceId`: ROOT.
 */
import { z } from 'zod';
import {
  MemberNameSchema,
  WorkspaceDisplayNameSchema,
  WorkspaceIdSchema,
  type MembershipEntry,
} from '../workspace/membership-log.js';
import { PermissionSchema } from '../workspace/permissions.js';
import { apiVersionSchema, base64UrlBytesSchema, timestampSchema } from './common.js';

/** Most entries in one append (e.g. `user.remove` + `naming.rotate`, applied all or nothing). */
export const MAX_APPEND_ENTRIES = 16;
/** Default and largest page of `GET …/log`. */
export const LOG_PAGE_DEFAULT = 500;
export const LOG_PAGE_MAX = 1000;

/** A membership entry hash (BLAKE2b-256, base64url). */
export const entryHashSchema = base64UrlBytesSchema(32);

/**
 * A membership entry on the wire: any JSON object, typed as `MembershipEntry`. The server checks
 * it with the membership model; clients verify what they receive with `verifyLog`.
 */
export const membershipEntryWireSchema = z.custom<MembershipEntry>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'must be a membership log entry (a JSON object)',
);

/** The last entry of a log. */
export const logHeadSchema = z.strictObject({
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  hash: entryHashSchema,
});
export type LogHeadView = z.infer<typeof logHeadSchema>;

/** A sequence number in a query string (decimal). */
const seqQuerySchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,14})$/, 'must be a decimal number')
  .transform(Number);

export const workspaceParamsSchema = z.strictObject({ workspaceId: WorkspaceIdSchema });

/**
 * A workspace as the server describes it. Untrusted: verify the log and pin `genesisHash`
 * (shown as the workspace fingerprint) before relying on any of it.
 */
export const workspaceSchema = z.strictObject({
  id: WorkspaceIdSchema,
  /** From the genesis entry (verify the log for the authoritative one). */
  displayName: WorkspaceDisplayNameSchema,
  /** Hash of the genesis entry: the workspace fingerprint. */
  genesisHash: entryHashSchema,
  head: logHeadSchema,
  /** When the server created it. */
  createdAt: timestampSchema,
  /** The caller's membership per the server's verified state. */
  you: z.strictObject({
    name: MemberNameSchema,
    permissions: z.array(PermissionSchema).max(4),
  }),
});
export type WorkspaceView = z.infer<typeof workspaceSchema>;

/** `POST /v1/workspaces`: the genesis entry from `createGenesis`, signed by the caller. */
export const createWorkspaceRequestSchema = z.strictObject({
  v: apiVersionSchema,
  genesis: membershipEntryWireSchema,
});
export type CreateWorkspaceRequest = z.infer<typeof createWorkspaceRequestSchema>;

/** 201 answer of `POST /v1/workspaces`, 200 answer of `GET /v1/workspaces/:workspaceId`. */
export const workspaceResponseSchema = z.strictObject({
  v: apiVersionSchema,
  workspace: workspaceSchema,
});
export type WorkspaceResponse = z.infer<typeof workspaceResponseSchema>;

/** `GET /v1/workspaces`: the workspaces the token's identity is a current member of. */
export const workspaceListResponseSchema = z.strictObject({
  v: apiVersionSchema,
  workspaces: z.array(workspaceSchema),
});
export type WorkspaceListResponse = z.infer<typeof workspaceListResponseSchema>;

/** `GET /v1/workspaces/:workspaceId/log?from=<seq>&limit=<n>` (defaults: 0 and 500). */
export const logQuerySchema = z.strictObject({
  from: seqQuerySchema.optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, 'must be a number from 1')
    .transform(Number)
    .refine((n) => n <= LOG_PAGE_MAX, `must be at most ${LOG_PAGE_MAX}`)
    .optional(),
});
export type LogQuery = z.input<typeof logQuerySchema>;

export const logResponseSchema = z.strictObject({
  v: apiVersionSchema,
  workspaceId: WorkspaceIdSchema,
  /** Entries `from` … in seq order (the exact JSON the authors signed). */
  entries: z.array(membershipEntryWireSchema),
  /** The head when the page was read. */
  head: logHeadSchema,
  /** The `from` of the next page, or null when this page reaches the head. */
  next: z.number().int().min(0).nullable(),
});
export type LogResponse = z.infer<typeof logResponseSchema>;

/**
 * `POST /v1/workspaces/:workspaceId/log`: entries extending the current head, in order, all
 * authored by the caller (compare-and-swap on the first entry's `prev`: if the head moved, 409
 * `MEMBERSHIP_CONFLICT` — fetch the new entries, re-check, re-create and retry).
 */
export const appendRequestSchema = z.strictObject({
  v: apiVersionSchema,
  entries: z.array(membershipEntryWireSchema).min(1).max(MAX_APPEND_ENTRIES),
});
export type AppendRequest = z.infer<typeof appendRequestSchema>;

export const appendResponseSchema = z.strictObject({
  v: apiVersionSchema,
  workspaceId: WorkspaceIdSchema,
  /** The new head (the last appended entry). */
  head: logHeadSchema,
  /** Each appended entry's seq and hash, in order. */
  appended: z.array(logHeadSchema).min(1),
});
export type AppendResponse = z.infer<typeof appendResponseSchema>;

/** `DELETE /v1/workspaces/:workspaceId` (ROOT): the workspace and its log are gone for good. */
export const deleteWorkspaceResponseSchema = z.strictObject({
  v: apiVersionSchema,
  id: WorkspaceIdSchema,
  deletedAt: timestampSchema,
});
export type DeleteWorkspaceResponse = z.infer<typeof deleteWorkspaceResponseSchema>;
