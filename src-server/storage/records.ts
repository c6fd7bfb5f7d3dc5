/**
 * The rows the server's storage reads and writes (no behaviour, no imports): shared by the
 * storage interface (`storage.ts`) and the query modules that implement it, so neither imports
 * the other. Times are milliseconds since the epoch; keys and hashes are base64url text.
 */

export type StorageBackend = 'sqlite' | 'postgres';

export interface IdentityRecord {
  id: string;
  signPublicKey: string;
  boxPublicKey: string;
  displayName: string;
  /** JSON of the self-signed `identity.profile` statement. */
  profile: string;
  createdAt: number;
}

export interface DeviceRecord {
  id: string;
  identityId: string;
  name: string;
  platform: string;
  /** JSON of the `device.cert` statement. */
  certificate: string;
  createdAt: number;
  revokedAt: number | null;
  /** JSON of the `device.revoke` statement. */
  revocation: string | null;
}

export interface ChallengeRecord {
  id: string;
  nonce: string;
  createdAt: number;
  expiresAt: number;
}

export interface TokenRecord {
  id: string;
  tokenHash: string;
  identityId: string;
  deviceId: string;
  parentId: string | null;
  scopes: string[];
  workspaceId: string | null;
  label: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** A token found by its hash, with the state of its device. */
export interface TokenLookup extends TokenRecord {
  deviceRevokedAt: number | null;
}

/** Password access of one username in one workspace (docs/password-access.md). */
export interface PasswordAccessRow {
  workspaceId: string;
  username: string;
  /** The identity the username is bound to. */
  identityId: string;
  /** SPAKE2+EE stored data (base64url). */
  storedData: string;
  /** Keyfile blob (base64url). */
  keyfileBlob: string;
  createdAt: number;
  updatedAt: number;
}

/** Failed-login state of one username (`AttemptState` of failed-login-limiter.ts). */
export interface PasswordAttemptRow {
  failures: number;
  lastAttemptAt: number;
  lockedUntil: number;
  lockouts: number;
  /** From then on the state no longer matters and may be swept. */
  forgetAt: number;
}

/** A workspace (membership log metadata). */
export interface WorkspaceRecord {
  id: string;
  displayName: string;
  genesisHash: string;
  headSeq: number;
  headHash: string;
  createdAt: number;
  /** Set once deleted (the row stays as a tombstone; log, members and events are gone). */
  deletedAt: number | null;
}

/** One membership log entry: the JSON the author signed, and its hash. */
export interface MembershipLogRecord {
  seq: number;
  /** The entry as JSON text. */
  entry: string;
  hash: string;
}

/** A current member (from the verified log). */
export interface WorkspaceMemberRecord {
  /** Identity address of the member's identity sign key. */
  identityId: string;
  name: string;
  permissions: string[];
}

/** An event to record in the same transaction as the change it describes. */
export interface NewEvent {
  workspaceId: string;
  type: string;
  /** JSON of the event as sent to clients. */
  payload: string;
  /** Identities that may see it besides the workspace's current members. */
  recipients?: readonly string[];
}

/** A recorded event; `id` is the global cursor (increasing in commit order). */
export interface EventRecord {
  id: number;
  workspaceId: string;
  type: string;
  payload: string;
  createdAt: number;
}
