/**
 * The encrypted store as the desktop app shows it (src-main/core/vault). Names, metadata and
 * access bits travel to the renderer; a value travels only when the user reveals or copies that
 * one entry (`vault.reveal`, `vault.copy` in browser mode). Values typed by the user travel
 * renderer → core only.
 */
import { z } from 'zod';
import { fingerprintSchema, memberNameSchema, workspaceIdSchema } from './common.js';

/** Store access bits (same names as src-shared/store/bits.ts). */
export const accessBitSchema = z.enum(['READ', 'WRITE', 'DELETE', 'EJECT']);
export type IpcAccessBit = z.infer<typeof accessBitSchema>;

/** A store path: segments joined by "/" ("" is the root). The core normalizes and checks it. */
export const storePathSchema = z.string().max(1024);

/** A value the user typed (store values are text in the app; at most 64 KiB as UTF-8). */
export const entryValueSchema = z.string().max(65536);

export const vaultNamespaceSchema = z.strictObject({
  /** "" for the root. */
  path: z.string(),
  isolated: z.boolean(),
  /** Your effective access bits on it. */
  access: z.array(accessBitSchema),
});
export type VaultNamespace = z.infer<typeof vaultNamespaceSchema>;

export const vaultEntrySchema = z.strictObject({
  /** Full path, e.g. "team/db/password". */
  path: z.string(),
  /** Path of the namespace it is in ("" = root). */
  namespace: z.string(),
  version: z.number().int().min(1),
  /** Member who wrote the current version ("last changed by"). */
  writer: z.string(),
  expiresAt: z.iso.datetime().nullable(),
  expired: z.boolean(),
  /** Your effective access bits on it. */
  access: z.array(accessBitSchema),
});
export type VaultEntry = z.infer<typeof vaultEntrySchema>;

export const vaultSnapshotSchema = z.strictObject({
  workspaceId: z.string(),
  displayName: z.string(),
  /** Your member name. */
  you: z.string(),
  /** The store exists (its root namespace was created; ROOT creates it with the first write). */
  hasStore: z.boolean(),
  /** You may create the store (ROOT). */
  canCreateStore: z.boolean(),
  /** Namespaces you can see, sorted by path (the root first). */
  namespaces: z.array(vaultNamespaceSchema),
  /** Entries you can read, sorted by path. */
  entries: z.array(vaultEntrySchema),
  /** "server": fetched now; "cache": the server could not be reached, this is the local copy. */
  source: z.enum(['server', 'cache']),
  /** When this copy was fetched from the server. */
  fetchedAt: z.iso.datetime(),
  /** Why the server could not be reached (source "cache"), else null. */
  offlineReason: z.string().nullable(),
});
export type VaultSnapshot = z.infer<typeof vaultSnapshotSchema>;

export const pathRequestSchema = z.strictObject({ path: storePathSchema });

/** The one secret that travels core → renderer, because the user asked for it. */
export const revealedEntrySchema = z.strictObject({
  path: z.string(),
  value: z.string(),
  version: z.number().int().min(1),
  writer: z.string(),
  expiresAt: z.iso.datetime().nullable(),
});
export type RevealedEntry = z.infer<typeof revealedEntrySchema>;

/**
 * `by: "core"`: the core wrote the clipboard itself (desktop app) and clears it; no value
 * travels. `by: "renderer"` (browser mode): the renderer writes `value` and clears it.
 */
export const copyResponseSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('core'), clearAfterSeconds: z.number().int().min(1) }),
  z.strictObject({
    by: z.literal('renderer'),
    value: z.string(),
    clearAfterSeconds: z.number().int().min(1),
  }),
]);
export type CopyResponse = z.infer<typeof copyResponseSchema>;

export const setEntryRequestSchema = z.strictObject({
  path: storePathSchema.min(1),
  value: entryValueSchema,
  /** null: never expires. */
  expiresAt: z.iso.datetime().nullable(),
  /** Editing: the version the user edited (STORE_CONFLICT if someone changed it meanwhile). */
  expectVersion: z.number().int().min(1).optional(),
  /** Creating: refuse if something is already there (STORE_EXISTS). */
  create: z.boolean().optional(),
});

