/**
 * The server's metadata store, behind one interface with two backends: SQLite (embedded
 * default, `sqlite.ts`) and PostgreSQL (several server processes, `postgres.ts`). Both run the
 * same queries (`kysely-storage.ts`) over the same schema (`schema.ts`, `migrations.ts`).
 *
 * Times are milliseconds since the epoch. Keys and hashes are base64url text. The store trusts
 * its caller: routes verify signatures and permissions before they write.
 */

import type {
  StoreCommitLoad,
  StoreCommitState,
  StoreCommitWrite,
  StoreEntrySelector,
  StoreRecordsPage,
} from './store-storage.js';

import type {
  StorageBackend,
  IdentityRecord,
  DeviceRecord,
  ChallengeRecord,
  TokenRecord,
  TokenLookup,
  PasswordAccessRow,
  PasswordAttemptRow,
  WorkspaceRecord,
  MembershipLogRecord,
  WorkspaceMemberRecord,
  NewEvent,
  EventRecord,
} from './records.js';

export type * from './records.js';

/** Small server-wide values (the server keys, the schema version). */
export interface MetaRepository {
  getMeta(key: string): Promise<string | undefined>;
  /** Stores `value` unless `key` already has one; returns the value now stored. */
  putMetaIfAbsent(key: string, value: string): Promise<string>;
}

/** Identities and their devices (`identity` routes, authentication). */
export interface IdentityRepository {
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
}

