/**
 * The server's metadata store, behind one interface with two backends: SQLite (embedded
 * default, `sqlite.ts`) and PostgreSQL (several server processes, `postgres.ts`). Both run the
 * same queries (`kysely-storage.ts`) over the same schema (`schema.ts`, `migrations.ts`).
 *
 * Times are milliseconds since the epoch. Keys and hashes are base64url text. The store trusts
 * its caller: routes verify signatures and permissions before they write.
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

export interface Storage {
  readonly backend: StorageBackend;

  /** Cheap round trip to the database (health checks). */
  ping(): Promise<void>;
  /** Closes the connections; the store cannot be used afterwards. */
  close(): Promise<void>;

  getMeta(key: string): Promise<string | undefined>;
  /** Stores `value` unless `key` already has one; returns the value now stored. */
  putMetaIfAbsent(key: string, value: string): Promise<string>;

  /** Registers an identity with its first device (both or neither). Throws `IDENTITY_EXISTS`,
   * `DEVICE_EXISTS`. */
  createIdentity(identity: IdentityRecord, firstDevice: DeviceRecord): Promise<void>;
  getIdentity(id: string): Promise<IdentityRecord | undefined>;

  /** Throws `DEVICE_EXISTS` if the device id is taken. */
  addDevice(device: DeviceRecord): Promise<void>;
  getDevice(id: string): Promise<DeviceRecord | undefined>;
  listDevices(identityId: string): Promise<DeviceRecord[]>;
  /**
   * Marks the device revoked (if it is not already) and revokes every token it holds, in one
   * transaction. Returns the device as stored afterwards, or undefined if there is none.
   */
  revokeDevice(
    id: string,
    revokedAt: number,
    revocation: string,
  ): Promise<DeviceRecord | undefined>;

  createChallenge(challenge: ChallengeRecord): Promise<void>;
  /** Removes and returns the challenge (single use): a second call returns undefined. */
  consumeChallenge(id: string): Promise<ChallengeRecord | undefined>;

  createToken(token: TokenRecord): Promise<void>;
  findTokenByHash(tokenHash: string): Promise<TokenLookup | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  /** Tokens of the identity neither revoked nor expired at `now`, oldest first. */
  listActiveTokens(identityId: string, now: number): Promise<TokenRecord[]>;
  countActiveTokens(identityId: string, now: number): Promise<number>;
  /** Revokes the token and every token derived from it; returns how many were revoked. */
  revokeTokenTree(id: string, now: number): Promise<number>;

  /** Deletes challenges expired before `now` and tokens expired or revoked before `tokensBefore`. */
  deleteExpired(now: number, tokensBefore: number): Promise<{ challenges: number; tokens: number }>;
}
