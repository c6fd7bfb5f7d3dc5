/**
 * The server's tables as Kysely sees them (one definition for SQLite and PostgreSQL).
 *
 * Portable column types only: `text` and `bigint` (times are milliseconds since the epoch; the
 * PostgreSQL driver is told to return int8 as a JS number). Binary values (keys, hashes) are
 * base64url text; signed statements and lists are JSON text.
 */

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

export interface Database {
  server_meta: ServerMetaTable;
  identities: IdentitiesTable;
  devices: DevicesTable;
  auth_challenges: AuthChallengesTable;
  tokens: TokensTable;
}
