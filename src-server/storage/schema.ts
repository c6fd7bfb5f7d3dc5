/**
 * The server's tables as Kysely sees them (one definition for SQLite and PostgreSQL).
 *
 * Portable column types only: `text` and `bigint` (times are milliseconds since the epoch; the
 * PostgreSQL driver is told to return int8 as a JS number). Binary values (keys, hashes) are
 * base64url text; signed statements and lists are JSON text.
 */
import type { Generated } from 'kysely';

/** Small key → value settings (the server key pair in PostgreSQL mode). */
export interface ServerMetaTable {
  key: string;
  value: string;
}

export interface IdentitiesTable {
  /** Identity address (`bb1…`), derived from `sign_public_key`. */
  id: string;
  sign_public_key: string;
  box_public_key: string;
  display_name: string;
  /** The self-signed `identity.profile` statement (JSON). */
  profile: string;
  created_at: number;
}

export interface DevicesTable {
  /** The device's Ed25519 public key (base64url). */
  id: string;
  identity_id: string;
  name: string;
  platform: string;
  /** The identity-signed `device.cert` statement (JSON). */
  certificate: string;
  created_at: number;
  revoked_at: number | null;
  /** The identity-signed `device.revoke` statement (JSON). */
  revocation: string | null;
}

export interface AuthChallengesTable {
  id: string;
  nonce: string;
  created_at: number;
  expires_at: number;
}

export interface TokensTable {
  /** Public id (16 random bytes, base64url). */
  id: string;
  /** BLAKE2b-256 of the token's 32 secret bytes (base64url); the token itself is never stored. */
  token_hash: string;
  identity_id: string;
  device_id: string;
  /** The token this one was derived from (null for a login token). */
  parent_id: string | null;
  /** JSON array of scope names. */
  scopes: string;
  workspace_id: string | null;
  label: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** Password access per (workspace, username): SPAKE2+EE verifier and keyfile blob. */
export interface PasswordAccessTable {
  workspace_id: string;
  /** Normalized username (`normalizeUsername`). */
  username: string;
  /** The identity the username is bound to (the first to register it). */
  identity_id: string;
  /** SPAKE2+EE stored data, 164 bytes (base64url). */
  stored_data: string;
  /** The keyfile blob released on a successful login (base64url, at most 2 MiB of bytes). */
  keyfile_blob: string;
  created_at: number;
  updated_at: number;
}

/** Failed password logins per (workspace, username) (`decideAttempt`'s state). */
export interface PasswordAccessAttemptsTable {
  workspace_id: string;
  username: string;
  failures: number;
  last_attempt_at: number;
  /** 0: not locked. */
  locked_until: number;
  lockouts: number;
  /** The state may be deleted from then on (it no longer affects any decision). */
  forget_at: number;
}

/** One row per workspace ever created; a deleted one stays as a tombstone (`deleted_at`). */
export interface WorkspacesTable {
  id: string;
  display_name: string;
  /** Hash of the genesis entry (the workspace fingerprint). */
  genesis_hash: string;
  /** Last entry of the membership log: compare-and-swap target of appends. */
  head_seq: number;
  head_hash: string;
  created_at: number;
  deleted_at: number | null;
}

/** Membership log entries as the clients sent them (JSON), one per (workspace, seq). */
export interface MembershipLogTable {
  workspace_id: string;
  seq: number;
  entry: string;
  entry_hash: string;
}

/** Current members per the verified log (rewritten on each append). */
export interface WorkspaceMembersTable {
  workspace_id: string;
  /** Identity address of the member's identity sign key. */
  identity_id: string;
  name: string;
  /** JSON array of permissions. */
  permissions: string;
}

/** The push channel's feed; `id` is the global cursor. */
export interface EventsTable {
  id: Generated<number>;
  workspace_id: string;
  type: string;
  /** JSON of the event as sent to clients. */
  payload: string;
  created_at: number;
}

/** Identities that may see an event besides the workspace's current members. */
export interface EventRecipientsTable {
  event_id: number;
  identity_id: string;
}

/** Encrypted store records (store-migration.ts). */
export interface StoreRecordsTable {
  workspace_id: string;
  kind: string;
  id: string;
  token: string | null;
  ref_id: string | null;
  expires_at: number | null;
  hash: string;
  record: string;
  updated_at: number;
}

export interface StoreTombstonesTable {
  workspace_id: string;
  token: string;
  version: number;
}

export interface StoreHeadsTable {
  workspace_id: string;
  revision: number;
}

export interface Database {
  server_meta: ServerMetaTable;
  identities: IdentitiesTable;
  devices: DevicesTable;
  auth_challenges: AuthChallengesTable;
  tokens: TokensTable;
  workspaces: WorkspacesTable;
  membership_log: MembershipLogTable;
  workspace_members: WorkspaceMembersTable;
  events: EventsTable;
  event_recipients: EventRecipientsTable;
  password_access: PasswordAccessTable;
  password_access_attempts: PasswordAccessAttemptsTable;
  store_records: StoreRecordsTable;
  store_tombstones: StoreTombstonesTable;
  store_heads: StoreHeadsTable;
}