/** Login challenges and API tokens (`auth` routes). */
export interface TokenRepository {
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

/** Password-access records and failed-login state (SPAKE2+EE). */
export interface PasswordAccessRepository {
  getPasswordAccess(workspaceId: string, username: string): Promise<PasswordAccessRow | undefined>;
  /**
   * Stores a password-access record in one atomic statement. `register`: inserts, or replaces the
   * record if it is bound to the same identity; `change`: replaces an existing record of the same
   * identity only. Anything else (another identity's username; `change` of nothing) stores
   * nothing and returns `conflict`. A replacement keeps `createdAt`.
   */
  putPasswordAccess(
    row: PasswordAccessRow,
    op: 'register' | 'change',
  ): Promise<'stored' | 'conflict'>;
  /**
   * Runs `update` on the username's failed-login state inside a transaction that holds the row
   * (PostgreSQL: `SELECT … FOR UPDATE`; SQLite: a write lock taken first), then stores what it
   * returns (`next: undefined` deletes the state) and returns its `result`. Concurrent calls for
   * one username, from any server process on the database, run one after the other.
   */
  updatePasswordAttempts<T>(
    workspaceId: string,
    username: string,
    update: (current: PasswordAttemptRow | undefined) => {
      next: PasswordAttemptRow | undefined;
      result: T;
    },
  ): Promise<T>;
  getPasswordAttempts(
    workspaceId: string,
    username: string,
  ): Promise<PasswordAttemptRow | undefined>;
  clearPasswordAttempts(workspaceId: string, username: string): Promise<void>;
  /** Deletes failed-login states whose `forgetAt` is at or before `now`; returns how many. */
  deleteForgottenPasswordAttempts(now: number): Promise<number>;
}

/** Workspaces, their membership log and current members (workspaces-storage.ts). */
export interface WorkspaceRepository {
  /**
   * Creates a workspace with its genesis entry, members and events, in one transaction. Throws
   * `WORKSPACE_EXISTS` if the id was ever used (deleted workspaces included).
   */
  createWorkspace(
    workspace: WorkspaceRecord,
    genesis: MembershipLogRecord,
    members: readonly WorkspaceMemberRecord[],
    events: readonly NewEvent[],
  ): Promise<EventRecord[]>;
  /** The workspace, deleted ones included (check `deletedAt`). */
  getWorkspace(id: string): Promise<WorkspaceRecord | undefined>;
  /** Workspaces (not deleted) where the identity is a current member, with its membership. */
  listMemberWorkspaces(
    identityId: string,
  ): Promise<{ workspace: WorkspaceRecord; member: WorkspaceMemberRecord }[]>;
  getWorkspaceMember(
    workspaceId: string,
    identityId: string,
  ): Promise<WorkspaceMemberRecord | undefined>;
  /** Log entries with seq ≥ `fromSeq`, in order, at most `limit`. */
  getMembershipLog(
    workspaceId: string,
    fromSeq: number,
    limit: number,
  ): Promise<MembershipLogRecord[]>;
  /**
   * Appends entries if the head is still `expectedHead` (compare-and-swap), replaces the
   * members, records the events — all or nothing. Throws `MEMBERSHIP_CONFLICT` if the head
   * moved (a concurrent append won), `NOT_FOUND` if the workspace is gone.
   */
  appendMembershipEntries(
    workspaceId: string,
    expectedHead: { seq: number; hash: string },
    entries: readonly MembershipLogRecord[],
    members: readonly WorkspaceMemberRecord[],
    events: readonly NewEvent[],
    now: number,
  ): Promise<EventRecord[]>;
  /**
   * Marks the workspace deleted and removes its log, members and past events; records the
   * events `makeEvents` returns for the members it had (in the same transaction). Returns
   * undefined if there is no such (undeleted) workspace.
   */
  deleteWorkspace(
    id: string,
    deletedAt: number,
    makeEvents: (formerMembers: string[]) => NewEvent[],
  ): Promise<EventRecord[] | undefined>;
  /** Current member identities of each workspace. */
  listWorkspaceMemberIds(workspaceIds: readonly string[]): Promise<Map<string, Set<string>>>;
}

/** The push-event journal (`/v1/events`; events are written by the other repositories in their transactions). */
export interface EventRepository {
  /** The newest event cursor (0 if none). */
  latestEventId(): Promise<number>;
  /** The oldest event still kept (0 if none): events below it may have been pruned. */
  oldestEventId(): Promise<number>;
  /**
   * Deletes events recorded before `before` (ms) and their recipients, in one transaction —
   * never the newest event, so cursors never go back. Returns how many events were removed.
   */
  pruneEvents(before: number): Promise<number>;
  /** Every event after the cursor, in order. */
  listEventsAfter(after: number, limit: number): Promise<EventRecord[]>;
  /**
   * Events after the cursor the identity may see (current member of the event's workspace, or
   * a named recipient), optionally only of some workspaces, in order.
   */
  listVisibleEvents(
    identityId: string,
    after: number,
    workspaceIds: readonly string[] | null,
    limit: number,
  ): Promise<EventRecord[]>;
  /** Named recipients of each event (only events that have some). */
  listEventRecipients(eventIds: readonly number[]): Promise<Map<number, string[]>>;
  /**
   * Calls `listener` with a cursor when another connection (possibly another server process)
   * committed events (PostgreSQL LISTEN/NOTIFY), and with 0 after a reconnect (something may
   * have been missed). Undefined when the backend has a single process (SQLite).
   */
  listenForEvents?(
    listener: (cursor: number) => void,
    onError: (error: Error) => void,
  ): Promise<{ close(): Promise<void> }>;
}

/** The encrypted store: records and atomic commits (store-storage.ts). */
export interface StoreRepository {
  /** Every namespace and grant (first page) and the selected, unexpired entries. */
  getStoreRecords(
    workspaceId: string,
    options: { entries: StoreEntrySelector; after?: string; limit: number; now: number },
  ): Promise<StoreRecordsPage>;
  /**
   * One atomic store commit (see store-storage.ts): reads the state inside the transaction,
   * lets `decide` check it and say what to write (or throw), writes it and records the events.
   * `STORE_CONFLICT` if the membership head is no longer `expectedHead` or a token is taken.
   */
  commitStore(
    workspaceId: string,
    expectedHead: { seq: number; hash: string },
    load: StoreCommitLoad,
    decide: (state: StoreCommitState) => StoreCommitWrite,
    now: number,
  ): Promise<{ revision: number; events: EventRecord[] }>;
  /** Deletes up to `limit` entries expired at `now` (and grants on them), with their events. */
  sweepExpiredStoreEntries(
    now: number,
    limit: number,
    makeEvents: (workspaceId: string, revision: number, ids: string[]) => NewEvent[],
  ): Promise<{ removed: number; events: EventRecord[] }>;
}

/**
 * The whole storage: one object per backend (SQLite or PostgreSQL) implementing every
 * repository. Code that needs one area takes that repository's interface, not this one.
 */
export interface Storage
  extends
    MetaRepository,
    IdentityRepository,
    TokenRepository,
    PasswordAccessRepository,
    WorkspaceRepository,
    EventRepository,
    StoreRepository {
  readonly backend: StorageBackend;
  /** Cheap round trip to the database (health checks). */
  ping(): Promise<void>;
  /** Closes the connections; the store cannot be used afterwards. */
  close(): Promise<void>;
}