export const deleteEntryResponseSchema = z.strictObject({
  path: z.string(),
  /** Give it back to `vault.undoDelete` within `undoSeconds` to restore the entry. */
  undoToken: z.string(),
  undoSeconds: z.number().int().min(1),
});

export const undoDeleteRequestSchema = z.strictObject({ undoToken: z.string().min(1).max(128) });

export const createNamespaceRequestSchema = z.strictObject({
  path: storePathSchema.min(1),
  /** Only you get its key; others need a grant from you. Needs EJECT on the parent. */
  isolated: z.boolean(),
});

export const deleteNamespaceResponseSchema = z.strictObject({
  path: z.string(),
  /** Entries and namespaces moved up one level. */
  moved: z.number().int().min(0),
});

export const sharingTargetSchema = z.strictObject({
  path: storePathSchema,
  kind: z.enum(['namespace', 'entry']),
});

export const grantViewSchema = z.strictObject({
  grantee: z.string(),
  granter: z.string(),
  access: z.array(accessBitSchema),
  /** False when the grant does not count (e.g. its granter lost the right to give it). */
  valid: z.boolean(),
  problem: z.string().nullable(),
});
export type GrantView = z.infer<typeof grantViewSchema>;

export const sharingViewSchema = z.strictObject({
  path: z.string(),
  kind: z.enum(['namespace', 'entry']),
  grants: z.array(grantViewSchema),
  /** Every member and what they can do here (from all grants, inherited ones too). */
  members: z.array(
    z.strictObject({
      name: z.string(),
      you: z.boolean(),
      access: z.array(accessBitSchema),
    }),
  ),
  /** Your bits here: WRITE… to grant (you give at most what you hold), EJECT to revoke. */
  yourAccess: z.array(accessBitSchema),
});
export type SharingView = z.infer<typeof sharingViewSchema>;

export const grantRequestSchema = sharingTargetSchema.extend({
  grantee: memberNameSchema,
  access: z.array(accessBitSchema).min(1),
});

export const revokeRequestSchema = sharingTargetSchema.extend({ grantee: memberNameSchema });

export const revokeResponseSchema = z.strictObject({
  sharing: sharingViewSchema,
  /** What the revoked member can no longer do, one sentence each. */
  cannot: z.array(z.string()),
  /** What they can still see, one sentence each (what they read before, other grants…). */
  canStill: z.array(z.string()),
});
export type RevokeResponse = z.infer<typeof revokeResponseSchema>;

export const workspaceListSchema = z.strictObject({
  workspaces: z.array(
    z.strictObject({
      id: z.string(),
      displayName: z.string(),
      current: z.boolean(),
      /** Its fingerprint as the server lists it (null offline): compare it out of band. */
      fingerprint: fingerprintSchema.nullable(),
      /** This device verified its log before (pinned). If not, opening it needs the fingerprint. */
      verifiedHere: z.boolean(),
    }),
  ),
});
export type WorkspaceList = z.infer<typeof workspaceListSchema>;

export const switchWorkspaceRequestSchema = z.strictObject({
  workspaceId: workspaceIdSchema,
  /**
   * Required for a workspace this device never verified: the fingerprint the user compared with
   * an administrator. A log with another genesis is refused (MEMBERSHIP_FORK).
   */
  expectFingerprint: fingerprintSchema.optional(),
});

/** The server's reachability as the core sees it. */
export const connectionStateSchema = z.strictObject({
  online: z.boolean(),
  /** Why not, for people. */
  reason: z.string().nullable(),
  since: z.iso.datetime(),
});
export type ConnectionState = z.infer<typeof connectionStateSchema>;

export const vaultChangedEventSchema = z.strictObject({
  workspaceId: z.string(),
  /** "remote": someone else changed it (push channel); "local": this device did. */
  origin: z.enum(['remote', 'local']),
});
